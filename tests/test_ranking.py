"""Ranking among many documents: the bureau's own region, a document's date, the number asked for, a document
the question names. The corpus is small; the number of candidates (the ranking file's retrieval section) is
lowered so that other regions' clauses crowd the candidate lists as thousands of documents do."""
import json
from dataclasses import replace

import pytest

from bot.answer.decide import decide
from bot.config import DisplaySettings
from bot.models import Clause
from bot.retrieve.kinds import QuestionKinds
from bot.retrieve.search import Retriever
from tests.conftest import ingest_policies, live, tuned


def _document(issuer: str, number: str, title: str, clauses: list[str], closing: str = "") -> str:
    """A policy as the bureaus write one: the notice (dated unless `closing` carries the date), the text."""
    signature = "" if closing else f"\n\n{issuer}\n\n2023年3月1日"
    body = "\n\n".join(f"{n}. {text}" for n, text in enumerate(clauses, 1))
    return (f"{issuer}文件\n\n{number}\n\n关于印发《{title}》的通知\n\n各有关单位：\n\n现将《{title}》印发给你们，"
            f"请认真贯彻执行。\n\n特此通知。{signature}\n\n{title}\n\n一、主要任务\n\n{body}\n\n{closing}\n")


DISPLAY = DisplaySettings(_env_file=None)  # the lengths a deployment starts from
ELSEWHERE = {"江苏省知识产权局": "苏知发", "浙江省知识产权局": "浙知发", "安徽省知识产权局": "皖知发",
             "山东省知识产权局": "鲁知发", "广东省知识产权局": "粤知发", "福建省知识产权局": "闽知发"}
CORPUS = {
    "home": _document("上海市知识产权局", "沪知局〔2022〕13号", "关于加强上海市知识产权公共服务工作的意见", [
        "加强知识产权信息公共服务。完善平台基础数据库和分析工具，依托各类信息服务网点，为创新主体提供信息检索分析、"
        "风险预警、专利导航、知识产权评议等公共服务，推动信息服务贯穿企业研发、生产和市场开拓全过程。",
        "推进信息服务网点建设。在高校和科技园区布设网点。到2025年，办结咨询件数达到648件以上。",
        "完善知识产权信息服务网点。各类信息服务网点总数达到35家，鼓励在需求旺盛的园区设立专业机构。",
        "支持专利代理师资格考试。组织专利代理师资格考试考前辅导，对首次通过考试的给予一次性奖励。",
        "加强知识产权服务人才培养。鼓励专业人员参加全国专利代理师资格考试，延续资格考试免报考费政策。",
    ], closing="上海市知识产权局办公室\n\n2022年3月31日印发"),
    "lantian": _document("上海市知识产权局", "沪知局〔2024〕13号", "上海市2024年知识产权代理行业“蓝天”行动实施方案", [
        "重点整治不规范经营行为。通过“双随机、一公开”检查，督促代理机构完善备案信息，严格规范冒用官方名称招揽业务的行为。",
        "加强行业自律。发挥行业协会作用，引导代理机构诚信经营。",
    ]),
    "campaign": _document("上海市知识产权局", "沪知局〔2019〕5号", "关于开展无资质代理整治专项行动的通知", [
        "行动目标。到2019年底，新增无资质代理整治130件，整治行动覆盖全市主要产业。",
    ]),
    **{f"campaign-{n}": _document("上海市知识产权局", f"沪知局〔2020〕{n}号", f"关于开展{topic}整治行动的通知", [clause])
       for n, (topic, clause) in enumerate((("商标侵权", "商标侵权查处。对重点市场开展商标执法检查。"),
                                            ("非正常专利申请", "申请行为规范。对非正常专利申请依法处理。")), 1)},
    **{f"other-{n}": _document(issuer, f"{prefix}〔2025〕{n}号", f"关于提升知识产权公共服务的实施意见（{n}）", [
        "完善专利导航服务基地。建设专利导航服务基地，为产业园区提供专利导航服务和分析评议服务。",
        "支持专利导航项目。对完成专利导航项目的单位给予支持，推广专利导航服务成果。",
    ]) for n, (issuer, prefix) in enumerate(ELSEWHERE.items(), 1)},
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return live(ingest_policies(tmp_path_factory.mktemp("ranking"), CORPUS))


@pytest.fixture()
def crowded():
    """Few candidates per list: the six other regions' 专利导航 clauses fill them, as thousands of documents do."""
    return tuned(candidates=2)


def _notice(issuer: str, number: str, title: str, sections: dict[str, str], date: str = "2026年3月2日") -> str:
    """A notice as a bureau sends one: its header, 文号 and title, each section (一、heading, its text), the signature."""
    body = "\n\n".join(f"{'一二三四五六七八九'[n]}、{heading}\n\n{text}" for n, (heading, text) in enumerate(sections.items()))
    return f"{issuer}文件\n\n{number}\n\n{title}\n\n各有关单位：\n\n{body}\n\n{issuer}\n\n{date}\n"


def _top(retriever: Retriever, question: str):
    return retriever.search(retriever.parse(question))[0]


def _ids(retriever: Retriever, question: str, k: int = 20) -> list[str]:
    return [h.clause.id for h in retriever.search(retriever.parse(question), k=k)]


def test_the_home_regions_documents_are_searched_on_their_own_too(index, crowded):
    assert "home:s1-i1" not in _ids(Retriever(index, ranking=crowded), "专利导航服务哪里能提供")  # crowded out
    assert "home:s1-i1" in _ids(Retriever(index, home_region="上海市", ranking=crowded), "专利导航服务哪里能提供", k=3)


def test_a_documents_date_is_answered_from_its_dated_closing_line(index, crowded):
    question = "公共服务意见是什么时候印发的"
    everywhere = Retriever(index)
    # six regions' 意见 fit alike: without a home region, the answer goes region by region
    assert everywhere.search(everywhere.parse(question)).per_region
    retriever = Retriever(index, home_region="上海市")
    query = retriever.parse(question)
    hits = retriever.search(query, k=None)
    assert query == retriever.parse(question)  # the search leaves the query as parsed
    # the bureau's own cover names the document but no date: its closing line says it, before its cover
    closing = next(h for h in hits if h.document.id == "home")
    assert closing.clause.id == "home:closing" and "2022年3月31日" in closing.clause.text
    # crowded: the closing shares one word with the question; brought in though neither ranked list had it, and
    # scored on what BM25 and the dense index give it
    crowded_hits = Retriever(index, home_region="上海市", ranking=crowded).search(query, k=None)
    closing = next(h for h in crowded_hits if h.document.id == "home")
    assert closing.clause.id == "home:closing" and closing.lexical > 0 and closing.dense > 0


@pytest.mark.xfail(strict=True, reason="known regression of the 2026-12-03 refit (fact_focus, states_fact 1.95): "
                   "another region's dated cover (0.69 before its 0.8 damping) now outranks the bureau's own closing "
                   "line (0.41: its BM25 and dense scores are a date line's), where the old weights put the bureau's "
                   "undated cover first and stating_first then its closing. Not seen at 10 000 documents (core with "
                   "the home region set 0.959 -> 0.949: two other questions). Kept as a live check.")
def test_the_bureaus_own_documents_date_comes_before_other_regions_look_alikes(index):
    retriever = Retriever(index, home_region="上海市")
    hits = retriever.search(retriever.parse("公共服务意见是什么时候印发的"))
    assert hits[0].clause.id == "home:closing" and hits[1].clause.id == "home:cover" and not hits.per_region


def test_search_is_the_three_pieces_one_after_another(index):
    """Loading a version, producing candidates, ranking them: each usable on its own, together the search."""
    from bot.retrieve.candidates import Candidates
    from bot.retrieve.index import IndexVersion
    from bot.retrieve.rank import Ranking

    version = IndexVersion(index)
    pieces = Candidates(version, home_region="上海市")
    retriever = Retriever(index, home_region="上海市")
    for question in ("公共服务意见是什么时候印发的", "专利导航服务哪里能提供", "上海到2025年信息服务网点要达到多少家"):
        query = pieces.parse(question)
        candidates, concepts = pieces.collect(query)
        assert candidates and all(h.score == 0.0 and h.features for h in candidates)  # unscored: the ranker's part
        ranked = Ranking.load().order(candidates, query.facts())
        scores = [h.score for h in ranked]
        assert ranked[0].score == max(scores) or query.facts()  # best first, unless a clause stating the fact leads
        found = retriever.search(retriever.parse(question), k=None)
        assert [h.clause.id for h in found] == [h.clause.id for h in ranked] or found.per_region
        assert {h.clause.id: h.score for h in found} == {h.clause.id: h.score for h in ranked}
        assert [c.surface for c in found.concepts] == [c.surface for c in concepts]


def test_a_number_asked_with_its_measure_word_is_answered_by_that_number(index):
    retriever = Retriever(index, home_region="上海市")
    query = retriever.parse("上海到2025年信息服务网点要达到多少家")
    assert query.unit == "家"
    assert query.fact("number").search("网点总数达到35家") and not query.fact("number").search("达到648以上")
    for question, stated in (("落实了多少个部门的意见", "17部门"), ("多少天能办完", "5个工作日内"),
                             ("补助多少元", "最高50万元")):
        assert retriever.parse(question).fact("number").search(stated), question
    unstated = retriever.parse("专利导航服务基地一般多少天能建成")  # the documents give no number of days
    assert decide(unstated, retriever.search(unstated), retriever.ranking).reason == "fact-missing period"


LAPSED = {
    "lapsed": _document("江苏省知识产权局", "苏知发〔2023〕3号", "关于加快推进知识产权服务业高质量发展的若干措施", [
        "壮大服务机构。到2027年，培育20家知识产权服务龙头机构。本措施自2023年3月1日起施行，有效期至2024年12月31日。",
    ]),
    **{f"in-force-{n}": _document("江苏省知识产权局", f"苏知发〔2025〕{n}号", f"江苏省关于提升知识产权服务业的实施意见（{n}）", [
        "完善服务机构管理。支持服务机构兼并重组做大做强，培育一批知识产权服务龙头机构。到2027年，服务覆盖企业数达到"
        f"{800 + n}以上。",
    ]) for n in range(1, 6)},
}


def test_the_number_of_the_measure_word_asked_comes_first(index):
    # (an expected failure from issue 15's word weights until fact_focus: the clause stating 35家 lacks the year the
    # question says and covers less than the one stating 648, but its stating sentence covers the question)
    retriever = Retriever(index, home_region="上海市")
    hits = retriever.search(retriever.parse("上海到2025年信息服务网点要达到多少家"))
    assert hits[0].clause.id == "home:s1-i3"  # not the clause that has 2025 but counts something else


def test_a_number_only_a_lapsed_document_states_is_cited_from_it(tmp_path):
    retriever = Retriever(live(ingest_policies(tmp_path, LAPSED)))
    question = "江苏打算到2027年培育多少家知识产权服务龙头机构"
    # five clauses in force say 培育一批 and give a number of something else: the lapsed one says 20家
    top = _top(retriever, question)
    assert top.clause.id == "lapsed:s1-i1" and top.document.status == "已失效"
    # of several that state a number of 家, the one that covers the question: not 惠及中小企业462家
    query = retriever.parse(question)
    first, lapsed = retriever.search(query, k=8)[1], top
    counting = replace(first, clause=first.clause.model_copy(update={"text": "惠及中小企业462家以上。"}),
                       coverage=lapsed.coverage - 0.05)
    hits = [first, counting, lapsed]
    assert retriever.stating_first(hits, query.facts())[0] is lapsed


def test_a_question_about_a_fee_is_answered_by_the_clause_that_states_it(index):
    retriever = Retriever(index, home_region="上海市")
    query = retriever.parse("专利代理师考试是不是不要报名费了")
    assert "charged" in query.asks and "charged" not in retriever.parse("有没有数据库免费服务").asks
    # not the clause whose heading repeats the question's words but says nothing of a fee
    assert retriever.search(query)[0].clause.id == "home:s1-i5"


def test_a_document_the_question_names_answers_before_a_look_alike(index, crowded):
    retriever = Retriever(index, home_region="上海市", ranking=crowded)
    question = "蓝天行冬主要整治什么"  # a typo in the name as well
    assert _top(retriever, question).document.id == "lantian"
    # no damping of the other documents: the title word's document has all its clauses among the candidates (the
    # list is crowded), and its title, part of what each clause is matched on, puts it first
    query = retriever.parse(question)
    assert {h.document.id for h in retriever.search(query, k=None)} >= {"lantian", "campaign"}
    assert retriever.named_documents(retriever.concepts(query)) == ["lantian"]


def test_a_question_about_where_a_service_is_had_is_answered_from_the_catalogue(settings):
    retriever = Retriever(live(settings))  # the bureau's own knowledge: its catalogue of public services
    for question in ("专利导航服务哪里能提供", "想查专利做检索分析，上海哪里有公共服务"):
        assert retriever.parse(question).service_like, question
    top = _top(retriever, "专利导航服务哪里能提供")
    assert top.clause.id in retriever.records.items and top.clause.label == "专利导航"
    # an item is called by its name, which the question repeats, not by its category (知识产权信息公共服务)
    assert retriever.name_of(top.clause) == "专利导航" and retriever.name_of(top.clause) != top.clause.heading
    crowded = retriever.with_ranking(tuned(candidates=1))  # crowded: one candidate from the ranked lists
    hits = crowded.search(crowded.parse("专利导航服务哪里能提供"))
    assert any(h.clause.label == "知识产权信息检索分析" for h in hits)  # it offers 专利导航 too


def test_how_long_is_asked_apart_from_when_and_answered_only_by_a_length(index):
    """多久 asks for a length (二十年, 5个工作日): a day, a year or 期末 does not answer it, and the refusal names it."""
    from bot.answer.extractive import compose_refusal

    retriever = Retriever(index, home_region="上海市")
    how_long, when = retriever.parse("信息服务网点一般多长时间能建好"), retriever.parse("信息服务网点什么时候建好")
    assert "period" in how_long.asks and "date" not in how_long.asks
    assert "date" in when.asks and "period" not in when.asks
    length = how_long.fact("period")
    assert length.search("自受理之日起5个工作日内办结") and length.search("保护期为二十年")
    assert not any(length.search(s) for s in ("到2025年建成", "2024年5月1日起施行", "“十四五”期末达到16家"))
    unstated = retriever.parse("专利导航服务基地一般多少天能建成")
    decision = decide(unstated, retriever.search(unstated), retriever.ranking)
    refusal = compose_refusal(unstated, retriever.search(unstated), decision.reason, DISPLAY.related_clauses)
    assert decision.reason == "fact-missing period" and "期限或时长" in refusal.statement


def test_how_long_is_answered_by_a_length_and_a_refusal_names_the_most_specific_fact(index):
    """A length answers 多久 as a date does not; 多少钱 asks a number and an amount, and a clause stating neither is
    refused for the amount, in the web and the read-aloud wording."""
    from bot.answer.extractive import compose_refusal
    from bot.answer.render import render_spoken

    retriever = Retriever(index, home_region="上海市")
    how_long = retriever.parse("信息服务网点多久能建好")
    hits = retriever.search(how_long)
    assert decide(how_long, hits, retriever.ranking).reason == "fact-missing period"
    stated = replace(hits[0], clause=hits[0].clause.model_copy(update={"text": "网点自申报之日起3个月内建成。"}))
    assert not decide(how_long, [stated, *hits[1:]], retriever.ranking).reason.startswith("fact-missing")
    fine = retriever.parse("代理机构违规最多罚多少钱")
    hits = retriever.search(fine)
    silent = replace(hits[0], clause=hits[0].clause.model_copy(update={"text": "加强代理行业监管。"}))
    decision = decide(fine, [silent, *hits[1:]], retriever.ranking)
    refusal = compose_refusal(fine, [silent], decision.reason, DISPLAY.related_clauses)
    assert {"money", "number"} <= fine.asks and decision.reason == "fact-missing money"
    assert "费用或金额" in refusal.statement and "费用或金额" in render_spoken(refusal, DISPLAY.spoken_limit)


def test_opening_hours_whether_it_costs_and_where_are_answered_only_by_a_clause_that_states_them(index):
    """几点上班 is answered by a time of day or a span of weekdays, 要不要钱 by a charge, a waiver or an amount, 在哪里
    by an address or a window to go to, not by a phone number, 邮箱 by a mail address, 网址 by a web address, 要交哪些
    材料 by what is filed, 交到哪里 by the office it goes to, 要交个税吗 by how the money is taxed, 有没有补贴 by a benefit
    granted or withheld; a clause stating none is refused, and the refusal names the fact (办公时间, 是否收费, 地址或办理地点,
    电子邮箱, 网址, 所需材料, 报送地点或受理单位, 税务处理, 是否给予补贴或奖励)."""
    from bot.answer.extractive import compose_refusal

    retriever = Retriever(index, home_region="上海市")
    phone = "咨询电话：021-63210000。"
    for question, stating, silent_text, label in (
            ("信息服务网点窗口几点上班", "工作日上午9:00—11:30，下午13:30—17:00。", "加强信息服务网点建设。", "办公时间"),
            ("信息服务网点查专利要不要钱", "检索服务不收取任何费用。", "加强信息服务网点建设。", "是否收费"),
            ("信息服务网点在哪里，想当面去问", "地址：世博村路300号。", phone, "地址或办理地点"),
            # a mail or a web address asked by name: a phone number, or a mail address's domain, is not it
            ("信息服务网点受理邮箱是多少", "材料发送至邮箱ipdesk@example.com。", phone, "电子邮箱"),
            ("信息服务网点申报网址是啥", "登录服务平台（网址：ipservice.example.cn）在线填报。",
             "材料发送至邮箱ipdesk@example.com。", "网址"),
            # what to file or bring: a clause naming the office's work is no list of materials
            ("信息服务网点认定要交哪些材料", "申报单位应当提交申请书和营业执照复印件。", "加强信息服务网点建设。", "所需材料"),
            # where it is handed in: the office it goes to, not what is handed in
            ("信息服务网点的申报材料交到哪里", "将纸质材料报送至所在区知识产权局。", "申报单位应当提交申请书和营业执照复印件。",
             "报送地点或受理单位"),
            # how money is taxed: a document stating the money, not its tax, does not answer
            ("信息服务网点发的奖励要交个税吗", "奖励资金由发放单位代扣代缴个人所得税。", "给予最高50万元奖励。", "税务处理"),
            # whether a benefit is granted: a clause naming the benefit's paperwork does not say it is
            ("评上信息服务网点，区里有没有补贴啊", "对新认定的信息服务网点给予一次性补助。", "申报单位应填写《资助申请表》。",
             "是否给予补贴或奖励")):
        query = retriever.parse(question)
        hits = retriever.search(query)
        silent = replace(hits[0], clause=hits[0].clause.model_copy(update={"text": silent_text}))
        decision = decide(query, [silent, *hits[1:]], retriever.ranking)
        assert decision.reason.startswith("fact-missing")
        assert label in compose_refusal(query, [silent], decision.reason, DISPLAY.related_clauses).statement
        stated = replace(hits[0], clause=hits[0].clause.model_copy(update={"text": stating}))
        assert not decide(query, [stated, *hits[1:]], retriever.ranking).reason.startswith("fact-missing")
    # asked together (电话多少 地址在哪), both are asked, as any two facts: a clause stating both answers; a phone
    # number is not where to go, nor an address a number to call
    address = "地址：世博村路300号。"
    both, call = retriever.parse("信息服务网点电话多少 地址在哪"), retriever.parse("信息服务网点电话多少")
    assert {"phone", "address"} <= both.asks and "phone" in call.asks and "address" not in call.asks
    for query, text, answered in ((both, phone + address, True), (both, phone, False), (both, address, False),
                                  (call, phone, True), (call, address, False)):
        hits = retriever.search(query)
        given = replace(hits[0], clause=hits[0].clause.model_copy(update={"text": text}))
        reason = decide(query, [given, *hits[1:]], retriever.ranking).reason
        assert reason.startswith("fact-missing") != answered, (query.raw, text, reason)


def test_a_date_or_length_asked_of_an_act_is_answered_only_by_one_stated_of_that_act(index):
    """补贴钱多久能到账 asks a length of time of the payment: an application period is a date, a publicity period a
    length, neither of the payment. 网点认定多久出结果 asks how long until the matter is decided: a time to accept it,
    the applicant's own deadline or a publicity period is not of the decision; a decision's time limit, or a guide's
    time-limit field, is. The refusal names what is asked (question_kinds.yaml's acts)."""
    from bot.answer.extractive import compose_refusal

    retriever = Retriever(index, home_region="上海市")
    payment = (("申报时间为2026年3月1日至4月30日，公示期为5个工作日。", False),
               ("公示结束后30个工作日内将补助资金拨付至企业账户。", True))
    decided = (("区局自收到申请之日起5个工作日内作出是否受理的决定。", False),
               ("申请单位应当自收到补正通知之日起10日内补正材料。", False),
               ("认定结果在门户网站公示，公示期为7天。", False),
               ("市知识产权局自受理之日起20个工作日内完成审核，并将审核结果书面告知申请单位。", True),
               ("承诺时限：自受理之日起15个工作日", True))
    for question, act, kind, texts, label in (
            ("信息服务网点的补贴钱多久能到账", "付款", "period", payment, "钱款拨付或到账的时间"),
            ("信息服务网点的奖励什么时候打到我们账上", "付款", "date", payment, "钱款拨付或到账的时间"),
            ("信息服务网点认定材料交上去以后，多久能出结果", "办结", "period", decided, "办结或作出结果的时间")):
        query = retriever.parse(question)
        assert query.act == act and kind in query.asks, question
        hits = retriever.search(query)
        for text, answered in texts:
            given = replace(hits[0], clause=hits[0].clause.model_copy(update={"text": text}))
            decision = decide(query, [given, *hits[1:]], retriever.ranking)
            assert decision.reason.startswith("fact-missing") != answered, (question, text, decision.reason)
            if not answered:
                refusal = compose_refusal(query, [given], decision.reason, DISPLAY.related_clauses)
                assert label in refusal.statement
    # the time is read aloud, not the part naming the payment: the sentence states it of the payment
    from bot.answer.extractive import gist

    query = retriever.parse("信息服务网点的奖励多久能到账")
    spoken = gist("经公示无异议的，于公示期满之日起15个工作日内，由市财政局将奖励资金一次性拨付至企业基本存款账户，"
                  "企业应当将奖励资金用于知识产权工作。", query, retriever.concepts(query), limit=40, whole=20)
    assert "15个工作日内" in spoken, spoken
    # a length asked of no act reads any length, as before
    query = retriever.parse("信息服务网点的公示期多久")
    hits = retriever.search(query)
    given = replace(hits[0], clause=hits[0].clause.model_copy(update={"text": "公示期为5个工作日。"}))
    assert not query.act and not decide(query, [given, *hits[1:]], retriever.ranking).reason.startswith("fact-missing")


def test_a_notices_own_date_answers_when_it_was_issued_not_when_what_it_announces_happens(index):
    retriever = Retriever(index, home_region="上海市")
    for question, answered in (("信息服务网点认定通知是哪天印发的", True), ("信息服务网点申报几号截止", False)):
        query = retriever.parse(question)
        hits = retriever.search(query)
        closing = {"id": f"{hits[0].clause.doc_id}:closing", "text": "上海市知识产权局\n2024年12月2日"}
        dated = replace(hits[0], clause=hits[0].clause.model_copy(update=closing))
        reason = decide(query, [dated, *hits[1:]], retriever.ranking).reason
        assert (reason != "fact-missing date") == answered, (question, reason)


def test_a_clause_of_the_region_the_question_names_carries_the_region_feature(index):
    """`region` is 1 for a clause of the region the caller names, 0 for another region's and when no region is named."""
    retriever = Retriever(index)
    named = retriever.search(retriever.parse("浙江的专利导航服务基地怎么建设"), k=None)
    assert {h.document.region for h in named if h.features["region"]} == {"浙江省"}
    assert all(not h.features["region"] for h in named if h.document.region != "浙江省")
    assert not any(h.features["region"] for h in retriever.search(retriever.parse("专利导航服务基地怎么建设"), k=None))
    # a widget's data-region says where the caller is, not that the question is about that region's documents
    assert not any(h.features["region"]
                   for h in retriever.search(retriever.parse("专利导航服务基地怎么建设", region="浙江"), k=None))


COMPILATION = """title: 知识产权公共服务事项（多地汇编）
items:
- name: 专利申请快速预审（苏州市知识产权保护中心）
  summary: 保护中心对备案主体拟提交的专利申请进行预先审查。
  materials: [专利申请预审请求书, 申请文件]
- name: 专利申请快速预审（杭州市知识产权保护中心）
  summary: 保护中心对备案主体拟提交的专利申请进行预先审查。
  materials: [专利申请预审请求书, 申请文件]
- name: 专利申请快速预审（泉州市知识产权保护中心）
  summary: 保护中心对备案主体拟提交的专利申请进行预先审查。
  materials: [专利申请预审请求书, 申请文件]
"""


def test_an_item_of_a_several_place_catalogue_is_of_the_place_its_office_is_in(tmp_path):
    """A compilation of several places' guides is filed under no region; its items are of their offices' places,
    read at ingest, so a caller who names 苏州 is answered from the 苏州 centre's item."""
    from ingest.build import ingest
    from tests.conftest import KNOWLEDGE, make_settings

    knowledge = tmp_path / "knowledge"
    (knowledge / "catalogue").mkdir(parents=True)
    (knowledge / "catalogue" / "all.yaml").write_text(COMPILATION, encoding="utf-8")
    for name in ("places.yaml", "synonyms.yaml"):  # the cities of the regions, in documents and in questions
        (knowledge / name).write_text((KNOWLEDGE / name).read_text(encoding="utf-8"), encoding="utf-8")
    settings = make_settings(tmp_path / "var", knowledge)
    ingest([knowledge], settings, progress=False)
    retriever = Retriever(live(settings))
    assert {i.name[-13:]: i.region for i in retriever.records.items.values()} == {
        "（苏州市知识产权保护中心）": "江苏省", "（杭州市知识产权保护中心）": "浙江省", "（泉州市知识产权保护中心）": "福建省"}
    # 泉州 and 福建 are places.yaml's (a city, a region's short name), not synonyms.yaml's: questions name them too
    for city, office in (("苏州", "苏州"), ("江苏", "苏州"), ("杭州", "杭州"), ("泉州", "泉州"), ("福建", "泉州")):
        hits = retriever.search(retriever.parse(f"{city}的专利快速预审要交哪些材料"), k=None)
        # the other centre is another region's: filtered out as another region's document would be
        assert [office in retriever.records.items[h.clause.id].name for h in hits] == [True]
        assert hits[0].features["region"] == 1.0
    # a caller who names another region is not answered from either centre (the region filter keeps them out, as
    # it does other regions' documents), and with a home region set a region-less question puts the other after
    assert not retriever.search(retriever.parse("北京的专利快速预审要交哪些材料"), k=None)
    assert not retriever.search(retriever.parse("我在武汉，专利快速预审要交哪些材料"), k=None)
    # a caller who names another city of the region (厦门, 南京) is not answered from 泉州's or 苏州's centre, as
    # not from a 泉州 document: the catalogue has no office of that city; naming both keeps the one named
    for city in ("我们公司在厦门", "南京的"):
        assert not retriever.search(retriever.parse(f"{city}，专利快速预审要交哪些材料"), k=None)
    both = retriever.search(retriever.parse("我们公司在厦门，能找泉州的中心做专利快速预审吗，要交哪些材料"), k=None)
    assert ["泉州" in retriever.records.items[h.clause.id].name for h in both] == [True] and both[0].policy == 1.0
    # naming no city, an item that binds one comes after what binds none (× 0.8), as a city's document does
    assert retriever.search(retriever.parse("专利快速预审要交哪些材料"), k=None)[0].policy < 1.0
    # a street of the bureau's city named after another place names no region (all three centres are candidates)
    assert len(retriever.search(retriever.parse("我们在福州路，专利快速预审要交哪些材料"), k=None)) == 3
    assert Retriever(live(settings), home_region="福建").home_region == "福建省"  # places.yaml's short form
    home = Retriever(live(settings), home_region="浙江省")
    hits = home.search(home.parse("专利快速预审要交哪些材料"), k=2)
    # (杭州's centre binds a city the question does not name, the others a city and another region as well)
    assert "杭州" in home.records.items[hits[0].clause.id].name and hits[1].policy < hits[0].policy < 1.0
    # a caller of another city, on a channel of the bureau's region, is answered from that city's centre first
    for retriever_, region in ((home, None), (retriever, "浙江")):
        hits = retriever_.search(retriever_.parse("我是泉州的，专利快速预审要交哪些材料", region=region), k=None)
        assert "泉州" in retriever_.records.items[hits[0].clause.id].name and hits[0].features["region"] == 1.0


def test_the_words_stating_a_fact_are_not_the_subject_it_is_stated_of(tmp_path):
    """三个工作日 states a length; it does not make a sentence about platforms an answer to how many working days a
    pledge registration takes: fact_focus counts the question's other words only."""
    retriever = Retriever(live(ingest_policies(tmp_path, {
        "platform": _document("浙江省知识产权局", "浙知发〔2024〕3号", "关于网络交易平台专利投诉处理的通知", [
            "网络交易平台接到投诉后，应当在三个工作日内告知被投诉人。",
            "加强平台治理。督促平台完善投诉处理规则。"]),
        "pledge": _document("浙江省知识产权局", "浙知发〔2024〕4号", "关于专利权质押登记服务的通知", [
            "质押登记办理。专利权质押登记自受理之日起五个工作日内办结，发给登记证明。",
            "优化质押服务。推动银行与企业对接。"]),
    })))
    hits = {h.clause.id: h for h in retriever.search(retriever.parse("专利权质押登记几个工作日能拿到登记证明"), k=10)}
    platform, pledge = hits["platform:s1-i1"], hits["pledge:s1-i1"]
    assert platform.features["states_fact"] == pledge.features["states_fact"] == 1.0  # both state a length
    # (0.45 when 工作日 counted: the title's 专利 and the soft synonyms of 登记 are what is left)
    assert platform.features["fact_focus"] < 0.25 and pledge.features["fact_focus"] > 0.6


def test_every_field_of_a_guide_is_about_the_office_and_the_service_its_own_fields_name(tmp_path):
    """A service guide names its office in one field (受理机构：…临江代办处) and states the hours, the address and the
    phones in others, which repeat none of the question's words: those fields are read with the office's field as
    their frame, as a clause's sentences with its heading, so the one stating the fact asked leads and answers. A
    paragraph copied between the fields (another service's fee, anchor f6-t1) is no field and gets no such frame.
    Of fields that tie, the guide's first stating the fact is preferred (its 联系电话 before its 投诉电话)."""
    guide = ("临江市知识产权服务中心办事指南\n\n适用范围:本指南适用于专利申请受理\n办理方式:在线或现场办理\n"
             "受理机构:临江市知识产权服务中心(专利局临江代办处)\n联系电话:0571-80000001\n"
             "办理时间:工作日(9:00-11:30;13:30-17:00)\n办理地点:临江市滨河路88号创新园A座\n\n"
             "专利文件副本证明费每份30元。\n\n投诉电话:0571-80000009\n")
    retriever = Retriever(live(ingest_policies(tmp_path, {"guide": guide})))
    for question, field, kind in (("临江代办处中午几点开门", "办理时间", "hours"),
                                  ("临江专利代办处具体地址在哪", "办理地点", "address"),
                                  ("对临江代办处不满意，投诉打哪个电话", "投诉电话", "phone")):
        query = retriever.parse(question)
        hits = retriever.search(query)
        assert kind in query.asks and hits[0].clause.heading == field, (question, [h.clause.heading for h in hits])
        decision = decide(query, hits, retriever.ranking, retriever.unknown_specific(query))
        assert decision.grounded, (question, decision.reason)
    frames = retriever.index.frames
    fields = {c.heading: c for c in retriever.records.clauses.values() if c.doc_id == "guide"}
    assert "临江代办处" in frames[fields["办理时间"].id] and "临江代办处" not in frames[fields["受理机构"].id]
    paragraph = next(c for c in retriever.records.clauses.values() if "副本证明费" in c.text)
    assert not paragraph.is_guide_field
    assert "临江代办处" not in frames[paragraph.id]
    assert not Clause(id="law:a9", doc_id="law", label="第九条", text="…").is_guide_field
    query = retriever.parse("临江代办处电话多少")
    hits = {h.clause.heading: h for h in retriever.search(query, k=None)}
    office, complaint, contact = (replace(hits[name], coverage=0.5) for name in ("受理机构", "投诉电话", "联系电话"))
    assert retriever.stating_first([office, complaint, contact], query.facts())[0] is contact
    # a phone is an office's own: another office's, a hair above, does not lead when the office asked has one close
    elsewhere = replace(contact, offices_unnamed=["代办处"], coverage=0.5)
    assert retriever.stating_first([office, elsewhere, complaint], query.facts())[0] is complaint
    assert retriever.stating_first([elsewhere, complaint], query.facts())[0] is complaint
    assert retriever.stating_first([elsewhere, office], query.facts())[0] is elsewhere  # none of its own: refused later


def test_when_a_law_took_effect_is_answered_by_the_article_that_says_so_not_by_its_adoption_dates(tmp_path):
    """A regulation's opening lines date its adoption and revision; its last article says when it takes effect. A
    question about when it took effect (施行) is answered by that article, though the opening lines share more of
    its words (2013年, 修订), and one about its revision by those lines."""
    law = ("临江市专利促进条例\n\n2005年5月20日 临江市人民代表大会常务委员会第二十次会议通过\n\n"
           "2013年9月27日 临江市人民代表大会常务委员会第六次会议修订\n\n第一章 总则\n\n"
           "第一条 为了促进发明创造，制定本条例。\n\n第二条 本市行政区域内的专利促进工作，适用本条例。\n\n"
           "第三章 附则\n\n第三条 本条例自2014年3月1日起施行。\n")
    retriever = Retriever(live(ingest_policies(tmp_path, {"law": law})))
    query = retriever.parse("临江那个专利促进条例2013年修订的这一版，是从哪天起施行的")
    hits = retriever.search(query)
    assert query.event == "施行" and hits[0].clause.text.endswith("本条例自2014年3月1日起施行。"), \
        [h.clause.id for h in hits]
    assert decide(query, hits, retriever.ranking, retriever.unknown_specific(query)).grounded
    revised = retriever.parse("临江专利促进条例是哪年修订的")
    assert "修订" in retriever.search(revised)[0].clause.text


def test_a_penalty_is_found_by_the_conduct_its_cited_rule_describes(tmp_path):
    """A caller describes what was done (包装上印了“著名某某”), the penalty article only the number of the rule it
    sanctions (违反本法第二条第二款规定的): read with that paragraph, it answers how much the fine is, before the rule."""
    law = ("中华人民共和国某某法\n\n第一章 总则\n\n第一条 为了加强某某管理，制定本法。\n\n"
           "第二条 某某应当依法登记。\n经营者不得将“著名某某”字样用于商品、商品包装或者容器上，或者用于广告宣传。\n\n"
           "第三条 登记证书应当载明登记事项。\n\n第二章 法律责任\n\n"
           "第四条 违反本法第二条第二款规定的，由市场监督管理部门责令改正，处十万元罚款。\n\n"
           "第五条 违反本法第三条规定的，处五万元罚款。\n")
    index = live(ingest_policies(tmp_path, {"law": law}))
    retriever = Retriever(index)
    assert retriever.index.cited["law:a4"].startswith("经营者不得将")
    assert retriever.index.sanctioned_by["law:a2"] == ["law:a4"]
    query = retriever.parse("我们在产品包装上印了著名某某几个字，会被罚多少钱")
    assert "penalty" in query.asks
    hits = retriever.search(query)
    assert hits[0].clause.id == "law:a4", [h.clause.id for h in hits]
    # no rule refuses it: the article states the fine asked (十万元) and the penalty. Whether it is answered is the
    # answerability model's call (p 0.26 against 0.31 since the fit with past questions, on this one-law index
    # nobody has asked about; 0.32 before)
    decision = decide(query, hits, retriever.ranking, retriever.unknown_specific(query))
    assert decision.reason.startswith(("answerable", "unanswerable")), decision.reason
    assert hits[0].features["states_fact"] == 1.0
    # asked whether the conduct is allowed, not what it brings, the rule answers (the penalty is not read with it)
    rule = retriever.parse("产品包装上能不能印著名某某这几个字")
    hits = {h.clause.id: h for h in retriever.search(rule, k=None)}
    assert "penalty" not in rule.asks and retriever.search(rule)[0].clause.id == "law:a2"
    assert hits["law:a4"].coverage < hits["law:a2"].coverage
    # where few candidates are fused (thousands of clauses), the penalty comes in beside the rule it sanctions
    crowded = Retriever(index, ranking=tuned(candidates=1))
    assert crowded.search(crowded.parse("包装上印著名某某字样，会受什么处罚"))[0].clause.id == "law:a4"


def test_the_answerability_model_counts_only_the_kinds_of_fact_its_file_lists(index, tmp_path):
    """A kind the ranking file leaves out (penalty, added after the shipped model was fitted) stays a hard
    constraint of the decision, but is no asks_fact for the model; a file without the list counts every kind, and
    the list is kept when the file is saved."""
    from bot.retrieve.rank import DEFAULT_FILE, Ranking, answer_features

    shipped = Ranking.load()
    assert "penalty" not in shipped.fact_kinds and {"date", "money", "phone"} <= set(shipped.fact_kinds)
    index = Retriever(index)
    penalty = index.parse("代理机构伪造签名会被罚款吗")
    date = index.parse("这个措施什么时候施行的")
    assert "penalty" in penalty.asks and "date" in date.asks
    assert not shipped.asks_fact(penalty) and shipped.asks_fact(date)
    everything = replace(shipped, fact_kinds=None)
    assert everything.asks_fact(penalty) and everything.asks_fact(date)
    hits = index.search(penalty)
    hits[0].features["states_fact"] = 1.0
    # the fact stated counts only with a fact asked: the model weighs the two together
    assert answer_features(hits, False)["fact_stated"] == 0.0 and answer_features(hits, True)["fact_stated"] == 1.0
    older = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    del older["answerability_kinds"]  # a bureau's refit from before the record
    path = tmp_path / "ranking.json"
    path.write_text(json.dumps(older, ensure_ascii=False), encoding="utf-8")
    assert Ranking.load(path).fact_kinds is None and Ranking.load(path).asks_fact(penalty)
    shipped.save(path)
    assert Ranking.load(path).fact_kinds == shipped.fact_kinds
    older["answerability_kinds"] = "penalty"  # a string is no list of kinds (it would be read as its characters)
    path.write_text(json.dumps(older, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="answerability_kinds"):
        Ranking.load(path)


def test_a_year_asked_about_is_answered_only_by_a_document_that_states_it(index):
    """2021年的蓝天行动 is not answered by 2024年's 实施方案 (a document of a year: its title names one), nor a question
    about 2021 by a standing 意见 issued in 2022; a year told in the caller's story (我的商标是2015年注册的，…) asks
    nothing; the refusal names the year."""
    from bot.answer.extractive import compose_refusal
    from bot.retrieve.kinds import DocumentYears

    retriever = Retriever(index, home_region="上海市")
    years_of = retriever.index.years_of
    assert {"2024", "2023"} <= years_of("lantian").stated and "2019" in years_of("campaign").stated
    assert years_of("home").since == 2022  # 关于加强…公共服务工作的意见 (沪知局〔2022〕13号), signed 2022年3月31日
    asked = retriever.parse("2021年的蓝天行动重点整治哪些不规范经营行为")
    hits = retriever.search(asked)
    assert asked.years == {"2021"} and hits[0].document.id == "lantian"
    decision = decide(asked, hits, retriever.ranking, years_of=years_of)
    assert decision.reason == "year-unstated" and not decision.grounded
    assert "2021年" in compose_refusal(asked, hits, decision.reason, DISPLAY.related_clauses).statement
    # the year stated by the document, a standing document issued before it, or a rule leave it to the model
    for other in (lambda d: DocumentYears(frozenset({"2021"})), lambda d: DocumentYears(frozenset(), since=2020),
                  lambda d: None):
        assert decide(asked, hits, retriever.ranking, years_of=other).reason != "year-unstated"
    later = retriever.parse("2021年信息服务网点总数要达到多少家")
    assert decide(later, retriever.search(later), retriever.ranking, years_of=years_of).reason == "year-unstated"
    told = retriever.parse("我的商标是2015年注册的，快满十年了，续展要在什么时候办？")
    assert not told.years
    assert decide(told, retriever.search(told), retriever.ranking,
                  years_of=lambda d: DocumentYears(frozenset())).reason != "year-unstated"


def test_a_phone_asked_of_a_countys_office_is_not_answered_with_its_citys(tmp_path):
    """A city's notice names its counties (in a list, in an address) and gives its own office's phone: asked the
    phone of a county's office
    (南陵县市场监督管理局, an office the city's clause names for its own city), it says the documents do not state it; asked its own, or with the county only in the caller's
    story (我是南陵县的企业), it answers; so too with the office's name shortened as callers say it (芜湖市监局,
    南陵县市场监管局: knowledge/synonyms.yaml)."""
    corpus = {"wuhu": _document("芜湖市市场监督管理局", "芜市监〔2026〕5号", "关于开展专利转化专项计划的通知", [
        "申报范围。芜湖市、南陵县、无为市的企业均可申报，纸质材料报送所在县市区市场监管部门。",
        "报送地址。芜湖市政务服务中心三楼；县域企业可报送南陵县文昌大道县教育局三楼。",
        "联系方式。芜湖市市场监督管理局知识产权促进科，联系人：汪工，联系电话：0553-3812617。",
    ])}
    retriever = Retriever(live(ingest_policies(tmp_path, corpus)))

    def answer(question: str):
        query = retriever.parse(question)
        hits = retriever.search(query, k=3)
        return decide(query, hits, retriever.ranking, years_of=retriever.index.years_of), hits

    for asked in ("南陵县市场监督管理局收材料的联系电话是多少", "南陵县市场监管局收材料的联系电话是多少"):
        county, hits = answer(asked)
        assert retriever.parse(asked).places_asked == ["南陵"]
        assert not county.grounded and county.reason == "office-unstated", (asked, county.reason, hits[0].clause.id)
    for question in ("芜湖市市场监督管理局知识产权促进科电话多少", "我是南陵县的企业，芜湖市市场监督管理局的联系电话是多少",
                     "芜湖市监局知识产权促进科电话多少", "芜湖市场监管局的联系电话是多少"):
        decision, hits = answer(question)
        assert decision.grounded and hits[0].clause.text.endswith("0553-3812617。"), (question, decision.reason)


@pytest.mark.parametrize("question,places", QuestionKinds.default().office_places_examples,
                         ids=[q for q, _ in QuestionKinds.default().office_places_examples])
def test_the_places_whose_office_a_question_asks_of(settings, question, places):
    """question_kinds.yaml's offices.examples.places, read with the bureau's place names: a place right before an
    office's name, and not one of the caller's story, of something else (深圳科技企业, 苏州委托), or before another
    place's office (余杭区企业杭州代办处)."""
    assert Retriever(live(settings)).parse(question).places_asked == places


def test_an_item_under_a_materials_heading_states_what_to_submit(tmp_path):
    """A notice lists what to file item by item under its heading (六、申请材料 > （二）营业执照复印件；): asked what to
    submit, such an item answers though no word of its own says it is filed (question_kinds.yaml: the materials
    statement's `under_heading`); an item under another heading is no material (一、申请条件 > （一）…)."""
    text = ("某市市场监督管理局文件\n\n某市监发〔2026〕15号\n\n关于开展知识产权信用贷款工作的通知\n\n各有关企业：\n\n"
            "一、申请条件\n\n（一）在本市登记注册、依法纳税，成立满1年；\n\n（二）拥有有效发明专利1件以上。\n\n"
            "二、申请材料\n\n（一）《信用贷款申请推荐表》；\n\n（二）营业执照复印件；\n\n（三）近一年财务报表或纳税证明；\n\n"
            "（四）知识产权证书及最近一次年费缴纳凭证。\n\n"
            "三、办理流程\n\n企业向合作银行提出申请，银行自收到申请之日起15个工作日内完成审批。\n\n"
            "某市市场监督管理局\n\n2026年3月2日\n")
    retriever = Retriever(live(ingest_policies(tmp_path, {"loan": text})))
    query = retriever.parse("办信用贷款要交哪些材料，知识产权方面要提供什么")
    assert "materials" in query.asks
    hits = retriever.search(query, k=3)
    decision = decide(query, hits, retriever.ranking, years_of=retriever.index.years_of)
    assert hits[0].clause.path[:-1] == ["二、申请材料"] and hits[0].clause.section_label == "申请材料", \
        [h.clause.id for h in hits]
    assert decision.grounded, (decision.reason, hits[0].clause.id)
    conditions = next(c for c in retriever.index.records.clauses.values() if c.text.startswith("在本市登记注册"))
    assert not query.fact("materials").in_clause(conditions) and query.fact("materials").in_clause(hits[0].clause)


def _decided(retriever, question):
    """The decision on a question and the hits it rests on, as the service makes them."""
    query = retriever.parse(question)
    hits = retriever.search(query, k=3)
    return decide(query, hits, retriever.ranking, years_of=retriever.index.years_of), hits


def _decides(retriever, cases):
    """Each (question, refusal reason) is refused for that reason; each (question, text) is answered from a clause
    holding the text."""
    for question, expected in cases:
        decision, hits = _decided(retriever, question)
        if expected.startswith(("fact-missing", "office-unstated")):
            assert not decision.grounded and decision.reason == expected, (question, decision.reason, hits[0].clause.id)
        else:
            assert decision.grounded and expected in hits[0].clause.text, (question, decision.reason, hits[0].clause.id)


def test_an_office_the_segmenter_cut_before_its_ending_is_still_the_office_asked(tmp_path):
    """运用促进处 is cut 运用|促进|处, and no word of the question then names an office: the e-mail one notice gives
    for feedback on a service point answered a question asking the e-mail of another notice's office. The parts are
    joined when the knowledge base says the name (QuestionKinds.split_offices), and a clause whose document never
    names that office does not answer (office-unstated); the office's own notice still answers its phone."""
    promote = ("某市市场监督管理局文件\n\n某市监发〔2026〕21号\n\n关于开展高价值专利培育工作的通知\n\n各有关单位：\n\n"
               "一、培育对象\n\n本市高新技术企业和高校院所。\n\n二、联系方式\n\n"
               "市市场监督管理局知识产权运用促进处，联系电话：0570-3012345。\n\n某市市场监督管理局\n\n2026年3月2日\n")
    point = ("某县市场监督管理局文件\n\n某县监发〔2026〕8号\n\n关于信息服务网点正式对外开放的通知\n\n各有关单位：\n\n"
             "一、服务内容\n\n网点提供专利检索和查新咨询服务。\n\n二、服务评价\n\n"
             "对网点服务有意见建议的，可通过电子邮箱wdfw@126.com反映。\n\n某县市场监督管理局\n\n2026年4月1日\n")
    retriever = Retriever(live(ingest_policies(tmp_path, {"promote": promote, "point": point})))
    _decides(retriever, [("运用促进处有没有电子邮箱可以书面咨询", "office-unstated"),
                         ("运用促进处的联系电话是多少", "0570-3012345")])


def test_a_contact_line_naming_another_body_is_not_the_number_of_a_body_the_notice_names_elsewhere(tmp_path):
    """A notice two bodies issued names both, and its contact line gives one body's unit and number: asked the other
    body's number, that line does not answer (office-unstated), though the document names the body asked. A line
    naming only a unit of the body (局办公室 刘婷) still answers the body's number."""
    joint = ("某区市场监督管理局\n某区财政局\n\n某区监〔2026〕9号\n\n关于组织申报2026年度专利专项资金的通知\n\n各有关企业：\n\n"
             "一、资金用途\n\n专项资金由区财政局按规定拨付，用于专利创造和运用。\n\n二、联系方式\n\n"
             "区市场监管局知识产权科 张敏，联系电话：0551-65231876。\n\n某区市场监督管理局　某区财政局\n\n2026年3月10日\n")
    single = ("某县市场监督管理局\n\n某县监〔2026〕17号\n\n关于做好建议提案办理工作的通知\n\n各股室：\n\n"
              "一、办理要求\n\n答复前须与代表委员至少沟通1次。\n\n二、联系方式\n\n"
              "联系人：局办公室 刘婷，联系电话：0316-2218635。\n\n某县市场监督管理局\n\n2026年4月2日\n")
    retriever = Retriever(live(ingest_policies(tmp_path, {"joint": joint, "single": single})))
    _decides(retriever, [("区财政局管专项资金的联系电话是多少", "office-unstated"),
                         ("区市场监管局专项资金申报的联系电话是多少", "0551-65231876"),
                         ("县市场监管局建议提案办理的联系电话是多少", "0316-2218635")])


def test_a_contact_line_naming_the_body_asked_by_its_other_name_or_short_still_answers(tmp_path):
    """A bureau with two names (某市市场监督管理局（某市知识产权局）) gives its number under the one, asked by the other;
    a line naming a body short (区科技局), beside another body, answers for its full name (区科学技术局); an address
    naming a place (政务服务中心) or a building (…路8号区商务局三楼) is no other body's. (A guard: the code before these
    rules answered all of these.)"""
    merged = ("某市市场监督管理局（某市知识产权局）文件\n\n某市监〔2026〕5号\n\n关于开展专利资助工作的通知\n\n各有关单位：\n\n"
              "一、资助范围\n\n本市企业获得授权的发明专利。\n\n二、联系方式\n\n"
              "市市场监督管理局知识产权促进处，联系电话：0571-87654321；地址：市政务服务中心三楼。\n\n"
              "某市市场监督管理局\n\n2026年2月1日\n")
    science = ("某区科学技术局文件\n\n某区科〔2026〕3号\n\n关于认定科技企业孵化器的通知\n\n各孵化器：\n\n"
               "一、认定条件\n\n场地面积不少于2000平方米。\n\n二、联系方式\n\n"
               "请与区科技局高新技术科或区财政局经建科联系，联系电话：0750-3302718；地址：江华路8号区商务局三楼。\n\n某区科学技术局\n\n2026年5月6日\n")
    retriever = Retriever(live(ingest_policies(tmp_path, {"merged": merged, "science": science})))
    _decides(retriever, [("某市知识产权局专利资助的咨询电话是多少", "0571-87654321"),
                         ("区科学技术局孵化器认定的联系电话是多少", "0750-3302718")])


def test_a_cover_printing_two_issuers_side_by_side_does_not_make_them_one_body(tmp_path):
    """某区财政局某区市场监督管理局（某区知识产权局）: the other name in brackets is the market bureau's alone, so the
    finance bureau's number is still not the market bureau's contact line."""
    glued = ("某区财政局某区市场监督管理局（某区知识产权局）\n\n某区监〔2026〕12号\n\n关于组织申报专利转化专项资金的通知\n\n"
             "各有关企业：\n\n一、资金用途\n\n用于专利转化运用。\n\n二、联系方式\n\n"
             "区市场监督管理局知识产权科 张敏，联系电话：0551-65231876。\n\n2026年3月10日\n")
    retriever = Retriever(live(ingest_policies(tmp_path, {"glued": glued})))
    assert ("某区市场监督管理局", "某区知识产权局") in retriever.index.body_aliases(
        next(iter(retriever.index.records.documents)))
    for question, answered in (("区财政局专项资金的联系电话是多少", False), ("区知识产权局专项资金的联系电话是多少", True)):
        decision, hits = _decided(retriever, question)
        assert decision.grounded == answered, (question, decision.reason, hits[0].clause.id)


def test_a_fee_asked_how_much_or_who_pays_is_answered_only_by_a_clause_saying_so(tmp_path):
    """A fee named by any word 费 ends asked how much (鉴定费大概多少, money's compound rule) is answered by an amount,
    not by a clause stating only a length (30个工作日内出具鉴定意见), which answered it while it was read as asking a
    count; who pays a cost (鉴定费谁出, 评估的钱要我们自己掏吗: `payer`) is answered only by a clause saying on whom it
    falls (评估费用由委托评估的企业承担)."""
    appraisal = _notice("某区市场监督管理局", "某区监发〔2026〕5号", "关于专利侵权纠纷技术鉴定工作的通知", {
        "技术鉴定": "案件需要技术鉴定的，由本局委托具有资质的鉴定机构进行，鉴定机构应当在30个工作日内出具鉴定意见。"})
    services = _notice("某市市场监督管理局", "某市监发〔2026〕9号", "关于提供专利评估和检索服务的通知", {
        "专利评估": "评估费用由委托评估的企业承担。", "专利检索": "专利检索服务每次收取检索费200元。"}, "2026年4月1日")
    retriever = Retriever(live(ingest_policies(tmp_path, {"appraisal": appraisal, "services": services})))
    _decides(retriever, [("专利侵权纠纷的技术鉴定费大概多少", "fact-missing money"),
                         ("专利纠纷委托技术鉴定，鉴定费谁出", "fact-missing payer"),
                         ("专利评估的钱要我们企业自己掏吗", "由委托评估的企业承担"),
                         ("专利检索的检索费是多少", "200元")])


def test_money_granted_is_answered_by_an_amount_or_a_share_not_by_any_number(tmp_path):
    """最多能拿多少补助 and 补贴标准是多少 ask how much money is granted (question_kinds.yaml `granted`): a clause stating
    only a count or a length (每年服务时长不少于40小时) does not answer (fact-missing granted), while one stating an
    amount (每件资助5000元) or a share of a cost (按实际支付利息的50%给予贴息) does. (贴息能给多少 asks `money` too, which
    only an amount in 元 states: a share does not answer it, as before.)"""
    lawyers = _notice("某市市场监督管理局", "某市监发〔2026〕4号", "关于开展知识产权公益律师服务工作的通知", {
        "服务团组成": "自愿参与公益服务的律师，每年提供公益服务时长不少于40小时。",
        "工作保障": "市局为公益律师开展工作提供必要的场地便利。"})
    grants = _notice("某县市场监督管理局", "某县监发〔2026〕8号", "关于组织申报专利资助和质押贴息的通知", {
        "专利资助": "授权的发明专利，每件资助5000元。",
        "质押贴息": "以专利质押取得银行贷款的，按实际支付利息的50%给予贴息。"}, "2026年4月1日")
    retriever = Retriever(live(ingest_policies(tmp_path, {"lawyers": lawyers, "grants": grants})))
    _decides(retriever, [("公益律师的工作补贴标准是多少", "fact-missing granted"),
                         ("发明专利授权了一件最多能拿多少资助", "5000元"),
                         ("专利质押贷款的贴息比例是多少", "50%")])
