"""The assistant as a Model Context Protocol server (the official `mcp` SDK, 2.x).

Tools: `ask_policy` (the grounded answer with its citations), `search_clauses` (ranked clauses with ids,
labels and status), `get_clause` (one clause). Resources: `hotline://documents` (every document with its
metadata) and `hotline://documents/{doc_id}` (one document with its clauses), each document also listed.

Two transports: streamable HTTP at `/mcp` inside the app (stateless JSON, so that any worker answers any
request; behind a key of `HOTLINE_API_KEYS`, like the OpenAI-compatible API), and stdio (`hotline mcp`) for
an assistant that starts the server itself on the same machine.
"""
from __future__ import annotations

import json
import logging
import threading
from contextlib import asynccontextmanager
from typing import Annotated

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import CallToolResult, TextContent
from mcp_types import Resource as MCPResource
from pydantic import BaseModel, Field

from bot.api.api_keys import ApiKeyDenied, ApiKeys
from bot.answer.render import render_web
from bot.api.errors import error
from bot.config import Settings
from bot.integrations.clauses import MAX_K, ClauseIndex, ClauseRecord
from bot.models import Citation
from bot.retrieve.search import IndexNotFound, Misconfigured
from bot.service import Assistant, InvalidQuestion

log = logging.getLogger("hotline.mcp")

INSTRUCTIONS = ("知识产权局政策咨询助手。回答只依据本局文件的条款，并逐条引用（文件名、文号、条款编号、是否有效）；"
                "grounded 为 false 时文件没有回答这个问题，请如实告知并建议拨打12345。转述时请保留引用编号。")


class PolicyAnswer(BaseModel):
    answer: str = Field(description="回答正文，末尾附编号引用")
    grounded: bool = Field(description="false：文件没有回答这个问题")
    citations: list[Citation]
    confidence: float
    answer_id: str


class ClauseList(BaseModel):
    clauses: list[ClauseRecord]


def _unavailable(exc: Exception) -> ToolError:
    log.error("%s", exc)
    return ToolError("知识库暂时无法使用（尚未建立索引或配置有误），请稍后再试，或拨打12345咨询。")


class HotlineMCP(MCPServer):
    """An MCPServer over one Assistant; its document resources follow the live index."""

    def __init__(self, assistant: Assistant, **options):
        super().__init__("hotline", title="知识产权政策咨询助手", instructions=INSTRUCTIONS, **options)
        self.assistant = assistant
        self.index = ClauseIndex(assistant)
        self.add_tool(self.ask_policy, name="ask_policy", title="政策咨询",
                      description="回答一个知识产权政策问题，给出所依据的条款（文件、文号、条款编号、是否有效）。")
        self.add_tool(self.search_clauses, name="search_clauses", title="检索条款",
                      description="按问题检索条款，按相关程度排序，给出条款 ID、编号、标题和文件是否有效。")
        self.add_tool(self.get_clause, name="get_clause", title="查看条款",
                      description="按条款 ID（search_clauses 或 ask_policy 的 clause_id）取一条条款的全文与出处。")
        self.resource("hotline://documents", name="documents", title="知识库文档",
                      description="全部文档及其元数据（文号、发文机关、地区、日期、是否有效、条款数）",
                      mime_type="application/json")(self.documents_json)
        self.resource("hotline://documents/{doc_id}", name="document", title="一份文档",
                      description="一份文档的元数据及其全部条款", mime_type="application/json")(self.document_json)

    def ask_policy(
        self,
        question: Annotated[str, Field(description="用户的问题，口语即可")],
        region: Annotated[str | None, Field(description="优先使用的地区，如 上海、江苏", max_length=20)] = None,
    ) -> Annotated[CallToolResult, PolicyAnswer]:
        try:
            answer = self.assistant.ask(question, region, channel="mcp")
        except InvalidQuestion as exc:
            raise ToolError(str(exc)) from exc
        except (IndexNotFound, Misconfigured) as exc:
            raise _unavailable(exc) from exc
        result = PolicyAnswer(answer=answer.answer, grounded=answer.grounded, citations=answer.citations,
                              confidence=answer.confidence, answer_id=answer.answer_id)
        # the text is what a model reads: the answer with its references, and whether the documents answer
        note = "" if answer.grounded else "\n\n（grounded: false —— 文件没有回答这个问题）"
        text = render_web(answer._draft, self.assistant.settings.public_url)  # each reference links its clause
        return CallToolResult(content=[TextContent(type="text", text=text + note)],
                              structured_content=result.model_dump(mode="json"))

    def search_clauses(
        self,
        query: Annotated[str, Field(description="问题或关键词")],
        region: Annotated[str | None, Field(description="优先使用的地区，如 上海、江苏", max_length=20)] = None,
        k: Annotated[int, Field(description="返回条数", ge=1, le=MAX_K)] = 5,
    ) -> ClauseList:
        try:
            return ClauseList(clauses=self.index.search(query, region, k))
        except InvalidQuestion as exc:
            raise ToolError(str(exc)) from exc
        except (IndexNotFound, Misconfigured) as exc:
            raise _unavailable(exc) from exc

    def get_clause(self, clause_id: Annotated[str, Field(description="条款 ID，如 sh-2024-32-service-industry:s2-i10",
                                                         max_length=300)]) -> ClauseRecord:
        try:
            record = self.index.clause(clause_id)
        except (IndexNotFound, Misconfigured) as exc:
            raise _unavailable(exc) from exc
        if record is None:
            raise ToolError(f"没有找到条款 {clause_id}：条款 ID 可由 search_clauses 检索得到。")
        return record

    def documents_json(self) -> str:
        try:
            return json.dumps([d.model_dump(mode="json") for d in self.index.documents()], ensure_ascii=False)
        except (IndexNotFound, Misconfigured) as exc:
            raise ResourceError(str(_unavailable(exc))) from exc

    def document_json(self, doc_id: str) -> str:
        try:
            found = self.index.document(doc_id)
        except (IndexNotFound, Misconfigured) as exc:
            raise ResourceError(str(_unavailable(exc))) from exc
        if found is None:
            raise ResourceNotFoundError(f"没有找到文档 {doc_id}：文档列表见 hotline://documents。")
        document, clauses = found
        return json.dumps({"document": document.model_dump(mode="json"),
                           "clauses": [c.model_dump(mode="json") for c in clauses]}, ensure_ascii=False)

    async def list_resources(self) -> list[MCPResource]:
        """The fixed resources, then one per document of the live index."""
        fixed = await super().list_resources()
        try:
            documents = await anyio.to_thread.run_sync(self.index.documents)
        except (IndexNotFound, Misconfigured) as exc:
            log.error("%s", exc)
            return fixed
        return fixed + [MCPResource(uri=f"hotline://documents/{d.id}", name=d.id, title=d.title,
                                    description=" · ".join(str(x) for x in (d.doc_number, d.issuer, d.region,
                                                                            d.status) if x),
                                    mime_type="application/json") for d in documents]


class MCPEndpoint:
    """`/mcp` in the app: the SDK's streamable HTTP handler behind a key of HOTLINE_API_KEYS."""

    def __init__(self, server: HotlineMCP, keys: ApiKeys):
        # Stateless JSON: no session lives in one worker, and these tools never call back to the client.
        # DNS-rebinding checks are off: they guard keyless servers on localhost, while every request here
        # carries a key and the app is served under the bureau's own host names.
        server.streamable_http_app(stateless_http=True, json_response=True,
                                   transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
        self.manager = server.session_manager
        self.keys = keys

    async def __call__(self, scope, receive, send) -> None:
        authorization = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        try:
            self.keys.check(authorization, scope)
        except ApiKeyDenied as exc:
            return await error(exc.status, exc.code, exc.message, exc.headers)(scope, receive, send)
        await self.manager.handle_request(scope, receive, send)


MCP_DOCS = dict(
    tags=["mcp"], summary="MCP（Model Context Protocol）服务：streamable HTTP，需 Authorization: Bearer <密钥>",
    description="工具 ask_policy(question, region?)、search_clauses(query, region?, k?)、get_clause(clause_id)；"
                "资源 hotline://documents 与 hotline://documents/{doc_id}。用 MCP 客户端连接，例如 "
                "`mcp.Client(streamable_http_client(\"https://<host>/mcp\", http_client=…带密钥…))`。",
    openapi_extra={"requestBody": {"content": {"application/json": {"example": {
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "ask_policy", "arguments": {"question": "代理所收了钱不办事，我去哪里投诉", "region": "上海"}}}}}}},
    responses={200: {"description": "JSON-RPC 结果"}, 401: {"description": "密钥无效"},
               403: {"description": "未设置 HOTLINE_API_KEYS"}, 429: {"description": "该密钥请求过于频繁"}})


def install(app, assistant: Assistant, keys: ApiKeys) -> HotlineMCP:
    """Serve MCP at /mcp (the caller runs `server.session_manager.run()` in the app's lifespan) and list it
    in the OpenAPI document."""
    from starlette.routing import Route

    server = HotlineMCP(assistant)
    app.router.routes.append(Route("/mcp", endpoint=MCPEndpoint(server, keys)))

    # Listed in /docs by an API route that is never reached: the route above answers every request to /mcp
    # first. (A route, not a patch of app.openapi, which other parts of the app replace.)
    def mcp_endpoint() -> None:  # pragma: no cover
        raise RuntimeError("/mcp is answered by MCPEndpoint")

    app.add_api_route("/mcp", mcp_endpoint, methods=["POST"], **MCP_DOCS)
    return server


def run_stdio(settings: Settings) -> None:
    """`hotline mcp`: serve over stdin/stdout until the client closes them."""
    assistant = Assistant(settings)

    @asynccontextmanager
    async def warm(_server):
        # load the index while the client initialises, not during its first call (the SDK has already
        # moved stray output off stdout by now)
        def load() -> None:
            try:
                assistant.retriever()
            except (IndexNotFound, Misconfigured) as exc:
                log.error("%s", exc)

        threading.Thread(target=load, daemon=True, name="index-warmup").start()
        yield {}

    HotlineMCP(assistant, lifespan=warm).run("stdio")
