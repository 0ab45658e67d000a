"""Past questions and the clauses that answered them (bot/retrieve/precedents.py), on a real index."""
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.retrieve.precedents import Precedent, Precedents, PrecedentsInvalid, read_lines, resolve
from bot.retrieve.kinds import QuestionKinds
from bot.retrieve.search import Retriever
from evals.asked import SHIPPED, lines
from evals.import_blind import is_test
from tests.conftest import KNOWLEDGE, ingest_policies, live
from tests.test_ranking import _document

CORPUS = {
    "award": _document("上海市知识产权局", "沪知局〔2023〕7号", "关于专利转化奖励的通知", [
        "奖励对象。对年度实施许可的高校给予奖励。",
        "许可收入。许可他人实施其专利的，从许可净收入中提取不低于百分之六十的比例奖励发明人。",
    ]),
    "pledge": _document("上海市知识产权局", "沪知局〔2023〕8号", "关于专利权质押登记服务的通知", [
        "质押登记办理。专利权质押登记自受理之日起五个工作日内办结，发给登记证明。",
    ]),
}
PAST = [
    # the clause the question shares no content word with: 发明人 and 许可净收入 are not 搞出来, 卖给, 分到
    {"id": "p-1", "set": "log-a", "question": "我们学校老师搞出来的专利卖给企业了，老师个人能分到多少？",
     "answerable": True, "doc": "award", "evidence": "不低于百分之六十"},
    {"id": "p-2", "set": "log-b", "question": "质押登记的证明要等几个工作日？", "answerable": True,
     "doc": "elsewhere", "title": "关于专利权质押登记服务的通知", "evidence": "五个工作日内办结"},
    {"id": "p-3", "set": "log-b", "question": "专利质押贷款银行能按评估值放几成？", "answerable": False, "doc": "pledge"},
    {"id": "p-4", "set": "log-a", "question": "这条引文已经不在文件里了", "answerable": True, "doc": "award",
     "evidence": "已经删去的一句话"},
]


@pytest.fixture(scope="module")
def retriever(tmp_path_factory):
    root = tmp_path_factory.mktemp("precedents")
    settings = ingest_policies(root, CORPUS)
    asked = root / "asked.jsonl"
    asked.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in PAST), encoding="utf-8")
    return Retriever(live(settings), asked=asked)


def test_past_questions_resolve_by_document_id_or_title_and_lose_only_what_the_index_lost(retriever):
    by_id = {p.id: p for p in retriever.precedents.entries}
    assert by_id["p-1"].clauses == ("award:s1-i2",)
    assert by_id["p-2"].clauses == ("pledge:s1-i1",)  # its id is another index's: found by the document's title
    assert by_id["p-3"].clauses == ()  # the documents did not answer it: kept, as such
    assert "p-4" not in by_id  # a quote no clause holds any more answers nothing


def test_a_clause_a_like_question_was_answered_from_competes_with_its_cosine(retriever):
    question = "学校老师的专利卖给企业，老师个人能分多少钱"
    hits = {h.clause.id: h for h in retriever.search(retriever.parse(question), k=None)}
    assert hits["award:s1-i2"].features["precedent"] > 0.5
    assert hits["pledge:s1-i1"].features["precedent"] == 0.0
    # a set evaluated or fitted on lends itself nothing
    with retriever.precedents.holding_out([{"id": "p-1"}]) as held:
        assert held == {"log-a"}
        hits = {h.clause.id: h for h in retriever.search(retriever.parse(question), k=None)}
        assert hits.get("award:s1-i2") is None or hits["award:s1-i2"].features["precedent"] == 0.0
    # and lends again once the evaluation is over
    assert retriever.precedents.lending.all()
    hits = {h.clause.id: h for h in retriever.search(retriever.parse(question), k=None)}
    assert hits["award:s1-i2"].features["precedent"] > 0.5


def test_a_past_question_lends_nothing_to_a_question_about_another_right_or_document(tmp_path):
    settings = ingest_policies(tmp_path, {
        "trademark": _document("国家知识产权局", "国知发〔2023〕1号", "关于商标驳回复审的通知", [
            "商标驳回复审。对驳回申请不服的，可以自收到通知之日起十五日内申请复审。"]),
        "patent": _document("国家知识产权局", "国知发〔2023〕2号", "关于专利申请复审的通知", [
            "专利复审。对驳回申请的决定不服的，可以自收到通知之日起三个月内请求复审。"]),
    })
    asked = tmp_path / "asked.jsonl"
    asked.write_text(json.dumps({"id": "t-1", "set": "log", "question": "商标被驳回了不服的话几天内可以申请复审",
                                 "answerable": True, "doc": "trademark", "evidence": "十五日内申请复审"},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    retriever = Retriever(live(settings), asked=asked)
    hits = {h.clause.id: h for h in retriever.search(retriever.parse("商标被驳回不服几天内能复审"), k=None)}
    assert hits["trademark:s1-i1"].features["precedent"] > 0.5
    for question in ("专利被驳回不服几天内能复审",  # another right than the past question's clause is about
                     "关于专利申请复审的通知里，被驳回不服几天内能复审"):  # another document named
        hits = {h.clause.id: h for h in retriever.search(retriever.parse(question), k=None)}
        assert hits["trademark:s1-i1"].features["precedent"] == 0.0, question
        assert retriever.search(retriever.parse(question))[0].clause.id == "patent:s1-i1", question


def test_a_question_written_again_word_for_word_in_the_set_evaluated_lends_nothing(retriever):
    question = PAST[0]["question"]
    with retriever.precedents.holding_out([{"id": "another-set-7", "question": question}]) as held:
        assert held == frozenset()  # no id of the file: its set lends, but not its copy of the question
        assert retriever.precedents.near(retriever.parse(question)).answered.get("award:s1-i2", 0.0) == 0.0
    assert retriever.precedents.near(retriever.parse(question)).answered["award:s1-i2"] == pytest.approx(1.0)


def test_a_question_the_documents_did_not_answer_before_is_told_to_the_answerability_model(retriever):
    from bot.retrieve.rank import answer_features

    hits = retriever.search(retriever.parse("专利质押贷款，银行按评估值能放几成"))
    assert answer_features(hits, True)["refused_precedent"] > 0.5
    hits = retriever.search(retriever.parse("专利权质押登记几个工作日办结"))
    assert answer_features(hits, True)["refused_precedent"] < 0.5


KINDS = QuestionKinds.default()


def _parsed(text: str) -> SimpleNamespace:
    """A question as the parser gives it, with words and 几 or 多少 asking a number (what Precedents reads)."""
    return SimpleNamespace(tokens=text.split(), asks={"number"} if {"几成", "多少"} & set(text.split()) else set(),
                           wants_rules=False, text=text, kinds=KINDS)


def test_a_past_question_less_alike_than_the_floor_lends_nothing():
    past = Precedents([Precedent("年费 缴纳 多少", ("x:a1",), "s", "1", ("x",)),
                       Precedent("续展 期限 多少", ("y:a2",), "s", "2", ("y",)),
                       Precedent("质押 缴纳 几成", (), "s", "3", ("x",))], _parsed)
    alike = past.near(_parsed("年费 缴纳 多少"))
    assert alike.answered["x:a1"] == pytest.approx(1.0)
    cosine = alike.answered["y:a2"]
    assert 0 < cosine < 0.5 and 0 < alike.refused["x"] < 0.5  # one word in common
    floored = past.near(_parsed("年费 缴纳 多少"), floor=0.5)
    assert floored.answered == {"x:a1": pytest.approx(1.0)} and floored.refused == {}
    assert past.near(_parsed("年费 缴纳 多少"), floor=cosine / 2).answered["y:a2"] == pytest.approx(
        (cosine - cosine / 2) / (1 - cosine / 2))
    with past.holding_out(documents=["x"]):  # a document nobody has asked about yet; the others' still lend
        near = past.near(_parsed("年费 缴纳 多少"))
        assert "x:a1" not in near.answered and not past.asked_about("x")
        assert near.answered["y:a2"] == pytest.approx(cosine) and past.asked_about("y")
    assert past.asked_about("x") and not past.asked_about("z")


def test_an_unanswered_past_question_counts_only_for_a_question_asking_the_same():
    past = Precedents([Precedent("专利 质押 几成", (), "s", "3", ("x",))], _parsed)
    assert past.near(_parsed("专利 质押 几成")).refused["x"] == pytest.approx(1.0)
    assert past.near(_parsed("专利 质押 能 办 吗")).refused == {}  # its words, another question


def test_a_past_question_about_another_right_lends_nothing():
    past = Precedents([Precedent("商标 驳回 复审 几天", ("tm:a34",), "s", "1", ("tm",))], _parsed)
    assert past.near(_parsed("商标 驳回 复审 几天")).answered == {"tm:a34": pytest.approx(1.0)}
    assert past.near(_parsed("专利申请 驳回 复审 几天")).answered == {}
    assert past.near(_parsed("申请 驳回 复审 几天")).answered  # names no right: alike enough


@pytest.mark.parametrize("line, problem", [
    ('{"question": "缺少 answerable"}', "answerable 应为 true 或 false"),
    ('{"question": "", "answerable": false}', "缺少 question"),
    ('{"question": "数字引文", "answerable": true, "doc": "award", "evidence": 60}', "evidence 应为文字"),
    ('{"question": "列表文档", "answerable": true, "doc": ["award"], "evidence": "百分之六十"}', "doc 应为文字"),
    ('{"question": "没有答句", "answerable": true, "doc": "award"}', "可回答的问题需要 gold，或 doc/title 与 evidence"),
    ('{"question": "条款", "answerable": true, "gold": "award:s1-i2"}', "gold 应为条款编号的列表"),
    ("不是 JSON", "不是有效的 JSON"),
])
def test_a_bad_questions_file_names_its_line_and_the_fix(tmp_path, line, problem):
    path = tmp_path / "asked.jsonl"
    path.write_text('{"question": "有效吗", "answerable": true, "gold": ["a:b"]}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(PrecedentsInvalid, match=rf"asked.jsonl:2: {problem}.*每行一个 JSON 对象"):
        read_lines(path)


def test_a_file_saved_with_a_byte_order_mark_or_only_empty_words_is_read(tmp_path):
    path = tmp_path / "asked.jsonl"
    path.write_text('\ufeff{"question": "的？？？", "answerable": false}\n', encoding="utf-8")
    assert read_lines(path)[0]["question"] == "的？？？"
    past = Precedents([Precedent("的？？？", (), "s", "1", ("x",))],
                      lambda q: SimpleNamespace(tokens=[], asks=set(), wants_rules=False, text=q, kinds=KINDS))
    assert past.near(_parsed("专利 年费")).refused == {}  # nothing to compare: it lends nothing


def test_a_malformed_or_missing_questions_file_is_a_configuration_error_not_a_crash(retriever, tmp_path):
    from bot.config import Settings
    from bot.retrieve.search import Misconfigured
    from bot.service import Assistant

    bad = tmp_path / "asked.jsonl"
    bad.write_text('{"question": "质押", "answerable": "yes"}\n', encoding="utf-8")
    with pytest.raises(Misconfigured, match=r"配置错误：.*asked.jsonl:1: answerable 应为 true 或 false"):
        Retriever(retriever.index_dir, asked=bad)
    settings = Settings(data_dir=retriever.index_dir.parent.parent, _env_file=None, asked_file=tmp_path / "missing.jsonl")
    with pytest.raises(Misconfigured, match="HOTLINE_ASKED_FILE=.*不存在"):
        Assistant(settings).ask("专利权质押登记几个工作日办结")


def test_the_shipped_file_holds_no_question_about_a_test_document_nor_of_a_set_kept_out():
    rows = read_lines(KNOWLEDGE / "asked.jsonl")
    assert {r["set"] for r in rows} == set(SHIPPED)
    assert not any(is_test(r.get("doc") or r["gold"][0].split(":")[0]) for r in rows)
    assert all(r.get("title") for r in rows if r["answerable"] and not r.get("gold"))


def test_the_shipped_file_is_what_the_sets_give(tmp_path):
    """knowledge/asked.jsonl is written by evals/asked.py from the sets, not edited by hand."""
    from evals.asked import SETS

    class Records:  # the titles as the file has them
        documents = {r["doc"]: type("D", (), {"title": r["title"]}) for r in read_lines(KNOWLEDGE / "asked.jsonl")
                     if r.get("doc")}
    written = lines([SETS / f"{n}.jsonl" for n in SHIPPED], Records)
    assert written == read_lines(KNOWLEDGE / "asked.jsonl")


def test_the_bureaus_index_finds_the_shipped_past_questions_of_its_own_documents(assistant):
    retriever = assistant.retriever()
    kept = resolve(read_lines(KNOWLEDGE / "asked.jsonl"), retriever.records)
    own = [p for p in kept if p.clauses]
    assert len(retriever.precedents) == len(kept) and len(own) > 300
    assert {c.split(":")[0] for p in own for c in p.clauses} <= set(retriever.records.documents)


def test_the_evaluation_can_ask_each_question_as_if_its_document_were_new(tmp_path):
    from evals.run import evaluate

    settings = ingest_policies(tmp_path, CORPUS)
    asked = tmp_path / "asked.jsonl"
    asked.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in PAST), encoding="utf-8")
    settings = settings.model_copy(update={"asked_file": asked})
    # worded like p-1, and sharing no content word with the clause that answered it
    item = {"id": "q-1", "question": "学校老师的专利卖给企业，老师个人能分多少钱", "answerable": True, "doc": "award",
            "evidence": "不低于百分之六十"}
    asked_rank, unasked_rank = (evaluate(settings, [dict(item)], unasked=unasked).results[0].rank
                                for unasked in (False, True))
    assert asked_rank == 1  # p-1 lends its clause
    assert unasked_rank != 1  # the document's past questions lend nothing: as a document just added is searched
    # an unanswerable question that names no document (core's) is new to the document its best clause is of
    from evals.run import _new_documents

    retriever = Retriever(live(settings), asked=asked)
    assert _new_documents(retriever, item) == {"award"}
    assert _new_documents(retriever, {"question": "专利质押贷款，银行按评估值能放几成", "answerable": False}) == {"pledge"}


def test_unasked_is_refused_where_it_would_mean_nothing(tmp_path, capsys):
    """--unasked with --fit (which searches each question both ways already) or on a transcripts set is an error
    that says so, not an option silently ignored."""
    from bot.cli import main

    env = ["--data-dir", str(tmp_path / "var")]
    assert main([*env, "eval", "--fit", "--unasked"]) == 2
    assert "--fit" in capsys.readouterr().err
    transcripts = Path(__file__).resolve().parent.parent / "evals" / "sets" / "transcripts-dev.jsonl"
    assert main([*env, "eval", "--unasked", "--set", str(transcripts)]) == 2
    assert "transcripts" in capsys.readouterr().err
