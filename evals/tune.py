"""Choose the retrieval constants (rank.Retrieval: the ranking file's "retrieval" section) by a documented search.

    python -m evals.tune                 # search and print; about 16 minutes on a loaded 2-core machine
    python -m evals.tune --out bot/retrieve/ranking.json    # … and write the chosen values into that file
    python -m evals.tune --only soft_min_similarity         # search one constant, the others held

Data: the fitting sets of `hotline eval --fit` (the bank's train split on the bank's knowledge base, the core set
on the bureau's four documents; evals/fit.shipped_sets), never the frozen test split.

Judge of one setting: its candidates and features are collected for every question (evals/fit.collect), then
*leave one document out*: for each document, the ranker and the answerability model are refitted on the other
documents' questions (evals/fit.fit_all, the C of the shipped fit) and judge its own; each list is then put in
the order a search gives (evals/fit.rerank: a close clause stating the fact asked first), the decision's rules
applied (decide.refusal_rule). Pooled over all questions, each judged by a fit that never saw its document:

    J = hit@1 + 0.5 × refusal accuracy at the threshold that keeps false refusals ≤ 0.05

(the threshold is chosen on the pooled out-of-document probabilities, as evals/fit.choose_threshold does on
cross-validated ones, so false refusals are held at the product's bound rather than traded; refusals weigh half
because 103 unanswerable questions make them twice as noisy as hit@1 on 300 answerable ones).

Search: one pass of coordinate descent from the current values (those of the ranking file the settings name,
HOTLINE_RANKING_FILE, else the shipped one), in the order of SEARCH, each parameter trying
its listed values with the others held; a value replaces the current one only when J rises by at least
fit.MIN_GAIN (more than one question's worth: less is noise). The policy factors (not_in_force_damping,
elsewhere_damping, other_right_damping) are not searched: they are the bureau's choice, and the fitting sets hold four gold clauses of
a damped document, too few to judge them by.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.retrieve.rank import DEFAULT_FILE, LinearModel, Ranking, Retrieval
from evals import fit

# the values tried for each parameter (the current one is always among them); collecting features again is
# needed for all but the last two, which only reorder a ranked list
SEARCH: dict[str, tuple] = {
    "rrf_k": (10, 20, 60),
    "candidates": (40, 60, 90),
    "soft_min_similarity": (0.55, 0.6, 0.7),
    "soft_neighbours": (4, 8, 16),
    "title_route_max": (1, 2, 3),
    "dated_from": (5, 10, 20),
    "precedent_floor": (0.3, 0.45, 0.6),
    "stating_window": (4, 8, 16),
    "stating_slack": (0.05, 0.1, 0.2),
}
REORDER_ONLY = {"stating_window", "stating_slack"}
REFUSAL_WEIGHT = 0.5


class Tuner:
    """The fitting sets' retrievers, loaded once, and the judge of a setting."""

    KEPT = 3  # collected settings kept in memory (about 50 MB each): the current one and the last tried

    def __init__(self, loaded: list[tuple[object, list[dict]]], C_rank: float, C_answer: float):
        self.loaded = loaded  # evals/fit.prepared: each fitting set's retriever and questions
        self.C_rank, self.C_answer = C_rank, C_answer
        self._samples: dict[Retrieval, list[fit.Sample]] = {}

    def samples(self, retrieval: Retrieval) -> list[fit.Sample]:
        """Every fitting question's candidates under `retrieval` (collected again only when a collecting value
        differs from a setting kept)."""
        key = replace(retrieval, **{n: SEARCH[n][0] for n in REORDER_ONLY})
        if key not in self._samples:
            while len(self._samples) >= self.KEPT:
                self._samples.pop(next(iter(self._samples)))
            neutral = Ranking(LinearModel({}), LinearModel({}), 0.5, retrieval=retrieval)
            samples = []
            for retriever, items in self.loaded:
                tuned = retriever.with_ranking(neutral)
                samples += fit.collect(tuned, items)
            self._samples[key] = samples
        return self._samples[key]

    def judge(self, retrieval: Retrieval) -> dict[str, float]:
        """Leave-one-document-out figures and J (module docstring) of one setting."""
        samples = self.samples(retrieval)
        probabilities: dict[int, float] = {}
        own: dict[int, tuple] = {}  # each list and rule verdict as its own fold left them (a later fit re-ranks it)
        for group in sorted({s.group for s in samples}):
            test = [s for s in samples if s.group == group]
            ranking = fit.fit_all([s for s in samples if s.group != group], self.C_rank, self.C_answer, retrieval)
            fit.rerank(test, ranking.ranker, retrieval)
            for s, p in zip(test, fit.decided(test, ranking.answerability)):
                probabilities[id(s)] = p
                own[id(s)] = (s.ranked, s.rule)
        for s in samples:
            s.ranked, s.rule = own[id(s)]
        probs = [probabilities[id(s)] for s in samples]
        fr, ra = fit.refusal_figures(samples, probs, fit.choose_threshold(samples, probs))
        hit1 = fit.hit_at(samples, 1)
        figures = {"hit@1": hit1, "hit@5": fit.hit_at(samples, 5), "false_refusals": fr, "refusal_accuracy": ra,
                   "J": hit1 + REFUSAL_WEIGHT * ra}
        return {k: round(v, 4) for k, v in figures.items()}


def search(tuner: Tuner, start: Retrieval, grid: dict[str, tuple] = SEARCH,
           log=print) -> tuple[Retrieval, dict, list[dict]]:
    """One pass of coordinate descent over `grid` (module docstring). Returns the chosen values, their figures and
    the trail of every setting judged."""
    current, best = start, tuner.judge(start)
    trail = [{"setting": "start", **best}]
    judged = {start: best}
    log(f"起点 {_short(current)}  {_figures(best)}")
    for name, values in grid.items():
        for value in values:
            tried = replace(current, **{name: value})
            if tried in judged:  # the current value, or the one it replaced
                continue
            figures = judged[tried] = tuner.judge(tried)
            trail.append({"setting": f"{name}={value}", **figures})
            log(f"  {name}={value:<6} {_figures(figures)}")
            if figures["J"] >= best["J"] + fit.MIN_GAIN:
                current, best = tried, figures
        log(f"{name} → {getattr(current, name)}")
    return current, best, trail


def grid_of(only: list[str] | None) -> dict[str, tuple]:
    """SEARCH, or only the constants named (a bureau checking one after adding documents: minutes, not a pass)."""
    unknown = sorted(set(only or ()) - set(SEARCH))
    if unknown:
        raise ValueError(f"没有可搜索的检索参数 {unknown}：可选 {', '.join(SEARCH)}")
    return {n: v for n, v in SEARCH.items() if not only or n in only}


def save(target: Path, chosen: Retrieval) -> None:
    """Write `chosen` as the ranking file's retrieval section; the file's other sections are kept as they are (a
    new file starts from the shipped one's models)."""
    data = json.loads((target if target.exists() else DEFAULT_FILE).read_text(encoding="utf-8"))
    data["retrieval"] = chosen.to_json()
    target.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _short(r: Retrieval) -> str:
    return " ".join(f"{n}={getattr(r, n)}" for n in SEARCH)


def _figures(f: dict) -> str:
    return (f"J={f['J']:.4f} hit@1={f['hit@1']:.3f} hit@5={f['hit@5']:.3f} 误拒={f['false_refusals']:.3f} "
            f"拒答正确={f['refusal_accuracy']:.3f}")


def starting_ranking(settings) -> tuple[Ranking, Path]:
    """The ranking file the settings name (HOTLINE_RANKING_FILE; the shipped one when unset) and its contents: a
    bureau that refitted into its own file tunes from its own constants and C values, not the shipped ones."""
    path = Path(settings.ranking_file) if settings.ranking_file else DEFAULT_FILE
    return Ranking.load(path), path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.tune", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(fit.SETS.parent.parent / "var"),
                        help="where the fitting sets' indexes are built (eval-bank/, eval-core/)")
    parser.add_argument("--out", help="write the chosen values into this ranking file's retrieval section")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help=f"search only this constant (repeatable; the others keep their current values): "
                             f"{', '.join(SEARCH)}")
    args = parser.parse_args(argv)
    try:
        grid = grid_of(args.only)
    except ValueError as exc:
        parser.error(str(exc))
    started = time.monotonic()
    from bot.config import Settings

    current, path = starting_ranking(Settings())
    print(f"从 {path} 的取值开始")
    tuner = Tuner(fit.prepared(fit.shipped_sets(Path(args.data_dir))), current.fitted.get("C_ranker", 1.0),
                  current.fitted.get("C_answerability", 1.0))
    chosen, figures, trail = search(tuner, current.retrieval, grid)
    seconds = round(time.monotonic() - started)
    print(f"选定 {_short(chosen)}  {_figures(figures)}  用时 {seconds} 秒")
    if args.out:
        save(Path(args.out), replace(chosen, chosen={
            "by": "evals/tune.py", "on": [p.name for p in fit.FIT_SETS], "date": date.today().isoformat(),
            "objective": f"leave-one-document-out hit@1 + {REFUSAL_WEIGHT} × refusal accuracy at false refusals "
                         f"≤ {fit.TARGET_FALSE_REFUSALS}",
            "leave_one_document_out": figures, "seconds": seconds, "trail": trail,
            "not_searched": "not_in_force_damping, elsewhere_damping, other_right_damping: the bureau's policy"
                            + "".join(f"; {n}: held at its value" for n in SEARCH if n not in grid)}))
        print(f"写入 {args.out}（retrieval 部分；请再用 hotline eval --fit 按这些值重新拟合排序模型）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
