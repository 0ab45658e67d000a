"""Follow-up questions keep the subject of the conversation and replace what is asked about it
(knowledge/followups.yaml: every example in the file); the CLI keeps a conversation with --session."""
import json
import shutil
import subprocess
import sys

import httpx
import pytest

from bot.retrieve.followup import FOLLOWUPS_FILE, FollowUpsError, FollowUpWords, rewrite
from bot.retrieve.kinds import KINDS_FILE, QuestionKinds
from bot.retrieve.lexicon import Lexicon
from bot.retrieve.query import QueryUnderstanding
from bot.store.conversations import Turn
from bot.text import Tokenizer
from tests.conftest import KNOWLEDGE, ROOT, served_with_files

WORDS = FollowUpWords.from_yaml(KNOWLEDGE / FOLLOWUPS_FILE)

JS_TITLE = "《关于加快推进知识产权服务业高质量发展的若干措施》"


@pytest.fixture(scope="module")
def understanding():
    """Questions read as in service, with the bureau's vocabulary (its regions) but no index."""
    lexicon = Lexicon.from_yaml(KNOWLEDGE / "synonyms.yaml")
    lexicon.kinds = QuestionKinds.from_yaml(KNOWLEDGE / KINDS_FILE)
    return QueryUnderstanding(lexicon, Tokenizer(lexicon.terms), {})


def _examples():
    for section in ("openers", "pronouns", "fillers"):
        examples = WORDS.data[section]["examples"]
        assert len(examples["positive"]) >= 3 and len(examples["negative"]) >= 3, f"{section}: 至少各三个例句"
        for expected, key in ((True, "positive"), (False, "negative")):
            for example in examples[key]:
                yield pytest.param(section, example, expected, id=f"{section}{'+' if expected else '-'}{example}")


@pytest.mark.parametrize("section,example,expected", list(_examples()))
def test_every_example_is_read_as_its_section_says(understanding, section, example, expected):
    check = {"openers": lambda t: bool(WORDS.opener(t)),
             "pronouns": lambda t: WORDS.pronoun(t, understanding) is not None,
             # a region and nothing else: the previous question again, about that region
             "fillers": lambda t: bool(understanding.regions_in(t)) and not WORDS.content(t, understanding)}[section]
    assert check(example) == expected, example


PREVIOUS = Turn("江苏的若干措施什么时候失效", None, True, [{"doc_title": JS_TITLE.strip("《》")}])


@pytest.mark.parametrize("question", ["应该找谁投诉", "其它还有什么要求", "我们有三个专利，其中一个被侵权了怎么办"])
def test_a_word_inside_another_or_in_a_later_clause_does_not_point_back(understanding, question):
    # 该 in 应该, 它 in 其它, and 其中 about what the caller just named do not point at the cited document
    assert JS_TITLE not in (rewrite(question, [PREVIOUS], understanding) or "")


@pytest.mark.parametrize("before, follow_up, after", [
    ("上海中山路的窗口几点开门", "那江苏呢", "江苏中山路的窗口几点开门"),  # a street is not a place to replace
    ("南京西路上的代理所被投诉了怎么办", "那浙江呢", "浙江南京西路上的代理所被投诉了怎么办"),
    ("上海的专利资助有哪些", "那苏州呢", "苏州的专利资助有哪些"),
])
def test_that_region_then_replaces_the_places_named_not_streets(understanding, before, follow_up, after):
    assert rewrite(follow_up, [Turn(before, None, True, [])], understanding) == after


def test_that_in_those_opens_nothing(understanding):
    # 那些 is a word of its own: not the opener 那 cut off, leaving 些外地企业
    rewritten = rewrite("那些外地企业能不能申请", [PREVIOUS], understanding)
    assert rewritten is None or "那些外地企业" in rewritten, rewritten


def test_a_knowledge_folder_carries_its_own_file(tmp_path):
    assert FollowUpWords.for_knowledge(tmp_path) == WORDS  # none there: the shipped one
    own = WORDS.data | {"openers": {"words": ["那", "话说"], "examples": {}}}
    (tmp_path / FOLLOWUPS_FILE).write_text(json.dumps(own, ensure_ascii=False), encoding="utf-8")
    assert FollowUpWords.for_knowledge(tmp_path).opener("话说要交钱吗") == "话说"
    (tmp_path / FOLLOWUPS_FILE).write_text("openers:\n  words: 那\n", encoding="utf-8")
    with pytest.raises(FollowUpsError, match="openers.words"):
        FollowUpWords.for_knowledge(tmp_path)


def test_a_partial_file_takes_the_shipped_rest(tmp_path):
    (tmp_path / FOLLOWUPS_FILE).write_text("openers:\n  words: [那]\npronouns:\n  leading: []\n", encoding="utf-8")
    words = FollowUpWords.for_knowledge(tmp_path)
    assert words.openers == ["那"] and words.fillers == WORDS.fillers and words.pronouns == WORDS.pronouns
    assert words.leading == []  # emptied by the bureau: its own, not the shipped one


def test_follow_ups_work_with_a_partial_file(app_settings, tmp_path):
    """Issue: a bureau's followups.yaml holding only its openers made every follow-up question a 500."""
    with served_with_files(app_settings, tmp_path / "knowledge", {FOLLOWUPS_FILE: "openers:\n  words: [那]\n"}) as live:
        with httpx.Client(base_url=live.url, timeout=60) as client:
            first = ask(client, "上海怎么提升知识产权代理服务质量")
            second = ask(client, "那江苏呢？", first["session_id"])
            third = ask(client, "这个措施什么时候失效", second["session_id"])  # 这个措施: the shipped pronouns
    assert second["rewritten_question"] == "江苏怎么提升知识产权代理服务质量"
    assert JS_TITLE in third["rewritten_question"]


def test_a_malformed_file_is_a_503_for_follow_ups_only(app_settings, tmp_path):
    with served_with_files(app_settings, tmp_path / "knowledge", {FOLLOWUPS_FILE: "openers:\n  words: 那\n"}) as live:
        with httpx.Client(base_url=live.url, timeout=60) as client:
            first = ask(client, "上海怎么提升知识产权代理服务质量")  # no history: the list is not needed
            second = client.post("/v1/ask", json={"question": "那江苏呢？", "session_id": first["session_id"]})
    error = second.json()["error"]
    assert second.status_code == 503 and error["code"] == "misconfigured" and "followups.yaml" in error["message"]


def ask(client, question, session=None):
    body = {"question": question, "session_id": session}
    response = client.post("/v1/ask", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_new_intent_replaces_the_old_one(client):
    first = ask(client, "江苏的若干措施什么时候失效")
    assert "2030年11月9日" in first["answer"]
    second = ask(client, "里面说了怎么投诉吗", first["session_id"])
    rewritten = second["rewritten_question"]
    assert JS_TITLE in rewritten and "投诉" in rewritten
    assert "失效" not in rewritten and "什么时候" not in rewritten  # not glued onto the old question


@pytest.mark.parametrize("first, follow_up, kept, dropped", [
    ("知识产权质押登记在上海怎么办", "那需要什么材料", ["知识产权质押登记", "上海", "材料"], ["怎么办"]),
    ("专利代理师资格考试收不收报考费", "那什么时候报名", ["专利代理师资格考试", "报名"], ["收不收", "报考费"]),
])
def test_short_follow_ups_ask_the_new_thing_about_the_same_subject(client, first, follow_up, kept, dropped):
    one = ask(client, first)
    two = ask(client, follow_up, one["session_id"])
    rewritten = two["rewritten_question"]
    assert all(k in rewritten for k in kept), rewritten
    assert not any(d in rewritten for d in dropped), rewritten


def test_the_cli_keeps_a_conversation_with_session(settings, tmp_path):
    # its own data directory: the CLI's process must not share the test server's SQLite file (a second process
    # and a store opened again in the server's own process lose SQLite's locks: "file is not a database")
    shutil.copytree(settings.index_dir, tmp_path / "index", symlinks=True)
    env = {"HOTLINE_DATA_DIR": str(tmp_path), "HOTLINE_EMBEDDER": "fitted", "PATH": "/usr/bin:/bin"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "bot.cli", "ask", *args], cwd=ROOT, env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=300)
    first = run("上海怎么提升知识产权代理服务质量", "--json")
    assert first.returncode == 0, first.stderr
    session = json.loads(first.stdout)["session_id"]
    second = run("那江苏呢？", "--session", session, "--json")
    assert second.returncode == 0, second.stderr
    answer = json.loads(second.stdout)
    assert answer["rewritten_question"] == "江苏怎么提升知识产权代理服务质量" and answer["session_id"] == session
    unknown = run("那江苏呢？", "--session", "f" * 32)
    assert unknown.returncode == 2 and "会话" in unknown.stderr
