"""The retrieval constants: one typed object read from the ranking file's "retrieval" section, chosen by
evals/tune.py's search, kept by `hotline eval --fit`, and a bureau's own file carrying its own."""
import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from bot.retrieve.rank import DEFAULT_FILE, LinearModel, Ranking, Retrieval
from bot.service import Assistant
from evals import fit, tune



@pytest.fixture(scope="module")
def core(tmp_path_factory) -> Path:
    """The core set, its unanswerable questions spread over three groups: a fold grouped by document then still
    has some to fit the answerability model on (the shipped fit has the bank's, grouped by the document they
    are close to)."""
    items = [json.loads(line) for line in (fit.SETS / "core.jsonl").read_text(encoding="utf-8").splitlines() if line]
    spread = [item if item.get("answerable") else {**item, "doc": f"none-{n % 3}"} for n, item in enumerate(items)]
    path = tmp_path_factory.mktemp("sets") / "core.jsonl"
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in spread), encoding="utf-8")
    return path


def _file(tmp_path, **sections) -> Path:
    """The shipped ranking file with some sections replaced (None: removed)."""
    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    for name, value in sections.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    path = tmp_path / "ranking.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_shipped_file_holds_every_retrieval_constant_and_what_chose_them():
    shipped = Ranking.load().retrieval
    assert shipped == Retrieval.shipped() and shipped.candidates > 0 and 0 < shipped.soft_min_similarity < 1
    assert shipped.chosen.get("by")  # a hand-set value is said to be one
    # the share at which a candidate answers "about as well" is the factor that puts another place's document after
    assert shipped.close_share == shipped.elsewhere_damping


def test_a_bureaus_ranking_file_carries_its_own_retrieval_constants(settings, tmp_path):
    own = {**Retrieval.shipped().to_json(), "candidates": 1, "title_route_max": 1}
    retriever = Assistant(settings.model_copy(update={"ranking_file": _file(tmp_path, retrieval=own)})).retriever()
    assert retriever.ranking.retrieval.candidates == 1 and retriever.candidates.retrieval.candidates == 1
    question = "知识产权质押融资有什么支持"
    shipped = Assistant(settings).retriever()
    fewer = retriever.search(retriever.parse(question), k=None)
    assert 0 < len(fewer) < len(shipped.search(shipped.parse(question), k=None))


def test_a_file_without_a_retrieval_section_takes_the_shipped_values_and_asks_for_a_refit(tmp_path, caplog):
    with caplog.at_level("WARNING", logger="hotline.rank"):
        assert Ranking.load(_file(tmp_path, retrieval=None)).retrieval == Retrieval.shipped()
    assert "hotline eval --fit" in caplog.text  # its models were fitted around older constants


@pytest.mark.parametrize("later", [{"other_right_damping"}, {"precedent_floor"}, {"other_right_damping", "precedent_floor"}])
def test_a_retrieval_section_written_before_a_later_constant_takes_the_shipped_one(tmp_path, later):
    older = {k: v for k, v in Retrieval.shipped().to_json().items() if k not in later}
    loaded = Ranking.load(_file(tmp_path, retrieval=older)).retrieval
    assert all(getattr(loaded, k) == getattr(Retrieval.shipped(), k) for k in later)


@pytest.mark.parametrize("change", [{"candidates": -1}, {"rrf_k": None}, {"unknown_constant": 3},
                                    {"soft_min_similarity": 1.5}, {"elsewhere_damping": 2},
                                    {"other_right_damping": 2}, {"precedent_floor": 1}, {"precedent_floor": 0}])
def test_a_bad_retrieval_section_is_refused_with_a_clear_message(tmp_path, change):
    section = {**Retrieval.shipped().to_json(), **change}
    section = {k: v for k, v in section.items() if v is not None}
    with pytest.raises(ValueError, match="retrieval 部分有误"):
        Ranking.load(_file(tmp_path, retrieval=section))


def test_writing_the_file_keeps_its_other_sections(tmp_path):
    notes = {"note": "a section this code does not know, another tool's"}
    path = _file(tmp_path, notes=notes)
    sentences = json.loads(path.read_text(encoding="utf-8"))["sentences"]  # the lead selector's, fitted elsewhere
    ranking = Ranking.load(path)
    replace(ranking, threshold=0.3).save(path)
    tune.save(path, replace(ranking.retrieval, candidates=45))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["notes"] == notes and data["sentences"] == sentences
    assert data["threshold"] == 0.3 and data["retrieval"]["candidates"] == 45
    assert Ranking.load(path).retrieval.candidates == 45


def test_the_refit_keeps_the_retrieval_section_it_finds(settings, core, tmp_path, capsys):
    own = {**Retrieval.shipped().to_json(), "candidates": 40, "chosen": {"by": "a bureau's own search"}}
    path = _file(tmp_path, retrieval=own, notes={"note": "kept"})
    assert fit.main(settings.model_copy(update={"ranking_file": path}), [core], None) == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["retrieval"] == own and data["notes"] == {"note": "kept"} and data["sentences"]["weights"]
    assert data["fitted"]["on"] == ["core.jsonl"] and data["fitted"]["date"]
    assert "已拟合" in capsys.readouterr().out


def test_a_refit_can_keep_a_files_lead_model_and_the_kinds_of_fact_its_answerability_counts(settings, core,
                                                                                             tmp_path, monkeypatch):
    """`hotline eval --fit --keep-from FILE` (how the shipped file is refitted): FILE's sentence model and
    answerability kinds are kept as they are, and the answerability model is fitted counting only those kinds in
    asks_fact, as it will count them when answering (a kind dropped from the list after a fit that counted it left
    the shipped model reading penalty questions otherwise than it was fitted on them)."""
    sentences = {"weights": {"word_vectors": 1.0, "states_fact": 2.0}, "bias": 0.5,
                 "fitted": {"by": "a bureau", "C": 1.0, "clauses": 3, "literal_coverage_lead_accuracy": 0.4,
                            "cross_validated_by_document": {"lead_accuracy": 0.5}}}
    (tmp_path / "kept").mkdir()
    kept = _file(tmp_path / "kept", sentences=sentences, answerability_kinds=["date"])
    out = tmp_path / "out.json"
    collected, collect = [], fit.collect
    monkeypatch.setattr(fit, "collect", lambda r, items, kinds=None: collected.append(kinds) or collect(r, items, kinds))
    assert fit.main(settings, [core], out, keep_from=kept) == 0
    # the samples' asks_fact counted the kept kinds only: the fitting set's and the notices sets' (LAYOUT_FEATURES)
    assert collected == [["date"]] * (1 + len(fit.LAYOUT_SETS))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["answerability_kinds"] == ["date"] and data["sentences"]["fitted"] == sentences["fitted"]
    assert {k: v for k, v in data["sentences"]["weights"].items() if v} == sentences["weights"]
    assert data["sentences"]["bias"] == 0.5 and data["fitted"]["on"] == ["core.jsonl"]
    (retriever, items), = fit.prepared([(core, settings)])
    every, dates = collect(retriever, items), collect(retriever, items, kinds=["date"])
    assert 0 < sum(s.asks_fact for s in dates) < sum(s.asks_fact for s in every)


def test_a_file_to_keep_must_hold_what_is_kept_or_the_fit_says_how_to_fix_it(settings, core, tmp_path, capsys):
    (tmp_path / "kept").mkdir()
    cases = {"无法沿用": tmp_path / "missing.json",  # no such file
             "缺少 sentences": _file(tmp_path / "kept", sentences=None)}  # would lend the shipped lead model unsaid
    for said, path in cases.items():
        assert fit.main(settings, [core], tmp_path / "out.json", keep_from=path) == 2
        err = capsys.readouterr().err
        assert said in err and "--keep-from" in err and "bot/retrieve/ranking.json" in err
        assert not (tmp_path / "out.json").exists()  # nothing written


def test_a_fit_counting_every_kind_leaves_no_other_fits_list_in_the_file(tmp_path):
    path = _file(tmp_path, answerability_kinds=["date"])
    replace(Ranking.load(path), fact_kinds=None).save(path)
    assert "answerability_kinds" not in json.loads(path.read_text(encoding="utf-8"))


def test_a_refit_into_the_file_tune_wrote_keeps_its_constants(settings, core, tmp_path):
    """`python -m evals.tune --out X`, then `hotline eval --fit --out X` without HOTLINE_RANKING_FILE=X: the fit
    collects its features with X's constants and leaves them in X (it used the shipped ones and overwrote X's)."""
    own = {**Retrieval.shipped().to_json(), "candidates": 40, "chosen": {"by": "evals/tune.py"}}
    path = tmp_path / "ranking.json"
    path.write_text(json.dumps({"retrieval": own}), encoding="utf-8")  # what tune --out writes into a new file
    assert fit.main(settings, [core], path) == 0
    assert Ranking.load(path).retrieval == Retrieval.from_json(own)


def test_the_search_judges_each_setting_leaving_each_document_out_and_keeps_a_gain(settings, core):
    tuner = tune.Tuner(fit.prepared([(core, settings)]), 1.0, 1.0)
    start = Retrieval.shipped()
    few = tuner.samples(replace(start, candidates=5))
    many = tuner.samples(replace(start, candidates=60))
    assert sum(len(s.candidates) for s in few) < sum(len(s.candidates) for s in many)  # collected again
    assert tuner.samples(replace(start, stating_slack=0.3)) is tuner.samples(start)  # only reorders: not collected
    lines = []
    chosen, best, trail = tune.search(tuner, start, {"candidates": (5, start.candidates)}, log=lines.append)
    assert [t["setting"] for t in trail] == ["start", "candidates=5"] and len(lines) == 3
    for figures in trail:
        assert 0 <= figures["hit@1"] <= figures["hit@5"] <= 1 and figures["false_refusals"] <= 0.05 + 1e-9
        assert figures["J"] == pytest.approx(figures["hit@1"] + tune.REFUSAL_WEIGHT * figures["refusal_accuracy"],
                                             abs=1e-3)
    start_J, few_J = trail[0]["J"], trail[1]["J"]
    # a value is taken only for a gain of at least MIN_GAIN
    assert chosen.candidates == (5 if few_J >= start_J + fit.MIN_GAIN else start.candidates)
    assert best == {k: v for k, v in trail[0 if chosen == start else 1].items() if k != "setting"}


def test_the_search_starts_from_the_file_the_settings_name(tmp_path, monkeypatch):
    # a bureau that refitted into its own file tunes from its own constants and C values
    own = {**Retrieval.shipped().to_json(), "candidates": 45, "rrf_k": 20}
    path = _file(tmp_path, retrieval=own)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["fitted"] = {**data.get("fitted", {}), "C_ranker": 7.0}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("HOTLINE_RANKING_FILE", str(path))
    start, used = tune.starting_ranking(Settings())
    assert used == path and (start.retrieval.candidates, start.retrieval.rrf_k) == (45, 20)
    assert start.fitted["C_ranker"] == 7.0 != Ranking.load().fitted.get("C_ranker")
    monkeypatch.delenv("HOTLINE_RANKING_FILE")
    assert tune.starting_ranking(Settings())[1] == DEFAULT_FILE  # unset: the shipped file


def test_the_fit_ranks_as_the_search_does_and_counts_the_rules_refusals(settings, core):
    """The fit re-ranks each question as the search orders it (collected with no weights at all, re-ranked with the
    shipped ones) and applies the decision's rules: its threshold keeps false refusals within bounds with the
    rules' refusals counted, as callers meet them."""
    (retriever, items), = fit.prepared([(core, settings)])
    shipped = retriever.ranking
    neutral = Ranking(LinearModel({}), LinearModel({}), 0.5, retrieval=shipped.retrieval)
    samples = fit.collect(retriever.with_ranking(neutral), items)
    fit.rerank(samples, shipped.ranker)
    assistant = Assistant(settings)
    ruled = 0
    assert {s.unasked for s in samples} == {False, True}  # searched again without its documents' past questions
    with assistant.retriever().precedents.holding_out(items):  # as the fit searched: its own set lends nothing
        for s in samples:
            if s.unasked:
                continue
            prepared = assistant._prepare(s.item["question"], s.item.get("region"), None)
            # the per-region order (side by side, or 上海和江苏分别…: each region's best first) is the search's alone
            if prepared.hits and not prepared.hits.per_region and len(prepared.query.regions) < 2:
                assert [c.clause_id for c in s.ranked[:2]] == [h.clause.id for h in prepared.hits[:2]], \
                    s.item["question"]
            reason = prepared.decision.reason
            assert s.rule == (None if reason.startswith(("answerable", "unanswerable")) else reason), s.item["question"]
            ruled += bool(s.rule)
    assert ruled  # core asks dates and fees some clauses do not state
    probabilities = fit.decided(samples, shipped.answerability)
    answerable = [s.item["answerable"] for s in samples]
    fr, ra = fit.refusal_figures(samples, probabilities, 0.0)  # a threshold of 0 refuses what the rules refuse
    assert fr == sum(a and bool(s.rule) for a, s in zip(answerable, samples)) / sum(answerable)
    assert ra == sum(not a and bool(s.rule) for a, s in zip(answerable, samples)) / (len(samples) - sum(answerable))
    threshold = fit.choose_threshold(samples, probabilities)
    assert fit.refusal_figures(samples, probabilities, threshold)[0] <= fit.TARGET_FALSE_REFUSALS


def test_one_constant_can_be_searched_alone_and_an_unknown_name_is_refused(capsys):
    assert tune.grid_of(None) == tune.SEARCH
    assert tune.grid_of(["soft_neighbours"]) == {"soft_neighbours": tune.SEARCH["soft_neighbours"]}
    with pytest.raises(ValueError, match="没有可搜索的检索参数"):
        tune.grid_of(["soft_neighbour"])
    with pytest.raises(SystemExit) as stopped:  # the command line refuses it before loading anything
        tune.main(["--only", "soft_neighbour"])
    assert stopped.value.code == 2 and "没有可搜索的检索参数" in capsys.readouterr().err
