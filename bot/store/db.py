"""The database of the conversation store: SQLite under the data dir (one machine, no server), or PostgreSQL
with HOTLINE_DATABASE_URL (every machine). SQLAlchemy Core over both; the schema is Alembic's
(bot/store/migrations), brought up to date when the store opens, under a lock so that workers starting
together migrate once.
"""
from __future__ import annotations

import fcntl
import logging
import os
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("hotline.store")
# Alembic logs its plugins when alembic.command is first imported (so a level set after that import comes too
# late) and its context (SQLiteImpl, non-transactional DDL) on every run: quieted before any import, and a
# migration that runs is said once by migrate() itself.
for _name in ("alembic.runtime.plugins", "alembic.runtime.migration"):
    logging.getLogger(_name).setLevel(logging.WARNING)
_PG_LOCK = 72_613_001  # pg_advisory_xact_lock key: one migration at a time per database


def database_url(url: str, data_dir: Path) -> str:
    """The SQLAlchemy URL: PostgreSQL through psycopg 3, or the SQLite file under the data dir."""
    if not url:
        return f"sqlite:///{data_dir / 'hotline.sqlite3'}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, pool_size: int = 5, max_overflow: int = 10) -> Engine:
    if url.startswith("sqlite"):
        path = Path(sa.engine.make_url(url).database)
        path.parent.mkdir(parents=True, exist_ok=True)
        # created owner-only before SQLite opens it; SQLite gives its -wal and -shm files the same mode. Only a
        # new file is opened here: closing a descriptor of a database this process has open would drop SQLite's
        # locks on it (POSIX locks are per process), and another process's writes could corrupt it.
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass
        os.chmod(path, 0o600)  # a file from before too
        engine = sa.create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")
            # SQLAlchemy starts transactions itself (BEGIN below): pysqlite's own handling would not for DDL
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin(connection) -> None:
            # A writer takes the lock at once and queues on it (busy timeout) rather than failing when a read
            # turns into a write; readers (execution option readonly) never wait in WAL mode.
            readonly = connection.get_execution_options().get("readonly")
            connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    # a worker's threads share a few connections; a dropped one is noticed before use, not by a question
    return sa.create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True,
                            pool_recycle=1800)


@contextmanager
def _file_lock(path: Path):
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)  # beside the database, as private as it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def migrate(engine: Engine) -> None:
    """Bring the schema to Alembic's head (a new database is created, an old SQLite file upgraded)."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    lock = _file_lock(Path(engine.url.database + ".migrate.lock")) if sqlite else _nothing()
    with lock, engine.begin() as connection:
        if not sqlite:
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        config.attributes["connection"] = connection
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(config, "head")
        after = MigrationContext.configure(connection).get_current_revision()
    if after != before:
        log.info("数据库结构已升级：%s → %s（%s）", before or "空库", after, engine.dialect.name)


@contextmanager
def _nothing():
    yield
