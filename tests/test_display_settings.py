"""How long answers are shown and said is set per deployment (HOTLINE_SPOKEN_LIMIT, HOTLINE_RELATED_CLAUSES, …:
`DisplaySettings`): a hotline that reads less aloud, a WeChat account that lists fewer clauses. Each is read from
the environment as a deployment sets it, through the real app or the real CLI; a nonsense value stops start-up."""
import json

import httpx
import pytest

from tests.conftest import OPERATOR, LiveServer, make_settings
from tests.test_startup import hotline

# (the second question asks how a complaint is handled: the service item answers it, with more than 60 characters to
# read; 去哪里投诉 is answered from the clause alone, in fewer)
CALL = "来电人：你好，我想问一下专利代理师考试现在还要交报名费吗？还有，代理机构收了钱不办事，我想投诉他们，这个投诉怎么办理？"
UNANSWERED = "外观设计专利保护期多少年"  # refused: the documents state no term; several clauses are near it


def test_the_spoken_limit_shortens_what_an_operator_reads_out(app_settings, client, monkeypatch):
    default = client.post("/v1/hotline/suggest", json={"transcript": CALL}, headers=OPERATOR).json()["suggestions"]
    monkeypatch.setenv("HOTLINE_SPOKEN_LIMIT", "60")
    short = make_settings(app_settings.data_dir, operator_tokens=app_settings.operator_tokens)
    from bot.api.app import create_app

    with LiveServer(create_app(short)) as server, httpx.Client(base_url=server.url, timeout=30) as c:
        said = c.post("/v1/hotline/suggest", json={"transcript": CALL}, headers=OPERATOR).json()["suggestions"]
    assert [s["question"] for s in said] == [d["question"] for d in default] and len(said) == 2
    assert max(len(d["answer"]) for d in default) > 60  # the default reads more than 60 characters
    assert all(len(s["answer"]) <= 60 for s in said), [s["answer"] for s in said]
    assert sum(map(len, (s["answer"] for s in said))) < sum(map(len, (d["answer"] for d in default)))
    for s, d in zip(said, default):
        assert s["grounded"] == d["grounded"] and s["citations"] == d["citations"]  # what is answered is the same
    fee, complaint = said
    assert fee["answer"].startswith("延续专利代理师资格考试免报考费政策。") and "依据" in fee["answer"]
    # an answer none of whose sentences fits is never said as "the documents do not say"
    assert complaint["grounded"] and "没有" not in complaint["answer"] and "依据" in complaint["answer"]


def test_the_related_clauses_set_how_many_nearest_clauses_a_refusal_lists(settings, assistant):
    default = assistant.ask(UNANSWERED)
    assert not default.grounded and len(default.citations) == 3
    result = hotline("ask", "--json", UNANSWERED,
                     env={"HOTLINE_DATA_DIR": str(settings.data_dir), "HOTLINE_RELATED_CLAUSES": "1"})
    assert result.returncode == 0, result.stderr
    one = json.loads(result.stdout)
    assert not one["grounded"] and [c["clause_id"] for c in one["citations"]] == [default.citations[0].clause_id]
    assert one["answer"].count("\n[") == 1 and "最接近的规定" in one["answer"]  # the nearest is still quoted


@pytest.mark.parametrize("variable, value, low, high", [
    ("HOTLINE_SPOKEN_LIMIT", "5", 60, 1000),
    ("HOTLINE_RELATED_CLAUSES", "50", 1, 5),
    ("HOTLINE_LEAD_CHARS", "很长", 40, 2000),
])
def test_an_out_of_range_length_stops_start_up_naming_the_variable_and_range(tmp_path, variable, value, low, high):
    result = hotline("ask", "专利费减", env={variable: value, "HOTLINE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "配置错误" in result.stderr and f"{variable}={value}" in result.stderr, result.stderr
    assert f"应为 {low} 到 {high} 之间的整数" in result.stderr and f"from {low} to {high}" in result.stderr
