"""Metadata and the clause tree of the bureau's four real documents, and of the regulation shape."""
from datetime import date
from pathlib import Path

import pytest

from ingest.loaders import load
from bot.models import CatalogueItem, Document
from ingest.metadata import extract, fill_item_regions, fill_regions, locality_of, region_names
from ingest.normalise import ATTACHMENT, normalise
from ingest.structure import build_clauses
from bot.service import Assistant
from tests.conftest import KNOWLEDGE, SHARED, ingest_policies, tuned

TODAY = date(2026, 11, 21)


def parse(path: Path, today: date = TODAY):
    text, paragraphs = normalise(load(path).text)
    document, header = extract(path.stem, text, paragraphs, str(path), "", today)
    return document, {c.label: c for c in build_clauses(document.id, text, paragraphs, header)}


@pytest.mark.parametrize("name, title, number, issued", [
    ("sh-2024-32-service-industry", "上海市知识产权局关于推动知识产权服务业高质量发展的若干措施", "沪知局〔2024〕32号",
     date(2024, 12, 2)),
    ("sh-2022-13-public-service", "关于加强上海市知识产权公共服务工作的意见", "沪知局〔2022〕13号", date(2022, 3, 31)),
    ("sh-2024-13-lantian-action", "上海市知识产权局2024年知识产权代理行业“蓝天”行动实施方案", "沪知局〔2024〕13号",
     date(2024, 5, 14)),
])
def test_shanghai_metadata(name, title, number, issued):
    document, _ = parse(KNOWLEDGE / "policies" / f"{name}.txt")
    assert (document.title, document.doc_number, document.issued_on) == (title, number, issued)
    assert document.issuer == "上海市知识产权局" and document.region == "上海市"
    assert document.expires_on is None and document.status == "有效"
    assert "未载明有效期" in document.status_basis


def test_jiangsu_metadata_and_status_over_time():
    path = KNOWLEDGE / "policies" / "js-2025-service-industry.txt"
    document, _ = parse(path)
    assert document.title == "关于加快推进知识产权服务业高质量发展的若干措施"
    assert document.doc_number is None
    assert (document.issuer, document.region) == ("江苏省知识产权局", "江苏省")
    assert (document.issued_on, document.effective_from, document.expires_on) == (
        date(2025, 10, 9), date(2025, 11, 9), date(2030, 11, 9))
    assert document.status == "有效"
    assert document.status_on(date(2025, 10, 20)) == "未生效"
    assert document.status_on(date(2030, 11, 10)) == "已失效"


def test_clause_tree_labels_headings_and_repaired_text():
    _, clauses = parse(KNOWLEDGE / "policies" / "sh-2022-13-public-service.txt")
    clause = clauses["二、（三）2."]
    assert clause.id == "sh-2022-13-public-service:s2-p3-i2"
    assert clause.heading == "完善知识产权保护服务"
    assert clause.path[:2] == ["二、重点任务", "（三）丰富公共服务产品供给"]
    assert clause.text.endswith("鼓励社会机构提供知识产权维权援助、代理援助等公益服务。")
    assert clauses["二、（一）1."].heading == "加强实体平台建设"  # heading on a line of its own
    assert "“一站统管+一网通办+一线通答”" in clauses["二、（一）"].text  # broken inside quotes, repaired
    table = clauses["一、（二）附表"]
    assert "市级知识产权培训基地数量（家），2025年：15。" in table.text
    assert "2022年3月31日印发" in clauses["落款"].text
    assert "特此通知。" in clauses["印发通知"].text


def test_continuously_numbered_items_and_bold_lead_ins():
    _, clauses = parse(KNOWLEDGE / "policies" / "sh-2024-32-service-industry.txt")
    assert clauses["二、10."].heading == "提升知识产权代理服务质量"
    assert "主动加大经营、质量、信用等信息公开力度" in clauses["一、2."].text
    assert "依托国家知识产权培训（上海）基地" in clauses["三、14."].text
    assert clauses["前言"].text.startswith("为深入贯彻党的二十届三中全会")
    assert len([label for label in clauses if label[-1] == "."]) == 16


def test_validity_sentence_moves_to_the_closing_unit():
    _, clauses = parse(KNOWLEDGE / "policies" / "js-2025-service-industry.txt")
    assert "有效期" not in clauses["三、16."].text
    assert clauses["落款"].text.startswith("本措施自2025年11月9日施行，有效期至2030年11月9日。")
    assert clauses["印发通知"].text.startswith("各设区市知识产权局")


REGULATION = """上海市某某条例

第一章　总则

第一条 为了保护专利权，制定本条例。

第二条 本条例适用于本市。

本条所称专利，包括：

（一）发明；

（二）实用新型。

第二章　附则

第三条 本条例自2002年7月1日起施行。
"""


def test_regulation_shape(tmp_path):
    path = tmp_path / "reg.txt"
    path.write_text(REGULATION, encoding="utf-8")
    document, clauses = parse(path)
    assert document.title == "上海市某某条例" and document.effective_from == date(2002, 7, 1)
    assert list(clauses) == ["第一条", "第二条", "第三条"]
    assert clauses["第二条"].path == ["第一章 总则", "第二条"]
    assert "（二）实用新型。" in clauses["第二条"].text  # 项 stay inside their article
    assert clauses["第二条"].id == "reg:a2"


@pytest.mark.skipif(not (SHARED / "extra").exists(), reason="../shared/corpus is not beside this checkout")
def test_real_regulations_from_the_shared_corpus():
    _, clauses = parse(SHARED / "extra" / "x04_shanghai_zhuanli_baohu_tiaoli.txt")
    assert "第三十四条" in clauses and "2002年7月1日" in clauses["第三十四条"].text
    assert all(label.startswith("第") or label in ("前言", "题注") for label in clauses)


@pytest.mark.parametrize("issuer_or_title, locality", [
    ("上海市知识产权局", None),
    ("上海市松江区知识产权局", "松江区"),
    ("上海市浦东新区知识产权局", "浦东新区"),
    ("常州市武进区市场监督管理局", "常州市武进区"),  # a district and its city
    ("佛山市顺德区市场监督管理局商标侵权投诉举报办事指南", "佛山市顺德区"),
    ("南京市江北新区管理委员会", "南京市江北新区"),
    ("南京市市场监督管理局", "南京市"),  # 市场 is no district
    ("南京市各区知识产权局", "南京市"),
    ("南京市城市管理局", "南京市"),  # a district is followed by an office's name, not by the rest of a word
    ("常州市主城区专利资助办法", "常州市"),
    ("荆州市沙市区市场监督管理局", "荆州市沙市区"),
    ("杭州市高新区（滨江）市场监督管理局", "杭州市"),
    ("合肥高新区市场监督管理局（知识产权局）", "合肥高新区"),
    ("上海市市场监督管理局", None),
    ("南京市知识产权局", "南京市"),
    ("江苏省知识产权局", None),
    ("青岛市商标品牌指导站建设办事指南", "青岛市"),
    ("关于加强上海市知识产权公共服务工作的意见", None),
    ("国家知识产权局", None),
])
def test_a_city_or_district_document_is_told_from_a_region_wide_one(issuer_or_title, locality):
    assert locality_of(issuer_or_title) == locality


def test_the_bureaus_documents_bind_their_whole_region():
    for path in sorted((KNOWLEDGE / "policies").glob("*.txt")):
        assert parse(path)[0].locality is None


def test_a_notices_title_is_found_by_any_kind_of_official_document_and_never_in_a_numbered_heading():
    """关于…的通告 is a title (通告 is one of the kinds of official document, as 通知 is); 二、服务事项办事指南 ends like a
    title but is a heading of the body: had it been taken, the first section would have been read as the cover."""
    text, paragraphs = normalise(
        "樊城区市场监督管理局文件\n\n樊市监发〔2026〕5号\n\n樊城区市场监督管理局关于公布维权援助工作站办事指南的通告\n\n"
        "各有关单位：\n\n现将有关事项通告如下。\n\n一、基本情况\n\n（一）服务地点。长征路216号政务服务中心二楼。\n\n"
        "（二）咨询电话。0710-3156728。\n\n二、服务事项办事指南\n\n（一）维权援助申请\n\n1. 收费标准：不收费。\n")
    document, header = extract("notice", text, paragraphs, "notice.txt", "", TODAY)
    assert document.title == "樊城区市场监督管理局关于公布维权援助工作站办事指南的通告"
    clauses = {c.label: c for c in build_clauses(document.id, text, paragraphs, header)}
    assert "0710-3156728" in clauses["一、（二）"].text and "0710-3156728" not in clauses["印发通知"].text


def test_a_notices_attachments_are_parts_of_their_own_and_each_question_of_its_faq_a_clause():
    """After the signature, 附件4 and 附件6 start again at 一、 or hold 问题1：… 答：…; read as one more item of the
    last section, a form's outline and a whole FAQ were one clause of two thousand characters that every question
    half matched. Each attachment is a part of its own (its title from the line after 附件N), the signature is the
    closing again, and each question with its answer is a clause headed by the question."""
    text, paragraphs = normalise(
        "芜湖市市场监督管理局文件\n\n芜市监〔2026〕18号\n\n关于组织申报专利转化专项资金的通知\n\n各有关单位：\n\n"
        "一、支持方向\n\n（一）转让许可补助。按实际支付额的15%给予补助。\n\n二、申报时间\n\n网上申报截至2026年4月24日。\n\n"
        "芜湖市市场监督管理局\n2026年3月9日\n\n附件4\n专利产业化项目实施方案（编写提纲）\n\n一、企业基本情况。包括注册资本。\n\n"
        "二、核心专利情况。包括专利号。\n\n附件6\n常见问题解答\n问题1：2024年签订的合同能申报吗？\n答：不能。合同须在2025年签订。\n"
        "问题2：申报后在哪里查看进度？\n答：登录申报系统查看。\n")
    document, header = extract("notice", text, paragraphs, "notice.txt", "", TODAY)
    clauses = {c.id.split(":")[1]: c for c in build_clauses(document.id, text, paragraphs, header)}
    assert "2026年3月9日" in clauses["closing"].text and "附件" not in clauses["closing"].text
    assert clauses["s2"].text == "网上申报截至2026年4月24日。"  # the last item ends where the notice does
    assert clauses["annex4-s1"].path == ["附件4 专利产业化项目实施方案（编写提纲）", "一、企业基本情况"]
    assert clauses["annex4-s2"].label == "附件4二、"
    assert (clauses["annex6-q1"].heading, clauses["annex6-q1"].text) == (
        "2024年签订的合同能申报吗？", "问题1：2024年签订的合同能申报吗？\n答：不能。合同须在2025年签订。")
    assert clauses["annex6-q2"].path == ["附件6 常见问题解答", "申报后在哪里查看进度？"]
    # a line that lists or mentions attachments is no attachment's heading
    for line in ("附件：1. 申报书", "附件2、附件3可在门户网站下载。", "附件1由系统在线生成，附件2可下载",
                 "附件2《信用评价指标》主要内容如下："):
        assert not ATTACHMENT.match(line), line
    # before the signature's date, 附件1：申报书 lines list them: the notice keeps its closing
    listed = text.split("芜湖市市场监督管理局\n2026年3月9日")[0] + "附件1：申报书\n附件2：汇总表\n芜湖市市场监督管理局\n2026年3月9日\n"
    text, paragraphs = normalise(listed)
    document, header = extract("notice", text, paragraphs, "notice.txt", "", TODAY)
    clauses = {c.id.split(":")[1]: c for c in build_clauses(document.id, text, paragraphs, header)}
    assert "2026年3月9日" in clauses["closing"].text and not any(anchor.startswith("annex") for anchor in clauses)


def test_the_attachments_of_a_text_a_notice_issues_follow_that_text_whose_signature_came_before_it():
    """关于印发《…方案》的通知 is signed and dated in its cover letter, before the 方案 it issues; the 方案 ends with
    its list of attachments (附件：1. …) and the attachments follow. With no date in the 方案's body they were read as
    its last item, and an agreement's 第一条 in one of them made the whole 方案 a regulation: everything before that
    第一条, 8 000 characters of 一、（一）, was one preamble clause."""
    notice = (
        "海口市市场监督管理局\n\n海市监〔2026〕38号\n\n关于印发《海口市中小企业知识产权托管服务实施方案》的通知\n\n"
        "各区市场监督管理局：\n\n现将《海口市中小企业知识产权托管服务实施方案》印发给你们，请认真组织实施。\n\n"
        "海口市市场监督管理局\n2026年4月2日\n\n海口市中小企业知识产权托管服务实施方案\n\n"
        "为降低企业知识产权管理成本，制定本方案。\n\n一、费用分担\n\n（一）基础服务包。价格为1.5万元，企业自付3000元。\n\n"
        "二、企业参加托管\n\n（一）报名。企业向所在区市场监管部门报名。\n\n"
        "附件：1. 托管服务申请表\n2. 托管服务三方协议（示范文本）\n\n"
        "附件1\n\n托管服务申请表\n\n一、企业基本信息：企业名称、注册地址。\n\n"
        "附件2\n\n托管服务三方协议（示范文本）\n\n第一条 托管期限。本协议托管期限为1年。\n\n"
        "第二条 争议解决。协商不成的，可以依法提起诉讼。\n")

    def clauses_of(source: str) -> dict:
        text, paragraphs = normalise(source)
        document, header = extract("notice", text, paragraphs, "notice.txt", "", TODAY)
        return {c.id.split(":")[1]: c for c in build_clauses(document.id, text, paragraphs, header)}

    clauses = clauses_of(notice)
    assert clauses["preamble"].text == "为降低企业知识产权管理成本，制定本方案。"
    assert clauses["s1-p1"].text == "基础服务包。价格为1.5万元，企业自付3000元。"
    assert "附件1" not in clauses["s2-p1"].text and "第一条" not in clauses["s2-p1"].text
    assert clauses["annex2-a1"].path == ["附件2 托管服务三方协议（示范文本）", "第一条"]
    assert clauses["annex1-s1"].label == "附件1一、"
    # before its list, a line of the body that names an attachment is the body's
    named = notice.replace("（一）报名。", "附件1《托管服务申请表》主要内容如下：\n\n（一）报名。")
    assert "附件1《托管服务申请表》" in clauses_of(named)["s2"].text
    # the 版记 ends the whole document (GB/T 9704), after the attachments, its office and date on one line
    printed = "抄送：海口市财政局。\n\n海口市市场监督管理局办公室　　　　2026年4月3日印发\n"
    clauses = clauses_of(notice + "\n" + printed)
    assert "抄送" in clauses["closing"].text and "2026年4月3日印发" in clauses["closing"].text
    assert clauses["annex2-a2"].text == "争议解决。协商不成的，可以依法提起诉讼。"
    without = notice.split("附件：1.")[0] + printed
    clauses = clauses_of(without)
    assert "2026年4月3日印发" in clauses["closing"].text and "印发" not in clauses["s2-p1"].text
    # a notice signed at its end, after its attachments (温州市鹿城区市场监督管理局 / 2026年3月6日 below the last form)
    signed_last = ("鹿城区市场监督管理局关于质押融资贴息申报的通知\n\n各街道：\n\n一、申报条件\n\n（一）在本区注册。\n\n"
                   "附件：1. 贴息申报表\n　　　2. 信用承诺书\n\n附件1\n\n贴息申报表\n\n一、企业基本情况：企业名称。\n\n"
                   "附件2\n\n信用承诺书\n\n本企业自愿申报贴息资金。\n\n企业（盖章）：　　　　年　月　日\n\n"
                   "温州市鹿城区市场监督管理局\n\n2026年3月6日\n\n（此件公开发布）\n")
    clauses = clauses_of(signed_last)
    assert clauses["s1-p1"].text.startswith("在本区注册。") and "一、企业基本情况" not in clauses["s1-p1"].text
    assert clauses["annex1-s1"].text == "企业基本情况：企业名称。"
    assert "2026年3月6日" in clauses["closing"].text and "2026年3月6日" not in clauses["annex2"].text
    assert clauses["annex2"].text.endswith("企业（盖章）： 年月日")  # a form's own blank date is the form's


def _clauses(source: str) -> dict:
    text, paragraphs = normalise(source)
    document, header = extract("notice", text, paragraphs, "notice.txt", "", TODAY)
    return {c.id.split(":")[1]: c for c in build_clauses(document.id, text, paragraphs, header)}


def test_attachments_however_their_list_and_headings_are_written_and_the_banji_after_them():
    """Shapes an outside review wrote (helper-121): a list 附件： alone on its line, headings 附件一/附件二 or a bare 附件,
    attachments in any order, the list of them a unit of its own (its 2. 汇总表 was a second item of the last
    section), a 抄送 that runs on to a second line and rules framing the 版记; a copied guide signed nowhere lists files
    to download (附件2：合同.doc), which are no attachments, and a sample notice's 特此通知 stays the sample's."""
    cover = ("某市市场监督管理局关于印发《某市质押融资实施方案》的通知\n\n各区局：\n\n现印发给你们。\n\n"
             "某市市场监督管理局\n\n2026年5月8日\n\n某市质押融资实施方案\n\n一、补偿对象\n\n在本市注册的企业。\n\n")
    clauses = _clauses(cover + "附件：\n1.风险补偿申请表\n2.合作协议\n\n附件二\n\n合作协议\n\n第一条 合作期限。三年。\n\n"
                                "附件一\n\n风险补偿申请表\n\n一、企业名称：\n\n"
                                "─────────────\n抄送：省市场监督管理局，市委办公室，\n市政协办公室。\n"
                                "─────────────\n某市市场监督管理局办公室　　　　2026年5月9日印发\n")
    assert clauses["s1"].text == "在本市注册的企业。"
    assert clauses["annexes"].text == "附件：\n1.风险补偿申请表\n2.合作协议"
    assert clauses["annex2-a1"].path == ["附件二 合作协议", "第一条"]
    assert clauses["annex1-s1"].text == "企业名称："
    closing = clauses["closing"].text
    assert "市政协办公室。" in closing and "2026年5月9日印发" in closing
    single = _clauses(cover + "附件：风险补偿申请表\n\n附件\n\n风险补偿申请表\n\n第一条 申请人名称。\n")
    assert single["annex1-a1"].text == "申请人名称。" and single["s1"].text == "在本市注册的企业。"
    for signature in ("", "某市市场监督管理局\n\n2026年2月16日\n"):  # signed or not, a file to download is none
        guide = _clauses("专利权质押登记办事指南\n\n事项名称：专利权质押登记\n\n办理依据：《专利权质押登记办法》\n\n"
                         "附件：\n\n附件1：专利权质押登记申请表.doc\n\n附件2：专利权质押合同参考文本.doc\n\n"
                         "办理时限：5个工作日\n\n办理地点：市政务服务中心二楼\n\n联系电话：0471-1234567\n" + signature)
        assert not any(anchor.startswith("annex") for anchor in guide), signature
        assert any(c.text == "办理时限：5个工作日" for c in guide.values())
    sample = _clauses("某区市场监督管理局关于开展老字号认定工作的通知\n\n各有关企业：\n\n一、认定条件\n\n创立于1976年以前。\n\n"
                      "附件：1.申报书\n2.认定结果通知书（样式）\n\n某区市场监督管理局\n\n2026年7月1日\n\n附件1\n\n申报书\n\n"
                      "一、企业基本情况\n\n附件2\n\n认定结果通知书（样式）\n\n××企业：\n\n经评审，你单位品牌被认定为老字号。\n\n特此通知。\n")
    assert sample["annex2"].text.endswith("特此通知。") and "特此通知" not in sample["closing"].text


def test_what_an_attachment_says_of_attachments_and_a_text_that_names_them_are_no_attachments():
    """A second outside review (helper-123): a checklist attachment's line 附件1：申报书（原件一式两份） is the
    checklist's, not attachment 1 again; 附件1-1 and 附件1-2 are attachments of their own (a signed guide's files to
    download are none: above); a 办法 whose 第三条 lists 附件1：/附件2： goes on with 第四条, so those lines are
    the article's; a sample letter's signature and date in the last attachment stay the sample's, and an office
    signing a sample (平湖市市场监督管理局（盖章）) signs nothing."""
    signed = "某市市场监督管理局关于申报示范企业的通知\n\n各区局：\n\n一、申报条件\n\n在本市注册。\n\n"
    checklist = _clauses(signed + "附件：1.示范企业申报书\n2.申报材料清单\n\n某市市场监督管理局\n\n2026年4月10日\n\n"
                         "附件1\n\n示范企业申报书\n\n一、企业基本情况\n\n附件2\n\n申报材料清单\n\n"
                         "附件1：示范企业申报书（原件一式两份）\n\n营业执照复印件\n")
    assert checklist["annex1-s1"].text == "企业基本情况"
    assert checklist["annex2"].text.startswith("附件1：示范企业申报书（原件一式两份）")
    sub = _clauses(signed + "某市市场监督管理局\n\n2026年4月10日\n\n附件1-1：专利转化项目申报书\n\n一、项目名称\n\n"
                   "附件1-2：商标品牌项目申报书\n\n一、品牌名称\n")
    assert sub["annex1-1-s1"].text == "项目名称" and sub["annex1-2-s1"].text == "品牌名称"
    rules = _clauses("某市市场监督管理局关于印发《某市专利导航项目管理办法》的通知\n\n各区局：\n\n现印发给你们。\n\n"
                     "某市市场监督管理局\n\n2026年3月18日\n\n某市专利导航项目管理办法\n\n第一条 为规范项目管理，制定本办法。\n\n"
                     "第二条 申报单位应当提交下列材料：\n\n附件1：专利导航项目申报书\n\n附件2：专利导航项目预算表\n\n"
                     "第三条 本办法自2026年4月1日起施行。\n")
    assert "附件2：专利导航项目预算表" in rules["a2"].text and rules["a3"].label == "第三条"
    assert not any(anchor.startswith("annex") for anchor in rules)
    sample = _clauses(signed + "附件：推荐函（参考样例）\n\n某市市场监督管理局\n\n2026年7月1日\n\n附件\n\n推荐函（参考样例）\n\n"
                      "某市市场监督管理局：\n\n经审核，推荐甲公司为知识产权强企。\n\n特此推荐。\n\n"
                      "平湖市市场监督管理局（盖章）\n\n2026年7月10日\n")
    assert sample["annex1"].text.endswith("2026年7月10日") and "2026年7月10日" not in sample["closing"].text


def test_a_date_in_chinese_numerals_is_a_date():
    """Older documents sign 二〇二六年四月二日: it is the signature's date, the document's issue date and the closing's
    (it was read as a line of the last item, and the document had no date)."""
    text, paragraphs = normalise("某市知识产权局关于开展托管服务的通知\n\n各区局：\n\n一、服务内容\n\n提供托管服务。\n\n"
                                 "本通知自二〇二六年五月一日起施行。\n\n某市知识产权局\n\n二〇二六年四月二日\n")
    document, header = extract("notice", text, paragraphs, "notice.txt", "", TODAY)
    clauses = {c.id.split(":")[1]: c for c in build_clauses(document.id, text, paragraphs, header)}
    assert document.issued_on == date(2026, 4, 2) and document.effective_from == date(2026, 5, 1)
    assert "2026年4月2日" in clauses["closing"].text
    assert normalise("二〇二六年十三月一日")[0] == "二〇二六年十三月一日"  # no such month: left as written


def test_a_question_on_a_documents_validity_finds_the_sentence_it_was_read_from_wherever_it_is(tmp_path):
    """本通知自印发之日起施行，有效期至… is no closing line when contact lines or attachments follow it: the clause
    holding it still competes for "有效期到什么时候" as the dated closing does."""
    notice = ("宁波市市场监督管理局文件\n\n甬市监知〔2026〕15号\n\n关于开展海外纠纷应对资助申报工作的通知\n\n各有关单位：\n\n"
              "一、资助对象\n\n在本市登记注册的企业。\n\n二、其他事项\n\n（一）本通知自印发之日起施行，有效期至2026年12月31日。\n\n"
              "（二）联系人：王工，电话：0574-87654321。\n\n宁波市市场监督管理局\n2026年4月20日\n\n附件1\n申请表\n\n一、企业名称。\n")
    bot = Assistant(ingest_policies(tmp_path, {"notice": notice}))
    answer = bot.ask("甬市监知〔2026〕15号有效期到什么时候")
    assert answer.grounded and "2026年12月31日" in answer.answer.split("依据")[0], answer.answer
    # with one candidate from the ranked lists, the document's dated lines still compete beside it
    crowded = bot.retriever().with_ranking(tuned(candidates=1))
    found = [h.clause.id for h in crowded.search(crowded.parse("宁波市那个通知什么时候施行"), k=None)]
    assert "notice:s2-p1" in found, found


def test_a_city_guide_without_a_region_takes_its_citys():
    """A guide names its issuer in a field and carries no 文号: its city's region comes from the other
    documents of that city, or from the lexicon's place names."""
    text, paragraphs = normalise("青岛市专利质押登记办事指南\n\n发布机构：青岛市知识产权局\n\n一、事项名称\n\n专利质押登记。\n")
    guide, _ = extract("guide", text, paragraphs, "guide.txt", "", TODAY)
    assert (guide.issuer, guide.locality, guide.region) == ("青岛市知识产权局", "青岛市", None)
    text, paragraphs = normalise(text.replace("一、", "所属地区：山东省青岛市\n\n一、"))
    assert extract("guide", text, paragraphs, "guide.txt", "", TODAY)[0].region == "山东省"  # a 所属地区 field
    measure = Document(id="m", title="青岛市关于专利转化的若干措施", issuer="青岛市知识产权局", region="山东省",
                       locality="青岛市")
    fill_regions([guide, measure], {})
    assert guide.region == "山东省"
    guide.region = None
    fill_regions([guide], {"山东省": ["山东", "青岛"]})
    assert guide.region == "山东省"
    district = Document(id="d", title="武进区专利资助办法", locality="常州市武进区")
    park = Document(id="p", title="合肥高新区专利资助办法", locality="合肥高新区")
    county = Document(id="c", title="崇岭县专利资助办法", locality="崇岭县")
    fill_regions([district, park, county], {"江苏省": ["常州"], "安徽省": ["合肥"]})
    assert (district.region, park.region, county.region) == ("江苏省", "安徽省", None)  # by the city it lies in


def test_a_compilations_service_item_takes_the_region_its_office_is_in():
    """A catalogue of several places' guides is filed under no region; each item is of the place its office names:
    a region, a city (knowledge/places.yaml), or the city of a national office's branch (杭州代办处)."""
    compilation = Document(id="all", title="知识产权公共服务事项（多地汇编）")
    shanghai = Document(id="sh", title="上海市知识产权公共服务事项", region="上海市")
    items = {f"all:item{n}": CatalogueItem(name=name) for n, name in enumerate((
        "快速预审服务备案（苏州市知识产权保护中心）", "专利申请受理及电子申请注册办理（福建省知识产权局）",
        "中国专利申请受理（国家知识产权局专利局杭州代办处）", "12330知识产权维权援助电话（新乡）", "专利导航",
        "专利受理（国家知识产权局专利局）", "专利受理（上海市、江苏省知识产权局）"))}
    items["sh:item1"] = CatalogueItem(name="专利导航（苏州市某中心）")  # its document's region stands
    places = {"江苏省": ["江苏", "苏州"], "浙江省": ["浙江", "杭州"], "河南省": ["新乡"], "福建省": ["福建"],
              "上海市": ["上海"]}
    fill_item_regions(items, {"all": compilation, "sh": shanghai}, {k: k.split(":")[0] for k in items}, places,
                      frozenset({"苏州", "杭州", "新乡"}))
    assert [i.region for i in items.values()] == ["江苏省", "福建省", "浙江省", "河南省", None, None, None, None]
    # the office's city is the item's locality, as a city's document has one (a province's office has none)
    assert [i.locality for i in items.values()] == ["苏州", None, "杭州", "新乡", None, None, None, None]


def test_the_names_of_a_region_are_callers_then_its_cities_then_its_short_form():
    """What ingest files documents by and the index reads questions with: synonyms.yaml's names as the bureau
    wrote them (a one-character 苏 too), then places.yaml's cities (none of one character: 闽 would be found in
    any text), then the short form of the region's name."""
    names = region_names({"江苏省": ["江苏", "苏州", "苏"], "上海市": ["上海"]},
                         {"江苏省": ["苏州", "无锡"], "福建省": ["泉州", "闽", "厦门"]})
    assert names == {"江苏省": ["江苏", "苏州", "苏", "无锡"], "上海市": ["上海"], "福建省": ["泉州", "厦门", "福建"]}
