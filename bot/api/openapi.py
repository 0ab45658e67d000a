"""/docs served from this machine (Swagger UI from the swagger-ui-py package, no CDN), and an OpenAPI
document in which every response field has a description and an example, and every 4xx its real shape.

The field texts live here rather than on the models: the models are shared by every layer and channel, and a
description set on a model's Field wins over the one here (see `_describe`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel

ASSETS = {"swagger-ui-bundle.js": "application/javascript", "swagger-ui.css": "text/css",
          "favicon-32x32.png": "image/png"}

CLAUSE_ID = "sh-2022-13-public-service:s2-p3-i2"
# "Model.field" first, then "field": the same name means the same thing across models unless listed by model
FIELDS: dict[str, tuple[str, Any]] = {
    # upload / delete results
    "ChangeResult.replaced": ("上传时替换掉的文件（replace=true）", ["措施.docx"]),
    "ChangeResult.warnings": ("入库时发现的问题，如疑似指令的句子", ["第3页：疑似对模型的指令，已不予引用"]),
    # the OpenAI-compatible API (/v1/chat/completions, /v1/models)
    "AssistantMessage.role": ("消息角色，固定为 assistant", "assistant"),
    "AssistantMessage.content": ("回答正文，末尾附编号的引用条款，每条附其条款原文的链接（条款全文不贴入正文）",
                                 "不收报考费[1]。\n\n依据：\n[1]《…若干措施》（沪知局〔2024〕32号）三、14.（有效） "
                                 "https://ip.example.gov.cn/documents/sh-2024-32-service-industry#s3-i14"),
    "ChatCompletion.id": ("本次回答的 ID", "chatcmpl-a8d93c0e5b7f41e2"),
    "ChatCompletion.object": ("对象类型，固定为 chat.completion", "chat.completion"),
    "ChatCompletion.model": ("模型名，固定为 hotline", "hotline"),
    "ChatCompletion.choices": ("回答（只有一条）", []),
    "ChatCompletion.usage": ("用量（按字符计，不是 token）", {"prompt_tokens": 20, "completion_tokens": 60, "total_tokens": 80}),
    "Choice.index": ("回答序号", 0),
    "Choice.message": ("助手的回答消息", {"role": "assistant", "content": "不收报考费。[1]"}),
    "Choice.finish_reason": ("结束原因，固定为 stop", "stop"),
    "ModelCard.id": ("模型名", "hotline"),
    "ModelCard.object": ("对象类型，固定为 model", "model"),
    "ModelCard.owned_by": ("提供方", "hotline"),
    "ModelList.object": ("对象类型，固定为 list", "list"),
    "ModelList.data": ("可用的模型", [{"id": "hotline", "object": "model", "owned_by": "hotline"}]),
    "Usage.prompt_tokens": ("问题的字符数", 20),
    "Usage.completion_tokens": ("回答的字符数", 60),
    "Usage.total_tokens": ("两者之和", 80),
    # Answer
    "answer": ("回答正文；句末的 [n] 对应 citations 中编号为 n 的条款", "可以。本市为中小微企业提供知识产权维权援助等公益服务[1]。"),
    "grounded": ("知识库是否回答了这个问题；为 false 时 answer 说明文件未涉及，citations 为最接近的相关条款", True),
    "citations": ("回答所依据的条款，按编号排列", []),
    "session_id": ("会话 ID；追问时原样传回", "6f1c2b7e9a0d4c55"),
    "answer_id": ("这次回答的 ID，用于 POST /v1/feedback", "a8d93c0e5b7f41e2"),
    "confidence": ("可答概率（0–1），由拟合的可答性模型给出", 0.87),
    "rewritten_question": ("结合上文改写后的问题（追问时）；未改写为 null", "江苏的知识产权服务业措施什么时候施行"),
    "follow_ups": ("可以接着问的问题", ["维权援助怎么申请？"]),
    "composer": ("回答的生成方式：extractive（摘录条款原句）、faq（常见问答）、llm / llm-repaired（大模型，引用经核对）",
                 "extractive"),
    "lead_from": ("回答开头的句子摘自哪些引用（编号 n），whole 表示是否已是该条款全文；不是全文时，网页小组件在回答下方"
                  "提供“展开”查看 citations 中该条款的全文。拒答时为空",
                  [{"n": 1, "whole": False}]),
    "LeadSource.whole": ("回答摘录的句子是否已是该条款全文（true 时无需展开）", False),
    # Citation
    "n": ("引用编号，对应回答中的 [n]", 1),
    "clause_id": ("条款 ID：文档 ID + 条款锚点，稳定不变", CLAUSE_ID),
    "doc_title": ("文件标题", "上海市知识产权公共服务“十四五”规划"),
    "doc_number": ("文号；没有文号为 null", "沪知局〔2022〕13号"),
    "issuer": ("发文机关", "上海市知识产权局"),
    "region": ("文件适用的地区", "上海市"),
    "clause": ("条款编号（部分与项）", "二、（三）2."),
    "heading": ("条款的小标题（加粗引导语），没有则为空", "加强知识产权维权援助"),
    "Citation.text": ("条款全文", "为中小微企业提供知识产权维权援助、代理援助等公益服务。"),
    "kind": ("来源类型：policy（政策文件）、catalogue（服务事项清单）、faq（常见问答）", "policy"),
    "status": ("文件在今天（或 as_of 当天）的效力：有效、已失效、未生效、未知", "有效"),
    "score": ("检索得分（0–1），越高越相关", 0.83),
    "url": ("打开文件页面并高亮该条款的链接", f"/documents/sh-2022-13-public-service#s2-p3-i2"),
    # Document
    "Document.id": ("文档 ID（由文件名得出，稳定不变）", "sh-2022-13-public-service"),
    "DocumentSummary.id": ("文档 ID（由文件名得出，稳定不变）", "sh-2022-13-public-service"),
    "title": ("标题", "上海市知识产权公共服务“十四五”规划"),
    "locality": ("文件只适用于某市或某区时的名称；适用于全地区为 null", "松江区"),
    "issued_on": ("印发日期", "2022-03-10"),
    "effective_from": ("施行日期（文中写明时）", "2022-04-01"),
    "expires_on": ("有效期截止日期（文中写明时）", "2030-11-09"),
    "status_basis": ("判断效力的依据（原文中的施行、有效期语句）", "本措施自2025年11月10日起施行，有效期至2030年11月9日。"),
    "source": ("源文件在知识库中的路径", "knowledge/policies/sh-2022-13-public-service.txt"),
    "sha256": ("源文件内容的 SHA-256", "3f7a…"),
    "replaces": ("本文件废止或修订的文档 ID", []),
    "replaced_by": ("废止或修订本文件的文档 ID；没有为 null", None),
    "replaced_on": ("被废止或修订的日期；没有为 null", None),
    "DocumentSummary.clauses": ("条款数", 42),
    "document": ("文档的元数据", {}),
    "tree": ("条款树：按标题层级排列", []),
    # Clause tree
    "ClauseNode.title": ("这一级的标题", "二、重点任务"),
    "ClauseNode.clause": ("位于这一级的条款；只是标题时为 null", None),
    "children": ("下一级", []),
    "Clause.id": ("条款 ID：文档 ID + 条款锚点", CLAUSE_ID),
    "doc_id": ("所属文档 ID", "sh-2022-13-public-service"),
    "path": ("标题链，从第一级到本条", ["二、重点任务", "（三）加强知识产权保护服务", "2. 加强知识产权维权援助"]),
    "label": ("条款编号", "二、（三）2."),
    "Clause.text": ("条款全文（已修复分页断行）", "为中小微企业提供知识产权维权援助、代理援助等公益服务。"),
    "start": ("条款在规范化全文中的起始位置（字符）", 2048),
    "end": ("条款在规范化全文中的结束位置（字符）", 2190),
    "order": ("条款在文中的顺序", 17),
    # Hotline
    "Suggestion.question": ("识别出的来电人问题", "代理所收了钱不办事去哪里投诉"),
    "Suggestion.answer": ("可直接念给来电人的答案（不超过 120 字）", "可以向市知识产权局投诉。依据《…》二、10.。"),
    "suggestions": ("建议答案，最多 3 条，按来电人提问的顺序", []),
    "faq": ("相符的已审核常见问答", []),
    "questions": ("从转写文本中识别出的问题", ["代理所收了钱不办事去哪里投诉"]),
    "FaqMatch.id": ("常见问答 ID", "agency-complaint"),
    "FaqMatch.question": ("常见问答的问题", "代理机构不尽责怎么投诉？"),
    "FaqMatch.answer": ("常见问答的答案", "可以向所在地知识产权管理部门投诉。"),
    "basis": ("所依据的条款 ID", [CLAUSE_ID]),
    # Feedback
    "FeedbackResponse.id": ("这条评价的编号", 12),
    "faq_candidate_id": ("修改后的答案成为的待审核常见问答编号；没有修改为 null", None),
    # Admin: FAQ review (the paged list and one pair)
    "FaqItem.id": ("常见问答编号", 7),
    "FaqItem.question": ("问题", "考试报名要交钱吗"),
    "FaqItem.answer": ("答案（审核前可修改）", "不收报考费。"),
    "FaqItem.status": ("审核状态：candidate（待审核）、approved（已批准）、rejected（已驳回）", "candidate"),
    "source_answer_id": ("由哪一条回答修改而来（回答 ID）；没有为 null", "a8d93c0e5b7f41e2"),
    "created": ("提交时间（Unix 秒）", 1764700000.0),
    "FaqItem.source": ("谁提交的：operator:<话务员或班组名>；旧数据为空", "operator:张三"),
    "items": ("这一页的条目", []),
    "total": ("符合条件的总条数", 12),
    "limit": ("每页条数", 50),
    "offset": ("从第几条开始（0 起）", 0),
    # Admin
    "ChangeResult.path": ("上传或删除的文件在知识库中的路径", "knowledge/policies/措施.docx"),
    "index_version": ("现在生效的索引版本", "20261202T203000-1a2b3c"),
    "documents": ("索引中的文档数", 6),
    "clauses": ("索引中的条款数", 230),
    "skipped": ("跳过的文件及原因", [["knowledge/policies/空白.docx", "没有正文"]]),
    "GapGroup.question": ("这一组的代表问题（过长时截短）", "商标被抢注了怎么办"),
    "count": ("这一组被问到的次数", 3),
    "variants": ("同组的不同问法（最多 10 条，过长时截短）", ["商标被抢注了怎么办", "商标被人抢先注册怎么处理"]),
    "reasons": ("未能回答的原因及次数：unanswered（文件未涉及）、low-confidence（低置信度）、off-task、sensitive", {"unanswered": 3}),
    "last_asked": ("最近一次被问到的时间（Unix 秒）", 1764700000.0),
    "first_asked": ("第一次被问到的时间（Unix 秒）", 1764000000.0),
    "weeks": ("每周被问到的次数（ISO 周，如 2026-W48）", {"2026-W48": 2, "2026-W49": 1}),
    "resolved": ("现在的知识库能否回答（按当前索引重新判断）", False),
    "Health.status": ("ok：索引已就绪；no-index：尚未建立索引；degraded：最新版本本机载入失败，仍用旧版本答复", "ok"),
    "Health.index_version": ("现在生效的索引版本；尚未建立索引为 null", "20261202T203000-1a2b3c"),
    "Health.index_problem": ("status 为 degraded 时：本机无法载入的最新索引版本、原因和开始时间（仍用 index_version 答复）；"
                             "正常时为 null", {"version": "v20261202203000-1a2b3c", "error": "FileNotFoundError: …",
                                            "since": 1796242200.0}),
}

ERROR_EXAMPLES = {
    400: ("invalid_question", "问题太长（612 字），请精简到 500 字以内。"),
    401: ("unauthorized", "需要有效的管理令牌（Authorization: Bearer …）。"),
    403: ("admin_disabled", "管理接口未启用：请设置 HOTLINE_ADMIN_TOKEN 后重启服务。"),
    404: ("not_found", "没有找到请求的内容。"),
    409: ("build_in_progress", "另一个索引重建正在进行，请稍后再试。"),
    413: ("too_large", "请求内容超过 256 KB 的上限。"),
    415: ("unsupported_media_type", "请求体须为 JSON（Content-Type: application/json）。"),
    422: ("invalid_request", "请求格式不正确，请检查字段：question。"),
    429: ("rate_limited", "请求过于频繁，请 12 秒后再试。"),
}
ERROR_SCHEMA = {
    "title": "ErrorResponse", "type": "object", "required": ["error"],
    "description": "所有错误的统一形状；message 为中文，可直接展示给用户",
    "properties": {"error": {
        "type": "object", "required": ["code", "message"], "description": "错误内容",
        "example": {"code": "invalid_request", "message": "请求格式不正确，请检查字段：question。"},
        "properties": {
            "code": {"type": "string", "description": "机器可读的错误代码", "example": "invalid_request"},
            "message": {"type": "string", "description": "给用户看的中文说明", "example": "请求格式不正确，请检查字段：question。"},
        }}},
}


class Health(BaseModel):
    status: str
    index_version: str | None = None
    # status "degraded": the version that could not be loaded here and why (README "Several machines")
    index_problem: dict | None = None


def _describe(name: str, schema: dict) -> None:
    for field, prop in schema.get("properties", {}).items():
        found = FIELDS.get(f"{name}.{field}") or FIELDS.get(field)
        if found is None:
            continue
        description, example = found
        prop.setdefault("description", description)
        if "example" not in prop and "examples" not in prop:
            prop["examples"] = [example]


def _errors_for(path: str, method: str, operation: dict) -> list[int]:
    """The 4xx an operation can really answer, by what it takes (a body, a path parameter, the admin token)."""
    codes = {429}
    if "requestBody" in operation:
        codes |= {413, 415, 422}
    if operation.get("parameters"):
        codes.add(422)
    if "{" in path:
        codes.add(404)
    if path in ("/v1/ask", "/v1/chat"):
        codes |= {400, 404}  # invalid_question; session_not_found
    if path.startswith("/v1/admin"):
        codes |= {401, 403}
    return sorted(codes)


def document(app: FastAPI) -> dict:
    """The app's OpenAPI document, completed as the module docstring says (built once, then cached)."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["ErrorResponse"] = ERROR_SCHEMA
    for name, schema in schemas.items():
        _describe(name, schema)
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in _errors_for(path, method, operation):
                code, message = ERROR_EXAMPLES[status]
                responses[str(status)] = {
                    "description": message, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ErrorResponse"},
                        "example": {"error": {"code": code, "message": message}}}}}
    app.openapi_schema = spec
    return spec


def install(app: FastAPI) -> None:
    """Swagger UI at /docs from local files, and the completed OpenAPI document (create the app with
    docs_url=None and redoc_url=None: FastAPI's own pages load their scripts from a CDN)."""
    import swagger_ui

    folder = Path(swagger_ui.__file__).resolve().parent / "static"
    app.openapi = lambda: document(app)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} · 接口文档",
                                   swagger_js_url="/docs/assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs/assets/swagger-ui.css",
                                   swagger_favicon_url="/docs/assets/favicon-32x32.png")

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise HTTPException(404)
        return FileResponse(folder / name, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})
