"""Conversations, answers, feedback, FAQ candidates, unanswered questions and WeChat users: SQLite under the
data dir (one machine, no server), or PostgreSQL with HOTLINE_DATABASE_URL (every machine sees the same).

SQLAlchemy Core over both; the schema is Alembic's (bot/store/migrations), brought up to date when the store
opens. Sessions expire after a period without use and survive a restart, and belong to the client that opened
them. Every stored text is masked first; the SQLite file is readable by its owner only, and rows older than
the retention period are purged at start-up and then on writes, at most once per purge interval.
WeChat message claims go to Redis when HOTLINE_REDIS_URL is set (they expire there by themselves).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bot.privacy import mask
from bot.store.db import database_url, make_engine, migrate
from bot.store.shared import SharedState

PURGE_EVERY_SECONDS = 3600.0

# The tables as the queries see them; their definition (types, keys, indexes) is the migrations'.
_meta = sa.MetaData()
sessions = sa.Table("sessions", _meta, *(sa.Column(c) for c in ("id", "created", "last_seen", "region", "client")))
answers = sa.Table("answers", _meta, *(sa.Column(c) for c in (
    "id", "session_id", "channel", "question", "rewritten", "answer", "grounded", "confidence", "citations",
    "created")))
feedback = sa.Table("feedback", _meta, *(sa.Column(c) for c in (
    "id", "answer_id", "rating", "comment", "corrected_answer", "created")))
faq = sa.Table("faq", _meta, *(sa.Column(c) for c in (
    "id", "question", "answer", "basis", "status", "source_answer_id", "created", "reviewed", "source")))
wechat_messages = sa.Table("wechat_messages", _meta, sa.Column("key"), sa.Column("created"))
wechat_users = sa.Table("wechat_users", _meta, sa.Column("openid"), sa.Column("session_id"), sa.Column("updated"))
gaps = sa.Table("gaps", _meta, *(sa.Column(c) for c in ("id", "question", "reason", "confidence", "channel",
                                                         "created")))
FAQ_COLUMNS = [faq.c[name] for name in ("id", "question", "answer", "basis", "status", "source_answer_id", "created",
                                         "source")]


class FaqCandidateExists(Exception):
    """The answer already has its FAQ candidate (one per answer: a second is refused, not stacked)."""

    def __init__(self, faq_id: int):
        super().__init__(faq_id)
        self.faq_id = faq_id


def _client_digest(client: str, salt: str | None = None) -> str:
    """A salted digest of the client key: the session can be checked against it, the address not read back."""
    salt = salt or secrets.token_hex(8)
    return salt + ":" + hashlib.sha256(f"{salt}:{client}".encode()).hexdigest()


def _faq_row(r) -> dict:
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


def open_store(settings, claims: SharedState | None = None) -> "ConversationStore":
    """The store the settings name: PostgreSQL (HOTLINE_DATABASE_URL) or hotline.sqlite3 under the data dir."""
    url = database_url(settings.database_url.get_secret_value(), settings.data_dir)
    return ConversationStore(url, settings.session_ttl_minutes * 60, settings.retention_days, claims=claims)


class ConversationStore:
    """`where` is a SQLite file's path or a database URL; `claims` (Redis) takes the WeChat claims if given."""

    def __init__(self, where: Path | str, ttl_seconds: float, retention_days: float = 180,
                 purge_every_seconds: float = PURGE_EVERY_SECONDS, claims: SharedState | None = None):
        self.engine = make_engine(f"sqlite:///{where}" if isinstance(where, Path) else where)
        migrate(self.engine)
        self.reader = self.engine.execution_options(readonly=True)  # SQLite: reads never queue behind writes
        self.dialect = self.engine.dialect.name
        self.ttl = ttl_seconds
        self.retention = retention_days * 86400
        self.purge_every = purge_every_seconds
        self.claims = claims
        self._purged = 0.0
        self.purge_old()

    def _read(self, query) -> list:
        with self.reader.connect() as db:
            return db.execute(query).all()

    def _write(self, *statements) -> list[int]:
        """Run the statements in one transaction; their row counts."""
        with self.engine.begin() as db:
            return [db.execute(s).rowcount for s in statements]

    def _insert_ignore(self, table: sa.Table, **values):
        """INSERT … ON CONFLICT DO NOTHING in the database's own dialect."""
        from sqlalchemy.dialects import postgresql, sqlite

        return (postgresql if self.dialect == "postgresql" else sqlite).insert(table).values(**values)

    # -- sessions ----------------------------------------------------------------------------------

    def new_session(self, region: str | None = None, client: str | None = None) -> str:
        """A new conversation, bound to `client` (the caller's client key) when given."""
        session_id = uuid.uuid4().hex
        now = time.time()
        self._write(sessions.insert().values(id=session_id, created=now, last_seen=now, region=region,
                                             client=_client_digest(client) if client else None))
        return session_id

    def session_client_matches(self, session_id: str, client: str | None) -> bool:
        """Whether `client` is the one the session was opened by (None: a session of an internal channel)."""
        rows = self._read(sa.select(sessions.c.client).where(sessions.c.id == session_id))
        stored = rows[0][0] if rows else None
        if stored is None or client is None:
            return stored is None and client is None
        return hmac.compare_digest(stored, _client_digest(client, stored.split(":", 1)[0]))

    def session_exists(self, session_id: str) -> bool:
        """True for a live session (and marks it used); an expired one is deleted."""
        now = time.time()
        live = (sessions.c.id == session_id) & (sessions.c.last_seen >= now - self.ttl)
        with self.engine.begin() as db:
            if db.execute(sessions.update().where(live).values(last_seen=now)).rowcount:
                return True
            db.execute(sessions.delete().where(sessions.c.id == session_id))
        return False

    def purge_expired(self) -> int:
        return self._write(sessions.delete().where(sessions.c.last_seen < time.time() - self.ttl))[0]

    def purge_old(self) -> int:
        """Delete what is older than the retention period (HOTLINE_RETENTION_DAYS); approved and rejected FAQ
        pairs are the bureau's decisions and stay. Returns the number of rows deleted."""
        cutoff = time.time() - self.retention
        self._purged = time.time()
        return sum(self._write(
            sessions.delete().where(sessions.c.last_seen < cutoff),
            answers.delete().where(answers.c.created < cutoff),
            feedback.delete().where(feedback.c.created < cutoff),
            faq.delete().where((faq.c.status == "candidate") & (faq.c.created < cutoff)),
            gaps.delete().where(gaps.c.created < cutoff),
            wechat_users.delete().where(wechat_users.c.updated < cutoff),
        ))

    def _purge_if_due(self) -> None:
        if time.time() - self._purged >= self.purge_every:
            self.purge_old()

    def history(self, session_id: str, turns: int = 3) -> list[Turn]:
        rows = self._read(sa.select(answers.c.question, answers.c.rewritten, answers.c.grounded, answers.c.citations)
                          .where(answers.c.session_id == session_id).order_by(answers.c.created.desc()).limit(turns))
        return [Turn(q, r, bool(g), json.loads(c)) for q, r, g, c in reversed(rows)]

    # -- answers, feedback, FAQ ----------------------------------------------------------------------

    def save_answer(self, answer_id: str, session_id: str | None, channel: str, question: str,
                    rewritten: str | None, answer: str, grounded: bool, confidence: float,
                    citations: list[dict]) -> None:
        self._purge_if_due()
        self._write(answers.insert().values(
            id=answer_id, session_id=session_id, channel=channel, question=mask(question),
            rewritten=mask(rewritten) if rewritten else None, answer=answer, grounded=int(grounded),
            confidence=confidence, citations=json.dumps(citations, ensure_ascii=False), created=time.time()))

    def get_answer(self, answer_id: str) -> StoredAnswer | None:
        rows = self._read(sa.select(answers.c.id, answers.c.session_id, answers.c.question, answers.c.answer,
                                    answers.c.grounded, answers.c.citations).where(answers.c.id == answer_id))
        if not rows:
            return None
        row = rows[0]
        return StoredAnswer(row[0], row[1], row[2], row[3], bool(row[4]), json.loads(row[5]))

    def add_feedback(self, answer_id: str, rating: str, comment: str | None, corrected: str | None) -> int:
        with self.engine.begin() as db:
            return db.execute(feedback.insert().values(
                answer_id=answer_id, rating=rating, comment=mask(comment) if comment else None,
                corrected_answer=mask(corrected) if corrected else None, created=time.time())
                .returning(feedback.c.id)).scalar_one()

    def add_faq_candidate(self, question: str, answer: str, basis: list[str], source_answer_id: str | None,
                          source: str) -> int:
        """A candidate from `source` ("web", "operator:<name>"); FaqCandidateExists if the answer has one."""
        insert = faq.insert().values(question=mask(question), answer=mask(answer),
                                     basis=json.dumps(basis, ensure_ascii=False), status="candidate",
                                     source_answer_id=source_answer_id, created=time.time(), source=source)
        try:
            with self.engine.begin() as db:
                if source_answer_id is not None:
                    existing = db.execute(sa.select(faq.c.id).where(faq.c.source_answer_id == source_answer_id)).first()
                    if existing:
                        raise FaqCandidateExists(existing[0])
                return db.execute(insert.returning(faq.c.id)).scalar_one()
        except sa.exc.IntegrityError:  # another machine's candidate for this answer won the race (unique index)
            existing = self._read(sa.select(faq.c.id).where(faq.c.source_answer_id == source_answer_id))
            raise FaqCandidateExists(existing[0][0]) from None

    @staticmethod
    def _status(query, status: str | None):
        return query.where(faq.c.status == status) if status else query

    def faq(self, status: str | None = None, limit: int | None = None, offset: int = 0) -> list[dict]:
        """FAQ pairs in the order they came, `limit` of them from `offset` (all when limit is None)."""
        query = self._status(sa.select(*FAQ_COLUMNS), status).order_by(faq.c.id).limit(limit).offset(offset)
        return [_faq_row(r) for r in self._read(query)]

    def count_faq(self, status: str | None = None) -> int:
        return self._read(self._status(sa.select(sa.func.count()).select_from(faq), status))[0][0]

    def faq_item(self, faq_id: int) -> dict | None:
        rows = self._read(sa.select(*FAQ_COLUMNS).where(faq.c.id == faq_id))
        return _faq_row(rows[0]) if rows else None

    def edit_faq(self, faq_id: int, question: str | None = None, answer: str | None = None,
                 basis: list[str] | None = None) -> bool:
        """A reviewer's changes to a pair (the fields given); False if there is no such pair."""
        changes = {"question": mask(question) if question is not None else None,
                   "answer": mask(answer) if answer is not None else None,
                   "basis": json.dumps(basis, ensure_ascii=False) if basis is not None else None}
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            return self.faq_item(faq_id) is not None
        return self._write(faq.update().where(faq.c.id == faq_id).values(**changes))[0] == 1

    def review_faq(self, faq_id: int, status: str) -> bool:
        return self._write(faq.update().where(faq.c.id == faq_id).values(status=status, reviewed=time.time()))[0] == 1

    # -- WeChat -------------------------------------------------------------------------------------

    def claim_message(self, key: str, keep_seconds: float = 86400) -> bool:
        """True for the first time a message (or a nonce) is seen, on every machine sharing the store: WeChat
        retries the same MsgId up to three times, and may reach another machine."""
        if self.claims is not None:
            return self.claims.claim(f"wechat:{key}", keep_seconds)
        now = time.time()
        claim = (self._insert_ignore(wechat_messages, key=key, created=now).on_conflict_do_nothing()
                 .returning(wechat_messages.c.key))  # a row back: inserted; none: someone had it already
        with self.engine.begin() as db:
            db.execute(wechat_messages.delete().where(wechat_messages.c.created < now - keep_seconds))
            return db.execute(claim).first() is not None

    def wechat_session(self, openid: str) -> str | None:
        rows = self._read(sa.select(wechat_users.c.session_id).where(wechat_users.c.openid == openid))
        return rows[0][0] if rows else None

    def set_wechat_session(self, openid: str, session_id: str | None) -> None:
        if session_id:
            now = time.time()
            upsert = self._insert_ignore(wechat_users, openid=openid, session_id=session_id, updated=now)
            self._write(upsert.on_conflict_do_update(index_elements=["openid"],
                                                     set_={"session_id": session_id, "updated": now}))

    # -- gaps ----------------------------------------------------------------------------------------

    def record_gap(self, question: str, reason: str, confidence: float, channel: str) -> None:
        self._purge_if_due()
        self._write(gaps.insert().values(question=mask(question), reason=reason, confidence=confidence,
                                         channel=channel, created=time.time()))

    def gaps(self, limit: int = 5000) -> list[dict]:
        rows = self._read(sa.select(gaps.c.question, gaps.c.reason, gaps.c.confidence, gaps.c.channel,
                                    gaps.c.created).order_by(gaps.c.id.desc()).limit(limit))
        return [{"question": r[0], "reason": r[1], "confidence": r[2], "channel": r[3], "created": r[4]}
                for r in rows]
