"""Embedders: the sentence-transformers loading code on a tiny BERT the test builds, and the fallback."""
import json
import logging

import numpy as np
import pytest

from bot.embed import EmbedderUnavailable, choose_for_ingest
from bot.embed.sentence import SentenceEmbedder
from bot.service import Assistant
from bot.text import Tokenizer
from ingest.build import ingest
from tests.conftest import KNOWLEDGE, live, make_settings


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A small random BERT with a character vocabulary, saved as a sentence-transformers folder."""
    from evals.tiny_model import build_tiny_model

    texts = [path.read_text(encoding="utf-8") for path in (KNOWLEDGE / "policies").glob("*.txt")]
    return build_tiny_model(tmp_path_factory.mktemp("tiny-bert"), texts)


def test_sentence_embedder_loads_a_local_folder(tiny_model):
    embedder = SentenceEmbedder.load(str(tiny_model))
    vectors = embedder.embed_documents(["知识产权维权援助", "专利代理机构"])
    assert vectors.shape == (2, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.spec() == {"type": "sentence-transformers", "model": str(tiny_model), "dim": 32}


def test_ingest_and_answer_with_the_neural_embedder(tiny_model, tmp_path):
    settings = make_settings(tmp_path / "var", embedder="sentence-transformers", embedding_model=str(tiny_model))
    summary = ingest([KNOWLEDGE], settings, progress=False)
    assert summary.embedder.startswith("sentence-transformers")
    spec = json.loads((live(settings) / "embedder.json").read_text())
    assert spec["type"] == "sentence-transformers" and spec["dim"] == 32
    answer = Assistant(settings).ask("企业遇到侵权纠纷，上海有没有公益的维权援助？")
    assert answer.grounded and answer.citations[0].clause == "二、（三）2."


def test_a_model_that_is_not_here_falls_back_and_says_so_once(tmp_path, caplog):
    settings = make_settings(tmp_path / "var", embedder="auto", embedding_model="no-such-org/no-such-model")
    with caplog.at_level(logging.INFO, logger="hotline.embed"):
        assert choose_for_ingest(settings, Tokenizer()) is None
    warnings = [r for r in caplog.records if "按知识库拟合的默认向量器" in r.getMessage()]
    assert len(warnings) == 1


def test_an_explicitly_required_model_that_cannot_load_is_an_error(tmp_path):
    settings = make_settings(tmp_path / "var", embedder="sentence-transformers",
                             embedding_model=str(tmp_path / "missing-model"))
    with pytest.raises(EmbedderUnavailable, match="HOTLINE_EMBEDDING_MODEL"):
        choose_for_ingest(settings, Tokenizer())


def test_a_local_model_folder_that_does_not_load_falls_back_with_a_warning(tmp_path, caplog):
    broken = tmp_path / "model"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    settings = make_settings(tmp_path / "var", embedder="auto", embedding_model=str(broken))
    with caplog.at_level(logging.WARNING, logger="hotline.embed"):
        assert choose_for_ingest(settings, Tokenizer()) is None
    assert [r.levelno for r in caplog.records if "默认向量器" in r.getMessage()] == [logging.WARNING]


def test_the_fitted_embedder_returns_the_vectors_it_made_while_fitting(monkeypatch):
    from bot.embed import fitted

    texts = [p for path in sorted((KNOWLEDGE / "policies").glob("*.txt"))
             for p in path.read_text(encoding="utf-8").split("\n\n") if len(p) > 20]
    tokenizer = Tokenizer()
    embedder, vectors = fitted.FittedEmbedder.fit_embed(texts, tokenizer)
    assert vectors.shape == (len(texts), embedder.spec()["dim"]) and vectors.dtype == np.float32
    again = embedder.embed_documents(texts)
    assert np.allclose(vectors, again, atol=1e-4)  # the same as transforming them afresh
    monkeypatch.setattr(fitted, "FIT_SAMPLE", len(texts) // 2)
    sampled, none = fitted.FittedEmbedder.fit_embed(texts, tokenizer)
    assert none is None and sampled.embed_documents(texts[:3]).shape[0] == 3  # fitted on a half: embed the rest
