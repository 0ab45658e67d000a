"""Conversations, answers, feedback, FAQ candidates and unanswered questions, in SQLite under the data dir.

Sessions expire after a period without use and survive a restart. Every stored question is masked first.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bot.privacy import mask

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, created REAL NOT NULL, last_seen REAL NOT NULL, region TEXT);
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY, session_id TEXT, channel TEXT NOT NULL, question TEXT NOT NULL,
    rewritten TEXT, answer TEXT NOT NULL, grounded INTEGER NOT NULL, confidence REAL NOT NULL,
    citations TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS answers_by_session ON answers (session_id, created);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id TEXT NOT NULL, rating TEXT NOT NULL,
    comment TEXT, corrected_answer TEXT, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS faq (
    id INTEGER PRIMARY KEY AUTOINCREMENT, question TEXT NOT NULL, answer TEXT NOT NULL,
    basis TEXT NOT NULL, status TEXT NOT NULL, source_answer_id TEXT, created REAL NOT NULL,
    reviewed REAL);
CREATE TABLE IF NOT EXISTS wechat_messages (key TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS wechat_users (openid TEXT PRIMARY KEY, session_id TEXT NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS gaps (
    id INTEGER PRIMARY KEY AUTOINCREMENT, question TEXT NOT NULL, reason TEXT NOT NULL,
    confidence REAL NOT NULL, channel TEXT NOT NULL, created REAL NOT NULL);
"""


@dataclass
class Turn:
    question: str
    rewritten: str | None
    grounded: bool
    citations: list[dict]


@dataclass
class StoredAnswer:
    id: str
    session_id: str | None
    question: str
    answer: str
    grounded: bool
    citations: list[dict]


class ConversationStore:
    """One SQLite file; a connection per thread (sqlite3 objects must stay in their thread)."""

    def __init__(self, path: Path, ttl_seconds: float):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.ttl = ttl_seconds
        self._local = threading.local()
        with self._db() as db:
            db.executescript(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    # -- sessions ----------------------------------------------------------------------------------

    def new_session(self, region: str | None = None) -> str:
        session_id = uuid.uuid4().hex
        now = time.time()
        with self._db() as db:
            db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (session_id, now, now, region))
        return session_id

    def session_exists(self, session_id: str) -> bool:
        """True for a live session (and marks it used); an expired one is deleted."""
        now = time.time()
        with self._db() as db:
            row = db.execute("SELECT last_seen FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                return False
            if now - row[0] > self.ttl:
                db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
                return False
            db.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", (now, session_id))
        return True

    def purge_expired(self) -> int:
        with self._db() as db:
            return db.execute("DELETE FROM sessions WHERE last_seen < ?", (time.time() - self.ttl,)).rowcount

    def history(self, session_id: str, turns: int = 3) -> list[Turn]:
        rows = self._db().execute(
            "SELECT question, rewritten, grounded, citations FROM answers WHERE session_id = ? "
            "ORDER BY created DESC LIMIT ?", (session_id, turns)).fetchall()
        return [Turn(q, r, bool(g), json.loads(c)) for q, r, g, c in reversed(rows)]

    # -- answers, feedback, FAQ ----------------------------------------------------------------------

    def save_answer(self, answer_id: str, session_id: str | None, channel: str, question: str,
                    rewritten: str | None, answer: str, grounded: bool, confidence: float,
                    citations: list[dict]) -> None:
        with self._db() as db:
            db.execute("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (answer_id, session_id, channel, mask(question), mask(rewritten) if rewritten else None,
                        answer, int(grounded), confidence, json.dumps(citations, ensure_ascii=False),
                        time.time()))

    def get_answer(self, answer_id: str) -> StoredAnswer | None:
        row = self._db().execute("SELECT id, session_id, question, answer, grounded, citations FROM answers "
                                 "WHERE id = ?", (answer_id,)).fetchone()
        if row is None:
            return None
        return StoredAnswer(row[0], row[1], row[2], row[3], bool(row[4]), json.loads(row[5]))

    def add_feedback(self, answer_id: str, rating: str, comment: str | None, corrected: str | None) -> int:
        with self._db() as db:
            cursor = db.execute("INSERT INTO feedback (answer_id, rating, comment, corrected_answer, created) "
                                "VALUES (?, ?, ?, ?, ?)",
                                (answer_id, rating, mask(comment) if comment else None,
                                 mask(corrected) if corrected else None, time.time()))
            return cursor.lastrowid

    def add_faq_candidate(self, question: str, answer: str, basis: list[str], source_answer_id: str | None) -> int:
        with self._db() as db:
            cursor = db.execute("INSERT INTO faq (question, answer, basis, status, source_answer_id, created) "
                                "VALUES (?, ?, ?, 'candidate', ?, ?)",
                                (mask(question), mask(answer), json.dumps(basis, ensure_ascii=False),
                                 source_answer_id, time.time()))
            return cursor.lastrowid

    def faq(self, status: str | None = None) -> list[dict]:
        query = "SELECT id, question, answer, basis, status, source_answer_id, created FROM faq"
        rows = self._db().execute(query + (" WHERE status = ?" if status else "") + " ORDER BY id",
                                  (status,) if status else ()).fetchall()
        return [{"id": r[0], "question": r[1], "answer": r[2], "basis": json.loads(r[3]), "status": r[4],
                 "source_answer_id": r[5], "created": r[6]} for r in rows]

    def review_faq(self, faq_id: int, status: str) -> bool:
        with self._db() as db:
            return db.execute("UPDATE faq SET status = ?, reviewed = ? WHERE id = ?",
                              (status, time.time(), faq_id)).rowcount == 1

    # -- WeChat -------------------------------------------------------------------------------------

    def claim_message(self, key: str, keep_seconds: float = 86400) -> bool:
        """True for the first time a message is seen (WeChat retries the same MsgId up to three times)."""
        now = time.time()
        with self._db() as db:
            db.execute("DELETE FROM wechat_messages WHERE created < ?", (now - keep_seconds,))
            return db.execute("INSERT OR IGNORE INTO wechat_messages VALUES (?, ?)", (key, now)).rowcount == 1

    def wechat_session(self, openid: str) -> str | None:
        row = self._db().execute("SELECT session_id FROM wechat_users WHERE openid = ?", (openid,)).fetchone()
        return row[0] if row else None

    def set_wechat_session(self, openid: str, session_id: str | None) -> None:
        if session_id:
            with self._db() as db:
                db.execute("INSERT OR REPLACE INTO wechat_users VALUES (?, ?, ?)", (openid, session_id, time.time()))

    # -- gaps ----------------------------------------------------------------------------------------

    def record_gap(self, question: str, reason: str, confidence: float, channel: str) -> None:
        with self._db() as db:
            db.execute("INSERT INTO gaps (question, reason, confidence, channel, created) VALUES (?, ?, ?, ?, ?)",
                       (mask(question), reason, confidence, channel, time.time()))

    def gaps(self, limit: int = 5000) -> list[dict]:
        rows = self._db().execute("SELECT question, reason, confidence, channel, created FROM gaps "
                                  "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [{"question": r[0], "reason": r[1], "confidence": r[2], "channel": r[3], "created": r[4]}
                for r in rows]
