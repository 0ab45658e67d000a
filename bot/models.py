"""The data model shared by every layer: Document, Clause, Citation, Answer (see DESIGN.md)."""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PrivateAttr, StringConstraints, computed_field

from bot.text import MARKER

_GUIDE_FIELD = re.compile(r"f\d+")
# a clause's own label: a heading this short names what the clause is about (受理时间, 收费标准), a longer one is its
# first sentence; and a lead-in of a few characters closed by a colon at the start of its text (补贴标准：)
_LABEL_CHARS = 12
_LEAD_IN = re.compile(r"\s*([^，。；：:\n\d]{2,10})[：:]")  # (not 上班时间8 of 上班时间8:30)

Status = Literal["有效", "已失效", "未生效", "未知"]
Kind = Literal["policy", "catalogue", "faq"]


UNKNOWN_REGION = "未知"  # what a document whose region cannot be read is filed under
NATIONAL_REGION = "全国"  # what a national document (a law, a 国家知识产权局 notice) is filed under
# The headings ingest gives the parts it names itself (ingest/structure.py: cover letter, regulation's notes,
# preamble, closing): they name nothing a reader could ask about, so no citation line or suggestion shows one.
GENERIC_HEADINGS = frozenset({"前言", "落款", "印发通知", "题注", "施行日期与落款"})


class Document(BaseModel):
    """One source document with the metadata read from its text."""

    id: str
    title: str
    doc_number: str | None = None
    issuer: str | None = None
    region: str | None = None
    locality: str | None = None  # the city or district it binds (南京市, 松江区); None: the whole region
    issued_on: date | None = None
    effective_from: date | None = None
    expires_on: date | None = None
    status: Status = "未知"
    status_basis: str = ""
    kind: Kind = "policy"
    source: str = ""
    sha256: str = ""
    replaces: list[str] = Field(default_factory=list)  # ids of the documents this one repeals or revises
    replaced_by: str | None = None  # the document that repeals or revises this one
    replaced_on: date | None = None  # … from that day

    @property
    def filed_under(self) -> str:
        """The region a search files it under: its own, or 未知 when none could be read."""
        return self.region or UNKNOWN_REGION

    def status_on(self, today: date) -> Status:
        """Validity on a given day, from the dates the text states and the documents that replace it."""
        if self.kind != "policy":
            return self.status
        if self.effective_from and today < self.effective_from:
            return "未生效"
        if self.expires_on and today > self.expires_on:
            return "已失效"
        if self.replaced_on and today >= self.replaced_on:
            return "已失效"
        if self.issued_on and today < self.issued_on:
            return "未生效"
        return "有效" if (self.issued_on or self.effective_from) else "未知"


class Clause(BaseModel):
    """The unit of retrieval and citation: one numbered item (or cover letter, table, closing lines)."""

    id: str
    doc_id: str
    path: list[str] = Field(default_factory=list)
    label: str
    heading: str = ""
    text: str
    start: int = 0
    end: int = 0
    order: int = 0

    @property
    def anchor(self) -> str:
        return self.id.split(":", 1)[1]

    @property
    def own_label(self) -> str:
        """What the clause calls itself: a short heading or its part before a colon (受理时间 of 受理时间：2026年3月2日至…,
        利息贴息, 联系方式), else the short lead-in its text opens with (补贴标准：); "" when it has none, or only a
        name ingest gave it (落款, 前言: GENERIC_HEADINGS). A service item's heading is its category, not its name."""
        heading = self.heading.strip()
        if heading in GENERIC_HEADINGS:
            return ""
        head = re.split("[：:]", heading, maxsplit=1)[0].strip()
        if head and len(head) <= _LABEL_CHARS:
            return head
        lead = _LEAD_IN.match(self.text)
        return lead.group(1).strip() if lead else ""

    @property
    def section_label(self) -> str:
        """The label of the nearest heading the clause sits under, without its marker (申请材料 of an item whose path is
        六、申请材料 > （四）知识产权证书…): what a list item is one of; "" for a clause under none."""
        if len(self.path) < 2:
            return ""
        return re.split("[：:。]", MARKER.sub("", self.path[-2], count=1), maxsplit=1)[0].strip()

    @property
    def is_guide_field(self) -> bool:
        """A field of a service guide (联系电话：…, 办理时间：…: anchors f1, f2…, ingest/structure.py); not a free paragraph
        copied between its fields (f9-t1), which may be about another service."""
        return bool(_GUIDE_FIELD.fullmatch(self.anchor))


class CatalogueItem(BaseModel):
    """A service the bureau offers; a field the documents leave open is None ("文件未载明")."""

    name: str = Field(min_length=1)
    category: str | None = None
    summary: str | None = None
    conditions: list[str] | str | None = None
    materials: list[str] | str | None = None
    time_limit: str | None = None
    fee: str | None = None
    channel: str | None = None
    contact: str | None = None
    basis: list[str] | str | None = None
    source_url: str | None = None
    region: str | None = None
    locality: str | None = None  # the city its office is in, for an item of a several-place catalogue (泉州)

    @property
    def basis_list(self) -> list[str]:
        if not self.basis:
            return []
        return [self.basis] if isinstance(self.basis, str) else list(self.basis)


class FaqPair(BaseModel):
    """A curated answer: its question variants, the answer, and the clauses it rests on."""

    id: str = Field(min_length=1)
    questions: list[str] = Field(min_length=1)
    answer: str = Field(min_length=1)
    basis: list[str] = Field(min_length=1)
    region: str | None = None
    source: str = "knowledge"  # "knowledge" (knowledge/faq) or "operator" (approved correction)


class Citation(BaseModel):
    n: int
    clause_id: str
    doc_title: str
    doc_number: str | None
    issuer: str | None
    region: str | None
    clause: str
    heading: str
    text: str
    kind: Kind
    status: Status
    score: float
    url: str

    @computed_field(description="引用的简短写法，供界面直接显示，如 [1]《…》二、10.；常见问答写其问题，不写内部编号")
    @property
    def label(self) -> str:
        from bot.answer.render import citation_line  # the one way a citation is written, on every channel

        return citation_line(self, "short")


class LeadSource(BaseModel):
    """A citation the answer's opening sentences were taken from, and whether they hold its whole clause: when
    not, the widget offers the whole clause behind 展开 (other channels link to it)."""

    n: int
    whole: bool


class Answer(BaseModel):
    """What `/v1/ask` and `hotline ask --json` return: DESIGN.md's object, plus answer_id (for feedback),
    confidence, the question as rewritten from the conversation, and follow-up questions to offer."""

    answer: str
    grounded: bool
    citations: list[Citation]
    session_id: str | None = None
    answer_id: str = ""
    confidence: float = 0.0
    rewritten_question: str | None = None
    follow_ups: list[str] = Field(default_factory=list)
    composer: Literal["llm", "llm-repaired", "extractive", "faq"] = "extractive"
    lead_from: list[LeadSource] = Field(default_factory=list)  # empty for a refusal or a message
    _index_version: str = PrivateAttr("")  # the index version that answered (the X-Index-Version header)
    _draft: object = PrivateAttr(None)  # the AnswerDraft it was rendered from: other channels render it again


class AskRequest(BaseModel):
    # stripped before counting, as the service counts (a pasted question's trailing newline is no character)
    question: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = Field(
        ..., description="用户的问题（最多 500 字）", examples=["企业遇到侵权纠纷，上海有没有公益的维权援助？"])
    as_of: date | None = Field(None, description="按哪一天判断文件是否有效（默认今天），如 2031-01-01")
    region: str | None = Field(None, description="优先使用的地区，如 上海 / 江苏", max_length=20)
    session_id: str | None = Field(None, description="上一轮回答返回的会话 ID；为空则开始新会话", max_length=64)


class Suggestion(BaseModel):
    """One suggested answer for a hotline operator: short enough to read aloud."""

    question: str
    answer: str
    grounded: bool
    confidence: float
    citations: list[Citation]
    answer_id: str


class FaqMatch(BaseModel):
    id: str
    question: str
    answer: str
    basis: list[str]
    score: float


class SuggestRequest(BaseModel):
    transcript: str = Field(..., description="通话转写文本（可含口语、识别错误，多个问题）", max_length=20000)
    region: str | None = Field(None, max_length=20)


class SuggestResponse(BaseModel):
    suggestions: list[Suggestion]
    faq: list[FaqMatch]
    questions: list[str] = Field(description="从转写文本中识别出的问题")


class FeedbackRequest(BaseModel):
    answer_id: str = Field(..., max_length=64)
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=2000)
    corrected_answer: str | None = Field(None, max_length=2000, description="话务员修改后的答案，将成为待审核的常见问答")


class FeedbackResponse(BaseModel):
    id: int
    faq_candidate_id: int | None = None


class Passage(BaseModel):
    """A piece of a clause short enough to embed well; it keeps its clause id for citation."""

    id: str
    clause_id: str
    doc_id: str
    text: str
