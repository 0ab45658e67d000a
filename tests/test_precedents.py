"""Past questions and the clauses that answered them (bot/retrieve/precedents.py), on a real index."""
import json
from types import SimpleNamespace

import pytest

from bot.retrieve.precedents import Precedent, Precedents, PrecedentsInvalid, read_lines, resolve
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
    assert retriever.precedents.held_out == frozenset()


def test_a_question_the_documents_did_not_answer_before_is_told_to_the_answerability_model(retriever):
    from bot.retrieve.rank import answer_features

    hits = retriever.search(retriever.parse("专利质押贷款，银行按评估值能放几成"))
    assert answer_features(hits, True)["refused_precedent"] > 0.5
    hits = retriever.search(retriever.parse("专利权质押登记几个工作日办结"))
    assert answer_features(hits, True)["refused_precedent"] < 0.5


def _parsed(text: str) -> SimpleNamespace:
    """A question as the parser gives it, with words and 几 or 多少 asking a number (what Precedents reads)."""
    return SimpleNamespace(tokens=text.split(), asks={"number"} if {"几成", "多少"} & set(text.split()) else set(),
                           wants_rules=False)


def test_a_past_question_less_alike_than_the_floor_lends_nothing():
    past = Precedents([Precedent("专利 年费 多少", ("x:a1",), "s", "1", ("x",)),
                       Precedent("商标 续展 多少", ("y:a2",), "s", "2", ("y",)),
                       Precedent("专利 质押 几成", (), "s", "3", ("x",))], _parsed)
    alike = past.near(_parsed("专利 年费 多少"))
    assert alike.answered["x:a1"] == pytest.approx(1.0)
    cosine = alike.answered["y:a2"]
    assert 0 < cosine < 0.5 and 0 < alike.refused["x"] < 0.5  # one word in common
    floored = past.near(_parsed("专利 年费 多少"), floor=0.5)
    assert floored.answered == {"x:a1": pytest.approx(1.0)} and floored.refused == {}
    assert past.near(_parsed("专利 年费 多少"), floor=cosine / 2).answered["y:a2"] == pytest.approx(
        (cosine - cosine / 2) / (1 - cosine / 2))
    with past.holding_out(documents=["x"]):  # a document nobody has asked about yet
        assert "x:a1" not in past.near(_parsed("专利 年费 多少")).answered and not past.asked_about("x")
    assert past.asked_about("x") and not past.asked_about("z")


def test_an_unanswered_past_question_counts_only_for_a_question_asking_the_same():
    past = Precedents([Precedent("专利 质押 几成", (), "s", "3", ("x",))], _parsed)
    assert past.near(_parsed("专利 质押 几成")).refused["x"] == pytest.approx(1.0)
    assert past.near(_parsed("专利 质押 能 办 吗")).refused == {}  # its words, another question


def test_a_bad_questions_file_names_its_line(tmp_path):
    path = tmp_path / "asked.jsonl"
    path.write_text('{"question": "有效吗", "answerable": true, "gold": ["a:b"]}\n{"question": "缺少 answerable"}\n',
                    encoding="utf-8")
    with pytest.raises(PrecedentsInvalid, match=r"asked.jsonl:2: .*answerable"):
        read_lines(path)
    path.write_text("不是 JSON\n", encoding="utf-8")
    with pytest.raises(PrecedentsInvalid, match=r"asked.jsonl:1: 不是有效的 JSON"):
        read_lines(path)


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
