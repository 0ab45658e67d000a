"""/v1/hotline/stream with a real WebSocket client (the `websockets` package) against the real app served by
uvicorn on 127.0.0.1: a recorded call replayed as a streaming ASR emits it, partial results growing at speaking
pace, then the final result of each utterance."""
import json
import threading
import time

import pytest
from websockets.sync.client import connect

from tests.conftest import OPERATOR, OPERATOR_TOKEN

# A recorded call: (whose voice, what the recogniser finally heard).
CALL = [
    ("operator", "您好，知识产权热线，请讲。"),
    ("caller", "你好，我这边是浦东一家小公司的，想问一下专利代理师考试现在还要交报名费吗？"),
    ("operator", "您是问专利代理师资格考试的报考费是吧？"),
    ("caller", "对对。还有，代理机构收了钱不办事，我想投述他们，去哪里投述？"),
    ("caller", "好的，没别的事了，再见。"),
]
CHARS_PER_SECOND = 40  # faster than speech (about 4–5 a second), to keep the test to a few seconds


def ws_url(server, query: str = "") -> str:
    return server.url.replace("http://", "ws://") + "/v1/hotline/stream" + query


def utter(ws, speaker: str, text: str) -> None:
    """Partial results growing a few characters at a time, as an ASR streams them, then the final one."""
    step = 6
    for end in range(step, len(text), step):
        ws.send(json.dumps({"text": text[:end], "is_final": False, "speaker": speaker}))
        time.sleep(step / CHARS_PER_SECOND)
    ws.send(json.dumps({"text": text, "is_final": True, "speaker": speaker}))


def events_until(ws, predicate, timeout: float = 15.0) -> list[dict]:
    got = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        got.append(event)
        if predicate(event):
            return got
    raise AssertionError(f"not received within {timeout}s: {got}")


def test_a_replayed_call_gets_each_card_when_its_question_ends(server):
    listened: list[dict] = []
    with connect(ws_url(server), additional_headers=OPERATOR) as asr:
        ready = json.loads(asr.recv(timeout=10))
        assert ready["type"] == "ready" and ready["call"]
        # an operator's console listening to the call
        with connect(ws_url(server, f"?call={ready['call']}&listen=true")) as console:
            console.send(json.dumps({"token": OPERATOR_TOKEN}))  # as the console in a browser does
            assert json.loads(console.recv(timeout=10))["listening"]
            reader = threading.Thread(target=lambda: listened.extend(_drain(console)), daemon=True)
            reader.start()
            cards = []
            for speaker, text in CALL:
                utter(asr, speaker, text)
                # the line comes back; after a caller's question its card comes, before the call goes on
                events_until(asr, lambda e: e["type"] == "transcript" and e["is_final"])
                if speaker == "caller" and ("吗" in text or "哪里" in text):
                    cards.append(events_until(asr, lambda e: e["type"] == "suggestion")[-1])
            asr.send(json.dumps({"type": "end"}))
            time.sleep(0.3)
        reader.join(timeout=5)

    assert [c["question"] for c in cards] == ["专利代理师考试现在还要交报名费吗", "代理机构收了钱不办事，我想投诉他们，去哪里投诉"]
    fee, complaint = cards
    assert fee["grounded"] and fee["citations"][0]["clause_id"] == "sh-2024-32-service-industry:s3-i14"
    assert "免报考费" in fee["answer"] and len(fee["answer"]) <= 120
    assert complaint["grounded"] and "来电人" not in complaint["answer"]
    # the console saw the call as it went: partial results, final lines and both cards
    kinds = [(e["type"], e.get("is_final")) for e in listened]
    assert ("transcript", False) in kinds and ("transcript", True) in kinds
    shown = [e for e in listened if e["type"] == "suggestion"]
    replaced = {e["replaces"] for e in shown}
    # the fee card came again once the operator's rephrase was heard, replacing the first one
    assert [e["question"] for e in shown if e["answer_id"] not in replaced] == [c["question"] for c in cards]


def _drain(ws) -> list[dict]:
    out = []
    try:
        for raw in ws:
            out.append(json.loads(raw))
    except Exception:  # the console closed its socket
        pass
    return out


def test_a_question_answered_before_the_operators_rephrase_is_answered_again(server):
    with connect(ws_url(server), additional_headers=OPERATOR) as asr:
        json.loads(asr.recv(timeout=10))
        asr.send(json.dumps({"text": "来电人：专利代理师考试现在还要交报名费吗？", "is_final": True}))
        first = events_until(asr, lambda e: e["type"] == "suggestion")[-1]
        assert first["replaces"] is None
        asr.send(json.dumps({"text": "坐席：您是问专利代理师资格考试的报考费是吧？", "is_final": True}))
        again = events_until(asr, lambda e: e["type"] == "suggestion")[-1]
        assert again["question"] == first["question"] and again["replaces"] == first["answer_id"]


@pytest.mark.parametrize("message, code", [
    ("不是 JSON", "invalid_message"), (json.dumps({"text": 5, "is_final": True}), "invalid_message"),
    (json.dumps([1, 2]), "invalid_message"), (json.dumps({"text": "问" * 2001, "is_final": True}), "text_too_long"),
])
def test_bad_messages_get_a_chinese_error_and_the_call_goes_on(server, message, code):
    with connect(ws_url(server), additional_headers=OPERATOR) as asr:
        json.loads(asr.recv(timeout=10))
        asr.send(message)
        error = json.loads(asr.recv(timeout=10))
        assert error["type"] == "error" and error["error"]["code"] == code and error["error"]["message"]
        asr.send(json.dumps({"text": "来电人：蓝天行动的工作目标是什么？", "is_final": True}))
        assert events_until(asr, lambda e: e["type"] == "suggestion")[-1]["grounded"]


def test_the_token_may_come_as_the_first_message_and_a_wrong_one_is_refused(settings):
    from pydantic import SecretStr

    from bot.api.app import create_app
    from tests.conftest import LiveServer

    locked = settings.model_copy(update={"operator_tokens": SecretStr("op-token-0123456789")})
    with LiveServer(create_app(locked)) as live:
        with connect(ws_url(live)) as ws:
            ws.send(json.dumps({"token": "wrong"}))
            assert json.loads(ws.recv(timeout=10))["error"]["code"] == "unauthorized"
        with connect(ws_url(live)) as ws:
            ws.send(json.dumps({"token": "op-token-0123456789"}))
            assert json.loads(ws.recv(timeout=10))["type"] == "ready"
        with connect(ws_url(live), additional_headers={"Authorization": "Bearer op-token-0123456789"}) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "ready"
