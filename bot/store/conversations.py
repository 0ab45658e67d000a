"""Conversations, answers, feedback, FAQ candidates and unanswered questions, in SQLite under the data dir.

Sessions expire after a period without use and survive a restart, and belong to the client that opened them.
Every stored text is masked first; the file is readable by its owner only, and rows older than the retention
period are purged at start-up and then on writes, at most once per purge interval.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bot.privacy import mask

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, created REAL NOT NULL, last_seen REAL NOT NULL, region TEXT, client TEXT);
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
    reviewed REAL, source TEXT);
CREATE TABLE IF NOT EXISTS wechat_messages (key TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS wechat_users (openid TEXT PRIMARY KEY, session_id TEXT NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS gaps (
    id INTEGER PRIMARY KEY AUTOINCREMENT, question TEXT NOT NULL, reason TEXT NOT NULL,
    confidence REAL NOT NULL, channel TEXT NOT NULL, created REAL NOT NULL);
"""
# Columns added since the first release, for files created before them (CREATE TABLE IF NOT EXISTS keeps
# an old table as it was).
ADDED_COLUMNS = {"sessions": ["client TEXT"], "faq": ["source TEXT"]}
# One candidate per answer: created after the columns, and only where no old duplicates stand in its way.
ONE_CANDIDATE_PER_ANSWER = ("CREATE UNIQUE INDEX IF NOT EXISTS faq_one_per_answer ON faq (source_answer_id) "
                            "WHERE source_answer_id IS NOT NULL")
FAQ_COLUMNS = "id, question, answer, basis, status, source_answer_id, created, source"
PURGE_EVERY_SECONDS = 3600.0


class FaqCandidateExists(Exception):
    """The answer already has its FAQ candidate (one per answer: a second is refused, not stacked)."""

    def __init__(self, faq_id: int):
        super().__init__(faq_id)
        self.faq_id = faq_id


def _client_digest(client: str, salt: str | None = None) -> str:
    """A salted digest of the client key: the session can be checked against it, the address not read back."""
    salt = salt or secrets.token_hex(8)
    return salt + ":" + hashlib.sha256(f"{salt}:{client}".encode()).hexdigest()


def _faq_row(r: tuple) -> dict:
    return {"id": r[0], "question": r[1], "answer": r[2], "basis": json.loads(r[3]), "status": r[4],
            "source_answer_id": r[5], "created": r[6], "source": r[7]}


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

    def __init__(self, path: Path, ttl_seconds: float, retention_days: float = 180,
                 purge_every_seconds: float = PURGE_EVERY_SECONDS):
        path.parent.mkdir(parents=True, exist_ok=True)
        # created owner-only before SQLite opens it; SQLite gives its -wal and -shm files the same mode. Only
        # a new file is opened here: closing a descriptor of a database this process has open would drop
        # SQLite's locks on it (POSIX locks are per process), and another process's writes could corrupt it.
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass
        os.chmod(path, 0o600)  # a file from before this release too
        self.path = path
        self.ttl = ttl_seconds
        self.retention = retention_days * 86400
        self.purge_every = purge_every_seconds
        self._local = threading.local()
        with self._db() as db:
            db.executescript(SCHEMA)
            for table, columns in ADDED_COLUMNS.items():
                have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                for column in columns:
                    if column.split()[0] not in have:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
            try:
                db.execute(ONE_CANDIDATE_PER_ANSWER)
            except sqlite3.IntegrityError:  # duplicates from before: add_faq_candidate still refuses new ones
                pass
        self._purged = 0.0
        self.purge_old()

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    # -- sessions ----------------------------------------------------------------------------------

    def new_session(self, region: str | None = None, client: str | None = None) -> str:
        """A new conversation, bound to `client` (the caller's client key) when given."""
        session_id = uuid.uuid4().hex
        now = time.time()
        with self._db() as db:
            db.execute("INSERT INTO sessions (id, created, last_seen, region, client) VALUES (?, ?, ?, ?, ?)",
                       (session_id, now, now, region, _client_digest(client) if client else None))
        return session_id

    def session_client_matches(self, session_id: str, client: str | None) -> bool:
        """Whether `client` is the one the session was opened by (None: a session of an internal channel)."""
        row = self._db().execute("SELECT client FROM sessions WHERE id = ?", (session_id,)).fetchone()
        stored = row[0] if row else None
        if stored is None or client is None:
            return stored is None and client is None
        return hmac.compare_digest(stored, _client_digest(client, stored.split(":", 1)[0]))

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

    def purge_old(self) -> int:
        """Delete what is older than the retention period (HOTLINE_RETENTION_DAYS); approved and rejected FAQ
        pairs are the bureau's decisions and stay. Returns the number of rows deleted."""
        cutoff = time.time() - self.retention
        self._purged = time.time()
        with self._db() as db:
            return sum(db.execute(sql, (cutoff,)).rowcount for sql in (
                "DELETE FROM sessions WHERE last_seen < ?",
                "DELETE FROM answers WHERE created < ?",
                "DELETE FROM feedback WHERE created < ?",
                "DELETE FROM faq WHERE status = 'candidate' AND created < ?",
                "DELETE FROM gaps WHERE created < ?",
                "DELETE FROM wechat_users WHERE updated < ?",
            ))

    def _purge_if_due(self) -> None:
        if time.time() - self._purged >= self.purge_every:
            self.purge_old()

    def history(self, session_id: str, turns: int = 3) -> list[Turn]:
        rows = self._db().execute(
            "SELECT question, rewritten, grounded, citations FROM answers WHERE session_id = ? "
            "ORDER BY created DESC LIMIT ?", (session_id, turns)).fetchall()
        return [Turn(q, r, bool(g), json.loads(c)) for q, r, g, c in reversed(rows)]

    # -- answers, feedback, FAQ ----------------------------------------------------------------------

    def save_answer(self, answer_id: str, session_id: str | None, channel: str, question: str,
                    rewritten: str | None, answer: str, grounded: bool, confidence: float,
                    citations: list[dict]) -> None:
        self._purge_if_due()
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

    def add_faq_candidate(self, question: str, answer: str, basis: list[str], source_answer_id: str | None,
                          source: str) -> int:
        """A candidate from `source` ("web", "operator:<name>"); FaqCandidateExists if the answer has one."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")  # the check and the insert as one write: no two candidates race in
            existing = db.execute("SELECT id FROM faq WHERE source_answer_id = ?", (source_answer_id,)).fetchone()
            if existing and source_answer_id is not None:
                raise FaqCandidateExists(existing[0])
            cursor = db.execute("INSERT INTO faq (question, answer, basis, status, source_answer_id, created, source) "
                                "VALUES (?, ?, ?, 'candidate', ?, ?, ?)",
                                (mask(question), mask(answer), json.dumps(basis, ensure_ascii=False),
                                 source_answer_id, time.time(), source))
            return cursor.lastrowid

    def faq(self, status: str | None = None, limit: int | None = None, offset: int = 0) -> list[dict]:
        """FAQ pairs in the order they came, `limit` of them from `offset` (all when limit is None)."""
        where, args = (" WHERE status = ?", [status]) if status else ("", [])
        rows = self._db().execute(f"SELECT {FAQ_COLUMNS} FROM faq{where} ORDER BY id LIMIT ? OFFSET ?",
                                  (*args, -1 if limit is None else limit, offset)).fetchall()
        return [_faq_row(r) for r in rows]

    def count_faq(self, status: str | None = None) -> int:
        where, args = (" WHERE status = ?", (status,)) if status else ("", ())
        return self._db().execute(f"SELECT COUNT(*) FROM faq{where}", args).fetchone()[0]

    def faq_item(self, faq_id: int) -> dict | None:
        row = self._db().execute(f"SELECT {FAQ_COLUMNS} FROM faq WHERE id = ?", (faq_id,)).fetchone()
        return _faq_row(row) if row else None

    def edit_faq(self, faq_id: int, question: str | None = None, answer: str | None = None,
                 basis: list[str] | None = None) -> bool:
        """A reviewer's changes to a pair (the fields given); False if there is no such pair."""
        changes = {"question": mask(question) if question is not None else None,
                   "answer": mask(answer) if answer is not None else None,
                   "basis": json.dumps(basis, ensure_ascii=False) if basis is not None else None}
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            return self.faq_item(faq_id) is not None
        assignments = ", ".join(f"{k} = ?" for k in changes)
        with self._db() as db:
            return db.execute(f"UPDATE faq SET {assignments} WHERE id = ?", (*changes.values(), faq_id)).rowcount == 1

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
        self._purge_if_due()
        with self._db() as db:
            db.execute("INSERT INTO gaps (question, reason, confidence, channel, created) VALUES (?, ?, ?, ?, ?)",
                       (mask(question), reason, confidence, channel, time.time()))

    def gaps(self, limit: int = 5000) -> list[dict]:
        rows = self._db().execute("SELECT question, reason, confidence, channel, created FROM gaps "
                                  "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [{"question": r[0], "reason": r[1], "confidence": r[2], "channel": r[3], "created": r[4]}
                for r in rows]
