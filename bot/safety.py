"""What the assistant must not do: follow instructions hidden in questions or documents (a staff-editable list,
knowledge/offtask.yaml), or answer questions that a person must handle (knowledge/sensitive.yaml)."""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.text import Tokenizer, fold_width
from bot.yamlfile import KnowledgeFileError, own_over_shipped, read_yaml

# The list shipped with the code: used when a knowledge folder or an index has none of its own.
DEFAULT_OFFTASK = Path(__file__).resolve().parent.parent / "knowledge" / "offtask.yaml"
GAP = "…"
MAX_GAP = 6  # words a "…" may skip: an instruction's parts stand close together
_PUNCT = re.compile(r"^[^\w]+$")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


class OffTaskError(KnowledgeFileError):
    """offtask.yaml is malformed; the message names the file and the entry."""

    file = DEFAULT_OFFTASK.name


@dataclass(frozen=True)
class _Slot:
    words: tuple[str, ...]  # alternatives, lower-case, no spaces
    optional: bool = False


@dataclass(frozen=True)
class Trigger:
    """One trigger: words in order ("忽略 … 之前|以上 … 指令"), or a regular expression ("re:…").

    Each word must begin and end where the segmenter cuts the text (指令 does not match inside 指令性), though
    it may span several of its words (提示词 = 提示 + 词). "|" separates alternatives, a trailing "?" makes a word
    optional, "…" lets up to MAX_GAP words of the same sentence stand between two words, and a leading "^"
    asks for the start of a sentence or clause (after any punctuation)."""

    source: str
    parts: tuple  # _Slot, GAP or "^"
    regex: re.Pattern | None = None

    @classmethod
    def parse(cls, source: str) -> "Trigger":
        source = str(source).strip()
        if source.startswith("re:"):
            return cls(source, (), re.compile(source[3:], re.IGNORECASE))
        parts: list = []
        for i, piece in enumerate(source.split()):
            if piece in ("…", "...", "……"):
                if not parts or parts[-1] == GAP:
                    raise ValueError(f"“{source}”：… 应在两个词之间")
                parts.append(GAP)
            elif piece == "^":
                if i:
                    raise ValueError(f"“{source}”：^ 只能放在开头")
                parts.append("^")
            else:
                optional = piece.endswith("?") and len(piece) > 1
                words = tuple(w for w in fold_width(piece.rstrip("?") if optional else piece).lower().split("|") if w)
                if not words:
                    raise ValueError(f"“{source}”：“{piece}”不是词")
                parts.append(_Slot(words, optional))
        if not any(isinstance(p, _Slot) and not p.optional for p in parts):
            raise ValueError(f"“{source}”：至少要有一个必需的词")
        if parts[-1] == GAP:
            raise ValueError(f"“{source}”：… 应在两个词之间")
        return cls(source, tuple(parts))

    def could_match(self, compact: str) -> bool:
        """Cheap test on the text without spaces: every required word occurs somewhere in it."""
        if self.regex is not None:
            return True
        return all(any(w in compact for w in p.words) for p in self.parts if isinstance(p, _Slot) and not p.optional)

    def matches(self, text: str, words: "_Words") -> bool:
        if self.regex is not None:
            return bool(self.regex.search(text))
        return any(self._at(0, i, words) for i in range(len(words.tokens)))

    def _at(self, k: int, i: int, w: "_Words") -> bool:
        if k == len(self.parts):
            return True
        part = self.parts[k]
        if part == "^":
            return w.starts_sentence(i) and self._at(k + 1, i, w)
        if part == GAP:
            for j in range(i, min(i + MAX_GAP, len(w.tokens)) + 1):
                if j > i and _SENTENCE_END.search(w.tokens[j - 1]):
                    break
                if self._at(k + 1, j, w):
                    return True
            return False
        if any(self._at(k + 1, end, w) for end in w.ends(part.words, i)):
            return True
        return part.optional and self._at(k + 1, i, w)


class _Words:
    """A text cut into words, with where each word starts in the words joined without spaces."""

    def __init__(self, text: str):
        self.tokens: list[str] = []
        for token in _tokenizer().words(text):
            if token.strip():
                self.tokens.append(token.strip())
            elif "\n" in token:
                self.tokens.append("\n")  # a line break ends a sentence and starts the next
        self.joined = "".join(self.tokens)
        self.offsets = [0]
        for token in self.tokens:
            self.offsets.append(self.offsets[-1] + len(token))
        self.index_at = {offset: i for i, offset in enumerate(self.offsets)}

    def starts_sentence(self, i: int) -> bool:
        return i == 0 or bool(_PUNCT.match(self.tokens[i - 1]))

    def ends(self, alternatives: tuple[str, ...], i: int):
        """Where each alternative that starts at word i and ends at a word boundary ends."""
        if i >= len(self.tokens):
            return
        start = self.offsets[i]
        for word in alternatives:
            end = self.index_at.get(start + len(word))
            if end is not None and self.joined.startswith(word, start):
                yield end


@functools.cache
def _tokenizer() -> Tokenizer:
    return Tokenizer()  # jieba's general dictionary: the bureau's own terms do not change where instructions cut


@dataclass
class OffTaskKind:
    """One kind of text the assistant does not follow, with the examples that pin down what it means."""

    kind: str
    description: str = ""
    triggers: list[str] = field(default_factory=list)
    should_detect: list[str] = field(default_factory=list)
    should_not_detect: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._triggers = [Trigger.parse(t) for t in self.triggers]


@dataclass
class OffTaskList:
    """Injection and off-task detection (knowledge/offtask.yaml): a text is detected when any trigger matches."""

    kinds: list[OffTaskKind] = field(default_factory=list)

    def detect(self, text: str) -> tuple[str, str] | None:
        """(kind, trigger) of the first trigger the text matches, or None."""
        folded = fold_width(text or "").lower()
        compact = re.sub(r"\s+", "", folded)
        candidates = [(k, t) for k in self.kinds for t in k._triggers if t.could_match(compact)]
        if not candidates:
            return None  # most sentences hold no trigger word at all: no need to cut them into words
        words = _Words(folded) if any(t.regex is None for _, t in candidates) else None
        for kind, trigger in candidates:
            if trigger.matches(folded, words):
                return kind.kind, trigger.source
        return None

    def problems(self) -> list[str]:
        """Examples the triggers get wrong: staff see them when they ingest an edited list."""
        found = []
        for kind in self.kinds:
            found += [f"{kind.kind}：应识别却未识别“{e}”" for e in kind.should_detect if self.detect(e) is None]
            for example in kind.should_not_detect:
                hit = self.detect(example)
                if hit is not None:
                    found.append(f"{kind.kind}：不应识别却被“{hit[1]}”（{hit[0]}）识别“{example}”")
        return found

    @classmethod
    def from_dict(cls, data: dict, where: str = "offtask") -> "OffTaskList":
        entries = data.get("kinds") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise OffTaskError(f"{where}: 应有 kinds 列表")
        kinds = []
        for n, entry in enumerate(entries, 1):
            if not isinstance(entry, dict) or not entry.get("kind"):
                raise OffTaskError(f"{where}: 第 {n} 项应有 kind")
            name = str(entry["kind"])
            unknown = set(entry) - {"kind", "description", "triggers", "should_detect", "should_not_detect"}
            if unknown:
                raise OffTaskError(f"{where}: 第 {n} 项「{name}」有未知字段 {', '.join(sorted(unknown))}")
            lists = {}
            for key in ("triggers", "should_detect", "should_not_detect"):
                value = entry.get(key) or []
                if not isinstance(value, list):
                    raise OffTaskError(f"{where}: 第 {n} 项「{name}」的 {key} 应为列表")
                lists[key] = [str(v) for v in value]
            try:
                kinds.append(OffTaskKind(name, str(entry.get("description") or ""), **lists))
            except (ValueError, re.error) as exc:
                raise OffTaskError(f"{where}: 第 {n} 项「{name}」的触发词有误：{exc}") from exc
        return cls(kinds)

    @classmethod
    def from_yaml(cls, path: Path) -> "OffTaskList":
        data = read_yaml(path, OffTaskError)
        return cls.from_dict(data, str(path))

    @classmethod
    def for_knowledge(cls, knowledge_dir: Path) -> "OffTaskList":
        """The bureau's own list over the shipped one (its `kinds`, when it has them, replace the shipped ones)."""
        return cls.from_dict(*own_over_shipped(knowledge_dir, DEFAULT_OFFTASK.name, DEFAULT_OFFTASK, OffTaskError, 1))

    def to_dict(self) -> dict:
        return {"kinds": [{"kind": k.kind, "description": k.description, "triggers": k.triggers,
                           "should_detect": k.should_detect, "should_not_detect": k.should_not_detect}
                          for k in self.kinds]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)


@functools.cache
def default_offtask() -> OffTaskList:
    return OffTaskList.from_yaml(DEFAULT_OFFTASK)


def is_injection(text: str, offtask: OffTaskList | None = None) -> bool:
    """Does the text try to change the assistant's task, extract its configuration or ask for something outside
    it? Matched in questions (answered as ordinary, ungrounded questions) and in documents (such sentences are
    never quoted, and ingest reports them). `offtask` is the index's list; the shipped one without it."""
    return (offtask or default_offtask()).detect(text) is not None


@dataclass
class SensitiveList:
    message: str = "您的问题需要由工作人员专门处理，请拨打12345市民服务热线咨询。"
    patterns: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._compiled = [re.compile(p) for p in self.patterns]

    def match(self, text: str) -> str | None:
        for pattern in self._compiled:
            if pattern.search(text):
                return pattern.pattern
        return None

    @classmethod
    def from_yaml(cls, path: Path) -> "SensitiveList":
        if not path.exists():
            return cls()
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        words = [str(w) for w in data.get("handoff") or []]
        patterns = [w[3:] if w.startswith("re:") else re.escape(w) for w in words]
        for p in patterns:
            re.compile(p)  # a broken pattern fails the ingest, with the file named by the caller
        return cls(message=str(data.get("message") or cls.message), patterns=patterns)

    def to_dict(self) -> dict:
        return {"message": self.message, "patterns": self.patterns}
