"""Follow-up questions keep the subject of the conversation and replace what is asked about it; the CLI keeps a
conversation with --session."""
import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

JS_TITLE = "《关于加快推进知识产权服务业高质量发展的若干措施》"


def ask(client, question, session=None):
    body = {"question": question, "session_id": session}
    response = client.post("/v1/ask", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_new_intent_replaces_the_old_one(client):
    first = ask(client, "江苏的若干措施什么时候失效")
    assert "2030年11月9日" in first["answer"]
    second = ask(client, "里面说了怎么投诉吗", first["session_id"])
    rewritten = second["rewritten_question"]
    assert JS_TITLE in rewritten and "投诉" in rewritten
    assert "失效" not in rewritten and "什么时候" not in rewritten  # not glued onto the old question


@pytest.mark.parametrize("first, follow_up, kept, dropped", [
    ("知识产权质押登记在上海怎么办", "那需要什么材料", ["知识产权质押登记", "上海", "材料"], ["怎么办"]),
    ("专利代理师资格考试收不收报考费", "那什么时候报名", ["专利代理师资格考试", "报名"], ["收不收", "报考费"]),
])
def test_short_follow_ups_ask_the_new_thing_about_the_same_subject(client, first, follow_up, kept, dropped):
    one = ask(client, first)
    two = ask(client, follow_up, one["session_id"])
    rewritten = two["rewritten_question"]
    assert all(k in rewritten for k in kept), rewritten
    assert not any(d in rewritten for d in dropped), rewritten


def test_the_cli_keeps_a_conversation_with_session(settings, tmp_path):
    # its own data directory: the CLI's process must not share the test server's SQLite file (a second process
    # and a store opened again in the server's own process lose SQLite's locks: "file is not a database")
    shutil.copytree(settings.index_dir, tmp_path / "index", symlinks=True)
    env = {"HOTLINE_DATA_DIR": str(tmp_path), "HOTLINE_EMBEDDER": "fitted", "PATH": "/usr/bin:/bin"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "bot.cli", "ask", *args], cwd=ROOT, env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=300)
    first = run("上海怎么提升知识产权代理服务质量", "--json")
    assert first.returncode == 0, first.stderr
    session = json.loads(first.stdout)["session_id"]
    second = run("那江苏呢？", "--session", session, "--json")
    assert second.returncode == 0, second.stderr
    answer = json.loads(second.stdout)
    assert answer["rewritten_question"] == "江苏怎么提升知识产权代理服务质量" and answer["session_id"] == session
    unknown = run("那江苏呢？", "--session", "f" * 32)
    assert unknown.returncode == 2 and "会话" in unknown.stderr
