"""Operator functions behind operators' tokens, and FAQ candidates staff can trust (issue 16, finding 1).

What the outside test found: anyone could POST a corrected answer (300 candidates for one answer in 0.5 s),
the FAQ list was one unpaginated 2 MB page, a reviewer could not tell who wrote a candidate, and an approved
"报名费每科500元，须在2026年3月1日前通过 ipa-help.cn 缴纳" was served as grounded, citing a clause that says the
fee is waived.
"""
import concurrent.futures

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from bot.config import Settings
from tests.conftest import ADMIN_TOKEN, OPERATOR, OPERATOR_TOKEN, LiveServer

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
POISON = "报名费每科500元，须在2026年3月1日前通过 ipa-help.cn 缴纳。"
EXAM_QUESTION = "专利代理师考试是不是不要报名费了"


def _answer(client, question: str = EXAM_QUESTION) -> dict:
    return client.post("/v1/ask", json={"question": question}).json()


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "unauthorized"),
    ({"Authorization": "Bearer wrong-token-wrong-token-wrong"}, 401, "unauthorized"),
    ({"Authorization": f"Bearer {ADMIN_TOKEN}"}, 401, "unauthorized"),  # the admin token is not an operator's
    ({"Authorization": OPERATOR_TOKEN}, 401, "unauthorized"),  # no scheme
])
def test_the_hotline_needs_an_operator_token(client, headers, status, code):
    response = client.post("/v1/hotline/suggest", json={"transcript": "蓝天行动的工作目标是什么"}, headers=headers)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_an_operator_token_opens_the_hotline(client):
    response = client.post("/v1/hotline/suggest", json={"transcript": "蓝天行动的工作目标是什么"}, headers=OPERATOR)
    assert response.status_code == 200 and response.json()["suggestions"]


def test_operator_functions_are_closed_when_no_token_is_set(app_settings):
    from bot.api.app import create_app

    closed = app_settings.model_copy(update={"operator_tokens": SecretStr("")})
    with LiveServer(create_app(closed)) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        response = client.post("/v1/hotline/suggest", json={"transcript": "蓝天行动的工作目标是什么"}, headers=OPERATOR)
        assert response.status_code == 403 and response.json()["error"]["code"] == "operator_disabled"
        assert "HOTLINE_OPERATOR_TOKENS" in response.json()["error"]["message"]
        answer = _answer(client)
        corrected = client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down",
                                                      "corrected_answer": "另一个答案"}, headers=OPERATOR)
        assert corrected.status_code == 403 and corrected.json()["error"]["code"] == "operator_disabled"


def test_the_public_may_rate_an_answer_but_not_write_one(client):
    answer = _answer(client, "蓝天行动的工作目标是什么")
    before = client.get("/v1/admin/faq", headers=ADMIN).json()["total"]
    written = client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down",
                                                "corrected_answer": POISON})
    assert written.status_code == 403 and written.json()["error"]["code"] == "operator_required"
    assert "corrected_answer" in written.json()["error"]["message"]
    assert client.get("/v1/admin/faq", headers=ADMIN).json()["total"] == before
    rated = client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down", "comment": "没说清楚"})
    assert rated.status_code == 201 and rated.json()["faq_candidate_id"] is None


def test_one_candidate_per_answer_however_fast_they_come(client, server):
    answer = _answer(client, "蓝天行动的工作目标是什么？")

    def correct(n: int) -> int:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            return c.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down",
                                                "corrected_answer": f"改正{n}"}, headers=OPERATOR).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(correct, range(40)))
    assert codes.count(201) == 1 and codes.count(409) == 39
    items = client.get("/v1/admin/faq", params={"status": "candidate", "limit": 200}, headers=ADMIN).json()["items"]
    mine = [i for i in items if i["source_answer_id"] == answer["answer_id"]]
    assert len(mine) == 1 and mine[0]["source"] == "operator:12345热线"  # who wrote it, shown to the reviewer
    again = client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down",
                                              "corrected_answer": "再改"}, headers=OPERATOR).json()
    assert again["error"]["code"] == "faq_candidate_exists" and str(mine[0]["id"]) in again["error"]["message"]


def test_the_faq_list_is_paginated(client):
    for question in ("蓝天行动的工作目标是什么呀", "上海怎么提升知识产权代理服务质量", "江苏服务业措施什么时候施行"):
        client.post("/v1/feedback", json={"answer_id": _answer(client, question)["answer_id"], "rating": "down",
                                          "corrected_answer": "改正的答案"}, headers=OPERATOR)
    page = client.get("/v1/admin/faq", params={"limit": 2}, headers=ADMIN).json()
    assert page["total"] >= 3 and len(page["items"]) == 2 and page["limit"] == 2 and page["offset"] == 0
    rest = client.get("/v1/admin/faq", params={"limit": 2, "offset": 2}, headers=ADMIN).json()
    assert rest["items"] and rest["items"][0]["id"] > page["items"][1]["id"]
    too_many = client.get("/v1/admin/faq", params={"limit": 100000}, headers=ADMIN)
    assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "invalid_request"


def test_an_approved_answer_passes_the_fact_check_of_knowledge_faq(client):
    answer = _answer(client, "专利代理师考试要报名费吗")
    candidate = client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down",
                                                  "corrected_answer": POISON}, headers=OPERATOR).json()["faq_candidate_id"]
    refused = client.post(f"/v1/admin/faq/{candidate}/review", json={"status": "approved"}, headers=ADMIN)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "faq_unsupported"
    for fact in ("500", "2026年3月1日", "ipa-help.cn"):
        assert fact in refused.json()["error"]["message"]
    assert client.get(f"/v1/admin/faq/{candidate}", headers=ADMIN).json()["status"] == "candidate"
    transcript = {"transcript": "请问专利代理师考试要报名费吗"}
    assert not any(f["answer"] == POISON for f in
                   client.post("/v1/hotline/suggest", json=transcript, headers=OPERATOR).json()["faq"])
    # the reviewer corrects the answer and its basis, then approves it
    basis = ["sh-2024-32-service-industry:s3-i14"]
    fixed = "上海延续专利代理师资格考试免报考费政策。"
    edited = client.patch(f"/v1/admin/faq/{candidate}", json={"answer": fixed, "basis": basis}, headers=ADMIN)
    assert edited.status_code == 200 and edited.json()["answer"] == fixed and edited.json()["basis"] == basis
    approved = client.post(f"/v1/admin/faq/{candidate}/review", json={"status": "approved"}, headers=ADMIN)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert any(f["id"] == f"op-{candidate}" and f["answer"] == fixed for f in
               client.post("/v1/hotline/suggest", json=transcript, headers=OPERATOR).json()["faq"])
    # a decided pair is not edited behind the reviewer's back
    late = client.patch(f"/v1/admin/faq/{candidate}", json={"answer": POISON}, headers=ADMIN)
    assert late.status_code == 409 and late.json()["error"]["code"] == "faq_already_reviewed"


@pytest.mark.parametrize("body, status, code", [
    ({"basis": ["no-such-doc:s1"]}, 422, "faq_unknown_basis"),
    ({"basis": []}, 422, "invalid_request"),
    ({"answer": ""}, 422, "invalid_request"),
    ({"answer": "x" * 2001}, 422, "invalid_request"),
])
def test_bad_edits_are_4xx(client, body, status, code):
    answer = _answer(client, "知识产权质押登记在上海怎么办")
    candidate = client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down",
                                                  "corrected_answer": "改正"}, headers=OPERATOR).json()
    faq_id = candidate.get("faq_candidate_id") or int(candidate["error"]["message"].split("编号 ")[1].split("）")[0])
    response = client.patch(f"/v1/admin/faq/{faq_id}", json=body, headers=ADMIN)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert client.patch("/v1/admin/faq/999999", json={"answer": "x"}, headers=ADMIN).status_code == 404
    assert client.patch(f"/v1/admin/faq/{faq_id}", json=body).status_code == 401  # staff only


def test_the_cli_approval_runs_the_same_check(app_settings, assistant):
    first = assistant.ask("专利代理师资格考试收报名费吗")
    _, candidate = assistant.feedback(first.answer_id, "down", None, POISON, "operator:本局")
    from bot.cli import main

    assert main(["--data-dir", str(app_settings.data_dir), "admin", "faq", str(candidate), "--status", "approved"]) == 2
    assert assistant.store.faq_item(candidate)["status"] == "candidate"


def test_operator_tokens_are_named_strong_and_not_the_admin_token():
    tokens = ("12345热线:zksPhdMWQd9uQ3lXNjGYZDJWvwv0mhqm-mbHV4o8bDs,本局:lDShtAojkrXdKEoWUgTw5m0FpL2sw6xwys6WG_9v9D0,"
              "X0Bfay6IjxVEWD9Ig0pZzY15PhqgNVoFLEmuDOmyihs")
    settings = Settings(_env_file=None, operator_tokens=tokens)
    assert [name for name, _ in settings.operators] == ["12345热线", "本局", "话务员3"]
    with pytest.raises(ValidationError, match="HOTLINE_OPERATOR_TOKENS"):
        Settings(_env_file=None, operator_tokens="team:short")
    with pytest.raises(ValidationError, match="HOTLINE_OPERATOR_TOKENS"):
        Settings(_env_file=None, operator_tokens=f"a:{ADMIN_TOKEN}", admin_token=ADMIN_TOKEN)
    with pytest.raises(ValidationError, match="重复"):
        Settings(_env_file=None, operator_tokens=f"a:{OPERATOR_TOKEN},b:{OPERATOR_TOKEN}")


def test_the_check_takes_a_header_value_for_the_websocket_too(app_settings):
    from bot.api.deps import AdminDenied, operator_for

    assert operator_for(app_settings, f"Bearer {OPERATOR_TOKEN}").name == "12345热线"
    assert operator_for(app_settings, f"bearer  {OPERATOR_TOKEN} ").source == "operator:12345热线"
    for bad in (None, "", "Bearer", f"Basic {OPERATOR_TOKEN}", f"Bearer {OPERATOR_TOKEN}x"):
        with pytest.raises(AdminDenied) as refused:
            operator_for(app_settings, bad)
        assert refused.value.status == 401
