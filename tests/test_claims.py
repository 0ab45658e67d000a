"""What an LLM sentence may claim (knowledge/claims.yaml): every example in the file, and the coverage of a
sentence's content words by the clause it cites."""
import pytest

from bot.answer.claims import COVERAGE_MIN, ClaimWords, ClaimWordsError, Evidence, coverage_for, unsupported_claims
from bot.models import Citation
from tests.conftest import KNOWLEDGE

WORDS = ClaimWords.from_yaml(KNOWLEDGE / "claims.yaml")


def cited(example: dict) -> Evidence:
    return Evidence.of([Citation(n=1, clause_id="d:c", doc_title="测试文件", doc_number=None,
                                 issuer=example.get("issuer"), region=None, clause="一、", heading="",
                                 text=example["clause"], kind="policy", status=example.get("status", "有效"),
                                 score=1.0, url="/documents/d#c")])


@pytest.mark.parametrize("example", WORDS.examples["supported"], ids=lambda e: e["sentence"])
def test_a_supported_example_passes(example):
    assert unsupported_claims(example["sentence"], cited(example), WORDS) == []


@pytest.mark.parametrize("example", WORDS.examples["unsupported"], ids=lambda e: e["sentence"])
def test_an_unsupported_example_is_caught(example):
    assert unsupported_claims(example["sentence"], cited(example), WORDS)


def test_what_is_caught_is_named():
    evidence = cited({"clause": "鼓励社会机构提供知识产权维权援助。", "status": "有效"})
    found = unsupported_claims("该政策已由国务院统一废止，详见https://ipa-help.cn/pay，或拨打13812345678、热线12330。",
                               evidence, WORDS)
    assert set(found) == {"国务院", "废止", "https://ipa-help.cn/pay", "13812345678", "12330"}
    assert unsupported_claims("如需帮助请拨打12345。", evidence, WORDS) == []  # the human channel
    assert unsupported_claims("依据为沪知局〔2024〕32号。", evidence, WORDS) == []  # a 文号 is a fact, not an agency


def test_a_malformed_list_is_refused(tmp_path):
    (tmp_path / "claims.yaml").write_text("organisations: 局\n", encoding="utf-8")
    with pytest.raises(ClaimWordsError, match="organisations"):
        ClaimWords.from_yaml(tmp_path / "claims.yaml")



def test_a_bureaus_file_without_number_cues_checks_them_as_shipped(tmp_path):
    # a claims.yaml written before the cues of short service numbers were data
    (tmp_path / "claims.yaml").write_text("organisations: [局]\nframing: [资料]\n", encoding="utf-8")
    words = ClaimWords.from_yaml(tmp_path / "claims.yaml")
    assert words.number_cues == WORDS.number_cues
    assert unsupported_claims("报名问题请致电96677。", cited({"clause": "延续免报考费政策。"}), words) == ["96677"]


def test_coverage_credits_synonyms_and_weighs_words_by_information(assistant):
    coverage = coverage_for(assistant.retriever())
    clause = "鼓励社会机构提供知识产权维权援助、代理援助等公益服务。"
    assert coverage("根据资料，鼓励社会机构提供知识产权维权援助[1]。", clause) == 1.0  # framing words do not count
    paraphrased = coverage("支持社会组织提供知识产权维权援助等公益性服务。", clause)
    assert COVERAGE_MIN <= paraphrased < 1.0  # synonyms count, less than the clause's own words
    assert coverage("企业可以申请海外维权保险的保费补贴。", clause) < COVERAGE_MIN


@pytest.mark.parametrize("sentence, claim", [
    ("通过ipa-help.cn缴纳保证金。", "ipa-help.cn"),  # no space around it: no \b between Chinese and ASCII either
    ("登录https://ipa-help.cn/pay?x=1缴费。", "https://ipa-help.cn/pay?x=1"),
    ("材料发送至apply@ipa-help.cn邮箱。", "apply@ipa-help.cn"),
    ("咨询电话(021)63211234。", "(021)63211234"),
    ("请拨打400-820-1234预约。", "400-820-1234"),
    ("可拨打维权援助热线12330。", "12330"),
])
def test_urls_mail_and_phone_numbers_as_written(sentence, claim):
    evidence = cited({"clause": "鼓励社会机构提供知识产权维权援助。"})
    assert unsupported_claims(sentence, evidence, WORDS) == [claim]
    supported = cited({"clause": f"鼓励社会机构提供知识产权维权援助，{claim.replace('(', '（').replace(')', '）')}。"})
    assert unsupported_claims(sentence, supported, WORDS) == []


def test_an_unloaded_index_version_is_not_kept_alive_by_its_coverage(assistant):
    import gc
    import weakref

    retriever = assistant._new_retriever(assistant.versions.current())
    coverage = coverage_for(retriever)
    assert coverage_for(retriever) is coverage  # built once per version
    gone = weakref.ref(retriever)
    del retriever, coverage
    gc.collect()
    assert gone() is None
