"""The OpenAI-compatible API, driven by the official `openai` client against the real app on 127.0.0.1."""
from __future__ import annotations

import json

import httpx
import openai
import pytest
from pydantic import SecretStr

from bot.api.app import create_app
from tests.conftest import WIDGET_SITE, LiveServer, left_out

KEY = "test-api-key-A-0123456789abcdefgh"
OTHER_KEY = "test-api-key-B-zyxwvutsrqponmlkji"


@pytest.fixture(scope="module")
def api(app_settings):
    keys = SecretStr(f"{KEY}, {OTHER_KEY}")
    with LiveServer(create_app(app_settings.model_copy(update={"api_keys": keys}))) as live:
        yield live


def client(server, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=30)


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_models_lists_hotline(api):
    models = client(api).models.list()
    assert [m.id for m in models.data] == ["hotline"] and models.data[0].owned_by == "ip-hotline"
    assert client(api).models.retrieve("hotline").id == "hotline"
    with pytest.raises(openai.NotFoundError) as unknown:
        client(api).models.retrieve("gpt-4o")
    assert unknown.value.body["code"] == "model_not_found" and is_chinese(unknown.value.message)


def test_an_answer_carries_its_citations_in_the_text_and_in_a_field(api):
    response = client(api).chat.completions.create(
        model="hotline", messages=[{"role": "system", "content": "You are a helpful assistant."},
                                   user("企业遇到侵权纠纷，上海有没有公益的维权援助？")])
    content = response.choices[0].message.content
    extra = response.model_extra
    assert response.choices[0].finish_reason == "stop" and response.model == "hotline"
    assert extra["grounded"] is True and response.id == f"chatcmpl-{extra['answer_id']}"
    citation = extra["citations"][0]
    assert citation["doc_number"] == "沪知局〔2022〕13号" and citation["clause"] == "二、（三）2."
    # the numbered references close the content, one line per citation, in the field's order
    references = content.split("依据：\n")[-1].splitlines()
    assert [line[:3] for line in references] == [f"[{c['n']}]" for c in extra["citations"]]
    assert f"《{citation['doc_title']}》（沪知局〔2022〕13号）二、（三）2." in references[0]
    # the whole clause is behind its link (the address the client called), not pasted into the content
    assert references[0].endswith(f" {api.url}/documents/sh-2022-13-public-service#s2-p3-i2")
    assert left_out(citation["text"], content)
    assert response.usage.completion_tokens == len(content)


def test_a_stream_has_the_openai_chunks_and_the_citations_on_the_last(api):
    question = [user("企业遇到侵权纠纷，上海有没有公益的维权援助？")]
    whole = client(api).chat.completions.create(model="hotline", messages=question)
    chunks = list(client(api).chat.completions.create(model="hotline", messages=question, stream=True,
                                                      stream_options={"include_usage": True}))
    assert chunks[0].object == "chat.completion.chunk" and chunks[0].choices[0].delta.role == "assistant"
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == whole.choices[0].message.content and len(chunks) > 5  # the same text, in pieces
    last = [c for c in chunks if c.choices][-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["grounded"] is True
    assert [c["clause_id"] for c in last.model_extra["citations"]] == [c["clause_id"] for c in
                                                                      whole.model_extra["citations"]]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == len(streamed)
    # on the wire: Server-Sent Events ending with the [DONE] sentinel
    with httpx.stream("POST", f"{api.url}/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                      json={"model": "hotline", "messages": question, "stream": True}, timeout=30) as raw:
        assert raw.headers["content-type"].startswith("text/event-stream")
        events = [line for line in raw.iter_lines() if line]
    assert events[-1] == "data: [DONE]" and all(e.startswith("data: ") for e in events)
    assert "citations" in json.loads(events[-2][6:])


def test_the_whole_message_history_is_used_for_follow_ups(api):
    ai = client(api)
    messages = [user("上海怎么提升知识产权代理服务质量")]
    first = ai.chat.completions.create(model="hotline", messages=messages)
    assert first.model_extra["citations"][0]["region"] == "上海市"
    messages += [{"role": "assistant", "content": first.choices[0].message.content}, user("那江苏呢？")]
    second = ai.chat.completions.create(model="hotline", messages=messages)
    assert second.model_extra["rewritten_question"] == "江苏怎么提升知识产权代理服务质量"
    assert second.model_extra["citations"][0]["clause_id"] == "js-2025-service-industry:s2-i8"
    # the third turn needs the second's citations, which need the first question: the whole list is replayed
    messages += [{"role": "assistant", "content": second.choices[0].message.content}, user("这个什么时候失效？")]
    third = list(ai.chat.completions.create(model="hotline", messages=messages, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in third)
    assert "2030年11月9日" in text and third[-1].model_extra["grounded"] is True
    assert "《关于加快推进知识产权服务业高质量发展的若干措施》" in third[-1].model_extra["rewritten_question"]
    # the same question without its history is not rewritten
    alone = ai.chat.completions.create(model="hotline", messages=[user("那江苏呢？")])
    assert alone.model_extra["rewritten_question"] is None


def test_grounded_false_stays_visible(api):
    question = [user("商标注册一般要多久能下来")]
    response = client(api).chat.completions.create(model="hotline", messages=question)
    assert response.model_extra["grounded"] is False and "12345" in response.choices[0].message.content
    last = list(client(api).chat.completions.create(model="hotline", messages=question, stream=True))[-1]
    assert last.model_extra["grounded"] is False


def test_every_key_works_and_a_wrong_or_missing_key_is_refused(api):
    for key in (KEY, OTHER_KEY):
        assert client(api, key).models.list().data
    with pytest.raises(openai.AuthenticationError) as wrong:
        client(api, "not-a-key-of-this-service-000000").chat.completions.create(model="hotline",
                                                                               messages=[user("你好")])
    assert wrong.value.status_code == 401 and is_chinese(wrong.value.message)
    bare = httpx.get(f"{api.url}/v1/models")
    assert bare.status_code == 401 and bare.headers["www-authenticate"] == "Bearer"
    assert bare.json()["error"]["type"] == "authentication_error"


def test_a_chat_ui_on_an_allowed_site_may_send_its_key_from_the_browser(api, site_port):
    origin = WIDGET_SITE.format(port=site_port)
    preflight = httpx.options(f"{api.url}/v1/chat/completions", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == origin
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    other = httpx.options(f"{api.url}/v1/chat/completions", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization"})
    assert "access-control-allow-origin" not in other.headers


def test_without_keys_the_endpoints_are_closed_and_say_what_to_set(settings):
    with LiveServer(create_app(settings)) as live:
        with pytest.raises(openai.PermissionDeniedError) as closed:
            client(live).chat.completions.create(model="hotline", messages=[user("你好")])
        assert closed.value.status_code == 403 and "HOTLINE_API_KEYS" in closed.value.message
        assert httpx.get(f"{live.url}/v1/models").json()["error"]["code"] == "api_disabled"


def test_each_key_has_its_own_rate_limit_and_the_address_limit_does_not_apply(settings):
    limited = settings.model_copy(update={"api_keys": SecretStr(f"{KEY},{OTHER_KEY}"), "api_rate_limit": "4/minute",
                                          "rate_limit": "2/minute"})
    with LiveServer(create_app(limited)) as live:
        ai = client(live)
        for _ in range(4):  # more than the address's 2 a minute: a gateway is one address for many callers
            ai.models.list()
        with pytest.raises(openai.RateLimitError) as limit:
            ai.models.list()
        assert limit.value.status_code == 429 and int(limit.value.response.headers["retry-after"]) >= 1
        assert is_chinese(limit.value.message)
        assert client(live, OTHER_KEY).models.list().data  # another key is not held up
        # wrong keys are limited per address, so that keys cannot be guessed quickly
        statuses = [httpx.get(f"{live.url}/v1/models", headers={"Authorization": f"Bearer guess-{n}"}).status_code
                    for n in range(3)]
        assert statuses == [401, 401, 429]


@pytest.mark.parametrize("body, status, code, param", [
    ({"model": "gpt-4o", "messages": [{"role": "user", "content": "你好"}]}, 404, "model_not_found", "model"),
    ({"model": "hotline", "messages": [{"role": "assistant", "content": "你好"}]}, 400, "invalid_request", "messages"),
    ({"model": "hotline", "messages": [{"role": "user", "content": "  "}]}, 400, "invalid_question", "messages"),
    ({"model": "hotline", "messages": [{"role": "user", "content": "长" * 600}]}, 400, "invalid_question", "messages"),
    ({"model": "hotline", "messages": []}, 400, "invalid_request", "messages"),
    ({"model": "hotline"}, 400, "invalid_request", "messages"),
    ({"model": "hotline", "messages": [{"role": "user", "content": "你好"}], "n": 2}, 400, "invalid_request", "n"),
    ({"model": "hotline", "messages": [{"role": "user", "content": "专利代理"}], "region": "火星"}, 400, "invalid_region",
     "region"),
    ({"model": "hotline", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "http://x/y.png"}}]}]}, 400, "unsupported_content", "messages"),
])
def test_bad_requests_get_openai_errors_in_chinese(api, body, status, code, param):
    response = httpx.post(f"{api.url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["param"] == param and is_chinese(error["message"])
    assert error["type"] == "invalid_request_error"


def test_text_parts_are_read_and_a_body_that_is_not_json_is_a_400(api):
    parts = {"model": "hotline", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "企业遇到侵权纠纷，"}, {"type": "text", "text": "上海有没有公益的维权援助？"}]}]}
    headers = {"Authorization": f"Bearer {KEY}"}
    answered = httpx.post(f"{api.url}/v1/chat/completions", json=parts, headers=headers, timeout=30).json()
    assert answered["grounded"] is True and answered["citations"][0]["doc_number"] == "沪知局〔2022〕13号"
    broken = httpx.post(f"{api.url}/v1/chat/completions", content=b"{not json",
                        headers={**headers, "content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"]["message"] == "请求体不是有效的 JSON。"


def test_docs_list_the_new_endpoints_with_examples(api):
    schema = httpx.get(f"{api.url}/openapi.json").json()
    assert {"/v1/chat/completions", "/v1/models"} <= set(schema["paths"])
    examples = schema["paths"]["/v1/chat/completions"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert {e["value"]["model"] for e in examples.values()} == {"hotline"}
    assert schema["paths"]["/mcp"]["post"]["requestBody"]["content"]["application/json"]["example"]["method"] == \
        "tools/call"
    assert "citations" in schema["components"]["schemas"]["ChatCompletion"]["properties"]


def test_references_a_composer_left_out_are_appended_to_the_content(assistant):
    from bot.api.routers.openai_compat import content_of

    answer = assistant.ask("企业遇到侵权纠纷，上海有没有公益的维权援助？")
    linked = content_of(answer, "https://ip.example.gov.cn/")  # HOTLINE_PUBLIC_URL
    assert linked == answer.answer + " https://ip.example.gov.cn/documents/sh-2022-13-public-service#s2-p3-i2"
    body = answer.answer.split("\n\n依据：")[0]
    bare = answer.model_copy(update={"answer": body})
    bare._draft = None  # an answer with no draft to render: its own text, the references appended
    assert content_of(bare) == answer.answer  # the same references, in the same words
    refused = assistant.ask("商标注册一般要多久能下来")
    without = refused.model_copy(update={"answer": "文件没有写明。"})
    without._draft = None
    assert content_of(without).startswith("文件没有写明。\n\n相关条款：\n[1]《")


def test_with_an_llm_only_the_checked_answer_reaches_an_openai_stream(settings):
    from tests.fake_llm import make_app

    with LiveServer(make_app()) as llm:
        composed = settings.model_copy(update={"api_keys": SecretStr(KEY), "llm_base_url": f"{llm.url}/v1",
                                               "llm_model": "hallucinate", "llm_timeout": 3.0})
        with LiveServer(create_app(composed)) as live:
            question = [user("企业遇到侵权纠纷，上海有没有公益的维权援助？")]
            whole = client(live).chat.completions.create(model="hotline", messages=question)
            chunks = list(client(live).chat.completions.create(model="hotline", messages=question, stream=True))
    content = whole.choices[0].message.content
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    # the model's unsupported 50万元 was dropped by the check, and never streamed
    assert content.startswith("根据资料，") and "50万元" not in content and "50万元" not in streamed
    assert streamed == content and "\n\n依据：\n[1]《" in content
    assert chunks[-1].model_extra["citations"] == whole.model_extra["citations"]
