"""How callers' words translate into the documents' words, learned from past questions and the clauses that answered
them (IBM Model 1, as in Berger & Lafferty 1999 and Xue, Jeon & Croft 2008 for question archives): a question is read
as written from its answering clause, each question word from one of the clause's words or from none (NULL), and EM
finds the probabilities t(question word | clause word) that explain the pairs best. Unlike counting which words occur
together, the alignment lets a clause word the question says itself explain that word, so that only what the clause
does not say is left to link: 去世 to 死亡, 盗图 to 信息网络传播权.

Learned per set of pairs (a boolean mask over the past questions): questions held out of an evaluation or a fit, or
about a document taken as new, teach nothing. A fit of a few thousand pairs takes a fraction of a second and is kept
per mask."""
from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np

NULL = ""  # the clause's empty word: what a question word no clause word explains (喂, 那个, 请问) is aligned to
ITERATIONS = 10  # EM rounds; the links the feature reads settle within a few
# pseudo-counts of t(·|c) spread over the question words as often as they are said: a clause word seen beside one or
# two questions does not explain their words with certainty (Model 1 makes rare source words collect everything)
SMOOTHING = 1.0
LINKS_PER_WORD = 24  # clause words kept per question word, most probable first
MASKS_KEPT = 4  # fitted tables kept (an evaluation moves through one mask per held-out document; serving uses one)
WORDS_KEPT = 100_000  # question words' links kept per table: words callers typed, bounded whatever they type


class Translation:
    """t(question word | clause word) over the answered pairs of past questions, fitted per mask of those lending."""

    def __init__(self, questions: Sequence[Sequence[str]], answers: Sequence[Sequence[str]]):
        """`questions[j]`: the search words of past question j; `answers[j]`: the words of the clauses that answered it
        ([] when the documents did not)."""
        self.size = len(questions)
        q_vocab: dict[str, int] = {}
        c_vocab: dict[str, int] = {NULL: 0}
        pairs, groups, q_ids, c_ids = [], [], [], []
        group = 0
        for j, (asked, said) in enumerate(zip(questions, answers)):
            if not said:
                continue
            sources = [0] + [c_vocab.setdefault(w, len(c_vocab)) for w in dict.fromkeys(said)]
            for word in dict.fromkeys(asked):
                q = q_vocab.setdefault(word, len(q_vocab))
                pairs.extend([j] * len(sources))
                groups.extend([group] * len(sources))
                q_ids.extend([q] * len(sources))
                c_ids.extend(sources)
                group += 1
        self.q_words = list(q_vocab)
        self.q_index = q_vocab
        self.c_words = list(c_vocab)
        self.pair = np.asarray(pairs, dtype=np.int64)
        self.group = np.asarray(groups, dtype=np.int64)
        self.groups = group
        q = np.asarray(q_ids, dtype=np.int64)
        c = np.asarray(c_ids, dtype=np.int64)
        keys = q * max(len(c_vocab), 1) + c
        unique, self.key = np.unique(keys, return_inverse=True) if keys.size else (keys, keys)
        self.key_q = unique // max(len(c_vocab), 1)
        self.key_c = unique % max(len(c_vocab), 1)
        self.q_of_group = np.zeros(group, dtype=np.int64)
        self.q_of_group[self.group] = q
        # per mask, the probabilities and the links read from them so far, the least recently used dropped first
        self._fitted: OrderedDict[bytes, tuple[np.ndarray, dict[str, list[tuple[str, float]]]]] = OrderedDict()

    def _table(self, lending: np.ndarray) -> tuple[np.ndarray, dict[str, list[tuple[str, float]]]]:
        mark = np.packbits(lending).tobytes()
        found = self._fitted.get(mark)
        if found is None:
            found = self._fitted[mark] = (self.probabilities(lending), {})
            while len(self._fitted) > MASKS_KEPT:
                self._fitted.popitem(last=False)
        else:
            self._fitted.move_to_end(mark)
        return found

    def probabilities(self, lending: np.ndarray) -> np.ndarray:
        """t(q | c) for every (question word, clause word) key, learned by EM from the lending pairs only (0 for the
        keys none of them holds)."""
        n_keys = self.key_q.size
        used = lending[self.pair] if self.pair.size else np.zeros(0, bool)
        key, group = self.key[used], self.group[used]
        if not key.size:
            return np.zeros(n_keys)
        # how often each question word is said by the lending pairs: where smoothing spreads its pseudo-counts
        said = np.zeros(self.groups, bool)
        said[group] = True
        background = np.bincount(self.q_of_group[said], minlength=len(self.q_words)).astype(float)
        background /= max(background.sum(), 1.0)
        prior = SMOOTHING * background[self.key_q]
        t = np.ones(n_keys)
        for _ in range(ITERATIONS):
            share = t[key]
            total = np.bincount(group, weights=share, minlength=self.groups)
            posterior = share / total[group]
            counts = np.bincount(key, weights=posterior, minlength=n_keys)
            per_source = np.bincount(self.key_c, weights=counts, minlength=len(self.c_words)) + SMOOTHING
            t = (counts + prior) / per_source[self.key_c]
        return np.where(np.bincount(key, minlength=n_keys) > 0, t, 0.0)

    def links(self, word: str, lending: np.ndarray) -> list[tuple[str, float]]:
        """The clause words that explain `word` in the lending pairs, most probable first, each with t(word | it); the
        word itself and NULL left out (a clause saying the word is coverage's part)."""
        t, table = self._table(lending)
        found = table.get(word)
        if found is not None:
            return found
        found = []
        q = self.q_index.get(word)
        if q is not None:
            # the keys are sorted by question word: its clause words are one run of them
            rows = np.arange(np.searchsorted(self.key_q, q), np.searchsorted(self.key_q, q, side="right"))
            rows = rows[t[rows] > 0]
            rows = rows[np.argsort(-t[rows])]
            found = [(self.c_words[self.key_c[i]], float(t[i])) for i in rows
                     if self.key_c[i] != 0 and self.c_words[self.key_c[i]] != word][:LINKS_PER_WORD]
        if len(table) >= WORDS_KEPT:
            table.clear()
        table[word] = found
        return found
