"""IBM Model 1 over past questions and their answering clauses (bot.retrieve.translation)."""
import numpy as np
import pytest

from bot.retrieve.translation import Translation

QUESTIONS = [["去世", "作品", "保护"], ["去世", "版权", "几年"], ["作品", "登记"], ["作品", "登记", "必须"],
             ["植物", "新品种"]]
ANSWERS = [["作品", "保护期", "死亡", "五十年"], ["保护期", "死亡", "五十年", "作品"], ["作品", "自愿", "登记"],
           ["作品", "自愿", "登记"], []]  # the last one the documents did not answer
EVERYONE = np.ones(len(QUESTIONS), bool)


def test_one_round_without_smoothing_gives_the_table_worked_out_by_hand():
    # round one reads every alignment alike: a and b of the first pair each split between x and the empty word,
    # the second pair's a between y and it; so x has counts ½ of a and ½ of b, y ½ of a: t(a|x) = t(b|x) = ½, t(a|y) = 1
    model = Translation([["a", "b"], ["a"]], [["x"], ["y"]], iterations=1, smoothing=0.0)
    mask = np.ones(2, bool)
    assert model.links("a", mask) == (("y", pytest.approx(1.0)), ("x", pytest.approx(0.5)))
    assert model.links("b", mask) == (("x", pytest.approx(0.5)),)
    # a second round: x explains b better than the empty word (which also explains a twice) does, and y a
    model = Translation([["a", "b"], ["a"]], [["x"], ["y"]], iterations=2, smoothing=0.0)
    assert dict(model.links("b", mask))["x"] > 0.5


def test_a_callers_word_translates_to_the_words_of_its_answers_and_not_to_a_word_every_answer_says():
    model = Translation(QUESTIONS, ANSWERS)
    links = dict(model.links("去世", EVERYONE))
    assert links["死亡"] > 0.1 and links["保护期"] > 0.1
    # 作品 is said by every answer and explains the 作品 of the questions: it explains 去世 less than 死亡 does
    assert links.get("作品", 0.0) < links["死亡"]
    assert "自愿" not in links and "登记" not in links  # the other questions' answers
    assert all(0.0 < p <= 1.0 for p in links.values())
    # a word is never its own link (a clause saying it is coverage's part), nor is the empty word
    assert "作品" not in dict(model.links("作品", EVERYONE))
    assert "" not in links
    # most probable first, equals by the word
    ranked = model.links("去世", EVERYONE)
    assert list(ranked) == sorted(ranked, key=lambda link: (-link[1], link[0]))


def test_questions_that_do_not_lend_teach_nothing_and_the_unanswered_nothing_ever():
    model = Translation(QUESTIONS, ANSWERS)
    lending = np.array([False, False, True, True, True])
    assert model.links("去世", lending) == ()
    assert model.links("植物", EVERYONE) == ()  # only an unanswered question says it
    assert model.links("孙子", EVERYONE) == ()  # nobody said it
    # each mask has its own table: asking with the first one again gives the first answer
    assert dict(model.links("去世", EVERYONE))["死亡"] > 0.1


def test_a_held_out_pair_sharing_words_with_the_lending_ones_changes_nothing_they_teach():
    questions = [["去世", "作品"], ["去世", "专利"], ["作品", "登记"]]
    answers = [["死亡", "作品"], ["继承", "专利权"], ["作品", "自愿"]]
    with_it = Translation(questions, answers)
    without = Translation([questions[0], questions[2]], [answers[0], answers[2]])
    lending = np.array([True, False, True])
    taught = {}
    for word in ("去世", "作品", "登记", "专利"):
        taught[word] = dict(with_it.links(word, lending))
        alone = dict(without.links(word, np.ones(2, bool)))
        assert taught[word].keys() == alone.keys()
        assert all(taught[word][c] == pytest.approx(alone[c]) for c in alone)
    assert "死亡" in taught["去世"] and "继承" not in taught["去世"]  # the held-out pair's answer says 继承


def test_no_answered_question_no_links_and_a_mask_must_be_one_of_booleans():
    assert Translation([["去世"]], [[]]).links("去世", np.ones(1, bool)) == ()
    assert Translation([], []).links("去世", np.ones(0, bool)) == ()
    model = Translation(QUESTIONS, ANSWERS)
    with pytest.raises(TypeError):
        model.links("去世", np.ones(len(QUESTIONS), int))  # positions, not a mask
    with pytest.raises(TypeError):
        model.links("去世", np.ones(2, bool))
