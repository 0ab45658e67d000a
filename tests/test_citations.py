"""An article that cites another by number (违反本法第二条规定的 …; 依照某某法第四条) is credited with what the cited
article says: a penalty article names its offence, an implementing article its subject, only through the number.

Small law texts written here; the real national laws are read from ../shared/corpus when it is beside this checkout."""
from bot.service import Assistant
from tests.conftest import SHARED, ingest_policies, make_settings

import pytest

LAW = """中华人民共和国某某法

第一章 总则

第一条 为了加强某某管理，制定本法。

第二条 经营者不得伪造某某检验证书，不得冒用他人的某某标识。

第三条 注册某某的有效期为十年。

第二章 法律责任

第四条 违反本法第二条规定的，由市场监督管理部门责令改正，没收违法所得，并处五万元以下的罚款。
"""

RULES = """中华人民共和国某某法实施条例

第一条 根据《中华人民共和国某某法》（以下简称某某法），制定本条例。

第二条 某某法第三条规定的有效期，自核准注册之日起计算。

第三条 依照《某某法》第二条、第三条规定办理的事项，由登记机关在官方网站上公告。

第四条 本条例第二条所称核准注册之日，以登记证书载明的日期为准。

第五条 登记机关依照《中华人民共和国行政许可法》第二条办理某某登记。
"""


@pytest.fixture(scope="module")
def laws(tmp_path_factory):
    settings = ingest_policies(tmp_path_factory.mktemp("citations"), {"law": LAW, "rules": RULES})
    return Assistant(settings).retriever()


def test_an_article_cites_its_own_documents_and_the_named_laws_articles(laws):
    cites = laws.candidates.cites
    assert cites["law:a4"] == ["law:a2"]  # 违反本法第二条
    assert cites["rules:a2"] == ["law:a3"]  # 某某法第三条: the document whose short title precedes the number
    assert cites["rules:a3"] == ["law:a2", "law:a3"]  # 《某某法》第二条、第三条: both of that law
    assert cites["rules:a4"] == ["rules:a2"]  # 本条例第二条, not 某某法's second article
    # the first article names no article, another law's article is not this knowledge base's, and an article
    # never cites itself
    assert "law:a1" not in cites and "rules:a1" not in cites and "rules:a5" not in cites
    assert all(c not in cited for c, cited in cites.items())


def test_a_penalty_article_is_credited_with_what_it_and_its_offence_say_together(laws):
    def cites(question: str) -> dict[str, float]:
        return {h.clause.id: h.features["cites"] for h in laws.search(laws.parse(question), k=None)}

    # 罚款 is said by the penalty article only, 伪造 … 检验证书 by the article it cites only
    found = cites("伪造某某检验证书会被罚款吗")
    assert found["law:a4"] > 0.1
    assert found["law:a2"] == 0.0  # it cites nothing
    # an article that refers to one saying all that is asked adds nothing to it (rules:a3 cites law:a2)
    assert found["rules:a3"] == 0.0
    # nor does the cited article add anything to a clause that says it all itself
    assert cites("没收违法所得")["law:a4"] == 0.0


@pytest.mark.skipif(not (SHARED / "laws").exists(), reason="../shared/corpus is not beside this checkout")
def test_the_trademark_rules_cite_the_trademark_law(tmp_path):
    from ingest.build import ingest

    settings = make_settings(tmp_path / "var")
    ingest([SHARED / "laws"], settings, progress=False)
    laws = Assistant(settings).retriever()
    cites = laws.candidates.cites
    # 有商标法第四十九条规定的注册商标无正当理由连续3年不使用情形的 …
    assert cites["shangbiaofa_shishi_tiaoli_2014:a66"] == ["shangbiaofa_2019:a49"]
    # 商标法第三十九条、第四十条规定的注册商标有效期 …
    assert {"shangbiaofa_2019:a39", "shangbiaofa_2019:a40"} <= set(cites["shangbiaofa_shishi_tiaoli_2014:a12"])
    # the penalty for what 商标法第四十三条第二款 requires (a licensee's name and the goods' origin on the goods) is
    # said by the rules' 第七十一条, which names the duty only by its number: it is credited with the duty's words
    asked = laws.parse("用别人授权给我的商标卖货，商品上没标被许可人名称和产地，会被罚多少钱")
    hits = {h.clause.id: h for h in laws.search(asked, k=None)}
    assert hits["shangbiaofa_shishi_tiaoli_2014:a71"].features["cites"] > 0.1
    assert hits["shangbiaofa_2019:a43"].features["cites"] == 0.0  # the duty itself cites nothing
