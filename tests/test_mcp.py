"""The MCP server, driven by the official `mcp` SDK's own client: streamable HTTP at /mcp of the real app on
127.0.0.1, and stdio by spawning `python -m bot.cli mcp` against the test index."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys

import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from pydantic import SecretStr

from bot.api.app import create_app
from tests.conftest import ROOT, LiveServer, left_out

KEY = "test-mcp-key-0123456789abcdefghij"
QUESTION = "企业遇到侵权纠纷，上海有没有公益的维权援助？"


@pytest.fixture(scope="module")
def api(settings):
    with LiveServer(create_app(settings.model_copy(update={"api_keys": SecretStr(KEY)}))) as live:
        yield live


async def _session(client: Client) -> dict:
    """What a client sees in one session: the tools, answers, searches, a clause, an error, the resources."""
    tools = await client.list_tools()
    asked = await client.call_tool("ask_policy", {"question": QUESTION})
    refused = await client.call_tool("ask_policy", {"question": "商标注册一般要多久能下来"})
    found = await client.call_tool("search_clauses", {"query": "代理机构 服务质量", "region": "江苏", "k": 3})
    first = found.structured_content["clauses"][0]["clause_id"]
    clause = await client.call_tool("get_clause", {"clause_id": first})
    missing = await client.call_tool("get_clause", {"clause_id": "no-such-document:s1"})
    empty = await client.call_tool("ask_policy", {"question": "   "})
    too_many = await client.call_tool("search_clauses", {"query": "专利", "k": 500})
    resources = await client.list_resources()
    documents = json.loads((await client.read_resource("hotline://documents")).contents[0].text)
    document = json.loads((await client.read_resource("hotline://documents/sh-2022-13-public-service")).contents[0].text)
    return {"tools": tools, "asked": asked, "refused": refused, "found": found, "clause": clause, "missing": missing,
            "empty": empty, "too_many": too_many, "resources": resources, "documents": documents,
            "document": document}


def check(seen: dict) -> None:
    tools = {t.name: t for t in seen["tools"].tools}
    assert set(tools) == {"ask_policy", "search_clauses", "get_clause"}
    assert set(tools["search_clauses"].input_schema["properties"]) == {"query", "region", "k"}
    assert tools["search_clauses"].input_schema["required"] == ["query"]

    asked = seen["asked"]
    assert not asked.is_error and asked.structured_content["grounded"] is True
    citation = asked.structured_content["citations"][0]
    assert citation["doc_number"] == "沪知局〔2022〕13号" and citation["clause"] == "二、（三）2."
    assert "依据：\n[1]《关于加强上海市知识产权公共服务工作的意见》" in asked.content[0].text  # what a model reads
    # … each reference with its clause's page (a path: HOTLINE_PUBLIC_URL is unset), the whole clause behind it
    assert "（有效） /documents/sh-2022-13-public-service#s2-p3-i2" in asked.content[0].text
    assert left_out(citation["text"], asked.content[0].text)  # the best sentences quoted, the whole clause behind
    refused = seen["refused"]
    assert refused.structured_content["grounded"] is False and "grounded: false" in refused.content[0].text

    clauses = seen["found"].structured_content["clauses"]
    assert len(clauses) == 3 and clauses[0]["region"] == "江苏省"
    assert all(c["clause_id"] and c["clause"] and c["status"] == "有效" for c in clauses)
    assert [c["score"] for c in clauses] == sorted((c["score"] for c in clauses), reverse=True)
    clause = seen["clause"].structured_content
    assert clause["clause_id"] == clauses[0]["clause_id"] and clause["text"] == clauses[0]["text"]
    assert clause["url"] == "/documents/{}#{}".format(*clause["clause_id"].split(":"))

    for failed, words in ((seen["missing"], "没有找到条款"), (seen["empty"], "不能为空"), (seen["too_many"], "k")):
        assert failed.is_error and words in failed.content[0].text

    uris = [str(r.uri) for r in seen["resources"].resources]
    assert uris[0] == "hotline://documents" and "hotline://documents/sh-2022-13-public-service" in uris
    assert len(uris) == 1 + len(seen["documents"]) == 7
    listed = {d["id"]: d for d in seen["documents"]}
    assert listed["sh-2024-32-service-industry"]["doc_number"] == "沪知局〔2024〕32号"
    assert listed["sh-2024-32-service-industry"]["clauses"] > 10
    document = seen["document"]
    assert document["document"]["title"] == "关于加强上海市知识产权公共服务工作的意见"
    assert len(document["clauses"]) == document["document"]["clauses"]
    assert any(c["clause"] == "二、（三）2." for c in document["clauses"])


def test_mcp_over_streamable_http_at_slash_mcp(api):
    async def run() -> dict:
        async with create_mcp_http_client(headers={"Authorization": f"Bearer {KEY}"}) as http:
            async with Client(streamable_http_client(f"{api.url}/mcp", http_client=http)) as client:
                return await _session(client)

    check(asyncio.run(run()))

    async def legacy() -> dict:  # a client of the handshake era (initialize first), as many assistants still are
        async with create_mcp_http_client(headers={"Authorization": f"Bearer {KEY}"}) as http:
            async with Client(streamable_http_client(f"{api.url}/mcp", http_client=http), mode="legacy") as client:
                return (await client.call_tool("ask_policy", {"question": QUESTION})).structured_content

    assert asyncio.run(legacy())["citations"][0]["doc_number"] == "沪知局〔2022〕13号"


def test_mcp_over_stdio_with_hotline_mcp(settings, tmp_path):
    # A copy of the test index: the server process gets a data directory and SQLite store of its own, as
    # another installation would (two processes on one store is the SQLite store's own test).
    shutil.copytree(settings.index_dir, tmp_path / "var" / "index")
    env = {"HOTLINE_EMBEDDER": "fitted", "HOTLINE_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
           "HOTLINE_API_KEYS": ""}  # stdio needs no key: the client started the process itself
    params = StdioServerParameters(command=sys.executable, cwd=ROOT, env={**env, "HOME": os.environ.get("HOME", "")},
                                   args=["-m", "bot.cli", "--data-dir", str(tmp_path / "var"), "mcp"])

    async def run() -> dict:
        async with Client(params) as client:
            return await _session(client)

    check(asyncio.run(run()))


def test_mcp_over_http_needs_a_key(api, settings):
    bare = httpx.post(f"{api.url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert bare.status_code == 401 and bare.json()["error"]["code"] == "invalid_api_key"
    with LiveServer(create_app(settings)) as closed:
        response = httpx.post(f"{closed.url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                              headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 403 and "HOTLINE_API_KEYS" in response.json()["error"]["message"]
