"""Copied service guides ("字段：内容" lines) at ingest: one clause a field, and no body line lost.

Small guides written here test the rules; the real copies under ../shared/corpus/extra are read when they are
beside this checkout (skipped otherwise)."""
from datetime import date
from pathlib import Path

import pytest

from bot.api.routers.pages import document_page
from bot.service import Assistant
from ingest.loaders import load
from ingest.metadata import extract
from ingest.normalise import normalise
from ingest.structure import build_clauses, uncovered_lines
from tests.conftest import SHARED, ingest_policies

TODAY = date(2026, 11, 21)
EXTRA = SHARED / "extra"
LAWS = SHARED / "laws"
needs_corpus = pytest.mark.skipif(not EXTRA.exists(), reason="../shared/corpus is not beside this checkout")


def parse_text(doc_id: str, raw: str):
    text, paragraphs = normalise(raw)
    document, header = extract(doc_id, text, paragraphs, f"{doc_id}.txt", "", TODAY)
    clauses = build_clauses(doc_id, text, paragraphs, header)
    return document, clauses, paragraphs[header.body_start:]


GUIDE = """来源: https://example.gov.cn/bszn/1.html
说明: 页面为某市知识产权中心办事指南;表格已转写为“字段:内容”逐行格式,文字未改。

适用范围:本指南适用于中国专利申请受理
联系电话:0571-89937016
办理时间:工作日(9:00-11:30;13:30-17:00)
办理地点:某市某区某街道258号

质押登记后许可备案流程:提出登记或备案请求->受理与审查->公告登记或备案事项。

自2017年7月1日起,国家知识产权局执行新的行政事业性收费标准,新增专利文件副本证明费,每份30元。

监督和投诉电话:0571-86875151
年审批数量限制:无限制
申报条件:
(1)申请主体已在保护中心备案;
(2)不属于以下情形:
1.通过PCT提出的专利国际申请;
2.根据《专利法》第九条第一款同一申请人同日对同样的发明创造所申请的实用新型专利和发明专利;
3.分案申请;
以上材料均需加盖公章。
咨询网址:
1.国家知识产权局政务服务平台:https://ggfw.cnipa.gov.cn/
2.专利业务服务系统:http://cponline.cnipa.gov.cn
备注:
"""


def test_each_field_line_of_a_guide_is_a_clause_named_by_its_field():
    _, clauses, body = parse_text("guide", GUIDE)
    by_label = {c.label: c for c in clauses}
    phone = by_label["联系电话"]
    assert phone.text == "联系电话：0571-89937016" and phone.heading == "联系电话" and phone.path == ["联系电话"]
    assert "电话" not in by_label["办理时间"].text and "9:00-11:30" in by_label["办理时间"].text
    # 7- and 8-character field names are lines of their own, not glued to the line before
    assert by_label["监督和投诉电话"].text == "监督和投诉电话：0571-86875151"
    assert by_label["年审批数量限制"].text == "年审批数量限制：无限制"
    assert by_label["备注"].text == "备注："
    # the list under a field is the field's, down to its last line
    conditions = by_label["申报条件"].text.split("\n")
    assert conditions[0] == "申报条件：" and conditions[-1] == "以上材料均需加盖公章。"
    assert "3.分案申请；" in conditions and "1.通过PCT提出的专利国际申请；" in conditions
    assert by_label["咨询网址"].text.count("http") == 2
    # a paragraph after a field that said all it had to say is not that field's
    assert "质押" not in by_label["办理地点"].text and "副本证明费" not in by_label["办理地点"].text
    assert by_label["质押登记后许可备案流程"].text.startswith("质押登记后许可备案流程：")
    assert "副本证明费" in by_label["说明"].text
    # anchors: unique, stable, in field order
    anchors = [c.anchor for c in clauses]
    assert len(set(anchors)) == len(anchors)
    assert anchors[:4] == ["f1", "f2", "f3", "f4"] and anchors[4:6] == ["f4-t1", "f4-t2"]
    assert [c.anchor for c in parse_text("guide", GUIDE)[1]] == anchors
    assert uncovered_lines(body, clauses) == []


def test_lines_before_the_first_field_are_the_preamble():
    page = ("来源: https://example.com/a\n说明: 第三方站点转载的苏州市知识产权保护中心快速预审服务说明;非全文。\n\n"
            "保护中心为备案的申请主体提供快速预审服务。\n备案条件:\n(1)注册地在苏州;\n(2)无不良信用记录;\n"
            "所需材料:\n(1)营业执照复印件;\n办理流程:\n保护中心对申请进行预先审查。\n")
    _, clauses, body = parse_text("page", page)
    assert [(c.anchor, c.label) for c in clauses] == [
        ("preamble", "前言"), ("f1", "备案条件"), ("f2", "所需材料"), ("f3", "办理流程")]
    assert clauses[1].text == "备案条件：\n（1）注册地在苏州；\n（2）无不良信用记录；"
    assert uncovered_lines(body, clauses) == []


def test_a_notice_with_a_few_contact_lines_is_no_guide():
    notice = ("某市知识产权局关于开展专利导航工作的通知\n\n各区知识产权局：\n现将有关事项通知如下。\n"
              "一、工作目标\n到2025年，建成专利导航服务基地5家。\n二、联系方式\n联系人：张三\n联系电话：0571-1234567\n"
              "地址：某市某路1号\n")
    _, clauses, body = parse_text("notice", notice)
    assert not any(c.anchor.startswith("f") for c in clauses)
    assert "联系电话：0571-1234567" in next(c for c in clauses if c.label == "二、").text
    # a notice numbered 1. 2. 3. whose body ends with contact lines is no guide either
    numbered = ("某市知识产权局关于专利导航的通知\n\n1.建设专利导航服务基地。\n2.培育专利导航人才。\n"
                "联系人：张三\n联系电话：0571-1234567\n地址：某市某路1号\n")
    _, clauses, body = parse_text("numbered", numbered)
    assert not any(c.anchor.startswith("f") for c in clauses)
    assert uncovered_lines(body, clauses) == []


def test_no_numbered_line_is_lost():
    # short items that are all heading, two lists numbered 1. 2. outside any 一、, a bare marker where the copy breaks
    notice = ("某市知识产权局关于专利预审的通知\n\n不予预审的情形：\n1.通过PCT提出的国际申请；\n"
              "2.根据《专利法》第九条第一款同一申请人同日对同样的发明创造所申请的实用新型专利和发明专利；\n"
              "3.分案申请；\n需要提交的材料如下。\n1.营业执照复印件；\n2.备案申请表；\n一、总则\n"
              "（一）本办法所称专利预审服务，是在专利申请正式提交之前的审查。\n（二）\n")
    _, clauses, body = parse_text("notice", notice)
    said = [part for c in clauses for part in (c.heading, c.text)]  # a heading line is the clause's heading
    for item in ("通过PCT提出的国际申请；", "分案申请；", "营业执照复印件；", "备案申请表；"):
        assert item in said
    assert next(c for c in clauses if c.label == "3.").heading == "分案申请；"
    anchors = [c.anchor for c in clauses]
    assert len(set(anchors)) == len(anchors) and {"i1", "i1-2", "i2", "i2-2"} <= set(anchors)
    # 一、总则 has items under it: no clause of its own, its heading is their path
    assert "s1" not in anchors and clauses[anchors.index("s1-p1")].path[0] == "一、总则"
    assert uncovered_lines(body, clauses) == []


def test_a_lost_line_is_reported(monkeypatch, caplog):
    _, clauses, body = parse_text("guide", GUIDE)
    lost = uncovered_lines(body, [c for c in clauses if c.label != "申报条件"])
    assert "申报条件：" in lost and "3.分案申请；" in lost and "联系电话：0571-89937016" not in lost
    # a tree that drops a unit is caught at ingest with a warning
    from ingest import structure
    real = structure._guide_units
    monkeypatch.setattr(structure, "_guide_units", lambda run: real(run)[:-1])
    with caplog.at_level("WARNING", logger="hotline.ingest"):
        parse_text("guide", GUIDE)
    assert "未进入任何条款" in caplog.text and "备注" in caplog.text


def test_the_document_page_of_a_guide_renders_every_field(tmp_path):
    settings = ingest_policies(tmp_path, {"guide": GUIDE})
    page = document_page("guide", Assistant(settings)).body.decode()
    assert 'id="f2"' in page and "联系电话" in page and "0571-89937016" in page
    assert 'id="f4-t2"' in page and "3.分案申请；" in page


# --- the real copies -----------------------------------------------------------------------------------

def _real(prefix: str):
    path = next(EXTRA.glob(f"{prefix}_*.txt"))
    return parse_text(path.stem, load(path).text)


@needs_corpus
def test_the_hangzhou_guide_answers_a_phone_question_with_the_phone_line():
    _, clauses, _ = _real("c01")
    phone = next(c for c in clauses if c.label == "联系电话")
    assert phone.text == "联系电话：0571-89937016"
    hours = next(c for c in clauses if c.label == "办理时间")
    assert hours.text.startswith("办理时间：工作日") and "0571" not in hours.text
    assert not any(c.label == "前言" for c in clauses)


@needs_corpus
def test_the_suzhou_guide_keeps_every_item_it_lists():
    _, clauses, _ = _real("c03")
    conditions = next(c for c in clauses if c.label == "申报条件").text
    for item in ("1.通过PCT提出的专利国际申请或进入中国国家阶段的PCT国际申请；", "3.分案申请；",
                 "5.低质申请或非正常申请；", "6.涉及国家安全或者重"):
        assert item in conditions


@needs_corpus
def test_no_body_line_of_a_real_document_is_lost():
    files = sorted(p for folder in (EXTRA, LAWS) for p in folder.glob("*.txt"))
    assert files
    for path in files:
        _, clauses, body = parse_text(path.stem, load(path).text)
        assert uncovered_lines(body, clauses) == [], path.name
        anchors = [c.anchor for c in clauses]
        assert len(set(anchors)) == len(anchors), path.name
