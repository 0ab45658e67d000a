"""National laws and copied service guides at ingest: title, region, dates, status, provenance, README files.

The real texts are read from ../shared/corpus (skipped when it is not beside this checkout); the small texts
written here test the same rules without it."""
import re
from datetime import date
from pathlib import Path

import pytest

from bot.models import Document
from bot.retrieve.kinds import QuestionKinds
from bot.retrieve.references import citations
from bot.store.records import Records
from ingest.build import PLACES_FILE, collect_files, ingest, load_places
from ingest.links import link_replacements
from ingest.loaders import load
from ingest.metadata import extract, fill_regions
from ingest.normalise import PROVENANCE, normalise
from ingest.structure import build_clauses
from tests.conftest import KNOWLEDGE, SHARED, live, make_settings

TODAY = date(2026, 11, 21)
LAWS = SHARED / "laws"
EXTRA = SHARED / "extra"
needs_corpus = pytest.mark.skipif(not LAWS.exists(), reason="../shared/corpus is not beside this checkout")


def parse_text(doc_id: str, raw: str, today: date = TODAY):
    text, paragraphs = normalise(raw)
    document, header = extract(doc_id, text, paragraphs, f"{doc_id}.txt", "", today)
    return document, build_clauses(doc_id, text, paragraphs, header)


def parse_file(path: Path):
    return parse_text(path.stem, load(path).text)


# --- small texts ---------------------------------------------------------------------------------------

LAW = """中华人民共和国某某法

1982年8月23日 第五届全国人民代表大会常务委员会第二十四次会议通过

2019年4月23日 第十三届全国人民代表大会常务委员会第十次会议《关于修改〈中华人民共和国某某法〉的决定》第四次修正

第一章 总则

第一条 为了加强某某管理，制定本法。

第二条 注册某某的有效期为十年，自核准注册之日起计算。

第三条 本法自1983年3月1日起施行。1963年4月10日国务院公布的《某某管理条例》同时废止；其他有关某某管理的规定，凡与本法抵触的，同时失效。
"""


PENALTIES = """中华人民共和国某某法

第一章 总则

第一条 为了加强某某管理，制定本法。

第二条 某某应当依法登记。
经营者不得将“著名某某”字样用于商品、商品包装或者容器上。

第三条 下列行为属于违法行为：
（一）伪造登记证书的；
（二）冒用官方名义招揽业务的。
（三）伪造印章的。

第二章 法律责任

第四条 违反本法第二条第二款规定的，由市场监督管理部门责令改正，处十万元罚款。

第五条 违反本法第三条第二项、第三项或者第一条规定的，处五万元罚款。违反《某某条例》第九条规定的，由有关部门依照该条例处罚。

第六条 依照本法第二条的规定办理登记的，发给登记证书。认为违反本法第三条规定的，可以向登记机关提出异议。

第七条 违反本法第二条第一款和第二款规定的，给予警告。

第八条 违反本法第一条至第二条规定的，给予警告；未违反本法第三条规定的，不予处罚。

第九条 不违反本法第二条规定的，不予处罚。

第十条 有下列行为之一的，由市场监督管理部门责令改正，处一万元罚款：
（一）违反本法第三条第三项规定的；
（二）其他违法行为。
"""


def test_an_article_that_sanctions_a_violation_is_read_with_the_rule_it_cites():
    """违反本法第二条第二款规定的，…处十万元罚款 is about what that paragraph forbids, which a caller describes (印“著名某某”
    字样会不会被罚) while the article only numbers it: the cited paragraphs, items or articles frame its sentence. Grounds
    listed without a sanction, a rule applied (依照本法第二条的规定), what is not violated, another text's articles
    (《某某条例》) and the article itself are not read so."""
    document, clauses = parse_text("law", PENALTIES)
    cited = citations({c.id: c for c in clauses}, QuestionKinds.default().states["penalty"].pattern)
    assert cited["law:a4"] == {0: [("law:a2", "经营者不得将“著名某某”字样用于商品、商品包装或者容器上。")]}
    # items of an article (第二项、第三项), then a bare number of the same law; not the other text's 第九条
    assert cited["law:a5"] == {0: [("law:a3", "（二）冒用官方名义招揽业务的。"), ("law:a3", "（三）伪造印章的。"),
                                   ("law:a1", "为了加强某某管理，制定本法。")]}
    # paragraphs (第一款和第二款) and a range of articles (第一条至第二条)
    assert [t for t, _ in cited["law:a7"][0]] == ["law:a2", "law:a2"]
    assert [t for t, _ in cited["law:a8"][0]] == ["law:a1", "law:a2"]
    assert not {"law:a1", "law:a6", "law:a9"} & set(cited)
    assert cited["law:a10"] == {1: [("law:a3", "（三）伪造印章的。")]}  # an item, sanctioned by its list's lead-in
    assert citations({c.id: c for c in clauses}, None) == {}  # a question_kinds.yaml without a penalty kind


def test_a_revised_law_is_national_and_in_force():
    document, clauses = parse_text("law", LAW)
    assert document.title == "中华人民共和国某某法"
    assert document.region == "全国" and document.locality is None
    assert document.issued_on == date(2019, 4, 23)  # the latest revision, not the first adoption
    # 1983 dates the first text; the text read is the 2019 revision, and nothing in it expires
    assert document.effective_from is None and document.expires_on is None
    assert document.status == "有效" and "修正" in document.status_basis
    assert [c.label for c in clauses][-3:] == ["第一条", "第二条", "第三条"]


def test_validity_is_read_from_sentences_about_the_document_itself():
    measure = "关于某某的若干措施\n\n一、注册商标的有效期为十年。\n\n二、本措施自2023年3月1日起施行，有效期为五年。\n"
    document, _ = parse_text("measure", measure)
    assert document.effective_from == date(2023, 3, 1) and document.expires_on == date(2028, 3, 1)
    only_a_trademark = "关于某某的若干措施\n\n2023年3月1日\n\n一、注册商标的有效期为十年。\n"
    document, _ = parse_text("measure", only_a_trademark)
    assert document.expires_on is None and document.status == "有效"


def test_a_header_line_of_entry_into_force_is_the_effective_date():
    regulation = ("中华人民共和国某某法实施条例\n\n2014年4月29日 中华人民共和国国务院令第651号修订通过\n\n"
                  "2014年5月1日 施行\n\n第一条 根据《中华人民共和国某某法》，制定本条例。\n")
    document, _ = parse_text("rules", regulation)
    assert (document.issued_on, document.effective_from) == (date(2014, 4, 29), date(2014, 5, 1))
    assert document.region == "全国"


def _records(*texts: tuple[str, str]) -> Records:
    records = Records()
    for doc_id, raw in texts:
        document, clauses = parse_text(doc_id, raw)
        records.documents[doc_id] = document
        records.clauses.update({c.id: c for c in clauses})
    return records


def test_a_law_repeals_only_the_older_document_it_names():
    older = "某某管理条例\n\n1963年4月10日\n\n第一条 为了管理某某，制定本条例。\n"
    records = _records(("law", LAW), ("old-rules", older))
    assert link_replacements(records) == [("old-rules", "law")]
    assert records.documents["law"].replaced_by is None  # the law itself stays in force
    # a document of that name issued after the law is a different one: the law cannot have repealed it
    newer = older.replace("1963年4月10日", "2020年1月1日")
    records = _records(("law", LAW), ("new-rules", newer))
    assert link_replacements(records) == []
    assert {d.replaced_by for d in records.documents.values()} == {None}


def test_a_repeal_inside_a_quoted_title_or_a_cited_ground_repeals_nothing():
    decision = "国务院关于废止和修改部分行政法规的决定\n\n2010年1月1日\n\n一、废止部分行政法规。\n"
    ground = "某某保护办法\n\n2024年1月1日\n\n第一条 根据《国务院关于废止和修改部分行政法规的决定》修订本办法。\n"
    records = _records(("decision", decision), ("rules", ground))
    assert link_replacements(records) == []


GUIDE = """来源: https://example.gov.cn/bszn/1.html
说明: 页面为某省知识产权中心办事指南;表格已转写为“字段:内容”逐行格式。

事项名称:专利申请受理
实施部门:浙江省知识产权局(国家知识产权局专利局杭州代办处)
办理时间:工作日
"""


def test_a_copied_guide_takes_its_name_field_and_its_department_region():
    document, clauses = parse_text("guide", GUIDE)
    assert document.title == "专利申请受理"
    assert document.issuer == "浙江省知识产权局" and document.region == "浙江省"
    text = "\n".join(c.text for c in clauses)
    assert "来源" not in text and "说明" not in text and "example.gov.cn" not in text  # provenance: no clause
    assert "办理时间" in text


def test_a_copied_news_page_takes_its_heading_date_and_city_region():
    page = ("来源: https://example.gov.cn/news/1\n说明: 2009年新闻稿。\n\n新乡市开通12330公益电话\n\n"
            "发布时间:2009-04-21\n\n新乡市知识产权维权援助公益服务电话于2009年4月20日正式开通。\n")
    document, clauses = parse_text("news", page)
    assert document.title == "新乡市开通12330公益电话" and document.issued_on == date(2009, 4, 21)
    assert document.locality == "新乡市" and document.region is None  # the city's region comes from the table
    fill_regions([document], load_places(KNOWLEDGE / PLACES_FILE))
    assert document.region == "河南省" and document.status == "有效"
    assert all("说明" not in c.text for c in clauses)


def test_a_copied_page_without_a_heading_is_named_by_its_provenance_note():
    page = ("来源: https://example.com/a\n说明: 第三方站点转载的苏州市知识产权保护中心快速预审服务说明;非全文。\n\n"
            "保护中心为备案的申请主体提供快速预审服务。\n备案条件:\n(1)注册地在苏州;\n")
    document, clauses = parse_text("page", page)
    assert document.title == "苏州市知识产权保护中心快速预审服务说明"
    assert document.locality == "苏州市"
    assert clauses[0].text.startswith("保护中心为备案的申请主体")


def test_places_table_lists_cities_under_full_region_names():
    places = load_places(KNOWLEDGE / PLACES_FILE)
    assert places and all(region.endswith(("省", "市", "自治区")) for region in places)
    assert "泉州" in places["福建省"] and "新乡" in places["河南省"]
    guide = Document(id="g", title="泉州市知识产权保护中心预审服务指南", locality="泉州市")
    fill_regions([guide], places)
    assert guide.region == "福建省"


def test_a_readme_in_a_folder_is_no_document(tmp_path):
    (tmp_path / "laws").mkdir()
    (tmp_path / "laws" / "README.md").write_text("National laws, for tests.\n", encoding="utf-8")
    (tmp_path / "laws" / "readme.txt").write_text("说明\n", encoding="utf-8")
    (tmp_path / "laws" / "law.txt").write_text(LAW, encoding="utf-8")
    files, skipped = collect_files([tmp_path / "laws"])
    assert [p.name for p, _ in files] == ["law.txt"]
    assert sorted(Path(p).name for p, _ in skipped) == ["README.md", "readme.txt"]
    assert all("README" in reason for _, reason in skipped)


# --- the real texts ------------------------------------------------------------------------------------

@needs_corpus
@pytest.mark.parametrize("name, title, issued", [
    ("zhuanlifa_2020", "中华人民共和国专利法", date(2020, 10, 17)),
    ("shangbiaofa_2019", "中华人民共和国商标法", date(2019, 4, 23)),
    ("zhuzuoquanfa_2020", "中华人民共和国著作权法", date(2020, 11, 11)),
])
def test_national_laws(name, title, issued):
    document, clauses = parse_file(LAWS / f"{name}.txt")
    assert (document.title, document.region, document.issued_on) == (title, "全国", issued)
    assert document.effective_from is None and document.expires_on is None  # the 施行 date is the first text's
    assert document.status == "有效"
    assert clauses[-1].label.startswith("第") or clauses[-1].label == "落款"


@needs_corpus
def test_trademark_law_rules():
    document, _ = parse_file(LAWS / "shangbiaofa_shishi_tiaoli_2014.txt")
    assert (document.title, document.region) == ("中华人民共和国商标法实施条例", "全国")
    assert (document.issued_on, document.effective_from, document.status) == (date(2014, 4, 29), date(2014, 5, 1), "有效")


@needs_corpus
@pytest.mark.parametrize("prefix, title, region, issued", [
    ("c01", "浙江省知识产权研究与服务中心办事指南", "浙江省", None),
    ("c02", "专利申请受理及电子申请注册办理", "福建省", None),
    ("c03", "苏州市知识产权保护中心快速预审服务说明", "江苏省", None),
    ("c04", "新乡市开通12330知识产权维权援助与举报投诉公益电话", "河南省", date(2009, 4, 21)),
    ("c05", "泉州市知识产权保护中心备案主体和代理机构预审服务管理办法（2025修订版）", "福建省", date(2025, 11, 17)),
])
def test_copied_service_guides(prefix, title, region, issued):
    path = next(EXTRA.glob(f"{prefix}_*.txt"))
    document, clauses = parse_file(path)
    fill_regions([document], load_places(KNOWLEDGE / PLACES_FILE) | {"江苏省": ["苏州"]})
    assert (document.title, document.region, document.issued_on) == (title, region, issued)
    assert not any(PROVENANCE.match(line) for c in clauses for line in c.text.split("\n"))


@pytest.fixture(scope="module")
def laws_index(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("laws-var"))
    summary = ingest([LAWS, EXTRA], settings, progress=False)
    return settings, summary


@needs_corpus
def test_ingest_of_the_laws_folder(laws_index):
    settings, summary = laws_index
    assert [Path(p).name for p, _ in summary.skipped] == ["README.md"]
    assert "README" in summary.report()
    records = Records.load(live(settings))
    laws = {d.id: d for d in records.documents.values() if d.region == "全国"}
    assert {"zhuanlifa_2020", "shangbiaofa_2019", "zhuzuoquanfa_2020", "shangbiaofa_shishi_tiaoli_2014",
            "x05_zhuanlifa_shishi_xize_2023"} <= set(laws)
    assert all(d.status == "有效" and d.replaced_by is None for d in laws.values())
    # x03 repeals 《浙江省专利保护条例》, which is not in the corpus: nothing else is touched
    assert not any(d.replaced_by for d in records.documents.values())
    assert not any(PROVENANCE.match(line) for c in records.clauses.values() for line in c.text.split("\n"))


@needs_corpus
def test_a_guides_fields_that_answer_alike_are_given_and_a_laws_articles_are_not(laws_index):
    """杭州代办处电话多少: the guide states a phone in three fields (联系电话, 咨询电话, 投诉电话); each number is given
    under its field's name, in the guide's order. 著作权保护期多久: many articles of 著作权法 state a period and a short question is covered
    as fully by each, but they state different rules: the answer rests on the one article and quotes its rule
    whole. Asked of two regions, each guide's fields stand together."""
    from bot.service import Assistant

    assistant = Assistant(laws_index[0])
    phones = assistant.ask("杭州代办处电话多少")
    assert phones.grounded and {"0571-89937016", "0571-86875151"} <= set(re.findall(r"0571-\d{8}", phones.answer))
    assert phones.answer.count("注意：") <= 1, phones.answer
    assert [c.heading for c in phones.citations][0] == "联系电话"  # in the guide's order: its general number first
    term = assistant.ask("著作权保护期多久")
    assert term.grounded and "死亡后五十年" in term.answer, term.answer
    assert len({c.doc_title for c in term.citations}) == len(term.citations), [c.clause for c in term.citations]
    both = assistant.ask("浙江和福建专利受理电话分别是多少")
    regions = [c.region for c in both.citations]
    assert set(regions) == {"浙江省", "福建省"} and regions == sorted(regions, key=regions.index), regions


@needs_corpus
def test_an_office_asked_is_not_answered_with_another_offices_phone(laws_index):
    """商标评审委员会的咨询电话: the guides state 杭州代办处's and 福建省知识产权局's phones, and the laws name the 委员会
    without a phone. A phone is an office's own: the answer says that the documents do not state it, and quotes the
    nearest clause as the nearest, not as the answer. 杭州代办处's own phone is still given, whatever other office the
    caller's story names, or a word of the asking (办公室, 官方网站), or beside the office asked (设计院), and so is one
    its document names only in its opening sentence (上海专利局: x07's 国家知识产权局专利局上海代办处)."""
    from bot.service import Assistant

    assistant = Assistant(laws_index[0])
    for question in ("商标评审委员会的咨询电话是多少", "请问市知识产权局业务事项中心的投诉电话是多少？",
                     "商标局电话多少"):  # 商标局: the corpus's statistics cut it 商标 + 局, it is still an office
        answer = assistant.ask(question)
        assert not answer.grounded and "其他机构" in answer.answer and "最接近的规定" not in answer.answer, \
            answer.answer
    for question in ("杭州代办处几点上班", "我们实验室发明了个东西，杭州代办处电话多少", "杭州代办处办公室电话多少",
                     "国知局的官方网站网址", "上海专利局电话", "我是设计院的杭州代办处电话多少",
                     "街道办让我打电话问，杭州专利受理咨询电话是多少"):
        assert assistant.ask(question).grounded, question


@needs_corpus
def test_an_article_that_only_says_who_makes_the_rules_answers_only_that(laws_index):
    """著作权法 第六条 says only that the State Council makes the rules for folk works: asked what they are, the answer
    says the documents do not hold them and quotes the article (where the rules are made); asked who makes them, or
    only whether folk works are protected, it answers from it. 商标法 第二十一条 states a rule before it delegates the
    details, and still answers."""
    from bot.service import Assistant

    assistant = Assistant(laws_index[0])
    for question in ("民间文学艺术作品的著作权保护办法，具体是怎么规定的？", "我们村的民间故事被人拍成视频了，有没有具体的保护办法",
                     "民间文学艺术作品用于商业用途要向谁付费？具体办法是什么"):
        answer = assistant.ask(question)
        assert not answer.grounded and "另行制定" in answer.answer and "由国务院另行规定" in answer.answer, answer.answer
    for question in ("民间文学艺术作品的保护办法由谁来定", "民间文学艺术作品受不受著作权保护"):  # who, or only whether
        answer = assistant.ask(question)
        assert answer.grounded and "国务院" in answer.answer and answer.citations[0].clause.endswith("第六条"), \
            (question, answer.answer)
    assert assistant.ask("商标国际注册遵循什么制度").grounded


@needs_corpus
def test_of_two_kinds_asked_the_second_sentence_is_the_one_about_the_case_asked(laws_index):
    """实施细则第九十三条 says when the reward is paid, then an invention's least reward, then a utility model's: asked
    最少多少奖金，什么时候给 of an invention, the answer says when and the invention's amount (of the sentences stating
    the second kind asked, the one holding most of the question's words), not only the utility model's."""
    from bot.service import Assistant

    assistant = Assistant(laws_index[0])
    answer = assistant.ask("我在公司搞研发，发明专利授权了，公司没有任何奖励规定，公司最少该给我多少奖金，什么时候给？")
    said = answer.answer.split("\n\n依据")[0]
    assert answer.grounded and "3个月内" in said and "4000元" in said, answer.answer
