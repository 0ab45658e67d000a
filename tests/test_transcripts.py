"""Call transcripts as telephony ASR writes them: knowledge/transcripts.yaml's examples, the reading of whole
calls (labels of any form, or none; the caller's questions only, in order; pleasantries dropped), and the
cards an operator reads out."""
import json
import re

import httpx
import pytest
import yaml

from bot.answer.hotline import Speech, TranscriptsError, read_call, turns_of
from bot.config import DisplaySettings
from evals.transcripts import leads_with_fact, match_questions, readable
from tests.conftest import KNOWLEDGE, OPERATOR, served_with_files

SPEECH = Speech.from_yaml(KNOWLEDGE / "transcripts.yaml")
SAID = DisplaySettings(_env_file=None).spoken_limit  # HOTLINE_SPOKEN_LIMIT, as the served app has it


SECTIONS = {"speakers": "examples", "operator_phrases": "examples", "confirming": "examples",
            "pleasantries": "examples", "asking": "examples", "breaks": "break_examples", "clarifying": "examples",
            "introductions": "examples", "replies": "examples", "openers": "examples"}


def _examples():
    data = SPEECH.data
    for section, key in SECTIONS.items():
        examples = data["asking" if section == "breaks" else section][key]
        assert len(examples["positive"]) >= 3 and len(examples["negative"]) >= 3, f"{section}: 至少各三个例句"
        for expected, key in ((True, "positive"), (False, "negative")):
            for example in examples[key]:
                yield pytest.param(section, example, expected, id=f"{section}{'+' if expected else '-'}{example}")


def _reply(text: str) -> str:
    return "agrees" if SPEECH.agrees(text) else "denies" if SPEECH.denies(text) else ""


@pytest.mark.parametrize("section,example,expected", list(_examples()))
def test_every_example_is_read_as_its_section_says(section, example, expected):
    if section == "speakers":
        line, _, role = example.partition(" → ") if expected else (example, "", "")
        m = SPEECH.label.match(line)
        assert bool(m) == expected, line
        if expected:
            assert SPEECH.roles[SPEECH.speaker(m)[0]] == role, line
        return
    if section == "replies":
        reply, _, reading = example.partition(" → ")
        assert _reply(reply) == reading, example
        return
    check = {"operator_phrases": lambda t: SPEECH.operator_says(t) > 0, "confirming": SPEECH.confirms,
             "pleasantries": SPEECH.is_pleasantry, "asking": SPEECH.asks, "clarifying": SPEECH.clarifies,
             "introductions": SPEECH.introduces,
             "breaks": lambda t: len(SPEECH.split_at_breaks(t)) > 1,  # the next question starts inside it
             "openers": lambda t: SPEECH.trim(t) != t}[section]  # the question's start is cut
    assert check(example) == expected, example


def test_a_bureaus_own_file_without_a_newer_section_takes_the_shipped_one(tmp_path):
    own = {k: v for k, v in SPEECH.data.items() if k != "replies"} | {"openers": {"phrases": ["问"]}}
    (tmp_path / "transcripts.yaml").write_text(yaml.safe_dump(own, allow_unicode=True), encoding="utf-8")
    speech = Speech.for_knowledge(tmp_path)
    assert speech.agrees("对对，要交哪些材料") and speech.openers == ["问"]


def previous_release() -> dict:
    """transcripts.yaml as the release before soft breaks shipped it (874af3c): `asking` without soft_breaks and
    break_examples, and no clarifying, introductions, replies or openers sections."""
    old = {k: v for k, v in SPEECH.data.items() if k not in ("clarifying", "introductions", "replies", "openers")}
    old["asking"] = {k: v for k, v in old["asking"].items() if k not in ("soft_breaks", "break_examples")}
    return old


def test_a_key_added_to_a_section_later_is_the_shipped_ones(tmp_path):
    (tmp_path / "transcripts.yaml").write_text(yaml.safe_dump(previous_release(), allow_unicode=True), encoding="utf-8")
    speech = Speech.for_knowledge(tmp_path)
    assert speech.soft_breaks == SPEECH.soft_breaks and speech.markers == SPEECH.markers
    own = {"asking": {"soft_breaks": []}, "pleasantries": {"phrases": ["喂"]}}  # emptied: the bureau's, not shipped
    (tmp_path / "transcripts.yaml").write_text(yaml.safe_dump(own, allow_unicode=True), encoding="utf-8")
    speech = Speech.for_knowledge(tmp_path)
    assert speech.soft_breaks == [] and speech.pleasantries == ["喂"] and speech.breaks == SPEECH.breaks
    assert len(speech.split_at_breaks("资助什么时候发还有代理机构不办事找谁")) == 1  # no soft break, and no empty match
    assert speech.asks("专利资助什么时候发") and not speech.asks("好的")


def test_the_previous_releases_file_keeps_suggest_working(app_settings, tmp_path):
    """Issue: the 874af3c file in a knowledge folder made every /v1/hotline/suggest a 500 (asking.soft_breaks)."""
    files = {"transcripts.yaml": yaml.safe_dump(previous_release(), allow_unicode=True)}
    with served_with_files(app_settings, tmp_path / "knowledge", files) as live:
        response = httpx.post(f"{live.url}/v1/hotline/suggest", headers=OPERATOR, timeout=60,
                              json={"transcript": CALL, "region": None})
    assert response.status_code == 200, response.text
    questions = [s["question"] for s in response.json()["suggestions"]]
    assert len(questions) == 2 and "报名费" in questions[0] and "投诉" in questions[1], questions


def test_a_malformed_file_is_a_503_naming_it_and_ask_goes_on(app_settings, tmp_path, caplog):
    files = {"transcripts.yaml": "asking:\n  markers: 吗\n"}
    with served_with_files(app_settings, tmp_path / "knowledge", files) as live:
        suggest = httpx.post(f"{live.url}/v1/hotline/suggest", headers=OPERATOR, timeout=60,
                             json={"transcript": CALL, "region": None})
        ask = httpx.post(f"{live.url}/v1/ask", json={"question": "蓝天行动的工作目标是什么"}, timeout=60)
    error = suggest.json()["error"]
    assert suggest.status_code == 503 and error["code"] == "misconfigured", suggest.text
    assert "transcripts.yaml" in error["message"] and "12345" in error["message"]
    assert str(tmp_path) not in error["message"]  # the file by its name: no path of the server
    assert ask.status_code == 200  # what does not need the list goes on
    # said at start-up, for whoever runs the service: the file, the key and how to fix it
    said = [r.getMessage() for r in caplog.records if "asking.markers" in r.getMessage()]
    assert said and "transcripts.yaml" in said[0] and "删去" in said[0], said


def test_a_malformed_file_is_said_on_a_live_call_which_goes_on(app_settings, tmp_path):
    from websockets.sync.client import connect

    with served_with_files(app_settings, tmp_path / "knowledge", {"transcripts.yaml": "replies: [对]\n"}) as live:
        with connect(live.url.replace("http://", "ws://") + "/v1/hotline/stream", additional_headers=OPERATOR) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "ready"
            for _ in range(2):  # the socket stays open: the second utterance is answered the same way
                ws.send(json.dumps({"text": "专利资助什么时候发？", "is_final": True, "speaker": "caller"}))
                error = json.loads(ws.recv(timeout=30))
                assert error["type"] == "error" and error["error"]["code"] == "misconfigured", error
                assert "transcripts.yaml" in error["error"]["message"]


def test_a_malformed_file_names_the_key(tmp_path):
    path = tmp_path / "transcripts.yaml"
    path.write_text("speakers:\n  operator: 坐席\n", encoding="utf-8")
    with pytest.raises(TranscriptsError, match="speakers.operator"):
        Speech.from_yaml(path)


# The call of issue 17: labels, pleasantries, an operator's confirming rephrase and an ASR error (投述).
CALL = """坐席：您好，知识产权热线，请讲。
来电人：，我这边是浦东一家小公司的，想问一下专利代理师考试现在还要交报名费吗？
坐席：您是问专利代理师资格考试的报考费是吧？
来电人：对对。还有，代理机构收了钱不办事，我想投述他们，去哪里投述？
坐席：好的，我帮您查一下。
来电人：没别的事了，再见。"""


def test_the_callers_questions_without_labels_in_order_and_no_goodbye():
    reading = read_call(CALL, SPEECH)
    assert reading.texts == ["专利代理师考试现在还要交报名费吗", "代理机构收了钱不办事，我想投述他们，去哪里投述"]
    assert reading.questions[0].rephrase == "专利代理师资格考试的报考费"  # the operator's words, as context
    assert reading.questions[1].rephrase is None  # 好的，我帮您查一下 confirms nothing
    assert reading.context == ["我这边是浦东一家小公司的"]


@pytest.mark.parametrize("transcript", [
    # time stamps and voices a recogniser could not name: the one saying what operators say is the operator
    "[00:00:01] A：您好，12345热线，请问有什么可以帮您？\n[00:00:04] B：喂你好，我们是江苏的企业，"
    "那个服务业措施什么时候施行的？\n[00:00:09] A：您稍等，还有其他问题吗？\n[00:00:12] B：好的谢谢",
    # the same voices in the other order of labels, on one line
    "说话人1：喂，你好。说话人2：你好，请讲。说话人1：我们是江苏的企业，那个服务业措施什么时候施行的？说话人2：我帮您查一下。",
    # 【】 labels with the time after them
    "【客服】00:00:01：您好请讲\n【市民】00:00:03：我们是江苏的企业，那个服务业措施什么时候施行的\n【客服】00:00:09：好的",
])
def test_labels_of_any_form(transcript):
    reading = read_call(transcript, SPEECH)
    assert reading.texts == ["服务业措施什么时候施行的"], [(t.role, t.speaker, t.text) for t in reading.turns]
    assert reading.context == ["我们是江苏的企业"]


def test_only_the_callers_turns_are_searched_for_questions():
    reading = read_call("坐席：请问您是哪个区的企业？有什么可以帮您？\n来电人：松江的。专利资助什么时候发？", SPEECH)
    assert reading.texts == ["专利资助什么时候发"]


def test_a_rephrase_the_caller_denies_is_not_used():
    reading = read_call("来电人：专利代理师考试要交钱吗？\n坐席：您是问专利年费是吧？\n来电人：不是，是考试报名的费用", SPEECH)
    assert reading.questions[0].rephrase is None


def test_a_transcript_without_labels_keeps_the_callers_order():
    reading = read_call("喂你好，我想问一下，嗯，我们是上海的一家小企业，那个，代理所收了钱不办事我去哪里投诉啊？"
                        "还有就是江苏那个服务业措施什么时候施行的，嗯，还有知识产权质押登记在上海怎么办。好的谢谢，再见", SPEECH)
    assert reading.texts == ["代理所收了钱不办事我去哪里投诉啊", "江苏那个服务业措施什么时候施行的", "知识产权质押登记在上海怎么办"]
    assert turns_of("请问有什么可以帮您") == [] or read_call("您好请讲。有什么可以帮您？", SPEECH).texts == []




def test_the_calls_cards(client):
    data = client.post("/v1/hotline/suggest", json={"transcript": CALL}, headers=OPERATOR).json()
    cards = data["suggestions"]
    assert [c["question"] for c in cards] == ["专利代理师考试现在还要交报名费吗", "代理机构收了钱不办事，我想投诉他们，去哪里投诉"]
    fee, complaint = cards
    # the fee question is answered from the clause that answers it, the fact first and then its basis
    assert fee["grounded"] and fee["citations"][0]["clause_id"] == "sh-2024-32-service-industry:s3-i14"
    assert fee["answer"].startswith("延续专利代理师资格考试免报考费政策。") and fee["answer"].endswith("》三、14.")
    # 投述 was heard for 投诉, and corrected against the documents' own words
    assert complaint["grounded"] and {c["clause_id"] for c in complaint["citations"]} & {
        "sh-2024-13-lantian-action:s2-p4-i9", "ip-public-services:item12"}
    assert all(readable(c["answer"], SAID) for c in cards), [c["answer"] for c in cards]


def test_a_refusal_is_said_to_the_caller(client):
    data = client.post("/v1/hotline/suggest", json={"transcript": "来电人：外观设计专利保护期多少年？"}, headers=OPERATOR).json()
    card = data["suggestions"][0]
    assert not card["grounded"] and readable(card["answer"], SAID) and "您" in card["answer"] and "12345" in card["answer"]


@pytest.mark.parametrize("question", [
    "蓝天行动的工作目标是什么", "上海怎么提升知识产权代理服务质量", "江苏的若干措施有效期到哪天", "知识产权质押登记在上海怎么办",
    "上海和江苏分别怎么提升知识产权代理服务质量", "代理所收了钱不办事我去哪里投诉", "专利质押登记要带什么材料", "今天天气怎么样",
])
def test_every_card_can_be_read_out(client, question):
    card = client.post("/v1/hotline/suggest", json={"transcript": f"来电人：{question}？"}, headers=OPERATOR).json()["suggestions"][0]
    assert readable(card["answer"], SAID), card["answer"]
    assert not re.search(r"\[\d+\]", card["answer"])


def test_spaces_for_pauses_and_run_together_turns():
    reading = read_call("座席：您好知识产权局热线请讲 来电人：你好 就是它是从哪天开始实行的 有效期是到什么时候\n"
                        "座席：好的 您稍等 来电人：嗯 还有那个WIPO暑期学校 上海还办不办", SPEECH)
    assert reading.texts == ["就是它是从哪天开始实行的", "有效期是到什么时候", "还有那个WIPO暑期学校，上海还办不办"]


def test_what_the_call_was_about_travels_with_a_question_that_only_points_at_it():
    reading = read_call("坐席: 您好\n来电人: 我们公司在杭州 想去那个专利局杭州代办处现场交材料\n"
                        "坐席: 嗯 国家知识产权局专利局杭州代办处是吧\n来电人: 对 它地址是在哪里啊", SPEECH)
    assert reading.texts == ["它地址是在哪里啊"]
    assert reading.questions[0].rephrase == "国家知识产权局专利局杭州代办处"


def test_the_evaluation_matches_questions_in_order_by_sound():
    # ASR's 知识产全 and the corrected 知识产权 are the same question; order is kept
    assert match_questions(["知识产全培训鸡地有多少家", "在哪里报名"], ["在哪里报名", "知识产权培训基地有多少家"]) == [1, None]
    assert readable("延续专利代理师资格考试免报考费政策。依据《若干措施》三、14.", SAID) and leads_with_fact("不收报考费。")
    assert not readable("以下条款与您的问题相关，供参考：。", SAID) and not readable("请来电人拨打12345咨询，谢谢您的来电。", SAID)
