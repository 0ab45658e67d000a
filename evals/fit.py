"""Fit the ranker and the answerability model (`hotline eval --fit`), and measure them leave-one-document-out.

Procedure, the same for a bureau that refits on its own documents and questions:
1. Every question of the fitting sets is searched once; each candidate clause's features (rank.RANK_FEATURES)
   are recorded, with label 1 when it is one of the question's gold clauses (a service item counts with the
   clauses it rests on).
2. The ranker is a logistic regression over those rows (answerable questions only; classes balanced). Its
   regularisation C is chosen by cross-validation grouped by document (no document's questions are both fitted
   and judged), on the mean reciprocal rank of the gold clause in the re-ranked lists' first five (the most
   regularised C of the best). Not hit@1 with the most regularised C within MIN_GAIN: one question of 300 swung
   that choice between 0.1 and 1.0, and C=0.1 ranked worse on bank-dev, bank-dev2 and laws-dev (README, eleventh
   session). The weights of LAYOUT_FEATURES (how a notice labels its items) are then fitted on those questions and
   the notices development sets' together, every other weight held: the fitting sets' documents hardly label an
   item by the fact it states.
3. Each list is re-ranked as the search orders it (a close clause stating the fact asked first; not the search's
   per-region reordering of a question that names no region, which moves the second place of 2 lists in 333) and
   the decision's rules are applied to it (decide.refusal_rule: off-task, a region without documents, no word
   matched, validity or the fact asked not stated; and a sensitive question, refused before the decision).
   The answerability model is a logistic regression over the lists' best candidates (rank.ANSWER_FEATURES),
   label 1 for an answerable question; C is chosen the same way, on log-loss.
4. Its threshold is chosen on the cross-validated probabilities: the highest one at which at most
   `TARGET_FALSE_REFUSALS` of the answerable questions are refused, the rules' refusals counted (the most
   unanswerable ones refused within that bound).
5. The answer's lead sentence: every quotable sentence (or numbered item) of each answerable question's gold
   clauses (sentences.quotable, as the answer has them) gets its features (rank.SENTENCE_FEATURES), label 1 for the
   sentence holding the question's `evidence` quote (or, without one, the most of its `must_mention` facts); the
   same pairwise logistic regression as the ranker, signs held, C chosen by grouped cross-validation on how often
   the sentence led with (sentences.lead_order, as the answer takes it) is the gold one.
The test split (evals/sets/bank-test.jsonl) is never among the fitting sets.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
import statistics
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np

from bot.retrieve.rank import (ANSWER_FEATURES, DEFAULT_FILE, RANK_FEATURES, SENTENCE_FEATURES, LinearModel, Ranking,
                               Retrieval,
                               answer_features, asks_fact, stating_first)
from bot.answer.decide import refusal_rule
from bot.retrieve.kinds import DocumentYears
from bot.retrieve.sentences import lead_order, quotable
from bot.text import normalise_text

TARGET_FALSE_REFUSALS = 0.05
C_GRID = (0.01, 0.1, 1.0, 10.0)
# another retrieval constant (evals/tune.py) is taken only for a gain of at least this much: one question of 300
# is 0.0033, and a gain of one question is noise
MIN_GAIN = 0.005
SETS = Path(__file__).parent / "sets"
FIT_SETS = [SETS / "bank-train.jsonl", SETS / "core.jsonl"]
# How a notice lays out its items (a clause's own label: 申报时间：…, 收费标准). On the fitting sets' documents (laws,
# guides whose labelled fields states_fact and the service items already find, the bureau's policies) this feature
# got weight 0; it is fitted on the questions of the notices development sets as well (fictional notices, each set
# on its own index beside the bureau's four documents), every other weight fitted without it and held (fitted on the
# notices too, every weight moved: laws-dev hit@1 0.719 → 0.667, README twenty-fifth session). evals/tune.py judges
# its settings without them (this feature at the fitting sets' own weight).
LAYOUT_FEATURES = ("heading_kind",)
LAYOUT_SETS = ("dev", "dev2", "dev3", "dev4")
NEUTRAL_FILE = Path(__file__).parent / "neutral-ranking.json"  # every weight 0: for collecting features only


@dataclass
class Candidate:
    clause_id: str
    features: dict[str, float]
    policy: float
    missing_specific: float
    gold: bool
    score: float = 0.0
    refused_precedent: float = 0.0
    asked_about: float = 0.0


@dataclass
class Lead:
    """One gold clause of a question: its quotable sentences' features, and which of them say what was asked."""
    rows: list[dict[str, float]]
    gold: list[bool]


@dataclass
class Sample:
    item: dict
    candidates: list[Candidate]
    asks_fact: bool
    unknown_specific: float
    group: str = ""
    ranked: list[Candidate] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    # what the decision's rules read (decide.refusal_rule): the parsed question, its hits by clause id, whether
    # the region it names has documents, the off-task list and the retrieval constants it was searched with;
    # `rule` is their verdict on the latest ranking
    query: object = None
    hits: dict = field(default_factory=dict)
    region_has_documents: bool = True
    sensitive: bool = False  # refused before the decision (a complaint about staff): a rule's refusal too
    offtask: object = None
    retrieval: Retrieval | None = None
    years_of: Callable[[str], DocumentYears | None] | None = None  # IndexVersion.years_of
    rule: str | None = None
    unasked: bool = False  # searched as if nobody had asked about its documents before (collect)


def _bare(text: str) -> str:
    return "".join(normalise_text(text).split()).rstrip("。；;：:，")


def gold_sentences(item: dict, texts: list[str]) -> list[bool]:
    """The sentences that hold the question's evidence quote (or that a quote spanning several is made of); without
    a quote, those holding the most of its must_mention facts."""
    quote = _bare(item.get("evidence") or "")
    bare = [_bare(t) for t in texts]
    if quote:
        return [bool(b) and (quote in b or (len(b) >= 6 and b in quote)) for b in bare]
    facts = [_bare(m) for m in item.get("must_mention") or []]
    counts = [sum(f in b for f in facts) for b in bare]
    top = max(counts, default=0)
    return [top > 0 and n == top for n in counts]


def leads(retriever, item: dict, query) -> list[Lead]:
    """Each gold clause (not a service item) with two quotable sentences or more (sentences.quotable: what an
    answer may lead with), one of them gold and one not."""
    if not item.get("answerable"):
        return []
    concepts = retriever.concepts(query)
    out = []
    for clause_id in item.get("gold") or []:
        clause = retriever.records.clauses.get(clause_id)
        if clause is None or clause_id in retriever.records.items:
            continue
        rows = quotable(retriever.sentences.features(query, concepts, clause), clause.heading, retriever.offtask)
        gold = gold_sentences(item, [u.text for u, _ in rows])
        if any(gold) and not all(gold):
            out.append(Lead([f for _, f in rows], gold))
    return out


def collect(retriever, items: list[dict], kinds: list[str] | None = None) -> list[Sample]:
    """Search every question, keeping every candidate's features: once as the product would, the past questions of
    the items' own sets lending nothing (precedents.Precedents.holding_out), and, when there are past questions, once
    more as if nobody had asked about the question's documents yet (a document a bureau has just added), so that
    the models learn to do without them as well as with them. `kinds`: the kinds of fact asks_fact counts (None:
    every kind the question kinds state)."""
    from evals.run import documents_of

    with retriever.precedents.holding_out(items):
        samples = _collect(retriever, items, kinds=kinds)
        if len(retriever.precedents):
            for item in items:
                with retriever.precedents.holding_out(documents=documents_of(item)):
                    samples += [replace(s, unasked=True)
                                for s in _collect(retriever, [item], with_leads=False, kinds=kinds)]
    return samples


def _collect(retriever, items: list[dict], with_leads: bool = True, kinds: list[str] | None = None) -> list[Sample]:
    samples = []
    for item in items:
        as_of = date.fromisoformat(item["as_of"]) if item.get("as_of") else None
        query = retriever.parse(item["question"], item.get("region"), as_of)
        hits = retriever.search(query, k=None)
        gold = set(item.get("gold") or [])
        candidates = []
        for h in hits:
            cited = {h.clause.id}
            if h.clause.id in retriever.records.items:
                cited |= set(retriever.records.items[h.clause.id].basis_list)
            # a service item counts with the clauses it rests on only for a question about the service: a policy
            # question is answered from the policy (the eval's hit@k counts it either way)
            answers = bool(cited & gold) and (h.clause.id in gold or not h.features["off_service_item"])
            candidates.append(Candidate(h.clause.id, dict(h.features), h.policy, h.missing_specific, answers,
                                        refused_precedent=h.refused_precedent, asked_about=h.asked_about))
        group = item.get("doc") or (sorted(gold)[0].split(":")[0] if gold else "unanswerable")
        samples.append(Sample(item, candidates, asks_fact(query, kinds), retriever.unknown_specific(query), group,
                              leads=leads(retriever, item, query) if with_leads else [], query=query,
                              hits={h.clause.id: h for h in hits},
                              region_has_documents=retriever.region_has_documents(query),
                              sensitive=retriever.is_sensitive(query, item["question"]),
                              offtask=retriever.offtask, retrieval=retriever.ranking.retrieval,
                              years_of=retriever.index.years_of))
    return samples


def _matrix(rows: list[dict[str, float]], names) -> np.ndarray:
    return np.array([[r.get(n, 0.0) for n in names] for r in rows], dtype=float)


def _calibration(scores: np.ndarray, gold: np.ndarray):
    """A one-feature logistic fit of gold-or-not on the pairwise score (its scale and bias)."""
    from sklearn.linear_model import LogisticRegression

    if len(set(gold.tolist())) < 2:
        raise ValueError("拟合集的候选条款需要同时有正确和不正确的，才能把排序分数换算为概率")
    return LogisticRegression(C=1.0, max_iter=2000).fit(scores, gold)


def _pairs(samples: list[Sample], names: list[str]) -> tuple[np.ndarray, np.ndarray, list, list]:
    """Each gold clause minus each other candidate of the same question, each pair followed by its mirror (with the
    pairs' labels), and every candidate's features with whether it is gold."""
    diffs, rows, gold_rows = [], [], []
    for s in samples:
        if not s.item.get("answerable") or not s.candidates:  # nothing found (a region without documents)
            continue
        features = _matrix([c.features for c in s.candidates], names)
        gold = np.array([c.gold for c in s.candidates], dtype=bool)
        # (as arrays: a refit in each of evals/tune.py's folds must take seconds)
        d = (features[gold][:, None, :] - features[~gold][None, :, :]).reshape(-1, len(names))
        diffs.append(np.stack([d, -d], axis=1).reshape(-1, len(names)))
        rows.append(features)
        gold_rows.append(gold)
    X = np.vstack(diffs) if diffs else np.zeros((0, len(names)))
    return X, np.tile([1, 0], len(X) // 2), rows, gold_rows


def fit_ranker(samples: list[Sample], C: float, layout: list[Sample] = ()) -> LinearModel:
    """Pairwise logistic regression (each gold clause against each other candidate of the same question, on the
    difference of their features), then a one-feature logistic fit of the pairwise score to gold-or-not that
    turns it into a probability (a scale and a bias). `layout`: questions on notices, on which LAYOUT_FEATURES'
    weights are then fitted, every other weight held as `samples` fitted it."""
    names = list(RANK_FEATURES)
    X, signs, rows, gold_rows = _pairs(samples, names)
    if not len(X):
        raise ValueError("拟合集没有可回答且检索到正确条款的问题，无法拟合排序模型")
    free = [names.index(n) for n in LAYOUT_FEATURES if n in names] if len(layout) else []
    if free:  # the others are fitted without them, as they will be held beside the weights the notices give them
        X = X.copy()
        X[:, free] = 0.0
    w = _signed_logistic(X, signs, C, names, RANK_AGAINST)[0]
    if free:
        XL, signsL, _, _ = _pairs([*samples, *layout], names)
        held = w.copy()
        held[free] = 0.0
        w[free] = _signed_logistic(XL[:, free], signsL, C, [names[i] for i in free], RANK_AGAINST,
                                   offset=XL @ held)[0]
    direction = dict(zip(names, w))
    raw = (np.vstack(rows) @ w)[:, None]
    calibration = _calibration(raw, np.concatenate(gold_rows))
    scale, bias = float(calibration.coef_[0][0]), float(calibration.intercept_[0])
    return LinearModel({n: round(scale * float(w), 4) for n, w in direction.items()}, round(bias, 4))


# Features that can only speak against a candidate (or an answer); every other one can only speak for it (more of the question
# covered, a closer vector, the fact stated never makes a clause a worse answer). Fitted weights are held to
# these signs: with few questions of a kind, collinear features (BM25 and RRF, an item's name and its heading
# words) otherwise take opposite signs that fit the train split and nothing else.
RANK_AGAINST = {"off_service_item", "asked_about"}
ANSWER_AGAINST = {"asks_fact", "missing_specific", "unknown_specific", "refused_precedent", "top_asked_about"}


def _signed_logistic(X: np.ndarray, y: np.ndarray, C: float, names: list[str], against: set[str],
                     intercept: bool = False, offset: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Logistic regression, L2-regularised like sklearn's (C), classes balanced, each weight held to its sign:
    ≤ 0 for the features in `against`, ≥ 0 for the others; `offset`: each row's score from weights held. Returns
    (weights, intercept)."""
    from scipy.optimize import minimize

    sign = np.where(y > 0, 1.0, -1.0)
    share = {v: float(np.mean(sign == v)) for v in (1.0, -1.0)}
    weight = np.array([0.5 / share[v] for v in sign])  # balanced, as sklearn's class_weight="balanced"
    Xb = np.hstack([X, np.ones((len(X), 1))]) if intercept else X

    held = np.zeros(len(X)) if offset is None else offset

    def loss(w):
        margin = sign * (Xb @ w + held)
        reg = w[:X.shape[1]]
        value = (weight * np.logaddexp(0.0, -margin)).sum() + reg @ reg / (2 * C)
        grad = -(Xb.T @ (weight * sign / (1.0 + np.exp(margin))))
        grad[:X.shape[1]] += reg / C
        return value, grad

    bounds = [(None, 0.0) if n in against else (0.0, None) for n in names] + ([(None, None)] if intercept else [])
    w = minimize(loss, np.zeros(Xb.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds).x
    return w[:X.shape[1]], float(w[-1]) if intercept else 0.0


def rerank(samples: list[Sample], ranker: LinearModel, retrieval: Retrieval | None = None) -> None:
    """Order each sample's candidates as the search does (rank.Ranking.order: the ranker's score times the policy
    factor, a close clause stating the fact asked first) and record whether a rule of the decision refuses."""
    for s in samples:
        for c in s.candidates:
            c.score = ranker.probability(c.features) * c.policy
        s.ranked = sorted(s.candidates, key=lambda c: c.score, reverse=True)
        if s.query is None:  # a sample built without its question (a test's): the ranker's order alone
            continue
        hits = [s.hits[c.clause_id] for c in s.ranked]
        for h, c in zip(hits, s.ranked):
            h.score = c.score
        hits = stating_first(hits, s.query.facts(), retrieval or s.retrieval or Retrieval.shipped())
        by_id = {c.clause_id: c for c in s.candidates}
        s.ranked = [by_id[h.clause.id] for h in hits]
        s.rule = "sensitive" if s.sensitive else \
            refusal_rule(s.query, hits, s.region_has_documents, s.offtask, s.years_of)


# the out-of-fold "probability" of a question one of the decision's rules refuses: below every threshold
RULED = -1.0


def decided(samples: list[Sample], model: LinearModel) -> list[float]:
    """The answerability model's probability for each sample as last ranked, RULED where a rule refuses first."""
    return [RULED if s.rule else model.probability(row) for s, row in zip(samples, answer_rows(samples))]


class _View:
    """A candidate as rank.answer_features reads a Hit."""

    def __init__(self, c: Candidate):
        self.score, self.features, self.missing_specific = c.score, c.features, c.missing_specific
        self.refused_precedent, self.asked_about = c.refused_precedent, c.asked_about


def answer_rows(samples: list[Sample]) -> list[dict[str, float]]:
    return [answer_features([_View(c) for c in s.ranked[:2]], s.asks_fact, s.unknown_specific) for s in samples]


def fit_answerability(samples: list[Sample], C: float) -> LinearModel:
    """Fitted on every question (fitted on only those the rules leave, it refused more answerable ones: bank train
    false refusals 0.048 → 0.070 for refusal accuracy 0.641 → 0.660)."""
    names = list(ANSWER_FEATURES)
    y = np.array([bool(s.item["answerable"]) for s in samples])
    if len(set(y.tolist())) < 2:
        raise ValueError("拟合集需要同时有可回答和不可回答的问题")
    w, b = _signed_logistic(_matrix(answer_rows(samples), names), y, C, names, ANSWER_AGAINST, intercept=True)
    return LinearModel({n: round(float(v), 4) for n, v in zip(names, w)}, round(b, 4))


def _questions(samples: list[Sample]) -> list[dict]:
    """The questions fitted on, each once (collect searches most of them twice)."""
    return list({id(s.item): s.item for s in samples}.values())


def hit_at(samples: list[Sample], k: int) -> float:
    answerable = [s for s in samples if s.item.get("answerable")]
    return sum(any(c.gold for c in s.ranked[:k]) for s in answerable) / max(1, len(answerable))


def refusal_figures(samples: list[Sample], probabilities: list[float], threshold: float) -> tuple[float, float]:
    """(false refusals among answerable, refusal accuracy among unanswerable) at `threshold`, the rules' refusals
    (RULED) counted."""
    answerable = [p for s, p in zip(samples, probabilities) if s.item["answerable"]]
    unanswerable = [p for s, p in zip(samples, probabilities) if not s.item["answerable"]]
    fr = sum(p < threshold for p in answerable) / max(1, len(answerable))
    ra = sum(p < threshold for p in unanswerable) / max(1, len(unanswerable))
    return fr, ra


def choose_threshold(samples: list[Sample], probabilities: list[float]) -> float:
    """The highest threshold whose false refusals, the rules' own counted, stay within TARGET_FALSE_REFUSALS."""
    best = 0.0
    for t in sorted(set(probabilities) - {RULED}):
        fr, _ = refusal_figures(samples, probabilities, t)
        if fr <= TARGET_FALSE_REFUSALS:
            best = t
    return float(best)


def folds(samples: list[Sample], n: int = 5) -> list[tuple[list[Sample], list[Sample]]]:
    """Grouped by document: each fold judges whole documents the fit never saw."""
    groups = sorted({s.group for s in samples})
    order = {g: i % n for i, g in enumerate(sorted(groups, key=lambda g: hash_str(g)))}
    return [([s for s in samples if order[s.group] != k], [s for s in samples if order[s.group] == k])
            for k in range(min(n, len(groups)))]


def hash_str(text: str) -> int:
    import zlib

    return zlib.crc32(text.encode())


SENTENCE_AGAINST = {"lead_in"}


def fit_sentences(samples: list[Sample], C: float) -> LinearModel:
    """Pairwise logistic regression over each gold clause's sentences (each gold sentence against each other one of
    the same clause, on the difference of their features), signs held. Only the order matters: no calibration."""
    names = list(SENTENCE_FEATURES)
    diffs, signs = [], []
    for lead in (lead for s in samples for lead in s.leads):
        for g, gold in zip(lead.rows, lead.gold):
            for o, other in zip(lead.rows, lead.gold):
                if gold and not other:
                    d = [g.get(n, 0.0) - o.get(n, 0.0) for n in names]
                    diffs += [d, [-x for x in d]]
                    signs += [1, 0]
    if not diffs:
        raise ValueError("拟合集没有能定位到答案句的问题（evidence 或 must_mention），无法拟合答案首句模型")
    w, _ = _signed_logistic(np.array(diffs), np.array(signs), C, names, SENTENCE_AGAINST)
    return LinearModel({n: round(float(v), 4) for n, v in zip(names, w)}, 0.0)


def led_with(lead: Lead, model: LinearModel) -> int:
    """The sentence the answer leads with: the first of sentences.lead_order, as extractive.best_sentences takes it."""
    return lead_order([model.logit(f) for f in lead.rows], [bool(f.get("states_fact")) for f in lead.rows])[0]


def lead_accuracy(samples: list[Sample], model: LinearModel) -> float:
    """Share of the gold clauses whose lead sentence is a gold one."""
    found = [lead.gold[led_with(lead, model)] for s in samples for lead in s.leads]
    return round(sum(found) / max(1, len(found)), 3)


def cross_validated_sentences(samples: list[Sample], C: float) -> float:
    """Lead accuracy, each question's clauses judged by the fit of the fold that left its document out."""
    found = []
    for train, test in folds(samples):
        if any(s.leads for s in train):
            model = fit_sentences(train, C)
            found += [lead.gold[led_with(lead, model)] for s in test for lead in s.leads]
    return round(sum(found) / max(1, len(found)), 3)


def fit_sentence_model(samples: list[Sample]) -> tuple[LinearModel, dict]:
    """The sentence model with C chosen by grouped cross-validation, and what it was fitted on."""
    scores = {C: cross_validated_sentences(samples, C) for C in C_GRID}
    C = max(C_GRID, key=lambda c: (scores[c], -c))  # the most regularised of the best
    model = fit_sentences(samples, C)
    return model, {"procedure": "evals/fit.py", "C": C, "clauses": sum(len(s.leads) for s in samples),
                   "date": date.today().isoformat(), "in_sample_lead_accuracy": lead_accuracy(samples, model),
                   "literal_coverage_lead_accuracy": lead_accuracy(samples, LinearModel({"coverage": 1.0})),
                   "cross_validated_by_document": {"lead_accuracy": scores[C]}}


def fit_all(samples: list[Sample], C_rank: float, C_answer: float, retrieval: Retrieval | None = None,
            layout: list[Sample] = ()) -> Ranking:
    ranker = fit_ranker(samples, C_rank, layout)
    rerank(samples, ranker, retrieval)
    answerability = fit_answerability(samples, C_answer)
    return Ranking(ranker, answerability, 0.5)


def cross_validated(samples: list[Sample], C_rank: float, C_answer: float,
                    layout: list[Sample] = ()) -> tuple[list[float], dict]:
    """Out-of-fold answerability probabilities, and hit@1/@5 and MRR@5 of the out-of-fold rankings (each question
    ranked by the fit of the fold that left its document out, recorded before a later fold re-ranks it
    in-sample)."""
    probabilities: dict[int, float] = {}
    ranks: dict[int, int | None] = {}  # the gold clause's place in the first five, from 1
    for train, test in folds(samples):
        ranking = fit_all(train, C_rank, C_answer, layout=layout)  # (the notices' documents are none of samples')
        rerank(test, ranking.ranker)
        for s, p in zip(test, decided(test, ranking.answerability)):
            probabilities[id(s)] = p
            ranks[id(s)] = next((n for n, c in enumerate(s.ranked[:5], start=1) if c.gold), None)
    answerable = [ranks[id(s)] for s in samples if s.item.get("answerable")] or list(ranks.values())
    return [probabilities[id(s)] for s in samples], {
        "hit@1": round(sum(r == 1 for r in answerable) / len(answerable), 3),
        "hit@5": round(sum(r is not None for r in answerable) / len(answerable), 3),
        "mrr@5": round(sum(1 / r for r in answerable if r) / len(answerable), 4)}


def choose_C(samples: list[Sample], layout: list[Sample] = ()) -> tuple[float, float]:
    best_answer = (math.inf, 1.0)
    mrr = {C: cross_validated(samples, C, 1.0, layout)[1]["mrr@5"] for C in C_GRID}
    C_rank = max(C_GRID, key=lambda C: (mrr[C], -C))
    for C in C_GRID:
        probs, _ = cross_validated(samples, C_rank, C, layout)
        y = [bool(s.item["answerable"]) for s in samples]
        judged = [(p, t) for p, t in zip(probs, y) if p != RULED]
        loss = -statistics.fmean(math.log(max(1e-9, p if t else 1 - p)) for p, t in judged) if judged else 0.0
        if loss < best_answer[0]:
            best_answer = (loss, C)
    return C_rank, best_answer[1]


def fit(samples: list[Sample], sources: list[str], kept: Ranking | None = None, layout: list[Sample] = (),
        layout_sources: list[str] = ()) -> Ranking:
    """The whole procedure of the module docstring; the result records what it was fitted on and its CV figures.
    `kept`: a ranking whose sentence model and fact kinds are kept as they are (the samples collected with its
    kinds), the ranker and the answerability model refitted."""
    C_rank, C_answer = choose_C(samples, layout)
    probabilities, figures = cross_validated(samples, C_rank, C_answer, layout)
    threshold = choose_threshold(samples, probabilities)
    fr, ra = refusal_figures(samples, probabilities, threshold)
    ranking = fit_all(samples, C_rank, C_answer, layout=layout)
    ranking.threshold = round(threshold, 4)
    if kept is not None:
        ranking.fact_kinds, ranking.sentences, ranking.sentences_fitted = \
            kept.fact_kinds, kept.sentences, kept.sentences_fitted
    else:
        # the kinds the samples' asks_fact counted (collect: every kind the fitting indexes' question kinds state)
        ranking.fact_kinds = sorted({k for s in samples if s.query is not None for k in s.query.kinds.states}) or None
        ranking.sentences, ranking.sentences_fitted = fit_sentence_model(samples)
        ranking.sentences_fitted["on"] = sources
    ranking.fitted = {
        "on": sources, "questions": len(_questions(samples)),
        "answerable": sum(bool(item["answerable"]) for item in _questions(samples)),
        "documents": len({s.group for s in samples}), "procedure": "evals/fit.py", "C_ranker": C_rank,
        **({"layout_features": list(LAYOUT_FEATURES), "layout_on": list(layout_sources),
            "layout_questions": len(_questions(list(layout)))} if layout else {}),
        "C_answerability": C_answer, "date": date.today().isoformat(),
        "cross_validated_by_document": {**figures, "false_refusals": round(fr, 3), "refusal_accuracy": round(ra, 3)},
        # answerable questions a rule refuses (as the final fit ranks them), by reason: false refusals no threshold
        # can lower (a fact kind misread, a pattern that misses how the documents state it)
        "rules_refuse_answerable": dict(Counter(s.rule.split(" p=")[0] for s in samples
                                                if s.rule and s.item["answerable"]).most_common()),
    }
    return ranking


def leave_one_document_out(samples: list[Sample], C_rank: float, C_answer: float,
                           C_sentences: float = 1.0, kept: LinearModel | None = None,
                           layout: list[Sample] = ()) -> dict[str, dict]:
    """For each document: fitted on all other documents' questions, judged on its own (ranking and decision as
    the fitted models make them; the answer text itself is not composed here). `kept`: a lead-sentence model kept
    as it is (--keep-from), judged instead of one fitted without the document."""
    out = {}
    for group in sorted({s.group for s in samples}):
        train = [s for s in samples if s.group != group]
        test = [s for s in samples if s.group == group]
        probabilities, _ = cross_validated(train, C_rank, C_answer, layout)
        threshold = choose_threshold(train, probabilities)
        ranking = fit_all(train, C_rank, C_answer, layout=layout)
        rerank(test, ranking.ranker)
        probs = decided(test, ranking.answerability)
        leads = [lead for s in test for lead in s.leads]
        sentences = kept or (fit_sentences(train, C_sentences) if leads else None)
        out[group] = {**_judged(test, probs, threshold),
                      # the answer's lead sentence, by a sentence model fitted without this document (or kept)
                      "leads": len(leads),
                      "lead": round(sum(lead.gold[led_with(lead, sentences)] for lead in leads) / len(leads), 3)
                      if leads else 0.0,
                      # as searched with the document's past questions (as the product does) and without them (as
                      # for a document just added): collect searches most questions both ways
                      **{view: _judged([s for s in test if s.unasked == unasked],
                                       [p for s, p in zip(test, probs) if s.unasked == unasked], threshold)
                         for view, unasked in (("asked", False), ("unasked", True))}}
    return out


def _judged(test: list[Sample], probs: list[float], threshold: float) -> dict:
    fr, ra = refusal_figures(test, probs, threshold) if test else (0.0, 0.0)
    return {"n": len(test), "hit@1": round(hit_at(test, 1), 3), "hit@5": round(hit_at(test, 5), 3),
            "false_refusals": round(fr, 3), "refusal_accuracy": round(ra, 3),
            "answerable": sum(bool(s.item["answerable"]) for s in test)}


def pooled(per_document: dict[str, dict]) -> dict[str, float]:
    """Figures over all questions of a leave-one-document-out run (each judged by a fit without its document)."""
    n_ans = sum(v["answerable"] for v in per_document.values()) or 1
    n_un = sum(v["n"] - v["answerable"] for v in per_document.values()) or 1
    return {
        "hit@1": round(sum(v["hit@1"] * v["answerable"] for v in per_document.values()) / n_ans, 3),
        "hit@5": round(sum(v["hit@5"] * v["answerable"] for v in per_document.values()) / n_ans, 3),
        "false_refusals": round(sum(v["false_refusals"] * v["answerable"] for v in per_document.values()) / n_ans, 3),
        "refusal_accuracy": round(sum(v["refusal_accuracy"] * (v["n"] - v["answerable"])
                                      for v in per_document.values()) / n_un, 3),
        "lead": round(sum(v.get("lead", 0.0) * v.get("leads", 0) for v in per_document.values())
                      / (sum(v.get("leads", 0) for v in per_document.values()) or 1), 3),
    }


def shipped_sets(data_dir: Path) -> list[tuple[Path, object]]:
    """The shipped fit's data: the bank's train split on the bank's knowledge base, and the core set on the
    bureau's own four documents (its knowledge base: what a question about a topic they lack looks like there).
    Core questions about a document of the frozen test split are left out, so that no test document is seen."""
    from bot.config import Settings
    from evals import bank
    from ingest.build import ingest

    core = Settings(data_dir=data_dir / "eval-core", knowledge_dir=bank.ROOT / "knowledge")
    ingest([core.knowledge_dir], core, progress=False)
    return [(FIT_SETS[0], bank.build(data_dir / "eval-bank")), (FIT_SETS[1], core)]


def layout_sets(data_dir: Path) -> list[tuple[Path, object]]:
    """The notices development sets LAYOUT_FEATURES are fitted on, each on an index of the bureau's four documents
    and its notices (evals/notices-dev…, shipped with the code)."""
    from evals import bank

    return [(SETS / f"notices-{which}.jsonl",
             bank.build(data_dir / f"eval-notices-{which}", paths=bank.notice_paths(which))) for which in LAYOUT_SETS]


def prepared(pairs) -> list[tuple[object, list[dict]]]:
    """Each fitting set's retriever and questions (gold clauses resolved; questions about a test document left
    out)."""
    from bot.service import Assistant
    from evals.import_blind import is_test
    from evals.run import load_set, resolve_gold

    out = []
    for path, settings in pairs:
        # features do not depend on the weights: a ranking file that no longer loads (a feature renamed) must
        # not stop the refit that replaces it
        try:
            Ranking.load(settings.ranking_file)
        except ValueError:
            settings = settings.model_copy(update={"ranking_file": NEUTRAL_FILE})
        retriever = Assistant(settings).retriever()
        loaded = load_set(path)
        for line in resolve_gold(loaded, retriever.records):
            print(f"注意：{line}", file=sys.stderr)
        out.append((retriever, [i for i in loaded if not any(is_test(g.split(":")[0]) for g in i.get("gold") or [])]))
    return out


def retrieval_in(path: Path | None) -> Retrieval | None:
    """The retrieval section of an existing output file (a bureau's own, perhaps written by evals/tune.py), if any."""
    if path is None or not path.exists():
        return None
    try:
        section = json.loads(path.read_text(encoding="utf-8")).get("retrieval")
    except ValueError as exc:
        raise ValueError(f"无法读取 {path}：{exc}") from exc
    return Retrieval.from_json(section) if section else None


def kept_ranking(path: Path) -> Ranking:
    """The ranking file `--keep-from` names, which must hold its own lead-sentence model and answerability kinds (a
    file without them would lend the shipped file's, or every kind, unsaid); ValueError saying how to fix it."""
    fix = "请给出一个由 hotline eval --fit 写出的排序模型文件，如 bot/retrieve/ranking.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        missing = [k for k in ("sentences", "answerability_kinds", "ranker", "answerability") if k not in data]
        if missing:
            raise ValueError(f"缺少 {'、'.join(missing)}")
        return Ranking.load(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"--keep-from 的文件 {path} 无法沿用（{exc}）；{fix}") from exc


def main(settings, set_paths: list[Path] | None, out: Path | None, lodo: bool = False,
         keep_from: Path | None = None) -> int:
    """`hotline eval --fit`: fit on the shipped sets (or `set_paths` on the settings' index) and write the file;
    `keep_from`: a ranking file whose sentence model and fact kinds are kept (`fit`'s `kept`)."""
    kept = None
    if keep_from is not None:
        try:
            kept = kept_ranking(keep_from)
        except ValueError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
    pairs = [(p, settings) for p in set_paths] if set_paths else shipped_sets(Path(settings.data_dir))
    tuned = retrieval_in(out)

    def searched(pairs):  # `python -m evals.tune --out X` then `--fit --out X`: fit around X's constants
        loaded = prepared(pairs)
        return loaded if tuned is None else [(r.with_ranking(replace(r.ranking, retrieval=tuned)), items)
                                             for r, items in loaded]

    loaded = searched(pairs)
    kinds = kept.fact_kinds if kept else None
    samples = [s for retriever, items in loaded for s in collect(retriever, items, kinds)]
    layout_pairs = layout_sets(Path(settings.data_dir))
    layout = [replace(s, group=f"{path.stem}:{s.group}")  # fictional documents: none of the fitting sets'
              for (path, _), (retriever, items) in zip(layout_pairs, searched(layout_pairs))
              for s in collect(retriever, items, kinds)]
    set_paths = [p for p, _ in pairs]
    ranking = fit(samples, [p.name for p in set_paths], kept, layout, [p.name for p, _ in layout_pairs])
    # the retrieval constants the features were collected with, kept as found (evals/tune.py chooses them)
    ranking.retrieval = loaded[0][0].ranking.retrieval
    target = out or settings.ranking_file or DEFAULT_FILE
    ranking.save(target)
    cv = ranking.fitted["cross_validated_by_document"]
    ruled = ranking.fitted["rules_refuse_answerable"]
    if sum(ruled.values()) > TARGET_FALSE_REFUSALS * ranking.fitted["answerable"]:
        print(f"注意：规则本身已拒答 {sum(ruled.values())} 道可回答的题（{ruled}），多于目标误拒率 "
              f"{TARGET_FALSE_REFUSALS:.0%}，阈值无法弥补：请检查 knowledge/question_kinds.yaml 对这些题的问法和答句的判断",
              file=sys.stderr)
    print(f"已拟合：{ranking.fitted['questions']} 题（{len(samples)} 次检索），{ranking.fitted['documents']} 组文档；"
          f"写入 {target}")
    print(f"按文档交叉验证：hit@1 {cv['hit@1']:.3f}  hit@5 {cv['hit@5']:.3f}  误拒 {cv['false_refusals']:.3f}  "
          f"拒答正确率 {cv['refusal_accuracy']:.3f}  阈值 {ranking.threshold:.3f}")
    for name, w in sorted(ranking.ranker.weights.items(), key=lambda kv: -abs(kv[1])):
        print(f"  排序 {name:18s} {w:+.3f}")
    for name, w in sorted(ranking.answerability.weights.items(), key=lambda kv: -abs(kv[1])):
        print(f"  可答 {name:18s} {w:+.3f}")
    lead = ranking.sentences_fitted
    if kept is not None:
        print(f"答案首句：沿用 {keep_from} 的模型（未重新拟合）")
    else:
        print(f"答案首句：{lead['clauses']} 个条款，按文档交叉验证首句正确率 "
              f"{lead['cross_validated_by_document']['lead_accuracy']:.3f}"
              f"（只按字面覆盖 {lead['literal_coverage_lead_accuracy']:.3f}）")
    for name, w in sorted(ranking.sentences.weights.items(), key=lambda kv: -abs(kv[1])):
        print(f"  首句 {name:18s} {w:+.3f}")
    if lodo:
        per_doc = leave_one_document_out(samples, ranking.fitted["C_ranker"], ranking.fitted["C_answerability"],
                                         ranking.sentences_fitted.get("C", 1.0),
                                         kept=kept.sentences if kept is not None else None, layout=layout)
        for doc, v in per_doc.items():
            print(f"  留一 {doc[:40]:40s} n={v['n']:3d} hit@1={v['hit@1']:.3f} hit@5={v['hit@5']:.3f} "
                  f"误拒={v['false_refusals']:.3f} 拒答正确={v['refusal_accuracy']:.3f} 首句={v['lead']:.3f}")
        p = pooled(per_doc)
        print(f"留一文档合计：hit@1 {p['hit@1']:.3f}  hit@5 {p['hit@5']:.3f}  误拒 {p['false_refusals']:.3f}  "
              f"拒答正确率 {p['refusal_accuracy']:.3f}  首句正确率 {p['lead']:.3f}")
        for view, label in (("asked", "有该文档的历史问题"), ("unasked", "没有该文档的历史问题（如新上传的文件）")):
            v = pooled({doc: figures[view] for doc, figures in per_doc.items() if figures[view]["n"]})
            print(f"  其中{label}：hit@1 {v['hit@1']:.3f}  hit@5 {v['hit@5']:.3f}  误拒 {v['false_refusals']:.3f}  "
                  f"拒答正确率 {v['refusal_accuracy']:.3f}")
    return 0
