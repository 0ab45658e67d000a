"""One structured answer (AnswerDraft) rendered per channel: the web's text, the read-aloud card, WeChat; one way
of writing a citation; answers lead with the sentences that answer; dates said as dates; no internal ids."""
import re
from dataclasses import replace

from bot.answer.draft import AnswerDraft
from bot.answer.extractive import make_citation
from bot.answer.followups import suggest
from bot.answer.render import citation_line, render_spoken, render_web, render_wechat
from bot.models import GENERIC_HEADINGS
from bot.retrieve.candidates import Hit
from tests.conftest import left_out
from tests.test_laws import parse_text


def test_one_draft_three_channels(assistant):
    answer = assistant.ask("上海和江苏分别怎么提升知识产权代理服务质量")
    draft = answer._draft
    assert isinstance(draft, AnswerDraft) and draft.kind == "grounded" and len(draft.citations) == 2
    assert render_web(draft) == answer.answer  # the API's text is the web rendering of the draft
    assert [s.refs for s in draft.sentences] == [(1,), (2,)] and {s.label for s in draft.sentences} == {"上海", "江苏"}
    spoken = render_spoken(draft, assistant.settings.display.spoken_limit)
    # read aloud in the draft's order, each region's sentence under its label (the better answered region first)
    assert len(spoken) <= assistant.settings.display.spoken_limit and not re.search(r"\[\d\]", spoken)
    assert spoken.startswith(f"{draft.sentences[0].label}：") and f"{draft.sentences[1].label}：" in spoken
    wechat = render_wechat(draft, [], "https://ip.example.gov.cn")
    for c in draft.citations:  # each citation once, written the one way
        assert wechat.count(citation_line(c, "short")) == 1 and answer.answer.count(citation_line(c)) == 1


def _numbered(draft: AnswerDraft) -> bool:
    """Whether the citation a card says the basis of (the first policy one) has a 文号."""
    return bool(next(c for c in draft.citations if c.kind == "policy").doc_number)


def test_a_card_of_two_regions_says_the_wenhao_rather_than_leave_a_region_out(assistant):
    answer = assistant.ask("上海和江苏分别怎么提升知识产权代理服务质量")._draft
    # the card says the basis of its first citation: one with a 文号 first (上海's), then one without (江苏's)
    first_numbered = answer if _numbered(answer) else replace(answer, citations=answer.citations[::-1],
                                                              sentences=answer.sentences[::-1])
    first_not = replace(first_numbered, citations=first_numbered.citations[::-1],
                        sentences=first_numbered.sentences[::-1])
    assert _numbered(first_numbered) and not _numbered(first_not)

    draft = first_numbered
    whole = render_spoken(draft, 1000)  # room for all: both regions, then the basis with the document's title
    said, full = whole[:whole.rindex("依据")], whole[whole.rindex("依据"):]
    assert full.startswith("依据《") and all(f"{s.label}：" in said for s in draft.sentences)
    c = next(c for c in draft.citations if c.kind == "policy")
    short = f"依据{c.doc_number}{c.clause}"
    short = short if short.endswith(".") else short + "。"
    limit = len(said) + len(short)  # no room for the title with both: the 文号, both regions still said
    assert len(said) + len(full) > limit >= 2 * len(short)  # (a basis takes at most half the card)
    assert render_spoken(draft, limit) == said + short
    # room for one region with the title, not for both with the 文号: the title, one region
    first = said[:said.index(f"{draft.sentences[1].label}：")]
    limit = max(len(first) + len(full), 2 * len(full))
    assert limit < len(said) + len(short)
    assert render_spoken(draft, limit) == first + full

    # without a 文号 the document would go unnamed (依据二、8. after the other region's sentence): the title, as before
    draft = first_not
    whole = render_spoken(draft, 1000)
    said, full = whole[:whole.rindex("依据")], whole[whole.rindex("依据"):]
    clause = next(c for c in draft.citations if c.kind == "policy").clause
    card = render_spoken(draft, len(said) + len(clause) + 3)
    assert "《" in card and card.endswith(full) and not card.endswith(f"依据{clause}")


def test_an_answer_leads_with_its_best_sentences_not_the_whole_clause(assistant):
    answer = assistant.ask("上海怎么提升知识产权代理服务质量")
    lead = answer.answer.split("\n\n依据")[0]
    assert 1 <= len([s for s in re.split(r"[。！？]", lead) if s.strip()]) <= assistant.settings.display.lead_sentences
    assert left_out(answer.citations[0].text, lead)
    assert not lead.startswith("根据《")  # the sentences first; the clause is behind its citation
    assert answer.citations[0].text.count("。") > 2  # … which holds the whole clause


def test_lead_from_for_a_service_and_a_curated_answer(assistant):
    """A service's checklist is its item whole; what its summary and a curated answer rest on is not quoted whole,
    so those clauses are behind 展开."""
    service = assistant.ask("知识产权信息检索分析怎么办理")
    assert service._draft.kind == "service"
    assert [(s.n, s.whole) for s in service.lead_from] == [(1, True), (2, False), (3, False)]
    curated = assistant.ask("代理机构收了钱不办事去哪里投诉")
    assert curated.composer == "faq"
    basis = [c.n for c in curated.citations if c.kind != "faq"]
    assert [(s.n, s.whole) for s in curated.lead_from] == [(n, False) for n in basis] and basis


def test_dates_are_said_as_dates(assistant):
    answer = assistant.ask("江苏的若干措施有效期到哪天")
    assert "有效期至2030年11月9日" in answer.answer
    assert "江苏省知识产权局，2025年10月9日" not in answer.answer
    issued = assistant.ask("江苏的措施是哪天印发的")
    assert "落款日期为2025年10月9日" in issued.answer


def test_a_curated_answer_is_named_by_its_question_everywhere(client):
    answer = client.post("/v1/ask", json={"question": "代理机构收了钱不办事去哪里投诉"}).json()
    assert answer["composer"] == "faq"
    faq = answer["citations"][-1]
    assert faq["kind"] == "faq" and faq["label"] == "[2]常见问答：代理机构收了钱不办事去哪里投诉"
    shown = answer["answer"] + "".join(c["label"] for c in answer["citations"])
    assert "agency-complaint" not in shown and "《常见问答》" not in shown


NOTICE = """某市知识产权局关于印发《某市专利转化若干措施》的通知

各区知识产权局：

现将《某市专利转化若干措施》印发给你们，请认真贯彻执行。

某市知识产权局

2024年3月1日

某市专利转化若干措施

为促进专利转化运用，制定本措施。

一、支持高校专利许可

对高校向中小企业许可专利的，给予每件一万元资助。

二、加强专利质押融资

对专利质押融资给予贴息。本措施自2024年4月1日起施行，有效期至2027年3月31日。
"""


def test_no_citation_line_nor_follow_up_names_a_heading_that_names_nothing():
    """The parts ingest names itself (cover letter, preamble, closing) have headings that say nothing specific."""
    document, clauses = parse_text("measures", NOTICE)
    named = {c.heading for c in clauses if not c.label[0].isdigit() and c.label[0] not in "一二三四五六七八九十第"}
    assert named == {"印发通知", "前言", "施行日期与落款"} and named <= GENERIC_HEADINGS
    # every generic heading, on a clause of each part (题注 is a regulation's, 落款 a closing without dates)
    generic = [c.model_copy(update={"heading": h}) for c in clauses if c.heading in named for h in GENERIC_HEADINGS]
    specific = [c for c in clauses if c.heading not in named]
    hits = [Hit(c, document, 1.0 - i / 100) for i, c in enumerate(generic + specific)]
    for n, hit in enumerate(hits, 1):  # a generic heading is written as no heading at all (the label stays)
        cited = make_citation(n, hit.clause, document, hit.score)
        without = citation_line(cited.model_copy(update={"heading": ""}))
        assert (citation_line(cited) != without) == (hit.clause in specific), citation_line(cited)
    follow_ups = suggest(hits, set(), grounded=True, limit=10)
    assert not [q for q in follow_ups for h in GENERIC_HEADINGS if h in q], follow_ups
    assert [q for q in follow_ups if "支持高校专利许可" in q]  # a specific heading is still offered
