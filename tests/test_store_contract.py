"""The same retrieval contract against both vector stores: the embedded PersistentClient and a chroma server
(`chroma run`, from the chromadb package) started by the test on 127.0.0.1."""
import shutil

import numpy as np
import pytest

from bot.service import Assistant
from bot.store.chroma import ChromaStore
from bot.store import flat
from bot.store.flat import FlatIndex
from ingest.build import ingest
from tests.conftest import KNOWLEDGE, live, make_settings


@pytest.fixture(params=["embedded", "server"])
def store_settings(request, tmp_path):
    url = request.getfixturevalue("chroma_server") if request.param == "server" else ""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    return make_settings(tmp_path / "var", knowledge, chroma_url=url)


def test_the_vector_store_contract(store_settings, tmp_path):
    url = store_settings.chroma_url
    store = ChromaStore(url=url, collection="contract-test") if url else ChromaStore(path=tmp_path / "c")
    store.reset()
    vectors = np.eye(4, dtype=np.float32)
    store.add(["a@0", "b@0", "c@0"], vectors[:3], [{"doc_id": "d1", "clause_id": "a", "region": "上海市", "kind": "policy"},
                                                  {"doc_id": "d2", "clause_id": "b", "region": "江苏省", "kind": "policy"},
                                                  {"doc_id": "d2", "clause_id": "c", "region": "江苏省", "kind": "policy"}])
    assert store.count() == 3
    check_queries(store, vectors)
    store.delete_docs(["d2"])
    assert store.count() == 1
    # a region far from the question and rare among its nearest passages is still found (the exact query)
    rng = np.random.default_rng(0)
    near = np.tile(vectors[1], (40, 1)) + rng.normal(0, 0.01, (40, 4)).astype(np.float32)
    store.add([f"n{i}@0" for i in range(40)], near, [{"doc_id": "d3", "region": "江苏省"}] * 40)
    assert store.count() == 41
    assert [pid for pid, _ in store.query(vectors[1], 2, regions=["上海市"])] == ["a@0"]
    assert len(store.query(vectors[1], 5, regions=["江苏省"])) == 5
    assert store.query(vectors[1], 1, regions=["浙江省"]) == []
    store.reset()
    assert store.count() == 0


def check_queries(index, vectors):
    """What a search may rely on, from chroma's index and the exact one alike."""
    assert index.query(vectors[1], 1)[0][0] == "b@0"
    assert index.query(vectors[1], 1)[0][1] == pytest.approx(1.0, abs=1e-5)  # cosine similarity
    assert [pid for pid, _ in index.query(vectors[1], 3)][0] == "b@0"
    assert [pid for pid, _ in index.query(vectors[1], 3, regions=["上海市"])] == ["a@0"]
    assert [pid for pid, _ in index.query(vectors[2], 5, regions=["江苏省", "全国"])] == ["c@0", "b@0"]
    assert index.query(vectors[1], 1, regions=["浙江省"]) == []


def test_the_exact_index_keeps_the_same_contract(tmp_path):
    vectors = np.eye(4, dtype=np.float32)
    assert FlatIndex.load(tmp_path, ["a@0"], ["上海市"]) is None  # a version built before the matrix existed
    flat.save(tmp_path, vectors[:3] * 3)  # saved at unit length: the product is the cosine
    index = FlatIndex.load(tmp_path, ["a@0", "b@0", "c@0"], ["上海市", "江苏省", "江苏省"])
    assert index.count() == 3
    check_queries(index, vectors)
    # every passage is compared: a region with one passage among thousands of nearer ones is found
    rng = np.random.default_rng(0)
    near = np.tile(vectors[1], (5000, 1)) + rng.normal(0, 0.01, (5000, 4)).astype(np.float32)
    crowded = FlatIndex(np.vstack([vectors[:1], near]), ["a@0"] + [f"n{i}@0" for i in range(5000)],
                        ["上海市"] + ["江苏省"] * 5000)
    assert crowded.query(vectors[1], 2, regions=["上海市"])[0][0] == "a@0"
    with pytest.raises(ValueError, match="不一致"):
        FlatIndex(vectors, ["a@0"], ["上海市"])


def test_the_same_answers_from_either_store(store_settings):
    first = ingest([store_settings.knowledge_dir], store_settings, progress=False)
    bot = Assistant(store_settings)
    answer = bot.ask("企业遇到侵权纠纷，上海有没有公益的维权援助？")
    assert answer.grounded and answer.citations[0].clause == "二、（三）2."
    assert bot.ask("江苏怎么提升知识产权代理服务质量").citations[0].clause_id == "js-2025-service-industry:s2-i8"
    # an incremental build starts from a copy of the live store, in a folder or a collection of its own
    path = store_settings.knowledge_dir / "policies" / "sh-2024-13-lantian-action.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    second = ingest([store_settings.knowledge_dir], store_settings, progress=False)
    assert second.reembedded < second.passages and second.version != first.version
    assert Assistant(store_settings).ask("蓝天行动的工作目标是什么").grounded
    spec = (live(store_settings) / "store.json").read_text()
    assert ("server" in spec) == bool(store_settings.chroma_url)


def test_exact_search_by_default_and_chroma_on_request(settings):
    from bot.retrieve.search import Retriever

    version = live(settings)
    exact, approximate = Retriever(version), Retriever(version, dense_search="hnsw")
    assert isinstance(exact.dense, FlatIndex) and isinstance(approximate.dense, ChromaStore)
    question = "企业遇到侵权纠纷，上海有没有公益的维权援助？"
    vector = exact.embedder.embed_query(question)
    near_exact, near_chroma = exact.dense.query(vector, 10, ["上海市"]), approximate.dense.query(vector, 10, ["上海市"])
    assert [pid for pid, _ in near_exact] == [pid for pid, _ in near_chroma]  # 99 passages: HNSW is exact too
    np.testing.assert_allclose([s for _, s in near_exact], [s for _, s in near_chroma], atol=1e-4)
    assert bot_answer(settings, "exact") == bot_answer(settings, "hnsw")
    with pytest.raises(ValueError, match="exact 或 hnsw"):
        Retriever(version, dense_search="flat")


def bot_answer(settings, dense_search):
    answer = Assistant(settings.model_copy(update={"dense_search": dense_search})).ask("江苏怎么提升知识产权代理服务质量")
    return answer.answer, [c.clause_id for c in answer.citations]
