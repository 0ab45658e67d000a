"""evals/fit.py's choices, apart from the data they are made on."""
from evals import fit


def test_the_rankers_regularisation_is_chosen_on_the_mean_reciprocal_rank(monkeypatch):
    """evals/fit.choose_C: the C whose cross-validated MRR@5 is best (the more regularised on a tie), not the most
    regularised one within MIN_GAIN of the best hit@1, which one question of 300 could swing."""
    figures = {0.01: (0.72, 0.78), 0.1: (0.764, 0.8103), 1.0: (0.767, 0.8153), 10.0: (0.757, 0.8084)}
    monkeypatch.setattr(fit, "cross_validated", lambda samples, C, C_answer, layout=(): (
        [0.5], {"hit@1": figures[C][0], "mrr@5": figures[C][1]}))
    monkeypatch.setattr(fit, "C_GRID", tuple(reversed(fit.C_GRID)))  # the tie is broken by C, not by the order
    sample = fit.Sample({"answerable": True}, [], False, 0.0)
    assert fit.choose_C([sample])[0] == 1.0
    figures[0.1] = (0.767, 0.8153)  # a tie: the more regularised
    assert fit.choose_C([sample])[0] == 0.1


def test_a_question_the_search_found_nothing_for_is_left_out_of_the_rankers_pairs():
    """An answerable question with no candidate (a region the knowledge base has no documents for) has no pair to
    learn from; it must not stop the fit (it had: an index error on the empty feature matrix)."""
    names = list(fit.RANK_FEATURES)

    def candidate(gold: bool, coverage: float) -> fit.Candidate:
        return fit.Candidate("d:c", {n: 0.0 for n in names} | {"coverage": coverage}, 1.0, 0.0, gold)

    found = [fit.Sample({"answerable": True}, [candidate(True, 0.9), candidate(False, 0.2)], False, 0.0)
             for _ in range(4)]
    nothing = fit.Sample({"answerable": True}, [], False, 0.0)
    model = fit.fit_ranker(found + [nothing], C=1.0)
    assert model.weights["coverage"] > 0


def test_layout_features_are_fitted_on_the_notices_too_every_other_weight_held():
    """A feature the fitting sets' documents never vary (their items carry no label of the fact they state) gets its
    weight from the notices' questions; the other weights keep the proportions the fitting sets gave them (the
    calibration may rescale them all alike)."""
    names = list(fit.RANK_FEATURES)

    def candidate(gold: bool, **values: float) -> fit.Candidate:
        return fit.Candidate("d:c", {n: 0.0 for n in names} | values, 1.0, 0.0, gold)

    bank = [fit.Sample({"answerable": True}, [candidate(True, coverage=0.9, dense=0.5 + k / 20),
                                              candidate(False, coverage=0.3 + k / 10, dense=0.6)], False, 0.0)
            for k in range(6)]
    notices = [fit.Sample({"answerable": True}, [candidate(True, coverage=0.4, heading_kind=1.0),
                                                 candidate(False, coverage=0.6)], False, 0.0) for _ in range(6)]
    alone, both = fit.fit_ranker(bank, C=1.0), fit.fit_ranker(bank, C=1.0, layout=notices)
    assert "heading_kind" in fit.LAYOUT_FEATURES
    assert alone.weights["heading_kind"] == 0.0 and both.weights["heading_kind"] > 0.0
    assert alone.weights["coverage"] > 0 and alone.weights["dense"] > 0
    ratio = both.weights["coverage"] / alone.weights["coverage"]
    assert abs(both.weights["dense"] / alone.weights["dense"] - ratio) < 1e-3 * ratio
