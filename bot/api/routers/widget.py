"""What the chat widget asks before its first question: the example questions to offer, the question limit,
and whether the site it is embedded on may call the API (a request any site may make: it carries no data)."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from bot.api.cors import BLOCKED, allowed, refused
from bot.service import MAX_QUESTION_CHARS

router = APIRouter(tags=["web"])

# offered when the bureau has set none (HOTLINE_WIDGET_QUESTIONS or the page's data-questions)
DEFAULT_QUESTIONS = ["企业遇到侵权纠纷，上海有没有公益的维权援助？", "代理所收了钱不办事，我去哪里投诉？",
                     "江苏的若干措施有效期到哪天？"]


class WidgetConfig(BaseModel):
    questions: list[str] = Field(description="打开面板时可点击的示例问题", examples=[DEFAULT_QUESTIONS[:1]])
    max_chars: int = Field(description="一个问题最多多少字", examples=[MAX_QUESTION_CHARS])
    origin_allowed: bool = Field(description="嵌入小部件的网站是否获准调用接口", examples=[True])
    message: str | None = Field(description="不获准时给用户看的说明；获准为 null", examples=[None])


@router.get("/v1/widget/config", response_model=WidgetConfig, summary="聊天小部件的配置（示例问题、字数上限、本网站是否获准）")
def widget_config(request: Request, response: Response) -> WidgetConfig:
    settings = request.app.state.settings
    origin = request.headers.get("origin", "")
    ok = allowed(settings, origin, f"{request.url.scheme}://{request.headers.get('host', '')}")
    if not ok:
        refused(origin)
    # readable by any site, so that a site not allowed learns why instead of a network error
    response.headers["Access-Control-Allow-Origin"] = "*"
    configured = [q.strip() for q in settings.widget_questions.split("|") if q.strip()]
    return WidgetConfig(questions=configured or DEFAULT_QUESTIONS, max_chars=MAX_QUESTION_CHARS,
                        origin_allowed=ok, message=None if ok else BLOCKED.format(origin=origin))
