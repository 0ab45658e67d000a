"""IBM Model 1 over past questions and their answering clauses (bot.retrieve.translation)."""
import numpy as np

from bot.retrieve.translation import Translation

QUESTIONS = [["去世", "作品", "保护"], ["去世", "版权", "几年"], ["作品", "登记"], ["作品", "登记", "必须"],
             ["植物", "新品种"]]
ANSWERS = [["作品", "保护期", "死亡", "五十年"], ["保护期", "死亡", "五十年", "作品"], ["作品", "自愿", "登记"],
           ["作品", "自愿", "登记"], []]  # the last one the documents did not answer


def test_a_callers_word_translates_to_the_words_of_its_answers_and_not_to_a_word_every_answer_says():
    model = Translation(QUESTIONS, ANSWERS)
    links = dict(model.links("去世", np.ones(len(QUESTIONS), bool)))
    assert links["死亡"] > 0.1 and links["保护期"] > 0.1
    # 作品 is said by every answer and explains the 作品 of the questions: it explains 去世 less than 死亡 does
    assert links.get("作品", 0.0) < links["死亡"]
    assert "自愿" not in links and "登记" not in links  # the other questions' answers
    assert all(0.0 < p <= 1.0 for p in links.values())
    # a word is never its own link (a clause saying it is coverage's part), nor is the empty word
    assert "作品" not in dict(model.links("作品", np.ones(len(QUESTIONS), bool)))
    assert "" not in links


def test_questions_held_out_teach_nothing_and_the_unanswered_nothing_ever():
    model = Translation(QUESTIONS, ANSWERS)
    everyone = np.ones(len(QUESTIONS), bool)
    held_out = np.array([False, False, True, True, True])
    assert model.links("去世", held_out) == []
    assert model.links("植物", everyone) == []  # only an unanswered question says it
    assert model.links("孙子", everyone) == []  # nobody said it
    # each mask has its own table: asking with the first one again gives the first answer
    assert dict(model.links("去世", everyone))["死亡"] > 0.1


def test_no_answered_question_no_links():
    model = Translation([["去世"]], [[]])
    assert model.links("去世", np.ones(1, bool)) == []
    assert Translation([], []).links("去世", np.ones(0, bool)) == []
