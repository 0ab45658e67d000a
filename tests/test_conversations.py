"""Sessions in SQLite: they carry context, survive a restart and expire; stored questions are masked."""
import sqlite3
import time

from bot.privacy import mask
from bot.service import Assistant
from bot.store.conversations import ConversationStore


def test_sessions_survive_a_restart(settings):
    first = Assistant(settings).ask("上海怎么提升知识产权代理服务质量")
    restarted = Assistant(settings)  # a new process would open the same SQLite file
    follow = restarted.ask("那江苏呢？", session_id=first.session_id)
    assert follow.rewritten_question == "江苏怎么提升知识产权代理服务质量"


def test_sessions_expire(tmp_path):
    store = ConversationStore(tmp_path / "s.sqlite3", ttl_seconds=60)
    session = store.new_session()
    assert store.session_exists(session)
    with sqlite3.connect(tmp_path / "s.sqlite3") as db:
        db.execute("UPDATE sessions SET last_seen = ?", (time.time() - 61,))
    assert not store.session_exists(session)
    assert store.purge_expired() == 0  # already gone


def test_follow_up_rewrites(assistant):
    start = assistant.ask("江苏打算到2027年培育多少家知识产权服务龙头机构")
    same = assistant.ask("那上海呢", session_id=start.session_id)
    assert same.rewritten_question == "上海打算到2027年培育多少家知识产权服务龙头机构"
    standalone = assistant.ask("蓝天行动的工作目标是什么", session_id=start.session_id)
    assert standalone.rewritten_question is None and standalone.grounded


def test_personal_data_is_masked_before_it_is_stored(assistant):
    answer = assistant.ask("我手机13912345678，身份证110101199003071234，邮箱a.b@example.com，专利年费怎么补交")
    stored = assistant.store.get_answer(answer.answer_id)
    assert stored.question == "专利年费怎么补交"  # the pieces about the asker are left out whole
    # and the store masks whatever it is given, whichever way it comes
    assistant.store.save_answer("direct", None, "api", "我手机13912345678，身份证110101199003071234，邮箱a.b@example.com",
                                None, "回答", False, 0.0, [])
    direct = assistant.store.get_answer("direct").question
    assert "13912345678" not in direct and "110101199003071234" not in direct
    assert "[手机号]" in direct and "[身份证号]" in direct and "[邮箱]" in direct
    assert mask("座机 021-12345678") == "座机 [电话]"


# -- issue 16 (5, 1, 11): the store keeps no more than it must, and for no longer ------------------------


def test_the_store_file_is_private(tmp_path):
    """hotline.sqlite3 held questions for anyone on the machine to read (mode 0644)."""
    store = ConversationStore(tmp_path / "data" / "s.sqlite3", ttl_seconds=60)
    store.save_answer("a1", store.new_session(), "web", "问题", None, "回答", True, 0.9, [])
    files = sorted((tmp_path / "data").iterdir())
    assert [f.name for f in files if f.name.startswith("s.sqlite3")]
    for path in files:  # the database and its -wal and -shm companions
        assert path.stat().st_mode & 0o777 == 0o600, path.name


def _age_every_row(path, days: float) -> None:
    old = time.time() - days * 86400
    with sqlite3.connect(path) as db:
        for table in ("sessions", "answers", "feedback", "faq", "gaps", "wechat_users"):
            column = "updated" if table == "wechat_users" else "created"
            db.execute(f"UPDATE {table} SET {column} = ?", (old,))
        db.execute("UPDATE sessions SET last_seen = ?", (old,))


def _fill(store: ConversationStore) -> None:
    session = store.new_session()
    store.save_answer("old", session, "web", "旧问题", None, "旧回答", False, 0.1, [])
    store.add_feedback("old", "down", "旧评价", None)
    store.add_faq_candidate("旧问题", "旧答案", ["x:1"], "old", "web")
    approved = store.add_faq_candidate("旧问题二", "核准的答案", ["x:1"], "old2", "web")
    store.review_faq(approved, "approved")
    store.record_gap("旧问题", "unanswered", 0.1, "web")
    store.set_wechat_session("openid-1", session)


def _count(path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_old_rows_are_purged_at_start_up(tmp_path):
    """Rows were never purged: questions, feedback and gaps stayed for ever."""
    path = tmp_path / "s.sqlite3"
    _fill(ConversationStore(path, ttl_seconds=60, retention_days=180))
    _age_every_row(path, 179)
    ConversationStore(path, ttl_seconds=60, retention_days=180)  # a restart within the period keeps them
    assert _count(path, "answers") == 1 and _count(path, "gaps") == 1
    _age_every_row(path, 181)
    ConversationStore(path, ttl_seconds=60, retention_days=180)
    for table in ("sessions", "answers", "feedback", "gaps", "wechat_users"):
        assert _count(path, table) == 0, table
    # a pending candidate goes with the answers; an approved FAQ pair is the bureau's content and stays
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT status FROM faq").fetchall() == [("approved",)]


def test_a_long_running_store_purges_by_itself(tmp_path):
    """Without a restart, a write after the purge interval removes what has aged out."""
    path = tmp_path / "s.sqlite3"
    store = ConversationStore(path, ttl_seconds=60, retention_days=180, purge_every_seconds=0.2)
    _fill(store)
    _age_every_row(path, 200)
    time.sleep(0.3)
    store.save_answer("new", None, "web", "新问题", None, "新回答", True, 0.9, [])
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT id FROM answers").fetchall() == [("new",)]
    assert _count(path, "gaps") == 0 and _count(path, "feedback") == 0


def test_one_candidate_per_answer_with_its_source(tmp_path):
    """One answer id produced 300 candidates, and a reviewer could not tell an operator's from the public's."""
    from bot.store.conversations import FaqCandidateExists

    store = ConversationStore(tmp_path / "s.sqlite3", ttl_seconds=60)
    first = store.add_faq_candidate("问题", "答案", ["d:1"], "answer-1", "operator:12345热线")
    try:
        store.add_faq_candidate("问题", "另一个答案", ["d:1"], "answer-1", "operator:本局")
        raise AssertionError("a second candidate for the same answer was accepted")
    except FaqCandidateExists as exc:
        assert exc.faq_id == first
    rows = store.faq("candidate")
    assert len(rows) == 1 and rows[0]["source"] == "operator:12345热线" and rows[0]["answer"] == "答案"


def test_the_faq_list_is_paginated(tmp_path):
    store = ConversationStore(tmp_path / "s.sqlite3", ttl_seconds=60)
    ids = [store.add_faq_candidate(f"问题{i}", f"答案{i}", ["d:1"], f"a{i}", "web") for i in range(7)]
    assert [r["id"] for r in store.faq("candidate", limit=3)] == ids[:3]
    assert [r["id"] for r in store.faq("candidate", limit=3, offset=6)] == ids[6:]
    assert store.count_faq("candidate") == 7 and store.count_faq("approved") == 0


def test_a_reviewer_edits_a_candidate_before_approving(tmp_path):
    store = ConversationStore(tmp_path / "s.sqlite3", ttl_seconds=60)
    faq_id = store.add_faq_candidate("问题", "答案", ["d:1"], "a1", "web")
    assert store.edit_faq(faq_id, answer="改过的答案，电话13812345678", basis=["d:2", "d:3"])
    row = store.faq_item(faq_id)
    assert row["answer"] == "改过的答案，电话[手机号]" and row["basis"] == ["d:2", "d:3"] and row["question"] == "问题"
    assert store.faq_item(999) is None and not store.edit_faq(999, answer="x")


def test_a_session_is_bound_to_the_client_that_opened_it(tmp_path):
    store = ConversationStore(tmp_path / "s.sqlite3", ttl_seconds=60)
    session = store.new_session(client="127.0.0.1")
    assert store.session_client_matches(session, "127.0.0.1")
    assert not store.session_client_matches(session, "10.0.0.9")
    with sqlite3.connect(tmp_path / "s.sqlite3") as db:  # only a keyed digest of the client is kept
        stored = db.execute("SELECT client FROM sessions").fetchone()[0]
    assert stored and "127.0.0.1" not in stored
    internal = store.new_session()  # the CLI, WeChat (its own openid mapping): no client
    assert store.session_client_matches(internal, None) and not store.session_client_matches(internal, "127.0.0.1")
