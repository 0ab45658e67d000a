"""The HTTP API against the real app served by uvicorn on 127.0.0.1."""


def test_ask_returns_the_contract_object(client):
    response = client.post("/v1/ask", json={"question": "企业遇到侵权纠纷，上海有没有公益的维权援助？", "region": None,
                                            "session_id": None})
    assert response.status_code == 200
    data = response.json()
    assert data["grounded"] is True and len(data["session_id"]) == 32 and data["answer_id"]
    citation = data["citations"][0]
    assert citation["doc_number"] == "沪知局〔2022〕13号" and citation["clause"] == "二、（三）2."
    assert citation["issuer"] == "上海市知识产权局" and citation["kind"] == "policy"


def test_lead_from_says_which_clauses_the_lead_quotes_and_whether_whole(client):
    def ask(question: str) -> dict:
        return client.post("/v1/ask", json={"question": question}).json()

    def bare(text: str) -> str:
        return "".join(ch for ch in text if ch.isalnum())

    # one row of a 附表: the lead is part of its clause, whose whole text (the table) sits behind 展开
    part = ask("上海知识产权公共服务2025年的目标是多少")
    assert part["grounded"] and part["lead_from"] == [{"n": 1, "whole": False}]
    lead = [bare(s) for s in part["answer"].split("\n\n依据")[0].replace("[1]", "").split("。") if bare(s)]
    whole = part["citations"][0]["text"]
    assert lead and all(s in bare(whole) for s in lead)  # quoted from the clause …
    assert sum(map(len, lead)) < len(bare(whole)) and whole.count("\n") >= 4  # … and not all of it
    # a one-sentence clause: the lead is the whole clause, nothing to unfold
    one = ask("上海怎么建立知识产权公共服务网点")
    assert one["lead_from"] == [{"n": 1, "whole": True}]
    assert bare(one["citations"][0]["text"]) in bare(one["answer"].split("\n\n依据")[0])
    # per region: each citation for itself
    both = ask("上海和江苏怎么提升知识产权代理服务质量")
    assert both["lead_from"] == [{"n": 1, "whole": False}, {"n": 2, "whole": False}]
    # a refusal's nearest sentence is no lead
    refused = ask("商标注册一般要多久能下来")
    assert refused["grounded"] is False and refused["citations"] and refused["lead_from"] == []


def test_a_session_id_is_issued_when_none_is_given(client):
    data = client.post("/v1/ask", json={"question": "蓝天行动的工作目标是什么"}).json()
    assert data["session_id"] and len(data["session_id"]) >= 16


def test_ungrounded_answers_point_to_12345(client):
    data = client.post("/v1/ask", json={"question": "商标注册一般要多久能下来"}).json()
    assert data["grounded"] is False and "12345" in data["answer"]


def test_bad_input_is_a_clear_4xx_in_json(client):
    cases = [
        (client.post("/v1/ask", json={"question": ""}), 400, "invalid_question"),
        (client.post("/v1/ask", json={"question": "长" * 600}), 400, "invalid_question"),
        (client.post("/v1/ask", json={}), 422, "invalid_request"),
        (client.post("/v1/ask", json={"question": 123}), 422, "invalid_request"),
        (client.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"}), 422,
         "invalid_request"),
        (client.get("/v1/ask"), 405, "method_not_allowed"),
        (client.get("/v1/nothing-here"), 404, "not_found"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["code"] == code and error["message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])  # said in Chinese


def test_document_page_anchors_every_clause(client):
    data = client.post("/v1/ask", json={"question": "企业遇到侵权纠纷，上海有没有公益的维权援助？"}).json()
    path, anchor = data["citations"][0]["url"].split("#")
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'id="{anchor}"' in page.text and "沪知局〔2022〕13号" in page.text
    missing = client.get("/documents/no-such-document")
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "没有找到这份文档。"


def test_health_and_openapi(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["index_version"].startswith("v")
    asked = client.post("/v1/ask", json={"question": "蓝天行动的工作目标是什么"})
    assert asked.headers["x-index-version"] == health["index_version"]
    assert "/v1/ask" in client.get("/openapi.json").json()["paths"]
