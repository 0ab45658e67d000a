"""Where to set COVERAGE_MIN (bot/answer/claims.py): how much of a sentence's content its cited clause covers,
for sentences that are supported and for sentences that are not.

Supported: every sentence (of three content words or more) of the extractive answers to the answerable questions of evals/sets/core.jsonl,
checked against the clause it quotes, as quoted and paraphrased (each second content word swapped for a
general-language synonym the clause does not use: 词林, else the nearest word vector). Unsupported: the same
sentences checked against a clause of another document, picked at random (seeded) and picked as the nearest
such clause among the question's top five hits (what a model would mis-cite). Prints the pass rates at each
threshold and the one that separates paraphrases from near mis-citations best.

    python -m evals.claim_coverage [--set FILE] [--json]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from bot.answer.claims import COVERAGE_MIN, Coverage, Evidence, coverage_for
from bot.answer.generative import _MARKER, _sentences
from bot.config import Settings
from bot.models import Citation
from bot.service import Assistant
from evals.run import DEFAULT_SET, load_set

THRESHOLDS = [round(0.05 * i, 2) for i in range(4, 19)]
MIN_WORDS = 3  # a heading line of a service item (办事要点) claims nothing


def quoted_sentences(answer_text: str) -> list[tuple[str, list[int]]]:
    """(sentence, the markers of the quote it belongs to): an extractive answer marks a quote once, at its end."""
    body = answer_text.split("\n\n依据")[0]
    out = []
    for block, marks in re.findall(r"(.*?)((?:\[\d+\])+)", body, re.S):
        numbers = [int(n) for n in _MARKER.findall(marks)]
        for sentence in _sentences(block):
            if re.search(r"[\u4e00-\u9fff]{4}", sentence):
                out.append((sentence, numbers))
    return out


def paraphrase(sentence: str, clause_text: str, coverage: Coverage) -> str:
    """Each second content word swapped for a synonym the clause does not use (where one is known)."""
    resource = coverage.retriever.soft.resource
    if resource is None:
        return sentence
    for i, word in enumerate(coverage.words(sentence)):
        if i % 2 or word not in sentence:
            continue
        candidates = [m for m in resource.groups.get(word, ()) if m not in clause_text]
        v = resource.vector(word)
        if not candidates and v is not None:
            sims = np.asarray(resource.vectors) @ v
            for j in np.argsort(-sims)[1:6]:
                if sims[j] >= coverage.retriever.ranking.retrieval.soft_min_similarity and resource.words[j] not in clause_text:
                    candidates.append(resource.words[j])
                    break
        if candidates:
            sentence = sentence.replace(word, candidates[0], 1)
    return sentence


def measure(settings: Settings, items: list[dict]) -> dict:
    assistant = Assistant(settings)
    retriever = assistant.retriever()
    coverage = coverage_for(retriever)
    rng = random.Random(16)
    clauses = list(retriever.records.clauses.values())
    scores: dict[str, list[float]] = {"verbatim": [], "paraphrase": [], "other_random": [], "other_near": []}
    examples = []
    for item in items:
        if not item.get("answerable"):
            continue
        answer = assistant.ask(item["question"], region=item.get("region"))
        if not answer.grounded or answer.composer != "extractive":
            continue
        by_n = {c.n: c for c in answer.citations}
        hits = retriever.search(retriever.parse(item["question"], item.get("region")), k=5)
        for sentence, numbers in quoted_sentences(answer.answer):
            cited = [by_n[n] for n in numbers if n in by_n]
            if not cited or len(coverage.words(sentence)) < MIN_WORDS:
                continue
            own = Evidence.of(cited).text
            docs = {c.clause_id.split(":")[0] for c in cited}
            scores["verbatim"].append(coverage(sentence, own))
            changed = paraphrase(sentence, own, coverage)
            scores["paraphrase"].append(coverage(changed, own))
            if len(examples) < 5 and changed != sentence:
                examples.append({"sentence": sentence, "paraphrase": changed, "coverage": scores["paraphrase"][-1]})
            others = [c for c in clauses if c.doc_id not in docs]
            wrong = rng.choice(others)
            scores["other_random"].append(coverage(sentence, Evidence.of([_as_citation(retriever, wrong)]).text))
            near = [h for h in hits if h.document.id not in docs]
            if near:
                scores["other_near"].append(coverage(sentence, Evidence.of([_as_citation(retriever, near[0].clause)]).text))
    rates = {name: {t: round(sum(s >= t for s in values) / len(values), 3) if values else 0.0 for t in THRESHOLDS}
             for name, values in scores.items()}
    best = max(THRESHOLDS, key=lambda t: (rates["paraphrase"][t] - rates["other_near"][t], t))
    return {"sentences": {k: len(v) for k, v in scores.items()},
            "median": {k: round(float(np.median(v)), 3) if v else 0.0 for k, v in scores.items()},
            "pass_rate": rates, "best_threshold": best, "in_use": COVERAGE_MIN, "examples": examples}


def _as_citation(retriever, clause) -> Citation:
    from bot.answer.extractive import make_citation

    return make_citation(1, clause, retriever.records.documents[clause.doc_id], 1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="claims-") as tmp:
        from ingest.build import ingest

        settings = Settings(data_dir=Path(tmp), embedder="fitted", llm_base_url="", _env_file=None)
        ingest([settings.knowledge_dir], settings, progress=False)
        result = measure(settings, load_set(args.set))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(f"句子数：{result['sentences']}；覆盖率中位数：{result['median']}")
    print("阈值   原句   改写   他文随机   他文近邻")
    for t in THRESHOLDS:
        r = result["pass_rate"]
        print(f"{t:.2f}  {r['verbatim'][t]:.3f}  {r['paraphrase'][t]:.3f}  {r['other_random'][t]:.3f}     "
              f"{r['other_near'][t]:.3f}")
    print(f"改写与他文近邻分得最开的阈值：{result['best_threshold']:.2f}（现用 {result['in_use']:.2f}）")
    for e in result["examples"]:
        print(f"  {e['sentence']} → {e['paraphrase']}（{e['coverage']:.2f}）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
