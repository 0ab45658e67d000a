"""Personal data never reaches the database, the logs, the LLM or an answer; data files are the owner's only;
old rows go by themselves; a conversation belongs to its client (issue 16, findings 5 and 11).

What the outside test found: a 19-digit bank card stored in answers, feedback, FAQ candidates and gaps; the
raw question sent to the LLM endpoint; `region: "13812345678"` echoed into the answer; hotline.sqlite3
world-readable; and a session_id that worked for anyone, its earlier question coming back in
rewritten_question.
"""
import logging
import os
import shutil
import sqlite3
import stat

import httpx
import pytest
from pydantic import SecretStr

from tests.conftest import ADMIN_TOKEN, KNOWLEDGE, OPERATOR, OPERATOR_TOKEN, LiveServer, make_settings
from tests.test_llm import fake_llm  # noqa: F401  (the fake LLM server, as a fixture)

# every raw form must be gone from everything the service keeps, logs or sends
RAW = ["6222021234567890123", "１３９１２３４５６７８", "一三八一二三四五六七八", "110101 19900307 1234",
       "E12345678", "987654321", "6222 0212 3456 7890"]
GROUNDED = ("我卡号6222021234567890123，手机１３９１２３４５６７８，企业遇到侵权纠纷，上海有没有公益的维权援助？")
UNGROUNDED = "我身份证110101 19900307 1234，护照E12345678，QQ 987654321，火星上的专利怎么收费"
FOLLOWED = "我电话一三八一二三四五六七八，江苏打算到2027年培育多少家知识产权服务龙头机构"


@pytest.fixture()
def private_server(app_settings, fake_llm, tmp_path):
    """The app with its own database (the shared index), an LLM, and every log record kept."""
    data = tmp_path / "var"
    data.mkdir()
    (data / "index").symlink_to(app_settings.index_dir)
    settings = app_settings.model_copy(update={"data_dir": data, "llm_base_url": f"{fake_llm.url}/v1",
                                               "llm_model": "good", "llm_timeout": 3.0})
    from bot.api.app import create_app

    with LiveServer(create_app(settings)) as live:
        live.data = data
        yield live


def _everything_stored(data) -> str:
    with sqlite3.connect(data / "hotline.sqlite3") as db:
        return "\n".join(db.iterdump())


def test_personal_data_goes_nowhere(private_server, fake_llm, caplog):
    caplog.set_level(logging.DEBUG)
    texts = []
    with httpx.Client(base_url=private_server.url, timeout=30) as client:
        grounded = client.post("/v1/ask", json={"question": GROUNDED}).json()
        assert grounded["grounded"] and grounded["composer"] in ("llm", "llm-repaired")
        texts.append(grounded)
        with client.stream("POST", "/v1/chat", json={"question": GROUNDED}) as streamed:
            texts.append(streamed.read().decode())
        texts.append(client.post("/v1/ask", json={"question": UNGROUNDED}).json())
        first = client.post("/v1/ask", json={"question": FOLLOWED}).json()
        follow = client.post("/v1/ask", json={"question": "那上海呢", "session_id": first["session_id"]}).json()
        assert follow["rewritten_question"] and "上海" in follow["rewritten_question"]
        texts += [first, follow]
        texts.append(client.post("/v1/hotline/suggest", headers=OPERATOR,
                                 json={"transcript": "喂，我卡号6222 0212 3456 7890，蓝天行动的工作目标是什么"}).json())
        feedback = client.post("/v1/feedback", headers=OPERATOR, json={
            "answer_id": grounded["answer_id"], "rating": "down", "comment": "回电一三八一二三四五六七八",
            "corrected_answer": "可申请维权援助，联系人护照E12345678，卡号6222021234567890123"})
        assert feedback.status_code == 201
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        texts.append(client.get("/v1/admin/faq", headers=admin).json())
        texts.append(client.get("/v1/admin/gaps", headers=admin).json())
    stored = _everything_stored(private_server.data)
    # the questions are kept by their topic; the feedback as written, masked
    assert "企业遇到侵权纠纷，上海有没有公益的维权援助" in stored and "火星上的专利怎么收费" in stored
    assert "[银行卡号]" in stored and "[护照号]" in stored and "[手机号]" in stored
    sent = [r["body"] for r in fake_llm.app.state.requests]
    assert sent, "the LLM was not asked"
    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    for raw in RAW:
        assert raw not in stored, f"stored: {raw}"
        assert raw not in str(sent), f"sent to the LLM: {raw}"
        assert raw not in logged, f"logged: {raw}"
        assert raw not in str(texts), f"answered: {raw}"


def test_a_region_that_is_not_one_is_refused_not_echoed(client):
    response = client.post("/v1/ask", json={"question": "专利年费怎么补交", "region": "13812345678"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_region"
    assert "13812345678" not in response.text and "上海" in response.json()["error"]["message"]
    hotline = client.post("/v1/hotline/suggest", headers=OPERATOR,
                          json={"transcript": "专利年费怎么补交", "region": "火星基地"})
    assert hotline.status_code == 400 and "火星基地" not in hotline.text
    for region in ("上海", "上海市", "江苏省", "浦东"):
        assert client.post("/v1/ask", json={"question": "专利年费怎么补交", "region": region}).status_code == 200


def test_data_files_are_the_owners_only(tmp_path):
    """hotline.sqlite3 was world-readable; so was every index file a build in the server wrote."""
    from bot.api.app import create_app

    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    settings = make_settings(tmp_path / "var", knowledge, admin_token=SecretStr(ADMIN_TOKEN),
                             operator_tokens=SecretStr(OPERATOR_TOKEN))
    previous = os.umask(0o022)  # what a shell usually gives a service
    try:
        app = create_app(settings)
        with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=300) as client:
            assert client.post("/v1/admin/reindex", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 200
            assert client.post("/v1/ask", json={"question": "蓝天行动的工作目标是什么"}).status_code == 200
    finally:
        os.umask(previous)
    files = [p for p in (tmp_path / "var").rglob("*") if p.is_file()]
    assert any(p.name == "hotline.sqlite3" for p in files) and len(files) > 5
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path.relative_to(tmp_path)} is readable by others"


def test_retention_is_a_setting_the_service_applies(app_settings, tmp_path):
    from bot.service import Assistant

    data = tmp_path / "var"
    data.mkdir()
    (data / "index").symlink_to(app_settings.index_dir)
    settings = app_settings.model_copy(update={"data_dir": data, "retention_days": 30})
    first = Assistant(settings)
    answer = first.ask("蓝天行动的工作目标是什么")
    with sqlite3.connect(data / "hotline.sqlite3") as db:
        db.execute("UPDATE answers SET created = created - 31 * 86400")
    Assistant(settings)  # a restart
    assert first.store.get_answer(answer.answer_id) is None


# -- finding 11: sessions ---------------------------------------------------------------------------------


def test_a_session_belongs_to_its_client(client, server):
    first = client.post("/v1/ask", json={"question": "上海怎么提升知识产权代理服务质量"}).json()
    # another machine that learnt the session id: a different address on the loopback network
    other = httpx.Client(base_url=server.url, timeout=30, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    with other:
        stolen = other.post("/v1/ask", json={"question": "那江苏呢？", "session_id": first["session_id"]})
        # not found for this client: the widget and the mini-program then start a new session by themselves
        assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "session_not_found"
        assert "本设备" in stolen.json()["error"]["message"]
        assert "上海" not in stolen.text and "rewritten_question" not in stolen.text
        streamed = other.post("/v1/chat", json={"question": "那江苏呢？", "session_id": first["session_id"]})
        assert streamed.status_code == 404
        assert other.post("/v1/ask", json={"question": "那江苏呢？"}).status_code == 200  # its own session is fine
    own = client.post("/v1/ask", json={"question": "那江苏呢？", "session_id": first["session_id"]})
    assert own.status_code == 200 and own.json()["rewritten_question"] == "江苏怎么提升知识产权代理服务质量"


def test_a_follow_up_never_echoes_an_earlier_turns_personal_data(assistant):
    first = assistant.ask("我叫张三，身份证110101 19900307 1234，电话幺三八幺二三四五六七八，"
                          "江苏打算到2027年培育多少家知识产权服务龙头机构")
    follow = assistant.ask("那上海呢", session_id=first.session_id)
    assert follow.rewritten_question and "上海" in follow.rewritten_question
    for raw in ("110101 19900307 1234", "幺三八幺二三四五六七八", "[身份证号]", "[手机号]", "张三"):
        assert raw not in follow.rewritten_question
        assert raw not in follow.answer


def test_hotline_ingest_writes_owner_only_files(tmp_path):
    """`make run` builds the index with `hotline ingest` before it serves: those files too."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path / "var"), "HOTLINE_KNOWLEDGE_DIR": str(KNOWLEDGE),
           "HOTLINE_EMBEDDER": "fitted"}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "ingest", "--quiet"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600, preexec_fn=lambda: os.umask(0o022))
    assert done.returncode == 0, done.stderr
    files = [p for p in (tmp_path / "var").rglob("*") if p.is_file()]
    assert len(files) > 5
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path.relative_to(tmp_path)} is readable by others"


@pytest.mark.parametrize("question", ["13812345678", "６２２２０２１２３４５６７８９０１２３。", "E12345678？"])
def test_a_question_of_personal_data_only_is_a_clear_400(client, question):
    response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_question"
    assert "个人信息" in response.json()["error"]["message"]
