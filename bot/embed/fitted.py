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


def _split(text: str) -> list[str]:
    return text.split(" ")


class FittedEmbedder:
    name = "fitted (TF-IDF 词 + 字 n-gram, SVD)"

    def __init__(self, tokenizer: Tokenizer, words: TfidfVectorizer, chars: TfidfVectorizer,
                 svd: TruncatedSVD | None):
        self.tokenizer = tokenizer
        self.words, self.chars, self.svd = words, chars, svd

    @classmethod
    def fit(cls, texts: list[str], tokenizer: Tokenizer) -> "FittedEmbedder":
        words = TfidfVectorizer(analyzer=_split, sublinear_tf=True, min_df=1)
        chars = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=1)
        matrix = hstack([words.fit_transform([" ".join(tokenizer.tokens(t)) for t in texts]),
                         chars.fit_transform(texts)]).tocsr()
        dim = min(MAX_DIM, matrix.shape[0] - 1, matrix.shape[1] - 1)
        svd = None
        if dim >= 2:
            svd = TruncatedSVD(n_components=dim, random_state=0).fit(matrix)
        return cls(tokenizer, words, chars, svd)

    def _vectors(self, texts: list[str]) -> np.ndarray:
        matrix = hstack([self.words.transform([" ".join(self.tokenizer.tokens(t)) for t in texts]),
                         self.chars.transform(texts)]).tocsr()
        dense = self.svd.transform(matrix) if self.svd is not None else matrix.toarray()
        return normalize(dense).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._vectors(texts)

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
