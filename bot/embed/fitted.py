"""The offline default: TF-IDF over words and character n-grams, reduced by truncated SVD.

Fitted to the knowledge base at ingest and saved with the index, so the vector store always holds
real vectors even where no neural model can be loaded.
"""
from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
from scipy.sparse import hstack
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from bot.text import Tokenizer

MAX_DIM = 256
FIT_SAMPLE = 20000  # passages the vectorisers and the SVD are fitted on (a large corpus: a random sample)


def _split(text: str) -> list[str]:
    return text.split(" ")


class FittedEmbedder:
    name = "fitted (TF-IDF 词 + 字 n-gram, SVD)"

    def __init__(self, tokenizer: Tokenizer, words: TfidfVectorizer, chars: TfidfVectorizer,
                 svd: TruncatedSVD | None):
        self.tokenizer = tokenizer
        self.words, self.chars, self.svd = words, chars, svd
        # svd.transform multiplies by components_.T, a strided view that scipy copies whole (tens of MB) on
        # every call: 8 ms a question, and a copy per concurrent request. One contiguous copy, made once.
        self._projection = np.ascontiguousarray(svd.components_.T, dtype=np.float32) if svd is not None else None

    @classmethod
    def fit_embed(cls, texts: list[str], tokenizer: Tokenizer,
                  tokens: list[list[str]] | None = None) -> tuple["FittedEmbedder", np.ndarray | None]:
        """Fit on `texts` (a sample of them when there are many) and return the vectors of all of them when
        the fit saw all of them (None otherwise): the fit has built their matrix already, and transforming
        them a second time was a fifth of an ingest."""
        tokens = tokens if tokens is not None else [tokenizer.tokens(t) for t in texts]
        sampled = len(texts) > FIT_SAMPLE
        if sampled:
            import random

            picked = sorted(random.Random(0).sample(range(len(texts)), FIT_SAMPLE))
            texts, tokens = [texts[i] for i in picked], [tokens[i] for i in picked]
        # float32 halves the SVD's time (its sparse products) and changes no figure of the evaluation
        words = TfidfVectorizer(analyzer=_split, sublinear_tf=True, min_df=1, dtype=np.float32)
        chars = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=1, dtype=np.float32)
        matrix = hstack([words.fit_transform([" ".join(t) for t in tokens]),
                         chars.fit_transform(texts)]).tocsr()
        dim = min(MAX_DIM, matrix.shape[0] - 1, matrix.shape[1] - 1)
        svd, dense = None, None
        if dim >= 2:
            # two power iterations instead of five: the same eval figures, half the fitting time
            svd = TruncatedSVD(n_components=dim, n_iter=2, random_state=0)
            dense = svd.fit_transform(matrix)
        embedder = cls(tokenizer, words, chars, svd)
        if sampled:
            return embedder, None
        return embedder, normalize(dense if dense is not None else matrix.toarray()).astype(np.float32)

    def _vectors(self, texts: list[str], tokens: list[list[str]] | None = None) -> np.ndarray:
        tokens = tokens if tokens is not None else [self.tokenizer.tokens(t) for t in texts]
        matrix = hstack([self.words.transform([" ".join(t) for t in tokens]),
                         self.chars.transform(texts)]).tocsr()
        dense = matrix @ self._projection if self._projection is not None else matrix.toarray()
        return normalize(dense).astype(np.float32)

    def embed_documents(self, texts: list[str], tokens: list[list[str]] | None = None) -> np.ndarray:
        """Vectors of `texts`; `tokens`, when the caller has cut them already, saves cutting them again."""
        return self._vectors(texts, tokens)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vectors([text])[0]

    def spec(self) -> dict:
        return {"type": "fitted", "dim": int(self.svd.n_components if self.svd else 0)}

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump({"words": self.words, "chars": self.chars, "svd": self.svd}, folder / "fitted.joblib")

    @classmethod
    def load(cls, folder: Path, tokenizer: Tokenizer) -> "FittedEmbedder":
        parts = joblib.load(folder / "fitted.joblib")
        return cls(tokenizer, parts["words"], parts["chars"], parts["svd"])
