"""One ranker and one answerability model, each a few named features and a fitted weight table.

A candidate clause carries `features` (what BM25, the dense index, the question's words and the fact asked
say about it); the ranker's score is a logistic model fitted on the question bank's train split (pairwise
logistic regression, calibrated; grouped cross-validation by document: `hotline eval --fit`, see evals/fit.py). The grounded
decision is `Answerability.probability`, a second logistic model on the best candidates' features and their
margin, with its threshold chosen on cross-validated predictions. Both live in one small JSON file
(`bot/retrieve/ranking.json` by default, `HOTLINE_RANKING_FILE` for a bureau's own refit).
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.retrieve.query import Fact

DEFAULT_FILE = Path(__file__).with_name("ranking.json")

# What each feature of a candidate means; evals/fit.py fits one weight for each.
RANK_FEATURES = {
    "bm25": "BM25 score over the passage, divided by the best candidate's",
    "dense": "cosine similarity of question and passage vectors",
    "word_vectors": "cosine of the question's and the clause's SIF averages of general word vectors, without the "
                    "direction all the knowledge base's clauses share (0 below 0)",
    "rrf": "reciprocal-rank fusion of the BM25 and dense lists, divided by the best",
    "coverage": "share of the question's word weight the clause (with headings and title) holds literally",
    "soft_coverage": "the same, a word also credited by a close synonym's similarity (词林, word vectors)",
    "ask_coverage": "soft coverage of the words of the question's asking parts only (its last part, and any ending in "
                    "a question mark), not of the caller's story before them",
    "focus": "soft coverage by the clause's best single sentence",
    "fact_focus": "the question asks for a kind of fact (a date, a fee, how to apply…): soft coverage by the clause's best "
                  "sentence stating one (0 when none does)",
    "heading": "longest run of characters shared with the clause's heading",
    "item_name": "longest run of characters shared with a service item's name (专利导航)",
    "heading_words": "share of the question's word weight in the clause's heading and path",
    "names_document": "the question says the document's name (商标法实施条例; the longest name said counts) or its 文号",
    "precedent": "how alike the nearest past question this clause answered is (knowledge/asked.jsonl; above the "
                 "retrieval section's precedent_floor, as a share of the way to 1; 0 when none of the nearest did)",
    "asked_about": "past questions are about its document: a clause none of the nearest of them was answered from is "
                   "then less likely to answer than one of a document nobody has asked about yet (a notice just added)",
    "region": "the question itself names the clause's region (北京 for 北京市专利保护和促进条例; 苏州 or 南京, both 江苏省, "
              "for an item of 苏州市知识产权保护中心; a national law is no region's)",
    "states_fact": "the question asks for a kind of fact (a date, a fee, how to apply…) and the clause states one",
    "heading_kind": "the clause's own label says it states the kind of fact or service field asked (申报时间 for a date, "
                    "收费标准 for a fee, 申报条件 for who may apply; question_kinds.yaml's headings)",
    "service_item": "a service-catalogue item, for a question about getting a service done",
    "off_service_item": "a service-catalogue item, for a question that is not about a service",
}
ANSWER_FEATURES = {
    "top_score": "the best candidate's ranker probability",
    "margin": "its lead over the second candidate",
    "top_coverage": "its literal coverage",
    "top_soft_coverage": "its soft coverage",
    "top_focus": "its best sentence's soft coverage",
    "top_fact_focus": "its best sentence stating the fact asked: that sentence's soft coverage",
    "top_bm25": "its BM25 share",
    "top_dense": "its dense similarity",
    "missing_specific": "the general-language specificity of the most specific question word that the knowledge "
                        "base has (or a synonym of it) and the best candidate does not match at all",
    "unknown_specific": "the specificity of the most specific question word the knowledge base has nowhere, "
                        "not even as a synonym (植物新品种)",
    "top_word_vectors": "its word-vector similarity",
    "top_precedent": "its precedent: the nearest past question it answered",
    "refused_precedent": "the cosine of the nearest past question about its document that the documents did not answer",
    "top_asked_about": "past questions are about its document: unlike all of them, a question is less likely answered "
                       "there than one about a document nobody has asked about yet",
    "asks_fact": "the question asks for a kind of fact the model counts (a date, a fee…; Ranking.fact_kinds)",
    "fact_stated": "…and the best candidate states one",
}
# The answer's lead: each sentence (or numbered item) of the clause answered from, scored by a third weight table.
SENTENCE_FEATURES = {
    "coverage": "share of the question's word weight the sentence holds literally",
    "soft_coverage": "the same, a word also credited by a close synonym's similarity (词林, word vectors)",
    "context_coverage": "soft coverage of the sentence with the lead-in of its list (可以行使下列职权： for （二）…)",
    "beyond_heading": "soft coverage of the question's words that the clause's title, path and heading do not say "
                      "(行业 for 苏州预审备案 哪些行业能做, under 备案条件)",
    "bm25": "BM25 of the question's search tokens over the clause's sentences, divided by the best sentence's",
    "word_vectors": "cosine of the question's and the sentence's SIF averages of general word vectors",
    "states_fact": "the question asks for a kind of fact (a date, a fee, how to apply…) and the sentence states one",
    "early": "how near the clause's start the sentence is (1 first … 0 last)",
    "early_on_topic": "…when the heading already says all the question asks (怎么提升代理服务质量 under 提升知识产权代理"
                      "服务质量: the clause as a whole answers, its opening first): early × (1 − the best beyond_heading)",
    "length": "the sentence's length, as a share of the clause's longest",
    "lead_in": "a lead-in that says little alone: ends with a colon (备案条件：, 下列职权：) or repeats the heading",
}


LATER = {"other_right_damping", "precedent_floor"}  # retrieval constants added after files were written without them


@dataclass(frozen=True)
class Retrieval:
    """The retrieval constants: how candidates are gathered and ordered around the fitted ranker. They live in the
    ranking file's "retrieval" section: the searched ones chosen by evals/tune.py (leave-one-document-out on the
    fitting sets, its objective in that module), the two policy factors set by the bureau, not fitted."""

    rrf_k: int  # reciprocal-rank fusion: 1 / (rrf_k + rank) from each of the BM25 and dense lists
    candidates: int  # fused from those lists, before the clauses a question brings in beside them
    title_route_max: int  # a question word found in at most this many titles names those documents (蓝天行动)
    dated_from: int  # a date question: the dated lines of the documents of this many best candidates compete
    soft_min_similarity: float  # word vectors below this are related (合同 for 到期), not the same thing
    soft_neighbours: int  # the knowledge base's closest words a question word is credited by
    stating_window: int  # a clause stating the fact asked for is looked for among this many best hits
    stating_slack: float  # … that covers nearly as much of the question as the best one (at most this less)
    # Policy, not relevance: a document not in force is cited only when nothing in force answers, one binding
    # another place comes after. The second is also the share of the best score at which a candidate answers
    # "about as well" (regions side by side, an answer's further citations), so that both readings agree.
    not_in_force_damping: float
    elsewhere_damping: float
    # a clause about another kind of right than the one asked (question_kinds.yaml's rights) comes after those
    # that are not; a file written before it existed takes the shipped file's value
    other_right_damping: float
    # a past question less alike than this (cosine) lends nothing (precedents): the fit sees only what lies above it,
    # as a share of the way to 1; below it, questions about another document share a topic's everyday words
    precedent_floor: float
    chosen: dict = field(default_factory=dict, compare=False)  # what the searched values were chosen on

    @property
    def close_share(self) -> float:
        return self.elsewhere_damping

    @classmethod
    def from_json(cls, data: dict) -> "Retrieval":
        names = {f.name for f in fields(cls)}
        missing = names - {"chosen"} - set(data)
        if missing and missing <= LATER:  # written before these existed: the shipped file's values
            shipped = _read(DEFAULT_FILE)["retrieval"]
            data = {**data, **{k: shipped[k] for k in missing}}
            missing = set()
        if missing or set(data) - names:
            raise ValueError(f"检索参数缺少 {sorted(missing)} 或含有未知项 {sorted(set(data) - names)}")
        kinds = {f.name: f.type for f in fields(cls)}
        values = {k: (int(v) if kinds[k] == "int" else float(v) if kinds[k] == "float" else v) for k, v in data.items()}
        bad = [k for k, v in values.items() if k != "chosen" and not v > 0]
        # a similarity, a damping and a share of a coverage are fractions: above 1 they switch their step off
        bad += [k for k in ("soft_min_similarity", "not_in_force_damping", "elsewhere_damping", "other_right_damping",
                            "stating_slack") if k in values and values[k] > 1]
        bad += [k for k in ("precedent_floor",) if k in values and values[k] >= 1]
        if bad:
            raise ValueError(f"检索参数 {bad} 应为正数（相似度、折减系数和差额不大于 1）")
        return cls(**values)

    @classmethod
    def shipped(cls) -> "Retrieval":
        """The values of the shipped file (bot/retrieve/ranking.json)."""
        return cls.from_json(_read(DEFAULT_FILE)["retrieval"])

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


@dataclass
class LinearModel:
    """A logistic model over named features: P = σ(bias + Σ weight·feature)."""

    weights: dict[str, float]
    bias: float = 0.0

    def logit(self, features: dict[str, float]) -> float:
        return self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())

    def probability(self, features: dict[str, float]) -> float:
        return _sigmoid(self.logit(features))


@dataclass
class Ranking:
    """The fitted ranker and answerability model, with what they were fitted on."""

    ranker: LinearModel
    answerability: LinearModel
    threshold: float
    fitted: dict = field(default_factory=dict)  # data, procedure and cross-validated figures
    # the answer's lead sentence; a file fitted before it had one (a bureau's older refit) uses the shipped one
    sentences: LinearModel = field(default_factory=lambda: LinearModel({}))
    sentences_fitted: dict = field(default_factory=dict)
    # the retrieval constants (evals/tune.py); a file without them takes the shipped one's
    retrieval: Retrieval = field(default_factory=lambda: Retrieval.shipped())
    # the kinds of fact the answerability model's asks_fact and fact_stated count: a fit records every kind
    # question_kinds.yaml states (those it was fitted with); None, a file from before the record, counts them all.
    # A kind left out (the shipped file's: penalty, added after its fit) is still a hard constraint of the decision
    # (decide.refusal_rule), but no input to the model.
    fact_kinds: list[str] | None = None

    def asks_fact(self, query) -> bool:
        """Whether the question asks a kind of fact the answerability model counts (`fact_kinds`)."""
        return asks_fact(query, self.fact_kinds)

    @classmethod
    def load(cls, path: Path | None = None) -> "Ranking":
        """The file's models and retrieval constants; a file without a "retrieval" section (a refit from before
        there was one) takes the shipped file's."""
        path = path or DEFAULT_FILE
        data = _read(path)
        sentences = data.get("sentences")
        if sentences is None and path != DEFAULT_FILE and DEFAULT_FILE.exists():
            sentences = _read(DEFAULT_FILE).get("sentences")
        sentences = sentences or {"weights": {}, "bias": 0.0}
        unknown = (set(data["ranker"]["weights"]) - set(RANK_FEATURES)) | \
                  (set(data["answerability"]["weights"]) - set(ANSWER_FEATURES)) | \
                  (set(sentences["weights"]) - set(SENTENCE_FEATURES))
        if unknown:
            raise ValueError(f"排序模型文件 {path} 含有未知特征 {sorted(unknown)}：请用 hotline eval --fit 重新拟合")
        if not data.get("retrieval") and path != DEFAULT_FILE:
            # its models were fitted around the constants of its day, which the search has since changed
            logging.getLogger("hotline.rank").warning(
                "排序模型文件 %s 没有 retrieval 部分（在检索参数成为拟合结果之前拟合）：暂用随程序发布的检索参数；"
                "请用 hotline eval --fit --out %s 重新拟合，使模型与参数一致", path, path)
        try:
            retrieval = Retrieval.from_json(data["retrieval"]) if data.get("retrieval") else Retrieval.shipped()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"排序模型文件 {path} 的 retrieval 部分有误：{exc}") from exc
        fact_kinds = data.get("answerability_kinds")
        if fact_kinds is not None and not (isinstance(fact_kinds, list) and all(isinstance(k, str) for k in fact_kinds)):
            raise ValueError(f"排序模型文件 {path} 的 answerability_kinds 应为问题类型名的列表（如 [\"date\", \"money\"]）："
                             f"请用 hotline eval --fit 重新拟合")
        if fact_kinds is None and path != DEFAULT_FILE:
            logging.getLogger("hotline.rank").warning(
                "排序模型文件 %s 没有 answerability_kinds（在记录之前拟合）：可答性模型按现有的每一种问题类型计 asks_fact，"
                "包括拟合之后新增的类型；请用 hotline eval --fit --out %s 重新拟合", path, path)
        return cls(LinearModel(**data["ranker"]), LinearModel(**data["answerability"]),
                   float(data["threshold"]), data.get("fitted", {}),
                   LinearModel(sentences["weights"], sentences.get("bias", 0.0)), sentences.get("fitted", {}),
                   retrieval, fact_kinds)

    def order(self, hits: list, facts: list[Fact]) -> list:
        """Candidates (from candidates.Candidates.collect) scored by the ranker times their policy factor,
        best first, a close clause stating the fact asked leading (`stating_first`)."""
        for hit in hits:
            hit.score = self.ranker.probability(hit.features) * hit.policy
        return stating_first(sorted(hits, key=lambda h: h.score, reverse=True), facts, self.retrieval)

    def save(self, path: Path) -> None:
        """Write the models and the retrieval section; the file's other sections (another fit's) are kept."""
        try:
            data = _read(path)
        except ValueError:
            data = {}
        data.update({"ranker": {"weights": self.ranker.weights, "bias": self.ranker.bias},
                     "answerability": {"weights": self.answerability.weights, "bias": self.answerability.bias},
                     "threshold": self.threshold, "fitted": self.fitted,
                     "sentences": {"weights": self.sentences.weights, "bias": self.sentences.bias,
                                   "fitted": self.sentences_fitted},
                     "retrieval": self.retrieval.to_json()})
        if self.fact_kinds is not None:
            data["answerability_kinds"] = self.fact_kinds
        else:  # every kind counted: another fit's list left in the file would say otherwise
            data.pop("answerability_kinds", None)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"无法读取排序模型文件 {path}：{exc}（可用 hotline eval --fit 重新拟合）") from exc


def stating_first(hits: list, facts: list[Fact], retrieval: Retrieval) -> list:
    """A question asking for a date or a number is answered by a close clause that states one: when the
    first hit does not, the one that covers most of the question among those of its own document (the
    closing line, for a cover that names no date) and the next few, covering nearly as much, comes first.
    (Without "nearly as much" the answerability model, fitted on the ranker's order, judges clauses it was
    not fitted on: refusal accuracy fell from 0.58 to 0.40 on the train split, 0.80 to 0.55 on core.) A phone or an
    address is an office's own: for a question naming the office (`offices_unnamed`, Candidates.offices_unnamed), a
    clause that states it of another office does not count, and one of the office asked comes first (知调委电话多少:
    the 知调委 notice's phone before another office's, a hair above it)."""
    top = hits[0] if hits else None

    def answers(h) -> bool:
        return any(fact.in_clause(h.clause) for fact in facts) and not h.offices_unnamed

    if not facts or top is None or answers(top):
        return hits

    def states(h) -> bool:
        return h.coverage >= top.coverage - retrieval.stating_slack and answers(h)

    same = [h for h in hits[1:] if h.document.id == top.document.id]

    def preferred(h) -> tuple[float, float]:
        # of those covering as much, the first document's own, and of its clauses the one it gives first (a guide's
        # 联系电话 before its 投诉电话); others in rank order
        return h.coverage, -h.clause.order if h.document.id == top.document.id else -math.inf

    stating = max((h for h in same + hits[1:retrieval.stating_window] if states(h)), key=preferred, default=None)
    return hits if stating is None else [stating] + [h for h in hits if h is not stating]


def asks_fact(query, kinds: list[str] | None = None) -> bool:
    """Whether the question asks a kind of fact its question kinds state (one of `kinds`, when given): the
    answerability model's asks_fact, the same in the fit (evals/fit.py) and in the decision."""
    asked = set(query.asks) & set(query.kinds.states)
    return bool(asked if kinds is None else asked & set(kinds))


def answer_features(hits: list, asks_fact: bool, unknown_specific: float = 0.0) -> dict[str, float]:
    """The answerability model's view of a ranked list (hits carry `score`, `features` and `missing_specific`)."""
    if not hits:
        return {}
    top = hits[0]
    second = hits[1].score if len(hits) > 1 else 0.0
    f = top.features
    return {
        "top_score": top.score, "margin": top.score - second,
        "top_coverage": f.get("coverage", 0.0), "top_soft_coverage": f.get("soft_coverage", 0.0),
        "top_focus": f.get("focus", 0.0), "top_fact_focus": f.get("fact_focus", 0.0),
        "top_bm25": f.get("bm25", 0.0), "top_dense": f.get("dense", 0.0),
        "top_word_vectors": f.get("word_vectors", 0.0), "missing_specific": top.missing_specific,
        "unknown_specific": unknown_specific, "asks_fact": float(asks_fact),
        "top_precedent": f.get("precedent", 0.0), "refused_precedent": top.refused_precedent,
        "top_asked_about": top.asked_about,
        "fact_stated": f.get("states_fact", 0.0) if asks_fact else 0.0,
    }
