"""knowledge/followups.yaml and knowledge/transcripts.yaml are matched on words, by one helper (kinds.Words): an
entry is said where it is one word of the text or a run of consecutive words (jieba cuts 还有一个问题 as
还有/一个/问题), never inside a word (该 in 应该, 请讲 in 申请讲座)."""
import json

import pytest

from bot.answer.hotline import DEFAULT_PATH as TRANSCRIPTS, Speech, read_call
from bot.retrieve.followup import FOLLOWUPS_FILE, FollowUpWords
from bot.retrieve.kinds import KINDS_FILE, QuestionKinds, _plain_tokenizer
from bot.retrieve.lexicon import Lexicon
from bot.retrieve.query import QueryUnderstanding
from bot.text import Tokenizer
from tests.conftest import KNOWLEDGE

FOLLOWUPS = FollowUpWords.from_yaml(KNOWLEDGE / FOLLOWUPS_FILE)
SPEECH = Speech.from_yaml(TRANSCRIPTS)
FILLER = "嗯，"  # what comes before the entry: a pleasantry, as callers say


@pytest.fixture(scope="module")
def understanding():
    lexicon = Lexicon.from_yaml(KNOWLEDGE / "synonyms.yaml")
    lexicon.kinds = QuestionKinds.from_yaml(KNOWLEDGE / KINDS_FILE)
    return QueryUnderstanding(lexicon, Tokenizer(lexicon.terms), {})


def several_words(entries) -> list[str]:
    """The entries jieba cuts into more than one word: the ones a match on single words would miss."""
    return [e for e in entries if len(_plain_tokenizer().dictionary_words(e)) > 1]


# each list matched as words, and the sentence (holding the entry after a filler) its reading must find it in
CASES = {
    "followups.openers": (FOLLOWUPS.openers, lambda e: e + "截止时间是哪天",
                          lambda t, e, u: FOLLOWUPS.opener(t) == e),
    "followups.pronouns": (FOLLOWUPS.pronouns, lambda e: FILLER + e + "什么时候失效",
                           lambda t, e, u: FOLLOWUPS.pronoun(t, u) is not None),
    "followups.leading": (FOLLOWUPS.leading, lambda e: "那" + e + "有没有电话",
                          lambda t, e, u: FOLLOWUPS.pronoun(t, u) is not None),
    "transcripts.operator_phrases": (SPEECH.operator_phrases, lambda e: FILLER + e,
                                     lambda t, e, u: SPEECH.operator_says(t) == 1),
    "transcripts.confirming": (SPEECH.confirming, lambda e: FILLER + "专利资助" + e,
                               lambda t, e, u: SPEECH.confirms(t)),
    "transcripts.pleasantries": (SPEECH.pleasantries, lambda e: FILLER + e,
                                 lambda t, e, u: SPEECH.is_pleasantry(t)),
    "transcripts.breaks": (SPEECH.breaks, lambda e: "资助什么时候发，" + e + "，质押登记怎么办",
                           lambda t, e, u: len(SPEECH.split_at_breaks(t)) == 2),
    "transcripts.clarifying": (SPEECH.clarifying, lambda e: e + "在余杭那边", lambda t, e, u: SPEECH.clarifies(t)),
}


def _entries():
    for name, (entries, _, _) in CASES.items():
        for entry in several_words(entries):
            yield pytest.param(name, entry, id=f"{name}:{entry}")


@pytest.mark.parametrize("name,entry", list(_entries()))
def test_an_entry_of_several_words_is_found(understanding, name, entry):
    _, sentence, found = CASES[name]
    assert found(sentence(entry), entry, understanding), sentence(entry)


def test_every_list_has_entries_of_several_words():
    assert all(several_words(entries) for entries, _, _ in CASES.values())


def test_a_bureaus_fillers_and_openers_of_several_words(understanding, tmp_path):
    """再问个问题 and 还有一个问题 as a bureau may list them: jieba cuts them 再/问个/问题 and 还有/一个/问题."""
    own = {"openers": {"words": ["那", "还有一个问题"]}, "fillers": {"words": ["呢", "再问个问题", "什么情况"]}}
    (tmp_path / FOLLOWUPS_FILE).write_text(json.dumps(own, ensure_ascii=False), encoding="utf-8")
    words = FollowUpWords.for_knowledge(tmp_path)
    assert several_words(["再问个问题", "还有一个问题", "什么情况"]) == ["再问个问题", "还有一个问题", "什么情况"]
    assert words.opener("还有一个问题江苏要交钱吗") == "还有一个问题"
    # a follow-up saying nothing but fillers and a region: the previous question about that region
    for question in ("嗯，再问个问题，江苏呢", "江苏什么情况呢"):
        assert understanding.regions_in(question) and words.content(question, understanding) == [], question
    assert words.content("江苏的补贴什么情况", understanding)  # the rest is still read


@pytest.mark.parametrize("text", ["我想申请讲座补贴有没有", "企业想邀请讲师来培训，有没有补贴"])
def test_an_operators_phrase_inside_a_callers_word_is_not_the_operator(text):
    # 请讲 in 申请讲座: read as the operator's, a caller's question without labels was dropped
    assert SPEECH.operator_says(text) == 0
    assert read_call(text, SPEECH).texts, text
