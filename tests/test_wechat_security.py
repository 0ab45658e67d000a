"""WeChat's channel under attack (issue 16, findings 3 and 8): forged and replayed messages, plaintext in 安全模式,
weak tokens, stale URL checks, floods, and bodies built to break the parser. Real app, real requests, and the
fake WeChat API (tests/fake_wechat.py) to see what was answered."""
import json
import logging
import os
import subprocess
import sys
import time

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from bot.channels.wechat.crypto import sign
from bot.config import WeChatSettings, check_secret, secret_bits
from tests.conftest import ROOT, LiveServer, free_port
from tests.test_wechat import (AES_KEY, QUESTION, TOKEN, fast, msg_ids, post, safe, text_xml,  # noqa: F401
                               wait_for, wechat_api, wechat_app)


def mini_program(openid: str, content: str = QUESTION) -> str:
    return json.dumps({"ToUserName": "gh_bureau", "FromUserName": openid, "CreateTime": int(time.time()),
                       "MsgType": "text", "Content": content, "MsgId": next(msg_ids)}, ensure_ascii=False)


def test_safe_mode_refuses_plaintext(safe, wechat_api):
    """With WECHAT_AES_KEY set, a correctly signed plaintext message is still refused: its body is not signed."""
    response = post(safe, mini_program("oPlainInSafe"), fmt="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "wechat_refused"
    assert "加密" in response.json()["error"]["message"]
    time.sleep(0.3)
    assert not [m for m in wechat_api.state.messages if m["touser"] == "oPlainInSafe"]


def test_one_signature_carries_one_message(fast, wechat_api):
    """A captured signature/timestamp/nonce, replayed with other bodies to openids of the sender's choosing."""
    ts, nonce = int(time.time()), "887766554433"
    first = post(fast, mini_program("oVictim0"), fmt="json", timestamp=ts, nonce=nonce)
    assert first.status_code == 200 and first.text == "success"
    replays = [post(fast, mini_program(f"oVictim{i}"), fmt="json", timestamp=ts, nonce=nonce) for i in range(1, 6)]
    assert [r.status_code for r in replays] == [401] * 5
    assert all(r.json()["error"]["code"] == "wechat_refused" for r in replays)
    assert len(wait_for(wechat_api.state, "oVictim0")) == 1
    time.sleep(0.5)
    assert not [m for m in wechat_api.state.messages if m["touser"] in {f"oVictim{i}" for i in range(1, 6)}]


def test_workers_agree_on_used_nonces(settings, fast, wechat_api):
    """Two workers (two apps on one data directory): a pair used on one is refused on the other."""
    ts, nonce = int(time.time()), "55443322110"
    assert post(fast, mini_program("oWorkerA"), fmt="json", timestamp=ts, nonce=nonce).status_code == 200
    with LiveServer(wechat_app(settings, wechat_api, 4.0)) as other:
        assert post(other, mini_program("oWorkerB"), fmt="json", timestamp=ts, nonce=nonce).status_code == 401


def test_the_url_check_has_the_same_window(fast):
    nonce = "4455"
    for age, status in ((3600 * 24 * 365, 401), (0, 200)):
        ts = str(int(time.time()) - age)
        response = httpx.get(f"{fast.url}/wechat", params={"signature": sign(TOKEN, ts, nonce), "timestamp": ts,
                                                           "nonce": nonce, "echostr": "5837397749632"})
        assert response.status_code == status


def test_wechat_is_rate_limited(settings, wechat_api):
    with LiveServer(wechat_app(settings.model_copy(update={"wechat_rate_limit": "3/minute"}), wechat_api, 4.0)) as live:
        codes = [post(live, "<xml/>", bad_signature=True).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def nested_json(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def nested_xml(depth: int) -> str:
    return "<xml>" + "<a>" * depth + "</a>" * depth + "</xml>"


@pytest.mark.parametrize("fmt, body", [("json", nested_json(6000)), ("json", "[" * 30000 + "]" * 30000),
                                       ("xml", nested_xml(5000))])
@pytest.mark.parametrize("signed", [False, True])
def test_deeply_nested_bodies_get_4xx_and_no_traceback(fast, caplog, fmt, body, signed):
    with caplog.at_level(logging.INFO):
        response = post(fast, body, fmt=fmt, bad_signature=not signed)
    assert response.status_code == (400 if signed else 401), response.text
    assert response.json()["error"]["code"] == "wechat_refused"
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("weak", ["12345678", "aaaaaaaaaaaaaaaa", "hotlineToken2026", "abcdefgh12345678",
                                  "Wechat2026Wechat2026Wechat2026"])
def test_weak_wechat_tokens_are_refused(weak):
    with pytest.raises(ValidationError, match="WECHAT_TOKEN"):
        WeChatSettings(_env_file=None, token=SecretStr(weak))


def test_a_weak_wechat_token_does_not_start(tmp_path):
    """`hotline serve` with WECHAT_TOKEN=12345678 stops with a clear configuration error, before listening."""
    env = {**os.environ, "WECHAT_TOKEN": "12345678", "HOTLINE_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--port", str(free_port())], cwd=tmp_path,
                          env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "配置错误" in done.stderr and "WECHAT_TOKEN" in done.stderr
    assert "12345678" not in done.stderr  # the secret itself is not printed


@pytest.mark.parametrize("secret, strong", [
    ("0123456789012345678901234", False), ("12345678", False), ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", False),
    ("abababababababababababababababababababab", False), ("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", False),
    ("Tr0ub4dor&3Tr0ub4dor&3Tr0ub4dor&3", False), ("changeme", False), ("", False),
    ("hT7qWz2KpL9xVb4RmN8sYc3DfJ6gEa5U", True), ("o7vxoREUpAoPa_TipnSb4YOkIxr7Z4T0CCwV36Bo6Mc", True),
])
def test_secret_strength(secret, strong):
    if strong:
        check_secret("T", secret)
    else:
        with pytest.raises(ValueError, match="太弱"):
            check_secret("T", secret)
    assert (secret_bits(secret) >= 128) is strong or secret == "changeme"


def test_generated_secrets_pass():
    import secrets

    assert min(secret_bits(secrets.token_urlsafe(32)) for _ in range(500)) >= 128
