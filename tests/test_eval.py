"""The evaluation sets must not regress below the figures reached (with a small margin); see README."""
import json
import re
from datetime import date

import pytest

from evals.run import DEFAULT_SET, Result, evaluate, load_set

# Reached on 2026-12-02 with the fitted ranker and answerability model (hit@1, hit@5, must-mention, refusal
# accuracy, false refusals): core 0.990/1.000/0.969/0.850/0.010, held-out 0.913/1.000/1.000/0.625/0.000.
# Refusal accuracy is lower than the 1.000 the hand-tuned rules gave on these (tuned) sets: the threshold is now
# chosen for false refusals <= 0.05 on questions the fit never saw (issue 15; README "How an answer is made").
# hit@1 and mrr@5 0.95 until the twenty-first session: with past questions weighed (core's own held out), 0.990 →
# 0.939, its generic questions now led by the clause like past questions were answered from (README); hit@1 0.93
# until the twenty-fourth session: with ask_coverage 0.939 → 0.929 (网上有代理冒充官方招揽业务，监管怎么管 asks its
# topic in the part before the question: rank 1 → 2), for eight more first answers on the new notices' sets (README)
CORE_FLOORS = {"hit@1": 0.92, "hit@5": 1.0, "mrr@5": 0.93, "must_mention": 0.93, "refusal_accuracy": 0.8}
CORE_CEILINGS = {"false_refusal_rate": 0.05}
HELDOUT_FLOORS = {"hit@1": 0.85, "hit@5": 0.95, "must_mention": 0.9, "refusal_accuracy": 0.6}
HELDOUT_CEILINGS = {"false_refusal_rate": 0.05}


def check(metrics, floors, ceilings):
    low = {k: metrics[k] for k, v in floors.items() if metrics[k] < v}
    high = {k: metrics[k] for k, v in ceilings.items() if metrics[k] > v}
    assert not low and not high, (low, high)


def test_core_set(settings):
    items = load_set(DEFAULT_SET)
    assert len(items) >= 80 and sum(not i["answerable"] for i in items) >= 12
    assert {"service", "faq", "validity", "region-split"} <= {i["category"] for i in items}
    check(evaluate(settings, items).metrics, CORE_FLOORS, CORE_CEILINGS)


def test_heldout_set(settings):
    check(evaluate(settings, load_set(DEFAULT_SET.parent / "heldout.jsonl")).metrics, HELDOUT_FLOORS,
          HELDOUT_CEILINGS)


def test_the_corpus_generator_writes_documents_the_ingest_reads_as_policies(tmp_path):
    from collections import Counter

    from bot.store.records import Records
    from evals.generate_corpus import PROVINCES, SUBJECTS, generate, realism
    from ingest.parse import Task, parse
    from tests.conftest import KNOWLEDGE
    from ingest.build import ingest
    from tests.conftest import live, make_settings

    knowledge = tmp_path / "knowledge"
    assert generate(knowledge, 60, seed=3) == 60
    settings = make_settings(tmp_path / "var", knowledge)
    summary = ingest([knowledge], settings, progress=False)
    assert summary.documents == 60 and not summary.skipped
    records = Records.load(live(settings))
    documents = list(records.documents.values())
    guides = [d for d in documents if d.title.endswith("办事指南")]
    notices = [d for d in documents if d.title.endswith("的通知")]
    measures = [d for d in documents if d not in guides and d not in notices]
    assert guides and notices and measures  # measures, every year's notices and service guides
    assert all(d.doc_number and "知" in d.doc_number and d.issued_on for d in measures + notices)
    assert all(d.region for d in documents) and len({d.region for d in documents}) >= 5
    # a city's or a district's measures are filed under its own province
    places = {place: province for province, _, _, cities in PROVINCES for place in cities}
    local = [d for d in documents if (d.issuer or "").removesuffix("知识产权局") in places]
    assert local and all(places[d.issuer.removesuffix("知识产权局")] == d.region for d in local)
    per_document = Counter(c.doc_id for c in records.clauses.values())
    assert min(per_document[d.id] for d in measures) >= 5  # cover, title, sections and numbered items
    guide = next(c for c in records.clauses.values() if c.doc_id == guides[0].id and "办理时限" in c.text)
    assert re.search(r"\d+个工作日", guide.text)
    # a measure keeps to its subject: most of its clauses name one of its subject's work items
    for document in measures[:10]:
        items = next(v for k, v in SUBJECTS.items() if k in document.title)
        clauses = [c for c in records.clauses.values() if c.doc_id == document.id and c.label.endswith(".")]
        assert clauses and sum(any(i in c.text for i in items) for c in clauses) >= 0.8 * len(clauses)
    # and reads like the bureau's own: a clause's body does not repeat its lead-in (3 % of the bureau's do, 53 %
    # of the earlier generator's did), and its wording is about half as varied as the bureau's or more (the
    # earlier generator's: 0.43)
    real = [c for path in sorted((KNOWLEDGE / "policies").glob("*.txt"))
            for c in parse(Task(path, "policy", path.stem, ""), date.today()).clauses]
    (real_repeats, real_pairs), (repeats, pairs) = realism(real), realism(list(records.clauses.values()))
    assert real_repeats < 0.05 and repeats <= 0.1
    assert pairs >= 0.5 * real_pairs


@pytest.mark.parametrize("asks, answer, grounded, states", [
    ("fee", "专利证书副本每份30元[1]。\n\n依据：[1]《办事指南》", True, True),
    ("fee", "延续专利代理师资格考试免报考费政策[1]。", True, True),
    ("fee", "加收当年全额年费的5%计算[1]。", True, True),
    ("fee", "国家知识产权局对办理专利证书副本收取专利文件副本证明费[1]。", True, True),
    ("fee", "为更好发挥专利预审精准服务的积极作用，制定本办法[1]。\n\n依据：[1]《办法》前言，2025年1月1日", True, False),
    ("date", "本措施自2025年1月1日起施行[1]。", True, True),
    ("date", "推动服务体系建设[1]。", True, False),
    ("date", "推动服务体系建设[1]。\n注意：[1]所在文件已于2024年12月31日失效。", True, False),
    ("number", "推动服务体系建设[1]。", True, False),
    ("number", "落实国家知识产权局等17部门的意见[1]。", True, True),
    ("number", "每年组织不少于60家企业参加[1]。", True, True),
    ("number", "每年参加继续教育的时间累计不少于90学时[1]。", True, True),
    ("number", "不满75分为不合格[1]。", True, True),
    ("number", "每年组织不少于4场合规培训[1]。", True, True),
    ("date", "每月第二周的星期四下午举办对接活动[1]。", True, True),
    ("place", "可向所在区知识产权部门咨询[1]。", True, True),
    ("place", "加强市场监管[1]。", True, False),
    ("place", "市知识产权局负责本市专利保护工作[1]。", True, True),
    ("place", "南京市、苏州市获批国家知识产权服务出口基地[1]。", True, True),
    ("period", "应当在5个工作日内办结[1]。", True, True),
    ("place", "请到市民服务中心窗口办理[1]。", True, True),
    ("contact", "咨询电话：021-12345678[1]。", True, True),
    ("contact", "推动服务体系建设[1]。", True, False),
    ("fee", "文件中没有找到答案，请拨打12345。", False, None),
    ("procedure", "按规定办理[1]。", True, None),
])
def test_the_evaluation_judges_whether_an_answer_states_the_fact_asked(asks, answer, grounded, states):
    """`fact_unstated` (README "Evaluation") counts answers to a date, fee or place question that state none:
    judged on the answer before its citations, by the evaluation's own patterns, not the assistant's."""
    result = Result({"asks": asks, "answerable": True, "gold": []}, [], grounded, answer, 0.0)
    assert result.states_asked_fact is states


def test_a_quote_of_a_heading_names_the_clauses_under_it(settings):
    """A blind writer may quote a section's heading (（一）基础服务（免费）) as the evidence; the clauses under it are
    the gold, not none."""
    from bot.retrieve.search import Retriever
    from evals.run import resolve_gold
    from tests.conftest import live

    records = Retriever(live(settings)).records
    heading, doc = next((c.heading, c.doc_id) for c in records.clauses.values()
                        if len(c.heading) >= 6 and not any(c.heading in o.text for o in records.clauses_of(c.doc_id)))
    item = {"id": "h", "doc": doc, "answerable": True, "evidence": heading}
    assert resolve_gold([item], records) == []
    assert item["gold"] and all(records.clauses[g].heading == heading or heading in records.clauses[g].path
                                for g in item["gold"])


def test_the_scale_corpus_holds_the_bureaus_own_files_beside_its_documents(tmp_path):
    """The 10 000-document benchmark measures the bureau as it ships: its four documents, its synonyms and its past
    questions (without knowledge/asked.jsonl the bureau's documents were ranked as if nobody had asked anything)."""
    from evals.generate_corpus import generate
    from tests.conftest import KNOWLEDGE

    out = tmp_path / "knowledge"
    count = generate(out, 3, seed=1, with_real=True)
    assert count >= 3 + len(list((KNOWLEDGE / "policies").glob("*.txt")))
    for name in ("asked.jsonl", "synonyms.yaml"):
        assert (out / name).read_bytes() == (KNOWLEDGE / name).read_bytes()
    assert {p.name for p in (KNOWLEDGE / "policies").glob("*.txt")} <= {p.name for p in (out / "policies").iterdir()}


def test_a_statements_share_counts_the_questions_whose_answering_clause_states_the_fact(settings):
    """evals.statements: a question read as asking a date counts as stated when a gold clause states one by the
    decision's own pattern, and as a miss when its gold clause states none."""
    from bot.service import Assistant
    from evals.statements import readings, shares

    retriever = Assistant(settings).retriever()
    question = "申报截止日期是哪天"
    pattern = retriever.parse(question).fact("date")
    clauses = list(retriever.records.clauses.values())
    dated = next(c for c in clauses if pattern.search(c.text))
    undated = next(c for c in clauses if not pattern.search(c.text))
    items = [{"question": question, "answerable": True, "gold": [dated.id]},
             {"question": question, "answerable": True, "gold": [undated.id]},
             {"question": question, "answerable": False, "gold": []}]  # an unanswerable question has no gold to read
    found = readings(retriever, items)
    assert [(r.kind, r.stated, r.clause_id) for r in found] == [("date", True, dated.id), ("date", False, undated.id)]
    assert shares(found) == {"date": (1, 2)}


def test_refusals_are_told_apart_by_whether_a_fact_is_asked_and_what_refused_them(settings):
    """Assistant.ask's trace says the decision's reason and whether a kind of fact is asked; the evaluation counts
    refusal accuracy and false refusals apart for questions asking a fact and those asking none, with what refused
    each (the model, a rule, a service item leaving the field open)."""
    from bot.service import Assistant
    from evals.run import refusal_breakdown, refused_by

    assistant = Assistant(settings)
    trace: dict = {}
    assistant.ask("专利代理师考试的报名费是多少", trace=trace)
    assert trace["asks_fact"] is True and isinstance(trace["reason"], str) and trace["reason"]
    trace = {}
    assistant.ask("蓝天行动主要做什么", trace=trace)
    assert trace["asks_fact"] is False
    # a service item that leaves the field asked open is refused though the decision answered
    trace = {}
    answer = assistant.ask("专利导航需要满足什么条件", trace=trace)
    asked = Result({"answerable": True}, [], answer.grounded, answer.answer, 0.0, trace=trace)
    assert (trace["reason"], answer.grounded, refused_by(asked)) == ("answerable", False, "service item"), trace

    def result(answerable: bool, grounded: bool, reason: str, asks: bool) -> Result:
        return Result({"answerable": answerable}, [], grounded, "", 0.0, trace={"reason": reason, "asks_fact": asks})

    results = [result(True, True, "answerable", True), result(True, False, "fact-missing date", True),
               result(False, False, "unanswerable p=0.10 missing 几号", True), result(False, True, "answerable", True),
               result(False, True, "answerable", False), result(False, False, "other-right", False),
               result(True, False, "answerable", False)]
    assert [refused_by(r) for r in results] == [None, "rule", "model", None, None, "rule", "service item"]
    out = refusal_breakdown(results)
    assert out["asks_fact"] == {"answerable": 2, "unanswerable": 2, "false_refusal_rate": 0.5, "refusal_accuracy": 0.5,
                                "refused_by": {"answerable": {"rule": 1}, "unanswerable": {"model": 1}}}
    assert out["asks_no_fact"] == {"answerable": 1, "unanswerable": 2, "false_refusal_rate": 1.0,
                                   "refusal_accuracy": 0.5,
                                   "refused_by": {"answerable": {"service item": 1}, "unanswerable": {"rule": 1}}}
    assert refusal_breakdown([])["asks_fact"]["refusal_accuracy"] is None



def test_outcomes_compare_two_runs_question_by_question_and_never_show_a_frozen_or_private_question(settings, tmp_path,
                                                                                                     capsys):
    """evals.outcomes keeps each question's outcome of a run (no text) and lists what a change did to each question of
    a development set, its text read from evals/sets/; frozen and private sets get counts only."""
    from evals import outcomes

    items = load_set(DEFAULT_SET)[:6]
    results = evaluate(settings, items).results
    before = tmp_path / "before.json"
    for name in ("core", "bank-test", "bank-dev33"):
        outcomes.save(before, outcomes.set_name(f"evals/sets/{name}.jsonl"), results)
    data = outcomes.load(before)
    assert set(data["sets"]) == {"core", "bank-test", "bank-dev33"} and data["unasked"] is False
    assert set(data["sets"]["core"][items[0]["id"]]) == {"rank", "grounded", "mentioned", "answerable"}
    assert items[0]["question"] not in before.read_text(encoding="utf-8")  # the file keeps no question's text

    after = json.loads(before.read_text(encoding="utf-8"))
    answerable = next(i for i in items if i["answerable"])
    for name in after["sets"]:
        q = after["sets"][name][answerable["id"]]
        q.update(rank=2 if q["rank"] == 1 else 1, grounded=not q["grounded"])
    after_file = tmp_path / "after.json"
    after_file.write_text(json.dumps(after, ensure_ascii=False), encoding="utf-8")
    # --private as a file name or a path names the set it is a file of
    assert outcomes.main([str(before), str(after_file), "--private", "evals/sets/bank-dev33.jsonl"]) == 0
    out = capsys.readouterr().out
    assert out.count(answerable["question"][:30]) == 1  # core's line only
    assert out.count(answerable["id"]) == 1
    assert "bank-test：冻结或保密的集，只给计数" in out and "bank-dev33：冻结或保密的集，只给计数" in out
    assert re.search(r"bank-test: first (gained|lost) 1, now (answered|refused) 1", out), out
    assert "共 6 项改变" in out

    # a mistyped private set would show a judge question by question: refused, with the sets there are
    assert outcomes.main([str(before), str(after_file), "--private", "bank-dev3"]) == 2
    assert "bank-dev33" in capsys.readouterr().err
    # sets only one file has are said, and files with none in common refused
    only = tmp_path / "only.json"
    outcomes.save(only, "core", results)
    outcomes.save(only, "notices-dev5", results)
    assert outcomes.main([str(before), str(only)]) == 0
    assert "notices-dev5：只在后一个文件中，未比较" in capsys.readouterr().out
    other = tmp_path / "other.json"
    outcomes.save(other, "laws-dev", results)
    assert outcomes.main([str(before), str(other)]) == 2 and "没有共同的集" in capsys.readouterr().err
    # a file of the other view is refused before anything is written, with what to do
    with pytest.raises(outcomes.OutcomesError, match="换一个文件"):
        outcomes.save(before, "core", results, unasked=True)
    unasked = tmp_path / "unasked.json"
    outcomes.save(unasked, "core", results, unasked=True)
    assert outcomes.main([str(before), str(unasked)]) == 2 and "视角不同" in capsys.readouterr().err
    with pytest.raises(outcomes.OutcomesError, match="目录"):
        outcomes.kept(tmp_path / "missing" / "x.json")
    for bad in ("[]", '{"unasked": "false", "sets": {}}', '{"unasked": false, "sets": {"core": {"q1": {"rank": 2}}}}',
                "{"):
        (tmp_path / "bad.json").write_text(bad, encoding="utf-8")
        assert outcomes.main([str(before), str(tmp_path / "bad.json")]) == 2
        assert "重新生成" in capsys.readouterr().err


def test_an_outcome_change_is_named_by_what_it_did():
    from evals.outcomes import changes

    def q(rank, grounded, mentioned=1.0, answerable=True):
        return {"rank": rank, "grounded": grounded, "mentioned": mentioned, "answerable": answerable}

    assert changes(q(1, True), q(1, True)) == []
    assert changes(q(3, True), q(1, True)) == ["first gained"]
    assert changes(q(1, True), q(2, True)) == ["first lost"]
    assert changes(q(4, True), q(2, True)) == ["rank better"]
    assert changes(q(2, True), q(None, True)) == ["rank worse"]
    assert changes(q(2, False), q(3, False)) == ["rank worse"]  # refused both times, the right clause moved
    assert changes(q(1, True), q(4, False, 0.0)) == ["now refused", "first lost", "mentions fewer"]
    assert changes(q(1, True, 0.5), q(1, True, 1.0)) == ["mentions more"]
    assert changes(q(None, True, answerable=False), q(None, False, answerable=False)) == ["now refused"]
    assert changes(q(None, False, answerable=False), q(None, True, answerable=False)) == ["now answered"]


def test_the_bank_keeps_each_sets_outcomes_under_its_name(tmp_path, capsys):
    """python -m evals.bank --outcomes names each set by its file's stem, the name evals.outcomes reads frozen and
    private sets by (a notice set, so that the test needs no shared corpus); a file of the other view, or two sets of
    one name, are refused before the index is built."""
    from evals import bank, outcomes

    questions = [line for line in (bank.SETS / "notices-dev.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()][:3]
    small = tmp_path / "notices-dev.jsonl"
    small.write_text("\n".join(questions) + "\n", encoding="utf-8")
    kept = tmp_path / "after.json"
    assert bank.main(["--notices", "dev", "--data-dir", str(tmp_path / "data"), "--sets", str(small),
                      "--outcomes", str(kept)]) == 0
    assert set(outcomes.load(kept)["sets"]) == {"notices-dev"}
    assert len(outcomes.load(kept)["sets"]["notices-dev"]) == 3
    capsys.readouterr()
    assert bank.main(["--notices", "dev", "--data-dir", str(tmp_path / "none"), "--sets", str(small),
                      "--outcomes", str(kept), "--unasked"]) == 2
    assert "换一个文件" in capsys.readouterr().err
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "notices-dev.jsonl").write_text(small.read_text(encoding="utf-8"), encoding="utf-8")
    assert bank.main(["--notices", "dev", "--data-dir", str(tmp_path / "none"), "--sets", str(small),
                      str(tmp_path / "b" / "notices-dev.jsonl"), "--outcomes", str(tmp_path / "x.json")]) == 2
    assert "同名" in capsys.readouterr().err and not (tmp_path / "none").exists()
