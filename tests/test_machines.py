"""Two machines (two apps, each with its own data dir) behind one load balancer: what one of them was told,
the other knows, through a real PostgreSQL and a real Redis on 127.0.0.1."""
import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from pydantic import SecretStr

from bot.channels.wechat.crypto import sign
from bot.config import WeChatSettings
from bot.store.versions import IndexVersions
from tests.conftest import LiveServer, live

WECHAT_TOKEN = "Qm7xK2pL9vR4tZ8wN3bY6cH1jF5dS0aE"  # random, as WeChat generates them


def two_machines(settings, tmp_path, **shared):
    """Two apps with data dirs of their own (each a copy of the session's index) and the shared stores given."""
    from bot.api.app import create_app

    apps = []
    for name in ("a", "b"):
        versions = IndexVersions(tmp_path / name / "index")
        versions.root.mkdir(parents=True)
        shutil.copytree(live(settings), versions.root / live(settings).name)
        versions.publish(versions.root / live(settings).name)
        apps.append(create_app(settings.model_copy(update={"data_dir": tmp_path / name, **shared})))
    return [LiveServer(app) for app in apps]


def test_a_conversation_started_on_one_machine_continues_on_the_other(settings, tmp_path, postgres_url):
    a, b = two_machines(settings, tmp_path, database_url=SecretStr(postgres_url))
    with a, b:
        first = httpx.post(f"{a.url}/v1/ask", json={"question": "上海怎么提升知识产权代理服务质量"}, timeout=60).json()
        follow = httpx.post(f"{b.url}/v1/ask", json={"question": "那江苏呢", "session_id": first["session_id"]},
                            timeout=60)
        assert follow.status_code == 200, follow.text
        assert follow.json()["rewritten_question"] == "江苏怎么提升知识产权代理服务质量"


@pytest.mark.parametrize("store", ["redis", "postgres"])
def test_a_wechat_message_delivered_to_both_machines_is_answered_once(settings, tmp_path, store, request):
    """WeChat retries a message it got no answer for in time, and a load balancer may send the retry to the
    other machine: the MsgId is claimed once across both (Redis, or the shared database)."""
    url = request.getfixturevalue(f"{store}_url")
    wechat = WeChatSettings(_env_file=None, token=SecretStr(WECHAT_TOKEN))
    shared = {"redis_url": SecretStr(url)} if store == "redis" else {"database_url": SecretStr(url)}
    a, b = two_machines(settings, tmp_path, wechat=wechat, **shared)
    body = ("<xml><ToUserName><![CDATA[gh_bureau]]></ToUserName><FromUserName><![CDATA[oTwice]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            "<Content><![CDATA[蓝天行动的工作目标是什么]]></Content><MsgId>7200000000000000001</MsgId></xml>")

    def deliver(target):
        server, nonce = target
        ts = str(int(time.time()))
        return httpx.post(f"{server.url}/wechat", params={"signature": sign(WECHAT_TOKEN, ts, nonce), "timestamp": ts,
                                                          "nonce": nonce, "openid": "oTwice"},
                          content=body.encode(), timeout=60).text

    with a, b, ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(deliver, [(a, "11111"), (b, "22222")]))
    assert sorted(r.strip() == "success" for r in replies) == [False, True], replies


def test_an_operators_correction_on_one_machine_is_listed_for_review_on_the_other(app_settings, tmp_path,
                                                                                 postgres_url):
    from tests.conftest import ADMIN_TOKEN, OPERATOR

    a, b = two_machines(app_settings, tmp_path, database_url=SecretStr(postgres_url))
    with a, b:
        answer = httpx.post(f"{a.url}/v1/ask", json={"question": "蓝天行动的工作目标是什么"}, timeout=60).json()
        made = httpx.post(f"{a.url}/v1/feedback", timeout=60, headers=OPERATOR, json={
            "answer_id": answer["answer_id"], "rating": "down", "corrected_answer": "以蓝天行动原文为准。"})
        assert made.status_code == 201, made.text
        listed = httpx.get(f"{b.url}/v1/admin/faq", params={"status": "candidate"}, timeout=60,
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
        items = listed["items"] if isinstance(listed, dict) else listed
        assert answer["answer_id"] in [item["source_answer_id"] for item in items]
