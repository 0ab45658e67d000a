"""Every endpoint of the channels issue through the real app on 127.0.0.1: streaming, follow-ups, hotline,
feedback, documents, gaps, CORS, request ids and bad input."""
import json
import socket

import httpx
import pytest
from pydantic import SecretStr

from tests.conftest import ADMIN_TOKEN, OPERATOR, WIDGET_SITE


def sse_events(response) -> list[tuple[str, dict]]:
    events, name, data = [], None, ""
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
        elif line == "" and name:
            events.append((name, json.loads(data)))
            name, data = None, ""
    return events


def test_chat_streams_pieces_then_citations_then_done(client):
    with client.stream("POST", "/v1/chat", json={"question": "企业遇到侵权纠纷，上海有没有公益的维权援助？"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    names = [n for n, _ in events]
    assert names[0] == "meta" and names[-2:] == ["citations", "done"]
    deltas = [d["text"] for n, d in events if n == "delta"]
    assert len(deltas) > 3
    done = events[-1][1]
    assert "".join(deltas) == done["answer"]
    assert events[-2][1]["citations"][0]["clause"] == "二、（三）2."
    assert done["session_id"] == events[0][1]["session_id"]


def test_chat_errors_come_as_json_before_the_stream(client):
    response = client.post("/v1/chat", json={"question": "  "})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_question"


def test_a_client_that_disconnects_mid_stream_costs_nothing(server, client):
    body = json.dumps({"question": "上海和江苏分别怎么提升知识产权代理服务质量"}).encode()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        assert b"200 OK" in sock.recv(200)
    # the server goes on serving as before
    assert client.post("/v1/ask", json={"question": "蓝天行动的工作目标是什么"}).status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"


def test_follow_ups_are_understood_against_the_previous_turn(client):
    first = client.post("/v1/ask", json={"question": "上海怎么提升知识产权代理服务质量"}).json()
    assert first["citations"][0]["region"] == "上海市"
    second = client.post("/v1/ask", json={"question": "那江苏呢？", "session_id": first["session_id"]}).json()
    assert second["rewritten_question"] == "江苏怎么提升知识产权代理服务质量"
    assert second["grounded"] and second["citations"][0]["clause_id"] == "js-2025-service-industry:s2-i8"
    third = client.post("/v1/ask", json={"question": "这个什么时候失效？", "session_id": first["session_id"]}).json()
    assert "《关于加快推进知识产权服务业高质量发展的若干措施》" in third["rewritten_question"]
    assert third["grounded"] and "2030年11月9日" in third["answer"]


def test_an_unknown_session_is_a_404(client):
    response = client.post("/v1/ask", json={"question": "蓝天行动的工作目标是什么", "session_id": "f" * 32})
    assert response.status_code == 404 and response.json()["error"]["code"] == "session_not_found"


def test_suggested_follow_ups_are_answerable(client):
    first = client.post("/v1/ask", json={"question": "江苏怎么提升知识产权代理服务质量"}).json()
    assert first["follow_ups"]
    for question in first["follow_ups"]:
        answer = client.post("/v1/ask", json={"question": question, "session_id": first["session_id"]}).json()
        assert answer["grounded"], question


def test_hotline_suggest_from_a_spoken_transcript(client):
    transcript = ("喂你好，我想问一下，嗯，我们是上海的一家小企业，那个，代理所收了钱不办事我去哪里投诉啊？"
                  "还有就是江苏那个服务业措施什么时候施行的，嗯，还有知识厂权质押登记在上海怎么办")
    response = client.post("/v1/hotline/suggest", json={"transcript": transcript}, headers=OPERATOR)
    assert response.status_code == 200
    data = response.json()
    assert len(data["questions"]) == 3
    suggestions = data["suggestions"]
    assert 1 <= len(suggestions) <= 3
    for s in suggestions:
        assert len(s["answer"]) <= 120 and 0 <= s["confidence"] <= 1
    cited = {c["clause_id"] for s in suggestions if s["grounded"] for c in s["citations"]}
    assert {"sh-2024-13-lantian-action:s2-p4-i9", "js-2025-service-industry:closing",
            "sh-2022-13-public-service:s2-p3-i3"} <= cited
    assert any("2025年11月9日" in s["answer"] for s in suggestions)


def test_a_hotline_card_links_its_clause_and_reads_out_only_the_lead(client):
    """The whole clause is behind the card's citation (folded, with its link), never in the text read out."""
    card = client.post("/v1/hotline/suggest", json={"transcript": "企业遇到侵权纠纷，上海有没有公益的维权援助？"},
                       headers=OPERATOR).json()["suggestions"][0]
    cited = card["citations"][0]
    assert cited["url"] == "/documents/sh-2022-13-public-service#s2-p3-i2" and len(cited["text"]) > 200
    sentences = [s for s in cited["text"].split("。") if s]
    assert len(card["answer"]) <= 120 and sum(s in card["answer"] for s in sentences) <= 1


@pytest.mark.parametrize("body, status", [
    ({"transcript": ""}, 400), ({"transcript": "嗯嗯嗯"}, 400), ({"transcript": 5}, 422),
    ({"transcript": "问" * 20001}, 422), ({}, 422),
])
def test_hotline_bad_input(client, body, status):
    response = client.post("/v1/hotline/suggest", json=body, headers=OPERATOR)
    assert response.status_code == status and response.json()["error"]["message"]


def test_feedback_and_corrections_become_faq_candidates(client):
    answer = client.post("/v1/ask", json={"question": "专利代理师考试是不是不要报名费了"}).json()
    up = client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "up"})
    assert up.status_code == 201 and up.json()["faq_candidate_id"] is None
    corrected = "上海延续专利代理师资格考试免报考费政策（沪知局〔2024〕32号 三、14.）。"
    down = client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down",
                                              "comment": "太长", "corrected_answer": corrected}, headers=OPERATOR)
    candidate = down.json()["faq_candidate_id"]
    assert down.status_code == 201 and candidate
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    pending = client.get("/v1/admin/faq", params={"status": "candidate", "limit": 200}, headers=admin).json()["items"]
    pair = next(p for p in pending if p["id"] == candidate)
    assert pair["answer"] == corrected and pair["basis"] == [c["clause_id"] for c in answer["citations"]]
    assert client.post(f"/v1/admin/faq/{candidate}/review", json={"status": "approved"}, headers=admin).status_code == 200
    # an approved pair is offered to operators when a caller asks the same thing
    suggest = client.post("/v1/hotline/suggest", json={"transcript": "请问专利代理师考试是不是不要报名费了"},
                          headers=OPERATOR).json()
    assert any(f["id"] == f"op-{candidate}" for f in suggest["faq"])


@pytest.mark.parametrize("body, status", [
    ({"answer_id": "nope", "rating": "up"}, 404), ({"answer_id": "x", "rating": "meh"}, 422), ({"rating": "up"}, 422),
])
def test_feedback_bad_input(client, body, status):
    response = client.post("/v1/feedback", json=body)
    assert response.status_code == status and response.json()["error"]["code"]


def test_documents_and_their_clause_trees(client):
    documents = client.get("/v1/documents").json()
    assert {d["id"] for d in documents if d["kind"] == "policy"} == {
        "sh-2024-32-service-industry", "sh-2022-13-public-service", "sh-2024-13-lantian-action",
        "js-2025-service-industry"}
    assert {d["id"] for d in documents if d["kind"] == "catalogue"} == {"ip-public-services", "js-ip-public-services"}
    js = next(d for d in documents if d["id"] == "js-2025-service-industry")
    assert js["expires_on"] == "2030-11-09" and js["clauses"] > 15
    detail = client.get("/v1/documents/sh-2022-13-public-service").json()
    assert detail["document"]["doc_number"] == "沪知局〔2022〕13号"
    tasks = next(n for n in detail["tree"] if n["title"] == "二、重点任务")
    supply = next(n for n in tasks["children"] if n["title"] == "（三）丰富公共服务产品供给")
    assert supply["clause"]["label"] == "二、（三）"
    assert any(c["clause"] and c["clause"]["label"] == "二、（三）2." for c in supply["children"])
    assert client.get("/v1/documents/none").status_code == 404


def test_gaps_are_grouped_masked_and_staff_only(client):
    for question in ("上海知识产权保护中心的地址在哪里？我电话13812345678", "上海知识产权保护中心地址在哪里",
                     "上海知识产权保护中心的地址在哪里呀", "版权登记去哪里办"):
        client.post("/v1/ask", json={"question": question})
    assert client.get("/v1/admin/gaps").status_code == 401
    assert client.get("/v1/admin/gaps", headers={"Authorization": "Bearer wrong"}).status_code == 401
    groups = client.get("/v1/admin/gaps", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    top = next(g for g in groups if "地址" in g["question"])  # other tests' gaps share the database
    assert top["count"] >= 3
    text = json.dumps(groups, ensure_ascii=False)
    assert "13812345678" not in text and "我电话" not in text  # the piece about the asker is left out whole


def test_admin_is_closed_without_a_token(settings):
    from bot.api.app import create_app
    from tests.conftest import LiveServer

    with LiveServer(create_app(settings.model_copy(update={"admin_token": SecretStr("")}))) as live:
        response = httpx.get(f"{live.url}/v1/admin/gaps", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "admin_disabled"


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")  # the warm-up logs it
def test_an_unknown_home_region_is_a_503_that_names_no_internals(settings):
    from bot.api.app import create_app
    from tests.conftest import LiveServer

    with LiveServer(create_app(settings.model_copy(update={"home_region": "火星"}))) as live:
        response = httpx.post(f"{live.url}/v1/ask", json={"question": "专利导航服务哪里能提供"})
    error = response.json()["error"]
    assert response.status_code == 503 and error["code"] == "misconfigured" and "12345" in error["message"]


def test_request_ids(client):
    given = client.get("/healthz", headers={"X-Request-ID": "call-42"})
    assert given.headers["x-request-id"] == "call-42"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces" and len(made.headers["x-request-id"]) == 16


def test_cors_allows_only_listed_sites(client, site_port):
    allowed = WIDGET_SITE.format(port=site_port)
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = client.options("/v1/chat", headers={"Origin": allowed, **preflight})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == allowed
    denied = client.options("/v1/chat", headers={"Origin": "http://evil.example", **preflight})
    assert "access-control-allow-origin" not in denied.headers


@pytest.mark.parametrize("body", [
    {"question": "问" * 10000}, {"question": ["a"]}, {"question": "x", "region": 5}, {"question": None},
    {"question": "x", "session_id": 123},
])
def test_wrong_shapes_are_4xx_never_500(client, body):
    for path in ("/v1/ask", "/v1/chat"):
        response = client.post(path, json=body)
        assert 400 <= response.status_code < 500 and response.json()["error"]["message"]
