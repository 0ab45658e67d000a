"""The API's own description (/openapi.json, /docs) and its errors for malformed requests."""
from __future__ import annotations

import pytest

ERROR_REF = "#/components/schemas/ErrorResponse"


def _referenced(spec: dict, node, seen: set[str]) -> set[str]:
    """The component schemas a part of the document refers to, transitively."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/") and (name := ref.rsplit("/", 1)[1]) not in seen:
            seen.add(name)
            _referenced(spec, spec["components"]["schemas"][name], seen)
        for value in node.values():
            _referenced(spec, value, seen)
    elif isinstance(node, list):
        for value in node:
            _referenced(spec, value, seen)
    return seen


@pytest.fixture(scope="module")
def spec(app_settings):
    """The whole document, the staff endpoints included (HOTLINE_ADMIN_DOCS=true; the public one leaves them out)."""
    from bot.api.app import create_app

    return create_app(app_settings.model_copy(update={"admin_docs": True})).openapi()


def test_the_public_document_is_completed_too(client):
    public = client.get("/openapi.json").json()
    assert not any(path.startswith("/v1/admin") for path in public["paths"])
    assert public["paths"]["/v1/ask"]["post"]["responses"]["415"]["content"]["application/json"]["schema"]["$ref"] \
        == ERROR_REF


def test_every_response_field_is_described_with_an_example(spec):
    names: set[str] = set()
    for operations in spec["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                _referenced(spec, response, names)
    assert {"Answer", "Citation", "DocumentDetail", "GapGroup", "ErrorResponse", "Health"} <= names
    missing = [f"{name}.{field}" for name in sorted(names)
               for field, prop in spec["components"]["schemas"][name].get("properties", {}).items()
               if "description" not in prop or not ("example" in prop or "examples" in prop)]
    assert missing == []


def test_4xx_responses_are_declared_with_the_error_shape(spec):
    ask = spec["paths"]["/v1/ask"]["post"]["responses"]
    assert {"400", "404", "415", "422", "429"} <= set(ask)
    for status, response in ask.items():
        if status.startswith("4"):
            content = response["content"]["application/json"]
            assert content["schema"]["$ref"] == ERROR_REF
            assert set(content["example"]["error"]) == {"code", "message"}
    assert {"401", "403"} <= set(spec["paths"]["/v1/admin/gaps"]["get"]["responses"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # FastAPI's shape, which we never send


def test_the_question_limit_in_the_schema_is_the_one_enforced(spec, client):
    question = spec["components"]["schemas"]["AskRequest"]["properties"]["question"]
    assert question["maxLength"] == 500
    assert client.post("/v1/ask", json={"question": "专" * 500}).status_code == 200
    assert client.post("/v1/ask", json={"question": "专" * 500 + "\n"}).status_code == 200  # stripped first


@pytest.mark.parametrize("length", [501, 12000])
def test_a_too_long_question_gets_the_friendly_message(client, length):
    response = client.post("/v1/ask", json={"question": "专" * length})
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_question",
                                        "message": f"问题太长（{length} 字），请精简到 500 字以内。"}


@pytest.mark.parametrize("body", [b'{"question": "a', b"[" * 100000, b"\xff\xfe"])
def test_a_body_that_is_not_json_is_answered_in_chinese_json(client, body):
    response = client.post("/v1/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json() == {"error": {"code": "invalid_request", "message": "请求体不是有效的 JSON。"}}


@pytest.mark.parametrize("content_type, body", [("text/plain", "企业遇到侵权纠纷怎么办"),
                                                ("application/x-www-form-urlencoded", "question=abc"),
                                                ("multipart/form-data; boundary=x", "--x--\r\n")])
@pytest.mark.parametrize("path", ["/v1/ask", "/v1/chat", "/v1/feedback"])
def test_a_wrong_content_type_is_415(client, path, content_type, body):
    response = client.post(path, content=body.encode(), headers={"content-type": content_type})
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert "application/json" in response.json()["error"]["message"]


def test_a_body_without_a_content_type_is_415_and_a_missing_body_422(client):
    unlabelled = client.post("/v1/ask", content='{"question": "蓝天行动的工作目标是什么"}'.encode())
    assert unlabelled.status_code == 415
    missing = client.post("/v1/ask", headers={"content-type": "application/json"})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "invalid_request"


def test_docs_are_served_from_this_machine(client):
    page = client.get("/docs").text
    assert "cdn" not in page.lower() and "/docs/assets/swagger-ui-bundle.js" in page
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 500_000
    assert client.get("/docs/assets/swagger-editor-bundle.js").status_code == 404  # only what the page needs
    assert client.get("/redoc").status_code == 404  # ReDoc loads from a CDN: not offered
