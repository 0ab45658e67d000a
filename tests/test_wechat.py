"""WeChat: messages built exactly as WeChat builds them (signatures, 安全模式) through the real app, and a
real server on 127.0.0.1 standing in for WeChat's API."""
import itertools
import json
import logging
import secrets
import time

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from bot.api.server import uvicorn_options
from bot.channels.wechat.crypto import MessageCrypto, check_signature, pkcs7_pad, pkcs7_unpad, sign
from bot.channels.wechat.messages import parse_envelope
from bot.channels.wechat.service import WELCOME, fit
from bot.config import WeChatSettings
from tests import fake_wechat
from tests.conftest import LiveServer, left_out

TOKEN = "hT7qWz2KpL9xVb4RmN8sYc3DfJ6gEa5U"  # what WeChat's console generates: 32 random letters/digits
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
PUBLIC = "https://ip.example.gov.cn"
QUESTION = "企业遇到侵权纠纷，上海有没有公益的维权援助？"
# Unique across test modules (another module importing these helpers gets its own copy of this one) and runs
# (they share the store of the session's data directory): WeChat's MsgIds are 64-bit, its nonces random.
msg_ids = itertools.count(time.time_ns())
nonces = (secrets.randbelow(10**10) for _ in itertools.count())


@pytest.fixture(scope="module")
def wechat_api():
    app = fake_wechat.make_app()
    with LiveServer(app) as live:
        live.state = app.state
        yield live


def wechat_app(settings, wechat_api, deadline: float, aes_key: str | None = None, public_url: str = PUBLIC,
               **overrides):
    from bot.api.app import create_app

    w = WeChatSettings(_env_file=None, token=SecretStr(TOKEN), appid=fake_wechat.APPID,
                       secret=SecretStr(fake_wechat.SECRET), aes_key=SecretStr(aes_key) if aes_key else None,
                       api_base=wechat_api.url, reply_deadline=deadline)
    app = create_app(settings.model_copy(update={"wechat": w, "public_url": public_url, **overrides}))
    app.state.assistant.retriever()  # loaded before the first message: a cold first answer may miss the deadline
    return app


@pytest.fixture(scope="module")
def fast(settings, wechat_api):
    """明文模式 (no EncodingAESKey)."""
    with LiveServer(wechat_app(settings, wechat_api, 4.0)) as live:
        yield live


@pytest.fixture(scope="module")
def safe(settings, wechat_api):
    """安全模式: every message comes encrypted."""
    with LiveServer(wechat_app(settings, wechat_api, 4.0, AES_KEY)) as live:
        yield live


@pytest.fixture(scope="module")
def slow(settings, wechat_api):
    """An assistant that never answers within the deadline: every answer goes through the API. Each answer
    takes 50 ms more than the real one, as an LLM's would: with a 1 ms deadline alone, a fast answer could
    still finish before the channel started waiting, and be replied passively."""
    app = wechat_app(settings, wechat_api, 0.001)
    assistant = app.state.assistant
    real_ask = assistant.ask

    def slow_ask(*args, **kwargs):
        time.sleep(0.05)
        return real_ask(*args, **kwargs)

    assistant.ask = slow_ask
    with LiveServer(app) as live:
        yield live


def text_xml(content: str, openid: str = "oUser1", msg_id: int | None = None, msg_type: str = "text",
             extra: str = "") -> str:
    msg_id = next(msg_ids) if msg_id is None else msg_id
    return (f"<xml><ToUserName><![CDATA[gh_bureau]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>{extra}</xml>")


def post(server, body: str, *, encrypt=False, fmt="xml", timestamp=None, bad_signature=False, nonce=None,
         headers: dict | None = None):
    """POST /wechat as WeChat does: query signature (and msg_signature in 安全模式)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = str(next(nonces)) if nonce is None else nonce
    params = {"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "oUser1"}
    if encrypt:
        encrypted = MessageCrypto(TOKEN, AES_KEY, fake_wechat.APPID).encrypt(body)
        body = (json.dumps({"ToUserName": "gh_bureau", "Encrypt": encrypted}) if fmt == "json" else
                f"<xml><ToUserName><![CDATA[gh_bureau]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        params.update(encrypt_type="aes", msg_signature=sign(TOKEN, ts, nonce, encrypted))
    if bad_signature:
        params["signature"] = params["msg_signature"] = "0" * 40
    content_type = "application/json" if fmt == "json" else "text/xml"
    return httpx.post(f"{server.url}/wechat", params=params, content=body.encode(),
                      headers={"Content-Type": content_type, **(headers or {})}, timeout=30)


def reply_content(response) -> str:
    return parse_envelope(response.content, "xml")["Content"]


def wait_for(state, openid: str, count: int = 1, timeout: float = 15.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in state.messages if m["touser"] == openid]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    return [m for m in state.messages if m["touser"] == openid]


def test_the_crypto_matches_wechats_own_sample():
    """Tencent's sample data for WXBizMsgCrypt (token spamtest, appid wx2c2769f8efd9abc2)."""
    encrypted = ("hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHF"
                 "VAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbS"
                 "nyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77Tsz"
                 "TfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9"
                 "ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=")
    assert check_signature("5d197aaffba7e9b25a30732f161a50dee96bd5fa", "spamtest", "1409735669", "1320562132",
                           encrypted)
    crypto = MessageCrypto("spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2")
    fields = parse_envelope(crypto.decrypt(encrypted).encode(), "xml")
    assert fields["Content"] == "abcdteT" and fields["MsgId"] == "6054768590064713728"
    assert crypto.decrypt(crypto.encrypt("往返测试")) == "往返测试"
    assert len(pkcs7_pad(b"x" * 32)) == 64 and pkcs7_unpad(pkcs7_pad(b"abc")) == b"abc"  # 32-byte blocks
    other = MessageCrypto("spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx0000000000000000")
    with pytest.raises(ValueError, match="AppID"):
        other.decrypt(encrypted)


def test_url_check(fast):
    ts, nonce = str(int(time.time())), "123456"
    ok = httpx.get(f"{fast.url}/wechat", params={"signature": sign(TOKEN, ts, nonce), "timestamp": ts,
                                                 "nonce": nonce, "echostr": "5837397749632"})
    assert ok.status_code == 200 and ok.text == "5837397749632"
    bad = httpx.get(f"{fast.url}/wechat", params={"signature": "x", "timestamp": ts, "nonce": nonce, "echostr": "1"})
    assert bad.status_code == 401


def test_plaintext_xml_is_answered_passively(fast):
    response = post(fast, text_xml(QUESTION, openid="oPlain"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    fields = parse_envelope(response.content, "xml")
    assert fields["ToUserName"] == "oPlain" and fields["FromUserName"] == "gh_bureau" and fields["MsgType"] == "text"
    content = fields["Content"]
    assert "维权援助" in content and "《关于加强上海市知识产权公共服务工作的意见》二、（三）2." in content
    assert f"{PUBLIC}/documents/sh-2022-13-public-service#s2-p3-i2" in content
    assert len(content.encode()) <= 2048


def test_without_a_public_url_the_links_go_to_the_address_wechat_called(settings, wechat_api, assistant):
    """The whole clause is behind its link in a WeChat message, never pasted: a message with no link (no
    HOTLINE_PUBLIC_URL) would leave the clause out of reach."""
    with LiveServer(wechat_app(settings, wechat_api, 4.0, public_url="")) as server:
        content = reply_content(post(server, text_xml(QUESTION, openid="oNoPublicUrl")))
    assert f"{server.url}/documents/sh-2022-13-public-service#s2-p3-i2" in content
    clause = assistant.retriever().records.clauses["sh-2022-13-public-service:s2-p3-i2"].text
    assert "维权援助" in content and left_out(clause, content)  # the lead, not the whole clause


@pytest.mark.parametrize("update,expected", [
    ({"trust_proxy": True}, "https"),  # a trusted proxy that ended TLS says so
    ({"trust_proxy": False}, "http"),  # the header is not read unless proxies are trusted …
    ({"trust_proxy": True, "trusted_proxies": "10.0.0.0/8"}, "http"),  # … and only from a trusted proxy
    ({"trust_proxy": True, "public_url": PUBLIC}, PUBLIC),  # the configured public address always wins
])
def test_behind_a_tls_proxy_the_links_keep_https(settings, wechat_api, update, expected):
    # served as `hotline serve` serves (uvicorn's own proxy headers off: the app decides whom to believe)
    with LiveServer(wechat_app(settings, wechat_api, 4.0, **{"public_url": "", **update}),
                    **uvicorn_options(settings)) as server:
        content = reply_content(post(server, text_xml(QUESTION, openid=f"oProxy{len(update)}{expected[:5]}"),
                                     headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}))
    base = expected if "://" in expected else f"{expected}://{server.url.split('://')[1]}"
    assert f"{base}/documents/sh-2022-13-public-service#s2-p3-i2" in content, content


def test_safe_mode_xml_reply_is_encrypted_and_signed(safe):
    response = post(safe, text_xml(QUESTION, openid="oSafe"), encrypt=True)
    outer = parse_envelope(response.content, "xml")
    assert set(outer) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert check_signature(outer["MsgSignature"], TOKEN, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
    inner = parse_envelope(MessageCrypto(TOKEN, AES_KEY, fake_wechat.APPID).decrypt(outer["Encrypt"]).encode(), "xml")
    assert inner["ToUserName"] == "oSafe" and "维权援助" in inner["Content"]


@pytest.mark.parametrize("encrypt", [False, True])
def test_mini_program_json_is_answered_through_the_api(request, wechat_api, encrypt):
    openid = f"oMini{int(encrypt)}"
    body = json.dumps({"ToUserName": "gh_bureau", "FromUserName": openid, "CreateTime": int(time.time()),
                       "MsgType": "text", "Content": "江苏的若干措施有效期到哪天", "MsgId": next(msg_ids)},
                      ensure_ascii=False)
    response = post(request.getfixturevalue("safe" if encrypt else "fast"), body, fmt="json", encrypt=encrypt)
    assert response.status_code == 200 and response.text == "success"
    sent = wait_for(wechat_api.state, openid)
    assert len(sent) == 1 and sent[0]["msgtype"] == "text"
    assert "2030年11月9日" in sent[0]["text"]["content"]


def test_slow_answers_go_through_the_api_and_retries_are_answered_once(slow, wechat_api):
    fetches = wechat_api.state.fetches
    msg_id = next(msg_ids)
    body = text_xml(QUESTION, openid="oSlow", msg_id=msg_id)
    replies = [post(slow, body) for _ in range(3)]  # WeChat retries the same MsgId
    assert all(r.status_code == 200 and r.text == "success" for r in replies)
    sent = wait_for(wechat_api.state, "oSlow")
    time.sleep(0.5)  # give a wrong second answer the time to show up
    sent = [m for m in wechat_api.state.messages if m["touser"] == "oSlow"]
    assert len(sent) == 1 and "维权援助" in sent[0]["text"]["content"]
    post(slow, text_xml("蓝天行动的工作目标是什么", openid="oSlow"))
    assert len(wait_for(wechat_api.state, "oSlow", 2)) == 2
    assert wechat_api.state.fetches - fetches <= 1  # fetched once (or not at all: already cached), then reused


def test_retries_of_a_passively_answered_message_get_success(fast):
    body = text_xml(QUESTION, openid="oRetry", msg_id=next(msg_ids))
    first, second = post(fast, body), post(fast, body)
    assert "维权援助" in reply_content(first)
    assert second.text == "success"


def test_an_expired_token_is_replaced_once(slow, wechat_api):
    post(slow, text_xml("蓝天行动的工作目标是什么", openid="oExpire"))
    wait_for(wechat_api.state, "oExpire")
    fetches = wechat_api.state.fetches
    httpx.post(f"{wechat_api.url}/control/expire")
    post(slow, text_xml(QUESTION, openid="oExpire"))
    assert len(wait_for(wechat_api.state, "oExpire", 2)) == 2
    assert wechat_api.state.fetches == fetches + 1


def test_an_api_error_code_is_logged_and_nothing_breaks(slow, wechat_api, caplog):
    wechat_api.state.fail_with = 45047
    try:
        with caplog.at_level(logging.ERROR, logger="hotline.wechat"):
            assert post(slow, text_xml(QUESTION, openid="oFail")).text == "success"
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not any("45047" in r.getMessage() for r in caplog.records):
                time.sleep(0.05)
        assert any("45047" in r.getMessage() for r in caplog.records)
        assert not [m for m in wechat_api.state.messages if m["touser"] == "oFail"]
    finally:
        wechat_api.state.fail_with = None
    assert post(slow, text_xml(QUESTION, openid="oFail")).text == "success"
    assert wait_for(wechat_api.state, "oFail")


def test_follow_ups_work_in_wechat_too(fast):
    post(fast, text_xml("上海怎么提升知识产权代理服务质量", openid="oFollow"))
    content = reply_content(post(fast, text_xml("那江苏呢？", openid="oFollow")))
    assert "《关于加快推进知识产权服务业高质量发展的若干措施》二、8." in content


def test_events_and_other_message_types(fast):
    subscribe = ("<xml><ToUserName><![CDATA[gh_bureau]]></ToUserName><FromUserName><![CDATA[oNew]]></FromUserName>"
                 f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
                 "<Event><![CDATA[subscribe]]></Event></xml>")
    assert reply_content(post(fast, subscribe)) == WELCOME
    image = text_xml("", openid="oImage", msg_type="image", extra="<PicUrl><![CDATA[http://x/y.jpg]]></PicUrl>")
    assert "文字" in reply_content(post(fast, image))
    voice = text_xml("", openid="oVoice", msg_type="voice", extra=f"<Recognition><![CDATA[{QUESTION}]]></Recognition>")
    assert "维权援助" in reply_content(post(fast, voice))  # WeChat's own speech recognition, used as the question


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
                  "<xml><ToUserName>&lol2;</ToUserName></xml>")
XXE = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
       "<xml><ToUserName>&e;</ToUserName><FromUserName>u</FromUserName><MsgType>text</MsgType></xml>")


@pytest.mark.parametrize("case, status", [
    ("bad-signature", 401), ("replayed", 401), ("malformed", 400), ("billion-laughs", 400), ("xxe", 400),
    ("missing-fields", 400), ("oversized", 413), ("bad-ciphertext", 400),
])
def test_bad_requests_are_refused_logged_without_content_and_not_answered(request, fast, wechat_api, caplog, case,
                                                                          status):
    secret_words = "机密问题内容"
    before = len(wechat_api.state.messages)
    with caplog.at_level(logging.INFO):
        if case == "bad-signature":
            response = post(fast, text_xml(secret_words), bad_signature=True)
        elif case == "replayed":
            response = post(fast, text_xml(secret_words), timestamp=int(time.time()) - 3600)
        elif case == "malformed":
            response = post(fast, f"<xml><Content>{secret_words}</xml>")
        elif case == "billion-laughs":
            response = post(fast, BILLION_LAUGHS)
        elif case == "xxe":
            response = post(fast, XXE)
        elif case == "missing-fields":
            response = post(fast, f"<xml><Content>{secret_words}</Content></xml>")
        elif case == "oversized":
            response = post(fast, text_xml(secret_words * 10000))
        else:
            ts, nonce = str(int(time.time())), "1"
            body = "<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[bm90IGNpcGhlcg==]]></Encrypt></xml>"
            response = httpx.post(f"{request.getfixturevalue('safe').url}/wechat", content=body.encode(), params={
                "signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "encrypt_type": "aes",
                "msg_signature": sign(TOKEN, ts, nonce, "bm90IGNpcGhlcg==")})
    assert response.status_code == status
    assert response.json()["error"]["code"] == "wechat_refused"
    assert secret_words not in caplog.text
    time.sleep(0.2)
    assert len(wechat_api.state.messages) == before


def test_weak_or_malformed_secrets_refuse_to_start():
    with pytest.raises(ValidationError, match="WECHAT_TOKEN"):
        WeChatSettings(_env_file=None, token=SecretStr("aaaaaaaa"))
    with pytest.raises(ValidationError, match="WECHAT_TOKEN"):
        WeChatSettings(_env_file=None, token=SecretStr("abc"))
    with pytest.raises(ValidationError, match="WECHAT_AES_KEY"):
        WeChatSettings(_env_file=None, token=SecretStr(TOKEN), aes_key=SecretStr("short"))


def test_long_answers_fit_wechats_limit():
    text = ("条款内容。" * 300 + "\n") * 3
    out = fit(text)
    assert len(out.encode()) <= 2048 and out.endswith("……")


def test_a_refusal_lists_the_related_clauses_once(fast):
    content = reply_content(post(fast, text_xml("外观设计专利保护期多少年", openid="oOnce")))
    assert "12345" in content
    related = [line for line in content.splitlines() if line.startswith("[1]")]
    assert len(related) == 1, content  # not once in the answer's text and again in the list
    assert content.count("供参考") + content.count("相关条款") == 1


def test_a_curated_answer_is_named_by_its_question_not_its_id(fast):
    content = reply_content(post(fast, text_xml("代理机构收了钱不办事去哪里投诉", openid="oFaq")))
    assert "常见问答：代理机构收了钱不办事去哪里投诉" in content
    text_lines = [line for line in content.splitlines() if not line.startswith("http")]
    assert not any("agency-complaint" in line for line in text_lines), content
