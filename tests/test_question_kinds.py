"""knowledge/question_kinds.yaml: every example question of every kind is read as its kind, or not."""
import json

import pytest
import yaml

from bot.models import Clause
from bot.retrieve.kinds import KINDS_FILE, KindsError, QuestionKinds, Words, asking_text
from bot.retrieve.lexicon import Lexicon
from bot.retrieve.query import QueryUnderstanding
from bot.text import MARKER, Tokenizer
from tests.conftest import KNOWLEDGE

KINDS = QuestionKinds.from_yaml(KNOWLEDGE / KINDS_FILE)


def _examples():
    """(what is checked, the kind, the example, whether it must be of that kind)."""
    sections = [("asks", KINDS.asks), ("fields", KINDS.fields), ("service", {"service": KINDS.service}),
                ("history", {"history": KINDS.history}), ("document", {"document": KINDS.document})]
    for section, kinds in sections:
        for name, kind in kinds.items():
            assert len(kind.positive) >= 3 and len(kind.negative) >= 3, f"{section}.{name}: 至少各三个例句"
            for example in kind.positive:
                yield pytest.param(section, name, example, True, id=f"{section}.{name}+{example}")
            for example in kind.negative:
                yield pytest.param(section, name, example, False, id=f"{section}.{name}-{example}")
    for section, positive, negative in [("places", KINDS.places.positive, KINDS.places.negative),
                                        ("years", KINDS.years.asked, KINDS.years.told),
                                        ("delegation", KINDS.delegation.delegates, KINDS.delegation.states),
                                        ("details", KINDS.delegation.details_questions, KINDS.delegation.not_details),
                                        ("who", KINDS.delegation.who_questions, KINDS.delegation.not_who)]:
        for examples, expected, sign in ((positive, True, "+"), (negative, False, "-")):
            for example in examples:
                yield pytest.param(section, section, example, expected, id=f"{section}{sign}{example}")
    for section, kinds in (("asks", KINDS.asks), ("fields", KINDS.fields)):
        for name, kind in kinds.items():
            for examples, expected, sign in ((kind.headings.positive, True, "+"), (kind.headings.negative, False, "-")):
                for example in examples:
                    yield pytest.param("headings", f"{section}.{name}", example, expected,
                                       id=f"headings.{section}.{name}{sign}{example}")
    for name, statement in KINDS.states.items():
        for example in statement.positive:
            yield pytest.param("states", name, example, True, id=f"states.{name}+{example}")
        for example in statement.negative:
            yield pytest.param("states", name, example, False, id=f"states.{name}-{example}")
        for examples, expected, sign in ((statement.listed, True, "+"), (statement.not_listed, False, "-")):
            for example in examples:
                yield pytest.param("listed", name, example, expected, id=f"listed.{name}{sign}{example}")


@pytest.fixture(scope="module")
def understanding():
    """Questions read as in service, with the bureau's vocabulary but no index (no typos to correct)."""
    from ingest.build import PLACES_FILE, load_places
    from ingest.metadata import region_names

    lexicon = Lexicon.from_yaml(KNOWLEDGE / "synonyms.yaml")
    lexicon.kinds = KINDS
    names = region_names(lexicon.regions, load_places(KNOWLEDGE / PLACES_FILE))  # as ingest stores them
    lexicon.places = {r: [n for n in ns if n not in lexicon.regions.get(r, [])] for r, ns in names.items()}
    return QueryUnderstanding(lexicon, Tokenizer(lexicon.terms), {})


@pytest.mark.parametrize("section,kind,example,expected", list(_examples()))
def test_every_example_is_read_as_its_kind(understanding, section, kind, example, expected):
    if section == "states":
        assert bool(KINDS.states[kind].pattern.search(example)) == expected
        return
    if section == "listed":  # a clause of this path (itself last) is an item right under a heading of the kind
        path = example.split(" > ")
        own = MARKER.sub("", path[-1], count=1).strip()
        clause = Clause(id="d:x", doc_id="d", path=path, label=path[-1], heading=own, text=own)
        assert KINDS.states[kind].lists(clause) == expected
        return
    if section == "headings":  # a clause's own label says it states the kind of fact (or field), or not
        part, name = kind.split(".")
        assert getattr(KINDS, part)[name].headings.name(example) == expected
        return
    if section == "delegation":  # a clause of this one sentence only says by whom its rules are made
        assert KINDS.delegation.only_delegates(example) == expected
        return
    if section == "places":  # names a region, or none
        assert bool(understanding.regions_in(example)) == expected, understanding.regions_in(example)
        return
    query = understanding.parse(example)
    found = {"asks": query.asks, "fields": set(query.fields), "service": {"service"} if query.service_like else set(),
             "history": {"history"} if query.history else set(),
             "document": {"document"} if query.about_a_document else set(),
             "years": {"years"} if query.years else set(), "details": {"details"} if query.wants_rules else set(),
             "who": {"who"} if KINDS.delegation.asks_who(query.text) else set()}[section]
    assert (kind in found) == expected, f"{example} → {sorted(found)}"


def test_fillers_are_dropped_and_carry_no_kind(understanding):
    query = understanding.parse("喂，您好，那个，我想问一下，专利质押登记要带什么材料")
    assert query.text == "专利质押登记要带什么材料" and query.fields == ["materials"]
    assert "您好" not in query.tokens
    assert understanding.parse("办理太麻烦了").text == "办理太麻烦了"  # 麻烦 here says something
    assert not understanding.parse("喂，您好").asks


def test_the_measure_word_of_a_number_asked(understanding):
    assert understanding.parse("网点要达到多少家").unit == "家"
    assert understanding.parse("多少天能办完").unit == "天"  # jieba's guess 天能 does not hide it
    assert understanding.parse("落实了多少个部门的意见").unit == ""  # 个 is left out of answers: any number


def test_a_malformed_file_names_the_key(tmp_path):
    path = tmp_path / KINDS_FILE
    path.write_text("asks:\n  money:\n    triggers: 多少钱\n", encoding="utf-8")
    with pytest.raises(KindsError, match="asks.money.triggers"):
        QuestionKinds.from_yaml(path)


def test_a_word_list_may_take_in_another_by_its_alias():
    number = yaml.safe_load("label: 数字\nrules:\n  - triggers: [几]\n    counts: [家]\n    counts_by: [几]\n"
                            "    not_after: &a_few [这, 近]\n  - triggers: [多少]\n    not_after: [*a_few, 前]\n")
    kinds = QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "number": number}})
    assert "number" in kinds.asked(Words("认定了多少家")) and "number" in kinds.asked(Words("有几家"))
    assert "number" not in kinds.asked(Words("前多少")) | kinds.asked(Words("近多少")) | kinds.asked(Words("这几家"))
    # the index keeps the lists spread out, as a version without aliases reads them (a rollback after an ingest)
    stored = json.loads(kinds.to_json())["asks"]["number"]["rules"][1]["not_after"]
    assert stored == ["这", "近", "前"] and QuestionKinds.from_json(kinds.to_json()).asked(Words("前多少")) == set()
    nested = {**number, "rules": [{"triggers": ["多少"], "not_after": [["这", ["近"]]]}]}  # one level, of words
    with pytest.raises(KindsError, match="asks.number.*别名"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "number": nested}})


def test_a_kind_level_key_inside_a_rule_is_refused_not_ignored():
    rules = {**KINDS.data["asks"]["number"], "rules": [{**KINDS.data["asks"]["number"]["rules"][0], "yields_to": ["period"]}]}
    with pytest.raises(KindsError, match=r"asks.number.rules\[0\].*yields_to"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "number": rules}})


@pytest.mark.parametrize("rule, why", [
    ({"triggers": ["申请"], "requires": ["怎么"], "requires_before": "no"}, "非负整数"),
    ({"triggers": ["申请"], "requires": ["怎么"], "requires_before": True}, "非负整数"),
    ({"triggers": ["申请"], "requires": ["怎么"], "requires_before": -1}, "非负整数"),
    ({"triggers": ["申请"], "requires_before": 1}, "需要同时给出 requires"),
])
def test_requires_before_is_a_count_of_characters_given_with_requires(rule, why):
    data = {**KINDS.data, "asks": {**KINDS.data["asks"], "procedure": {**KINDS.data["asks"]["procedure"],
                                                                         "rules": [rule]}}}
    with pytest.raises(KindsError, match=rf"asks.procedure.rules\[0\].*{why}"):
        QuestionKinds.from_dict(data)


def test_requires_before_counts_only_a_requires_word_close_before_the_trigger():
    rule = {"triggers": ["申请"], "requires": ["怎么"], "requires_before": 1}
    kinds = QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "procedure": {
        **KINDS.data["asks"]["procedure"], "rules": [rule]}}})
    said = {q: "procedure" in kinds.asked(Words(q)) for q in ("怎么申请", "怎么去申请", "申请怎么写", "怎么提高申请")}
    assert said == {"怎么申请": True, "怎么去申请": True, "申请怎么写": False, "怎么提高申请": False}


def test_ends_part_takes_a_trigger_only_at_the_end_of_its_part_but_for_its_particles():
    rule = {"triggers": ["没"], "requires": ["奖励"], "requires_before": 0, "ends_part": ["啊"]}
    kinds = QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "procedure": {
        **KINDS.data["asks"]["procedure"], "rules": [rule]}}})
    said = {q: "procedure" in kinds.asked(Words(q)) for q in ("有奖励没", "有奖励没啊，电话多少", "奖励没到账",
                                                              "有奖励没呢")}
    assert said == {"有奖励没": True, "有奖励没啊，电话多少": True, "奖励没到账": False, "有奖励没呢": False}
    with pytest.raises(KindsError, match=r"asks.procedure.rules\[0\].ends_part"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "procedure": {
            **KINDS.data["asks"]["procedure"], "rules": [{**rule, "ends_part": "啊"}]}}})


def test_a_knowledge_folder_without_the_file_reads_questions_with_the_shipped_one(tmp_path):
    assert QuestionKinds.from_yaml(tmp_path / KINDS_FILE).to_json() == KINDS.to_json()
    # and an index whose lexicon predates the kinds
    assert Lexicon.from_json('{"synonyms": {}, "terms": [], "regions": {}}').kinds.asks.keys() == KINDS.asks.keys()


def test_every_kind_of_fact_has_a_label_and_a_file_without_labels_borrows_the_shipped_ones():
    assert all(KINDS.asks[kind].label for kind in KINDS.states), "每种有 states 的问题类型都要有 label"
    data = {**KINDS.data, "asks": {name: {k: v for k, v in spec.items() if k != "label"}
                                   for name, spec in KINDS.data["asks"].items()}}
    unlabelled = QuestionKinds.from_dict(data)  # a bureau's own file, or an index built before labels were data
    assert not unlabelled.asks["money"].label and unlabelled.label("money") == "费用或金额"


def test_a_general_kind_yields_to_the_specific_one_it_names(understanding):
    assert understanding.parse("登记证明几个工作日能出").asks == {"period"}  # a length, not any number
    assert understanding.parse("办理时限内要跑几次窗口").asks == {"number"}  # 时限 names the topic only
    assert "number" in understanding.parse("侵权赔偿最高是多少倍").asks  # jieba keeps 多少倍 whole


def test_a_kind_asked_searches_with_the_words_its_answers_are_labelled_with(understanding):
    # a guide states opening hours under 办理时间, a word the caller does not say
    assert "办理时间" in understanding.parse("代办处窗口几点上班").expansions
    assert "办理时间" not in understanding.parse("代办处窗口在哪").expansions


def test_a_trigger_right_after_or_before_a_word_that_changes_its_sense_does_not_count(understanding):
    assert "number" in understanding.parse("成立代理所需要几个人").asks
    assert "number" not in understanding.parse("我们几个人想成立代理所，要什么条件").asks  # 几 = a few
    assert "date" in understanding.parse("报名几号截止").asks
    assert "date" not in understanding.parse("报名去几号窗口").asks  # which window, not which day


def test_a_date_asked_of_a_document_or_of_an_event(understanding):
    assert understanding.parse("江苏的措施是哪天印发的").about_a_document  # its dated lines answer
    assert not understanding.parse("报名几号截止").about_a_document  # the text states it, not the notice's date
    # a bureau's file or an index without the section reads every date question as before: about a document
    older = QuestionKinds.from_dict({k: v for k, v in KINDS.data.items() if k != "document"})
    assert older.document.holds(Words("报名几号截止"), {"date"}) and not older.document.holds(Words("在哪报名"), set())


def test_a_kind_level_key_it_does_not_know_or_a_kind_that_does_not_exist_is_refused():
    hours = {**KINDS.data["asks"]["hours"], "not_after": ["这"]}  # belongs inside a rule: would be ignored
    with pytest.raises(KindsError, match=r"asks.hours.*not_after"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "hours": hours}})
    charged = {**KINDS.data["asks"]["charged"], "yields_to": ["monye"]}
    with pytest.raises(KindsError, match=r"asks.charged.*monye"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "charged": charged}})
    contact = {**KINDS.data["asks"]["contact"], "states": {"any_of": ["phone", "fax"]}}
    with pytest.raises(KindsError, match=r"asks.contact.states.any_of.*fax"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "contact": contact}})


def test_a_negation_bars_only_its_own_part_of_the_question(understanding):
    """not_in_part: 没 of 多久没交年费 says what follows is asked, not how long; in another part it tells the story."""
    assert "period" not in understanding.parse("多久没交年费会怎样").asks
    assert "period" in understanding.parse("年费一直没交，多久之内还能补交").asks
    assert "date" in understanding.parse("去年没赶上，今年什么时候开始申报").asks
    period = KINDS.data["asks"]["period"]
    rule = {**period["rules"][0], "not_in_part": "没"}  # a word where a list of words belongs
    with pytest.raises(KindsError, match=r"asks.period.rules\[0\].not_in_part"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"],
                                                        "period": {**period, "rules": [rule, *period["rules"][1:]]}}})


def test_a_statement_made_of_other_kinds_states_what_any_of_them_states():
    contact = KINDS.states["contact"].pattern
    for text in ("咨询电话：021-63210000。", "材料发送至邮箱ipdesk@example.com。", "详见www.cnipa.gov.cn。"):
        assert contact.search(text) and any(KINDS.states[k].pattern.search(text) for k in ("phone", "mail", "website"))
    assert not contact.search("地址：世博村路300号。")
    # with a pattern of its own beside them: what it states, or what any of them does
    destination = KINDS.states["destination"].pattern
    for text in ("地址：世博村路300号。", "扫描件发送至ip@example.cn。", "由市知识产权保护中心统一受理。"):
        assert destination.search(text)
    assert not destination.search("咨询电话：021-63210000。")
    assert not KINDS.states["address"].pattern.search("由市知识产权保护中心统一受理。")


def test_whether_it_costs_and_how_much(understanding):
    assert understanding.parse("检索报告要不要钱").asks == {"charged"}
    assert "money" in understanding.parse("要不要钱，要多少钱").asks and \
        "charged" not in understanding.parse("要不要钱，要多少钱").asks  # the amount is what is asked


def test_an_exclusion_word_counts_as_the_end_of_a_compound_but_not_its_start():
    """A compound is a kind of its last word: 注册商标 says 商标 (a right's term, not a document's validity), while
    著作权法 does not say 著作权, 手续 does not say 续 (one character ends many words), nor 有没有 没有."""
    assert Words("注册商标的有效期是多久").heads(["商标"]) and not Words("注册商标的有效期是多久").says(["商标"])
    assert not Words("著作权法什么时候废止的").heads(["著作权"])
    assert not Words("办手续要多久").heads(["续"])
    assert not Words("有没有时间限制").heads(["没有"])
    assert Words("没有时间限制").heads(["没有"])
    assert not Words("商标持有人什么时间可以办理续展").heads(["有人"])  # 持 is no word: 持有人 is no kind of 有人
    assert not Words("窗口没有人什么时间来").heads(["有人"])  # 没有/人: across two words, the end of neither


def test_a_trigger_heading_a_compound_is_said_but_not_one_starting_it(understanding):
    """jieba keeps 具体地址 and 起止日期 whole: the question asks an address and a date all the same (a compound is a
    kind of its last word), while 著作权法 is a 法, not a 著作权."""
    assert Words("保护中心的具体地址发我一下").head_spans("地址") == [(5, 9)]  # the compound's span
    assert understanding.parse("保护中心的具体地址发我一下").asks == {"address"}
    assert "date" in understanding.parse("第三期培训的起止日期是什么").asks
    assert Words("著作权法什么时候废止的").head_spans("著作权") == []
    # a compound whose first part is a not_after word is no trigger: 以下几点 asks no time of day
    assert Words("申请专利要注意以下几点吗").head_spans("几点") == [(7, 11)]
    assert "hours" not in understanding.parse("申请专利要注意以下几点吗").asks


def test_a_fee_is_named_by_any_word_ending_in_fee_after_a_word_of_its_own(understanding):
    """费 heads a compound jieba keeps whole (评估费, 受理费: compound_heads), where one character otherwise heads
    none (手续 is no 续); what comes before it must be a word of two characters or more, so 浪费 names no fee."""
    assert Words("要交评估费吗").head_spans("费") == [] and Words("要交评估费吗").head_spans("费", one_character=True) == [(2, 5)]
    assert Words("排队浪费了多少").head_spans("费", one_character=True) == []
    assert understanding.parse("专利入池评估要交评估费吗").asks == {"charged"}
    assert understanding.parse("鉴定费由谁承担").asks == {"payer"}  # who pays, not whether it is charged
    # the fee told in one part and a question asked in another: 退回来 asks a refund, not whether it is charged
    assert "charged" not in understanding.parse("交专利费的时候交重了一笔，现在还能退回来吗").asks


def test_a_fee_named_by_any_word_ending_in_fee_asked_how_much_is_asked_an_amount(understanding):
    """money's compound rule: any word 费 ends, after a word of one character or more (compound_heads_after: 1),
    asked how much in its own part, is answered by an amount (5000元), not by any number; before, 鉴定费多少 and
    规费是多少 were read as asking a count, which any number answered."""
    assert Words("规费是多少").head_spans("费", one_character=True) == []
    assert Words("规费是多少").head_spans("费", one_character=True, shortest_before=1) == [(0, 2)]
    for question in ("技术鉴定费一般多少", "纸质申请的规费是多少", "一年保费大概多少"):
        assert "money" in understanding.parse(question).asks, question
    # in the caller's story, a share of it, a refund, where its rate is found, a count of free places: no amount
    for question in ("单位收了一笔许可费，我个人能拿多少", "管理费最多能提取多少比例", "撤回了受理费能退多少",
                     "场地使用费标准在哪里查询", "免费名额有多少"):
        assert "money" not in understanding.parse(question).asks, question


@pytest.mark.parametrize("after", [0, "1", True])
def test_compound_heads_after_is_a_positive_count_beside_compound_heads(after):
    money = KINDS.data["asks"]["money"]
    rule = next(r for r in money["rules"] if "compound_heads_after" in r)
    rules = [{**rule, "compound_heads_after": after}]
    with pytest.raises(KindsError, match=r"asks.money.rules\[0\].*compound_heads_after"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "money": {**money, "rules": rules}}})
    alone = {k: v for k, v in rule.items() if k != "compound_heads"} | {"triggers": ["费"]}
    with pytest.raises(KindsError, match=r"compound_heads_after 需要同时给出 compound_heads"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "money": {**money, "rules": [alone]}}})


@pytest.mark.parametrize("heads", [["费用"], "费"])
def test_compound_heads_are_a_list_of_single_characters(heads):
    charged = KINDS.data["asks"]["charged"]
    rules = [{**charged["rules"][3], "compound_heads": heads}]
    with pytest.raises(KindsError, match=r"asks.charged.rules\[0\].compound_heads"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "charged": {**charged, "rules": rules}}})


def test_a_rule_that_could_never_hold_is_refused():
    charged = KINDS.data["asks"]["charged"]
    rule = {k: v for k, v in charged["rules"][3].items() if k != "compound_heads"}
    with pytest.raises(KindsError, match=r"asks.charged.rules\[0\].*compound_heads"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "charged": {**charged, "rules": [rule]}}})


def test_a_compound_ending_in_an_exclusion_word_does_not_block_a_kind_it_does_not_name(understanding):
    assert understanding.parse("商标持有人什么时间可以办理续展").asks == {"date"}
    assert "validity" not in understanding.parse("注册商标的有效期是多久").asks


@pytest.mark.parametrize("question,rights", KINDS.rights_examples, ids=[q for q, _ in KINDS.rights_examples])
def test_the_kinds_of_right_a_question_names(understanding, question, rights):
    assert understanding.parse(question).rights == frozenset(rights)


@pytest.mark.parametrize("example", KINDS.events.examples, ids=[e.question for e in KINDS.events.examples])
def test_the_event_of_a_document_whose_date_is_asked_and_what_states_it(understanding, example):
    query = understanding.parse(example.question)
    assert query.about_a_document and query.event == example.event
    for sentence in example.states:
        assert query.fact("date").search(sentence), sentence
    for sentence in example.not_states:
        assert not query.fact("date").search(sentence), sentence


@pytest.mark.parametrize("example", KINDS.acts.examples, ids=[e.question for e in KINDS.acts.examples])
def test_the_act_whose_date_or_length_is_asked_and_what_states_it(understanding, example):
    """钱多久能到账 asks when the money is paid: a notice's application period or a publicity period is a date or a
    length of time, but not of the payment."""
    query = understanding.parse(example.question)
    assert query.act == example.event
    kinds = sorted(query.asks & set(KINDS.acts.kinds))
    assert kinds or not example.event, f"{example.question}: 应读作问日期或期限"
    for sentence in example.states:
        assert any(query.fact(kind).search(sentence) for kind in kinds), sentence
    for sentence in example.not_states:
        assert not any(query.fact(kind).search(sentence) for kind in kinds), sentence


def test_a_date_or_length_asked_of_no_act_reads_every_one_as_before(understanding):
    query = understanding.parse("补贴申报几号截止")
    assert query.act == "" and query.fact("date").search("申报时间为2026年3月1日至4月30日")


@pytest.mark.parametrize("acts, why", [
    (["付款"], "应为映射"),
    ({"acts": {"付款": {"asked": ["到账"], "stated": []}}}, "asked 与 stated 都要有词"),
    ({"acts": {"付款": {"asked": ["到账"], "stated": ["拨付", ""]}}}, "空词"),
    ({"acts": {"付款": {"asked": ["到账"], "stated": ["拨付"], "said": ["x"]}}}, "不能有别的键"),
    ({"acts": {"付款": {"asked": ["到账"], "stated": ["拨付"], "label": ["钱", "时间"]}}}, "字符串"),
    ({"acts": {"付款": {"asked": ["到账"], "stated": ["拨付"]}, "发证": {"asked": ["到账"], "stated": ["颁发"]}}},
     "同时列在"),
    ({"acts": {"付款": {"asked": ["到账"], "with_money": ["到账"], "stated": ["拨付"]}}}, "同时列在"),
    ({"kinds": ["colour"], "acts": {"付款": {"asked": ["到账"], "stated": ["拨付"]}}}, "没有 states"),
    ({"kinds": [], "acts": {"付款": {"asked": ["到账"], "stated": ["拨付"]}}}, "不能为空"),
    ({"acts": {"付款": {"asked": ["到账"], "stated": ["拨付"]}}, "examples": [{"question": "钱呢", "act": "发证"}]},
     r"examples\[0\]"),
    ({"acts": {"付款": {"asked": ["到账"], "stated": ["拨付"]}}, "counted_from": ["之日", ""]}, "counted_from.*空词"),
    ({"acts": {"付款": {"asked": ["到账"], "stated": ["拨付"]}}, "not_after": [""]}, "not_after.*空词"),
    ({"acts": {"办结": {"asked": ["办完"], "stated": ["办结"], "stated_pattern": "作出(决定"}}}, "stated_pattern.*正则"),
    ({"acts": {"办结": {"asked": ["办完"], "stated": ["办结"], "stated_pattern": ["作出"]}}}, "字符串"),
    ({"acts": {"办结": {"asked": ["办完"], "stated": ["办结"], "not_in_part": ["受理", " "]}}}, "not_in_part.*空词"),
])
def test_a_malformed_acts_section_is_refused(acts, why):
    with pytest.raises(KindsError, match=f"acts.*{why}"):
        QuestionKinds.from_dict({**KINDS.data, "acts": acts})


def test_an_acts_own_pattern_and_a_count_started_at_it_a_few_characters_on():
    """`stated_pattern` states what words cannot list (作出…决定); `counted_from_within` (之日起) a few characters after
    the act makes it where a count starts, not its time, but not across a field's colon (办结时限：自受理之日起…)."""
    kinds = QuestionKinds.from_dict({**KINDS.data, "acts": {
        "kinds": ["period"], "counted_from": ["之日"], "counted_from_within": ["之日起"],
        "acts": {"办结": {"asked": ["办完"], "stated": ["办结", "办结时限"], "stated_pattern": "作出[^，。]{0,8}?决定"}}}})
    stated = kinds.acted("period", "办结")
    for sentence in ("自受理之日起二个月内作出处理决定。", "办结时限：自受理之日起15个工作日"):
        assert stated.search(sentence), sentence
    for sentence in ("自作出处理决定之日起十五日内起诉。", "证书自办结登记之日起三年内有效。", "自受理之日起二个月内公示。"):
        assert not stated.search(sentence), sentence


def test_an_act_is_not_asked_where_its_part_asks_another_thing_or_of_an_act_withheld(understanding):
    """几天给答复受不受理 asks when the acceptance is decided, not the matter (`not_in_part`); 多长时间内不核准 asks how
    long an approval is withheld (`not_after`, as a sentence reads it): both read any length of time, as before."""
    for question in ("材料交了以后多少天给答复受不受理", "注册商标被撤销后，多长时间内商标局不核准相同的商标"):
        query = understanding.parse(question)
        assert "period" in query.asks and query.act == "", question
    assert understanding.parse("材料交了以后多少天给答复").act == "办结"
    assert understanding.parse("多长时间内商标局能核准").act == "办结"


def test_an_index_built_before_acts_reads_every_date_and_length_as_before():
    """An index carries the question_kinds it was built with: one without `acts` borrows no shipped acts (unlike
    labels and rights), so a payment question reads any date, as when it was built."""
    older = QuestionKinds.from_json(json.dumps({k: v for k, v in KINDS.data.items() if k != "acts"}))
    lexicon = Lexicon.from_yaml(KNOWLEDGE / "synonyms.yaml")
    lexicon.kinds = older
    query = QueryUnderstanding(lexicon, Tokenizer(lexicon.terms), {}).parse("补贴钱啥时候到账")
    assert "date" in query.asks and query.act == "" and query.fact("date").search("申报时间为2026年3月1日至4月30日")


def test_a_question_not_about_a_document_asks_any_date(understanding):
    assert not understanding.parse("报名几号截止").event
    assert understanding.parse("报名几号截止").fact("date").search("自收到通知之日起3个月内")
    for question in ("专利实施许可合同什么时候生效", "发明专利权什么时候生效"):  # a contract, a right: no document
        assert not understanding.parse(question).about_a_document, question


@pytest.mark.parametrize("document, why", [
    (["rules"], "应为映射"),
    ({"rules": [{"triggers": ["印发"]}], "events": {"施行": {"words": []}}}, "每种事件都要有词"),
    ({"rules": [{"triggers": ["印发"]}], "events": {"施行": {"words": ["施行", ""]}}}, "空词"),
    ({"rules": [{"triggers": ["印发"]}], "events": {"施行": {"words": ["公布"]}, "印发": {"words": ["公布"]}}},
     "同时列在"),
    ({"rules": [{"triggers": ["印发"]}], "events": {"施行": {"words": ["施行"], "alsp": "自"}}}, "不能有别的键"),
    ({"rules": [{"triggers": ["印发"]}], "events": {"施行": {"words": ["施行"], "also": "(自"}}}, "施行.also.*正则"),
    ({"rules": [{"triggers": ["印发"]}], "events": {"施行": {"words": ["施行"]}}, "event_not_before": [""]}, "空词"),
    ({"rules": [{"triggers": ["印发"]}], "events": {"施行": {"words": ["施行"]}}, "signed": "印发"}, "events 中的一种"),
    ({"rules": [{"triggers": ["印发"]}], "events": {"施行": {"words": ["施行"]}}, "calendar": "(\\d"}, "calendar.*正则"),
])
def test_a_malformed_document_section_is_refused(document, why):
    with pytest.raises(KindsError, match=f"document.*{why}"):
        QuestionKinds.from_dict({**KINDS.data, "document": document})


@pytest.mark.parametrize("question,matter", KINDS.matter_examples, ids=[q for q, _ in KINDS.matter_examples])
def test_the_kinds_of_right_whose_matter_a_question_names(understanding, question, matter):
    assert understanding.parse(question).matter == frozenset(matter)


def test_an_index_built_before_events_reads_every_date_question_as_before():
    older = QuestionKinds.from_json(json.dumps({**KINDS.data, "document": {
        k: v for k, v in KINDS.data["document"].items() if k not in ("events", "event_not_before", "calendar", "signed",
                                                                      "event_examples")}}))
    assert older.event_asked(Words("这个条例是哪天起施行的")) == "" and not older.events.words


def test_matter_named_damps_another_rights_clause_but_does_not_refuse_it(understanding):
    """A 小说 is a work (著作权): 专利法's clause is searched after clauses on works, but the rule that refuses a
    clause about another right reads only the rights a question names (照片, 论文 may be a patent's matter too)."""
    from bot.models import Clause, Document

    law = (Clause(id="p:a71", doc_id="p", text="侵犯专利权的赔偿数额按照权利人的实际损失确定。", label="第七十一条", order=1),
           Document(id="p", title="中华人民共和国专利法"))
    query = understanding.parse("我的小说被人盗发了，法院能判赔多少")
    assert query.other_rights(*law, matter=True) == {"专利"} and not query.other_rights(*law)
    assert not understanding.parse("外观设计的照片有什么要求").other_rights(*law, matter=True)


def test_a_clause_is_about_the_rights_its_documents_title_and_its_headings_name(understanding):
    from bot.models import Clause, Document

    def clause(text, title, path=()):
        return (Clause(id="d:a1", doc_id="d", path=list(path), text=text, label="第一条", order=1),
                Document(id="d", title=title))

    query = understanding.parse("商标侵权的诉讼时效是几年")
    assert query.other_rights(*clause("侵犯专利权的诉讼时效为三年。", "中华人民共和国专利法")) == {"专利"}
    assert not query.other_rights(*clause("申请人应当提交申请书。", "中华人民共和国商标法实施条例"))  # its title
    assert not query.other_rights(*clause("加强知识产权保护。", "若干措施"))  # names no right
    # a policy on 知识产权 in general names 专利 by way of example: its text does not make it about 专利
    assert not query.other_rights(*clause("支持企业以专利等知识产权开展质押融资。", "关于推动知识产权服务业高质量发展的若干措施"))
    assert query.other_rights(*clause("提供专利导航服务。", "知识产权公共服务事项清单", ["知识产权信息服务", "专利导航"])) \
        == {"专利"}  # a catalogue item's name is its heading
    assert not understanding.parse("诉讼时效是几年").other_rights(*clause("专利侵权时效三年。", "专利法"))
    with pytest.raises(KindsError, match=r"rights.examples\[0\].*未知的权利种类"):
        QuestionKinds.from_dict({**KINDS.data, "rights": {"words": {"专利": ["专利"]},
                                                          "examples": [{"question": "x", "rights": ["商标"]}]}})


@pytest.mark.parametrize("rights, why", [
    ({"words": {"专利": ["专利", ""]}}, "空词"),
    ({"words": {"专利": ["发明"], "著作权": ["发明"]}}, "同时列在"),
    ({"word": {"专利": ["专利"]}}, "只含 words"),
    ({"words": {"专利": ["专利"]}, "matter": ["小说"]}, "只含 words"),
    ({"words": {}}, "不能为空"),
    ({"words": {"专利": ["专利"]}, "matter": {"著作权": ["小说"]}}, "未知的权利种类"),
    ({"words": {"专利": ["专利"], "著作权": ["版权"]}, "matter": {"著作权": ["专利"]}}, "同时列在"),
])
def test_a_malformed_rights_section_is_refused(rights, why):
    with pytest.raises(KindsError, match=f"rights.*{why}"):
        QuestionKinds.from_dict({**KINDS.data, "rights": rights})


def test_a_file_or_an_index_without_rights_reads_them_from_the_shipped_file():
    older = QuestionKinds.from_json(json.dumps({k: v for k, v in KINDS.data.items() if k != "rights"}))
    assert older.rights == KINDS.rights and older.rights_examples == KINDS.rights_examples


def test_a_file_without_years_reads_them_with_the_shipped_ones():
    """A bureau's own file, or an index built before years were read, asks them as the shipped file does; a pattern
    without the group naming the year is refused."""
    older = QuestionKinds.from_json(json.dumps({k: v for k, v in KINDS.data.items() if k != "years"}))
    assert older.years_asked("2023年又认定了哪些网点") == {"2023"}
    assert older.years_stated("沪知局〔2022〕13号 2024-12-02 第2000号 2000余万元") == {"2022", "2024"}
    with pytest.raises(KindsError, match="years.pattern"):
        QuestionKinds.from_dict({**KINDS.data, "years": {"pattern": r"\d{4}年", "stated": r"(\d{4})"}}, "bad.yaml")


def test_delegation_is_read_from_the_shipped_file_and_a_malformed_one_is_refused():
    """An index or a bureau's file without the section reads the shipped one; a clause of several sentences delegates
    only when each of them does."""
    older = QuestionKinds.from_json(json.dumps({k: v for k, v in KINDS.data.items() if k != "delegation"}))
    assert older.delegation.only_delegates("民间文学艺术作品的著作权保护办法由国务院另行规定。")
    assert not KINDS.delegation.only_delegates("本市可以予以资金支持。具体办法由市专利管理部门制定。")
    assert KINDS.delegation.only_delegates("技术调查官的管理办法另行制定；具体程序由省市场监管部门规定。\n")
    assert not QuestionKinds.from_dict({**KINDS.data, "delegation": {}}).delegation.only_delegates("办法另行制定。")
    for bad, where in [({"pattern": "另行("}, "delegation.pattern"), ({"pattern": 3}, "delegation.pattern"),
                       ({"words": []}, "delegation.*words"), ({"examples": {"asked": []}}, "delegation.examples"),
                       ({"who": ["谁"]}, "delegation.*makes")]:
        with pytest.raises(KindsError, match=where):
            QuestionKinds.from_dict({**KINDS.data, "delegation": bad}, "bad.yaml")


def test_a_document_is_of_a_year_by_its_title_or_as_an_act_of_its_day():
    """A title naming a year (not a revision's), or an act of its day (a 通知) issued that year, makes a document of a
    year, speaking only of the years its text states (an amount, 资助2000万元, is none); a rule (a law, a regulation,
    a guide) speaks of every year, and its text is not read; a standing measure of every year from its issue on."""
    def unread() -> str:
        raise AssertionError("a rule's text is not read")

    for title in ("中华人民共和国商标法", "中华人民共和国专利法（2020年修正）", "泉州市…预审服务管理办法（2025修订版）",
                  "浙江省知识产权研究与服务中心办事指南"):
        assert KINDS.document_years(title, 2024, unread) is None, title
    notice = KINDS.document_years("关于认定2022年上海市知识产权信息公共服务网点的通知", 2022,
                                  lambda: "沪知局办〔2022〕18号\n对认定的网点给予2000万元资助，2023年底前完成。")
    assert notice.stated == {"2022", "2023"} and notice.since is None
    assert notice.speaks_of(frozenset({"2022"})) and not notice.speaks_of(frozenset({"2024"}))
    hours = KINDS.document_years("关于调整进博会期间专利代办处服务时间的通知", 2019, lambda: "11月5日至10日")
    assert hours.stated == {"2019"} and not hours.speaks_of(frozenset({"2023"}))
    assert KINDS.document_years("关于调整进博会期间专利代办处服务时间的通知", None, unread) is None
    measure = KINDS.document_years("关于推动知识产权服务业高质量发展的若干措施", 2024, lambda: "到2027年，培育20家机构。")
    assert measure.since == 2024 and measure.speaks_of(frozenset({"2025", "2027"}))
    assert not measure.speaks_of(frozenset({"2023"}))


@pytest.mark.parametrize("word", KINDS.office_examples[0])
def test_a_word_ending_as_offices_names_end_names_an_office(word):
    assert KINDS.names_office(word)


@pytest.mark.parametrize("word", KINDS.office_examples[1])
def test_a_word_that_names_no_office(word):
    assert not KINDS.names_office(word)


@pytest.mark.parametrize("name, body", [(n, True) for n in KINDS.body_examples[0]] +
                         [(n, False) for n in KINDS.body_examples[1]])
def test_a_name_ending_as_bodies_names_end_names_a_body_and_a_units_or_a_places_none(name, body):
    assert KINDS.names_body(name) is body


def test_a_body_said_short_or_by_its_other_name_is_the_same_body():
    assert KINDS.same_body("市场监管局", "市场监督管理局") and KINDS.same_body("科学技术局", "科技局")
    assert not KINDS.same_body("财政局", "市场监管局") and not KINDS.same_body("商务局", "科技局")
    assert KINDS.same_body("知识产权局", "市场监督管理局")  # offices.same_body: one body everywhere
    assert not KINDS.same_body("委员会", "财政局")
    assert KINDS.same_body("促进会", "管理委员会", [("管理委员会", "促进会")])  # as a document writes them


def test_an_office_name_cut_before_its_ending_is_joined_only_when_the_documents_say_it():
    said = {"促进处", "农村局"}.__contains__  # the names the knowledge base holds
    assert KINDS.split_offices(Tokenizer().words("运用促进处是否有电子邮箱"), said) == ["促进处"]
    assert KINDS.split_offices(Tokenizer().words("县农业农村局的电话"), said) == ["农村局"]
    assert KINDS.split_offices(Tokenizer().words("应该找哪个科"), said) == []  # no office the documents name


@pytest.mark.parametrize("question,offices,others", KINDS.offices_asked_examples,
                         ids=[q for q, _, _ in KINDS.offices_asked_examples])
def test_the_offices_a_question_asks_a_fact_of(question, offices, others):
    from bot.text import Tokenizer

    asked = KINDS.offices_asked(question, Tokenizer().tokens(question))
    assert set(offices) <= asked and not set(others) & asked, asked


@pytest.mark.parametrize("question, asking", [
    ("我们是做阀门的小厂，去年拿两个专利去银行押着贷了点款，那个利息政府能帮着出多少啊？", "那个利息政府能帮着出多少啊"),
    ("海外服务站设在哪里？联系电话是多少？我想过去", "海外服务站设在哪里 联系电话是多少 我想过去"),
    ("我43岁了，还能报专利代理培训吗", "还能报专利代理培训吗"),
    ("申请商标注册要交钱吗", "申请商标注册要交钱吗"),
    ("？专利费多少", "专利费多少"),
    ("？？？", ""),
])
def test_the_asking_parts_of_a_question_leave_the_callers_story_out(question, asking):
    """What a caller asks is the question's last part and any part ending in a question mark; the story before it is
    not (ask_coverage, a ranking feature, weighs the words of these parts alone)."""
    assert asking_text(question) == asking


def test_every_kind_with_headings_has_examples_of_both_and_one_without_takes_its_expands():
    for part in ("asks", "fields"):
        for name, kind in getattr(KINDS, part).items():
            if kind.headings.words and kind.headings.words != kind.expands:
                assert len(kind.headings.positive) >= 3 and len(kind.headings.negative) >= 3, f"{part}.{name}"
    assert KINDS.asks["hours"].headings.words == KINDS.asks["hours"].expands  # 办理时间 labels a window's hours


@pytest.mark.parametrize("headings, why", [
    ("申报时间", "映射"), ({"not_with": ["办理时间"]}, "words"), ({"words": ["时间"], "also": ["x"]}, "映射"),
    ({"words": ["时间"], "examples": {"good": ["申报时间"]}}, "positive"),
])
def test_malformed_headings_are_refused_naming_the_key(headings, why):
    data = yaml.safe_load((KNOWLEDGE / KINDS_FILE).read_text(encoding="utf-8"))
    data["asks"]["date"]["headings"] = headings
    with pytest.raises(KindsError, match="asks.date.headings") as caught:
        QuestionKinds.from_dict(data)
    assert why in str(caught.value)


@pytest.mark.parametrize("question, heading, text, expected", [
    ("专利资助网上申报哪天截止", "申报时间：2026年3月16日至4月30日", "申报时间：2026年3月16日至4月30日。逾期不再受理。", True),
    ("专利资助网上申报哪天截止", "", "补贴标准：\n（一）按实际缴纳保费的50%给予补贴。", False),
    ("保险补贴能补多少", "", "补贴标准：\n（一）按实际缴纳保费的50%给予补贴。", True),
    ("调解要不要收钱", "调解费用", "人民调解不收取任何费用。", True),
    ("维权工作站在哪里", "服务地点", "服务地点。樊城区长征路216号。", True),
    ("维权工作站在哪里", "办理时间：周一至周五", "办理时间：周一至周五9:00—17:00。", False),
    ("个体户能不能申请示范企业", "申报条件", "申报条件。在本县登记注册的企业。", True),
    ("个体户能不能申请示范企业", "", "在本县登记注册、依法纳税的企业，可以申报。", False),
])
def test_a_clause_labelled_with_the_kind_of_fact_asked(understanding, question, heading, text, expected):
    from bot.models import Clause
    from bot.retrieve.candidates import Candidates

    clause = Clause(id="d:s1", doc_id="d", label="（一）", heading=heading, text=text)
    assert Candidates.labelled_as_asked(clause, understanding.parse(question)) == expected, clause.own_label


@pytest.mark.parametrize("states,why", [
    ({"under_heading": "yes"}, "under_heading"),  # not a boolean
    ({"under_heading": True, "heading_examples": ["申请材料"]}, "heading_examples"),  # not a mapping
])
def test_a_statement_listed_under_its_heading_is_checked_as_written(states, why):
    materials = {**KINDS.data["asks"]["materials"]}
    materials["states"] = {**materials["states"], **states}
    with pytest.raises(KindsError, match=rf"asks.materials.states.{why}"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "materials": materials}})
    # a kind whose clauses name it by no heading word has no heading to list it under
    charged = {**KINDS.data["asks"]["charged"], "headings": None}
    charged["states"] = {**charged["states"], "under_heading": True}
    with pytest.raises(KindsError, match=r"asks.charged.states.under_heading"):
        QuestionKinds.from_dict({**KINDS.data, "asks": {**KINDS.data["asks"], "charged": charged}})
