"""The conversation store's contract, the same against SQLite (the embedded default) and a real PostgreSQL
on 127.0.0.1; WeChat claims also through Redis; the schema through Alembic's migrations."""
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from bot.store.conversations import ConversationStore, FaqCandidateExists
from bot.store.db import migrate
from bot.store.shared import RedisState
from tests.conftest import ROOT


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path) -> str:
    """Where a store lives: a SQLite file, or a new database of the test PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    return request.getfixturevalue("postgres_url").replace("postgresql://", "postgresql+psycopg://")


def age(store: ConversationStore, table: str, column: str, seconds: float) -> None:
    """Make every row of `table` `seconds` older."""
    with store.engine.begin() as db:
        db.execute(sa.text(f"UPDATE {table} SET {column} = {column} - :s"), {"s": seconds})


def test_sessions_live_expire_and_belong_to_their_client(database):
    store = ConversationStore(database, ttl_seconds=60)
    mine, internal = store.new_session("上海市", client="203.0.113.9"), store.new_session()
    assert store.session_exists(mine) and store.session_exists(internal)
    assert store.session_client_matches(mine, "203.0.113.9") and not store.session_client_matches(mine, "198.51.100.1")
    assert store.session_client_matches(internal, None) and not store.session_client_matches(internal, "203.0.113.9")
    assert not store.session_exists("no-such-session")
    age(store, "sessions", "last_seen", 61)
    assert not store.session_exists(mine)  # expired: gone
    assert store.purge_expired() == 1  # the other one


def test_answers_history_feedback_and_gaps(database):
    store = ConversationStore(database, ttl_seconds=60)
    session = store.new_session()
    for n in range(4):
        store.save_answer(f"a{n}", session, "api", f"问题{n} 手机13912345678", f"改写{n}" if n else None, f"回答{n}",
                          n % 2 == 0, 0.5 + n / 10, [{"clause_id": f"c{n}"}])
        time.sleep(0.01)
    history = store.history(session)
    assert [t.question[:3] for t in history] == ["问题1", "问题2", "问题3"]  # the last three, oldest first
    assert history[0].rewritten == "改写1" and history[1].grounded and history[2].citations == [{"clause_id": "c3"}]
    stored = store.get_answer("a0")
    assert stored.session_id == session and "13912345678" not in stored.question and stored.grounded
    assert store.get_answer("nope") is None
    first, second = store.add_feedback("a0", "up", None, None), store.add_feedback("a1", "down", "邮箱a@b.cn", "改")
    assert second > first
    store.record_gap("没答上的问题", "unanswered", 0.1, "api")
    store.record_gap("第二个", "low-confidence", 0.6, "wechat")
    assert [(g["question"], g["channel"]) for g in store.gaps()] == [("第二个", "wechat"), ("没答上的问题", "api")]
    assert len(store.gaps(limit=1)) == 1


def test_faq_candidates_one_per_answer_paginated_edited_and_reviewed(database):
    store = ConversationStore(database, ttl_seconds=60)
    ids = [store.add_faq_candidate(f"问{n}", f"答{n}", [f"c{n}"], f"answer-{n}", "operator:一组") for n in range(5)]
    with pytest.raises(FaqCandidateExists) as refused:
        store.add_faq_candidate("问0", "另一个答案", ["c0"], "answer-0", "web")
    assert refused.value.faq_id == ids[0]
    assert store.count_faq() == 5 and store.count_faq("candidate") == 5
    page = store.faq("candidate", limit=2, offset=2)
    assert [p["id"] for p in page] == ids[2:4] and page[0]["source"] == "operator:一组" and page[0]["basis"] == ["c2"]
    assert store.edit_faq(ids[0], answer="更正后的答案", basis=["c9"]) and not store.edit_faq(999999, answer="x")
    assert store.review_faq(ids[0], "approved") and not store.review_faq(999999, "approved")
    assert [(p["answer"], p["basis"]) for p in store.faq("approved")] == [("更正后的答案", ["c9"])]
    assert store.faq_item(ids[1])["question"] == "问1" and store.faq_item(999999) is None


def test_two_machines_on_one_database_see_the_same_store(postgres_url):
    url = postgres_url.replace("postgresql://", "postgresql+psycopg://")
    one, two = ConversationStore(url, ttl_seconds=60), ConversationStore(url, ttl_seconds=60)
    session = one.new_session(client="203.0.113.9")
    assert two.session_exists(session) and two.session_client_matches(session, "203.0.113.9")
    one.save_answer("x1", session, "api", "问题", None, "回答", True, 0.9, [])
    assert [t.question for t in two.history(session)] == ["问题"]
    # the same WeChat message reaching both machines, and two reviewers correcting one answer at once
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda i: (one, two)[i % 2].claim_message("msg:42"), range(8)))
    assert claims.count(True) == 1

    def candidate(i):
        try:
            return (one, two)[i % 2].add_faq_candidate("问", f"答{i}", [], "x1", "web")
        except FaqCandidateExists:
            return None

    with ThreadPoolExecutor(8) as pool:
        made = [c for c in pool.map(candidate, range(8)) if c is not None]
    assert len(made) == 1 and two.count_faq() == 1
    two.set_wechat_session("oUser", session)
    one.set_wechat_session("oUser", "another")
    assert two.wechat_session("oUser") == "another" and one.wechat_session("nobody") is None


def test_wechat_claims_in_the_database_or_in_redis(database, redis_url):
    stores = [ConversationStore(database, ttl_seconds=60), ConversationStore(database, ttl_seconds=60,
                                                                             claims=RedisState(redis_url))]
    for store in stores:
        assert store.claim_message("nonce:1:abc", keep_seconds=0.3)
        assert not store.claim_message("nonce:1:abc", keep_seconds=0.3)
    time.sleep(0.4)
    assert all(store.claim_message("nonce:1:abc", keep_seconds=0.3) for store in stores)  # kept a while only


def test_rows_past_retention_are_purged(database):
    store = ConversationStore(database, ttl_seconds=60, retention_days=1)
    session = store.new_session()
    store.save_answer("old", session, "api", "问", None, "答", True, 0.9, [])
    kept = store.add_faq_candidate("问", "答", [], "old", "web")
    store.review_faq(kept, "approved")
    store.add_faq_candidate("问2", "答2", [], None, "web")
    store.record_gap("问", "unanswered", 0.1, "api")
    store.set_wechat_session("oUser", session)
    for table, column in (("sessions", "last_seen"), ("answers", "created"), ("faq", "created"), ("gaps", "created"),
                          ("wechat_users", "updated")):
        age(store, table, column, 2 * 86400)
    assert store.purge_old() == 5  # a session, an answer, a candidate, a gap, a WeChat user
    assert [p["status"] for p in store.faq()] == ["approved"]  # the bureau's decisions stay


def test_migrations_bring_any_database_to_the_head(database):
    store = ConversationStore(database, ttl_seconds=60)
    with ThreadPoolExecutor(4) as pool:  # workers starting together migrate once
        list(pool.map(lambda _: migrate(store.engine), range(4)))
    with store.engine.connect() as db:
        assert db.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0001"
    assert {"sessions", "answers", "feedback", "faq", "wechat_messages", "wechat_users", "gaps",
            "index_pointer"} <= set(sa.inspect(store.engine).get_table_names())


FIRST_RELEASE = """
CREATE TABLE sessions (id TEXT PRIMARY KEY, created REAL NOT NULL, last_seen REAL NOT NULL, region TEXT);
CREATE TABLE answers (id TEXT PRIMARY KEY, session_id TEXT, channel TEXT NOT NULL, question TEXT NOT NULL,
    rewritten TEXT, answer TEXT NOT NULL, grounded INTEGER NOT NULL, confidence REAL NOT NULL,
    citations TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE faq (id INTEGER PRIMARY KEY AUTOINCREMENT, question TEXT NOT NULL, answer TEXT NOT NULL,
    basis TEXT NOT NULL, status TEXT NOT NULL, source_answer_id TEXT, created REAL NOT NULL, reviewed REAL);
"""


def test_a_file_of_the_first_release_is_upgraded_in_place(tmp_path):
    path = tmp_path / "hotline.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(FIRST_RELEASE)
        db.execute("INSERT INTO sessions VALUES ('s1', ?, ?, '上海市')", (time.time(), time.time()))
        db.execute("INSERT INTO faq (question, answer, basis, status, created) VALUES ('问', '答', '[]', 'approved', ?)",
                   (time.time(),))
    store = ConversationStore(path, ttl_seconds=60)
    assert store.session_exists("s1") and store.faq("approved")[0]["source"] is None
    assert store.add_faq_candidate("问", "答", [], "a1", "web") and store.session_client_matches("s1", None)
    store.set_wechat_session("oUser", "s1")  # a table the first release did not have
    assert store.wechat_session("oUser") == "s1"


OPEN_STORE = """
import sys
from pathlib import Path
from bot.config import setup_logging
from bot.store.conversations import ConversationStore
setup_logging("INFO", "text")
ConversationStore(Path(sys.argv[1]), ttl_seconds=60)
"""


def test_a_migration_that_does_nothing_prints_nothing_and_one_that_runs_one_line(tmp_path):
    # alembic logs its plugins when first imported and its context on every run: a fresh process shows both
    def opened() -> list[str]:
        run = subprocess.run([sys.executable, "-c", OPEN_STORE, str(tmp_path / "hotline.sqlite3")],
                             capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
        return run.stderr.splitlines()

    first = opened()
    assert len(first) == 1 and "0001" in first[0], first  # the schema created: said once, with its revision
    assert opened() == []  # already at the head: nothing
