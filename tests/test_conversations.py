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
    assert "13912345678" not in stored.question and "110101199003071234" not in stored.question
    assert "[手机号]" in stored.question and "[身份证号]" in stored.question and "[邮箱]" in stored.question
    assert mask("座机 021-12345678") == "座机 [电话]"
