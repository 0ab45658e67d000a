"""Text helpers shared by ingest and query time: width folding, spacing, numerals, word segmentation."""
from __future__ import annotations

import functools
import logging
import re
from collections.abc import Container, Iterable

CJK_FIRST, CJK_LAST = 0x3400, 0x9FFF  # the Chinese characters questions and documents are read in, as code points
CJK = rf"\u{CJK_FIRST:04x}-\u{CJK_LAST:04x}"  # … and as a regular expression's character range
_CJK_CHAR = re.compile(rf"[{CJK}]")
_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH.update({"％": "%", "＋": "+", "－": "-", "／": "/", "．": ".", "\u3000": " ", "\u00a0": " "})
_FOLD = str.maketrans(_FULLWIDTH)

# Chinese text uses full-width brackets and punctuation; the corpus mixes both widths.
_TO_CJK_PUNCT = [
    (re.compile(rf"(?<=[{CJK}》”）\)]),"), "，"),
    (re.compile(rf"(?<=[{CJK}]);"), "；"),
    (re.compile(rf"(?<=[{CJK}]):"), "："),
]
# A pair of ASCII brackets around Chinese text or a list number becomes a pair of full-width ones.
_ASCII_PARENS = re.compile(rf"\(([^()（）]*?[{CJK}][^()（）]*?|\d{{1,2}})\)")
_DOC_NUMBER_BRACKETS = re.compile(rf"(?<=[{CJK}])[\[［〔【（(](\d{{4}})[\]］〕】）)](?=\d+号)")
# Spaces that typesetting leaves between CJK characters and numbers: "2024 年 5 月", "服务业 高质量".
_SPACE_CJK = re.compile(rf"(?<=[{CJK}\d“”《》（）、，。])[ \t]+(?=[{CJK}\d“”《》（）])")


def fold_width(text: str) -> str:
    """Full-width digits/letters to half-width; full-width space to a normal space."""
    return text.translate(_FOLD)


def normalise_text(text: str) -> str:
    """Canonical form of a line of Chinese text, used for both documents and questions."""
    text = fold_width(text)
    text = _ASCII_PARENS.sub(r"（\1）", text)
    for pattern, repl in _TO_CJK_PUNCT:
        text = pattern.sub(repl, text)
    text = _SPACE_CJK.sub("", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text.strip()


def normalise_doc_number(text: str) -> str:
    """沪知局[2024]32号 / 沪知局（2024）32号 → 沪知局〔2024〕32号."""
    return _DOC_NUMBER_BRACKETS.sub(r"〔\1〕", text)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_digits(text: str) -> str:
    """Chinese numerals read digit by digit, as a year is written: 二〇二六 → 2026 (○, a circle often typed for 〇,
    is 0 too)."""
    return "".join(str(_CN_DIGITS.get(ch, 0)) for ch in text)


def cn_to_int(text: str) -> int | None:
    """一 → 1, 十二 → 12, 三十四 → 34, 一百零五 → 105; None if not a Chinese numeral."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "千":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
    return total + current


def int_to_cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


# Markers that open a numbered unit: 一、 （一） 1. （1） 第一章 第一条 (ingest splits a document at them; a clause's path
# keeps them before each heading).
MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d{1,2}[.、．](?!\d)|（\d{1,2}）"
    r"|第[一二三四五六七八九十百零〇]+[章节条])"
)
SENTENCE_END = re.compile(r"(?<=[。！？；])")


_PLACE_SUFFIX = re.compile(r"(新区|市|区|县)$")


def place_short_name(locality: str) -> str:
    """How a caller names a city or district: 南京 for 南京市, 浦东 for 浦东新区."""
    return _PLACE_SUFFIX.sub("", locality)


def place_unit_pattern(longest_name: int = 8) -> str:
    """A regular expression of one place of a locality, a name of up to `longest_name` characters and its
    suffix: a city, a district, a county or a park (常州市, 武进区, 合肥高新区)."""
    return rf"[\u4e00-\u9fff]{{1,{longest_name}}}?(?:新区|开发区|市|区|县)"


PLACE_UNIT = place_unit_pattern()
_PLACE_UNIT = re.compile(PLACE_UNIT)
_PARK = re.compile(r"(?:新区|开发区|园区)$")  # 高新区, 经开区: every city has one, so its name alone names none


def place_units(locality: str) -> list[str]:
    """The places a locality is made of, the wider first: 常州市武进区 → 常州市, 武进区; 浦东新区 → 浦东新区."""
    return _PLACE_UNIT.findall(locality) or [locality]


def unit_names(unit: str) -> list[str]:
    """How a caller names one place: 武进区 and 武进 (a name of one character names nothing)."""
    return [n for n in dict.fromkeys((unit, place_short_name(unit))) if len(n) >= 2]


def place_names(locality: str) -> list[str]:
    """The names a caller may give a locality: its own and its short form, or, for a district of a city
    (常州市武进区), the district's (武进区, 武进: a caller names the district, rarely its city with it), unless it is a
    park every city has (杭州市高新区 is named by its whole name only)."""
    units = place_units(locality)
    if len(units) == 1:
        return unit_names(locality)
    return [locality, *([] if _PARK.search(units[-1]) else unit_names(units[-1]))]


def split_sentences(text: str) -> list[str]:
    """Split on 。！？； keeping the punctuation; drops empty pieces."""
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()]


def clause_sentences(text: str) -> list[str]:
    """A clause's sentences: each line (a numbered item) and each sentence within one; punctuation alone is none."""
    return [s for s in split_sentences(text.replace("\n", "。")) if s.strip("。；！？")]


# --- word segmentation -------------------------------------------------------------------------

STOPWORDS = frozenset(
    """的 了 和 与 及 或 等 是 在 有 对 为 把 被 从 向 以 于 之 其 这 那 这个 那个 哪些 哪个 什么 怎么 怎样 如何
    吗 呢 吧 啊 呀 嘛 么 哦 哈 就 都 也 还 又 要 会 能 可以 可 请问 请 问 一下 我 我们 你 你们 他 她 它 他们
    咱 咱们 谁 找 想 想问 问问 知道 有没有 没有 是不是 能不能 可不可以 怎么办 办 该 应该 一个 一些 这些 那些 多少
    现在 目前 如果 因为 所以 但是 然后 就是 里 里面 上 下 中 个 件 家 个人 自己 方面 情况 相关 有关 进行 开展 加强
    推动 推进 支持 鼓励 提升 促进 建设 工作 关于 通知 通过 根据 按照 方面 一些 啥 嗯 呃 那个 就是说 然后呢 好
    多久 几 哪 哪里 哪儿 呗 人 事 东西 搞 弄 给 让 到 去 来 说 讲 看 得 地 着 过 吧 又 再 更 最 很 太 非常
    怎么回事 回事 什么意思 意思 真的 有人 靠谱 一般 具体 分别 都 两地 谁的 针对 是否 还是 或者 以及 所以
    不能 不要 不会 不是 不用 时候 什么时候 哪天 哪年 几家 几个 多少家 多少个 哪些 地方 哪些地方 在哪 关系 说法
    几号 几月 哪一天 多少天 几天 多长时间 多长 主要 一般来说 大概
    之间 碰到 遇到 打算 这种 那种 才能 很快 能够 需要 要求吗 有啥 怎么样 咋 咋办 想要 希望 听说 据说 网上 别人""".split()
)
# The structural particles and the copula, what a sentence is built with: said as a word of their own, never the
# typo of a content word's character (代理所的 is 的, no 所得; 都是用 是, no 使用), while 和同 is 合同, 从新 重新.
PARTICLES = frozenset("的 地 得 了 着 是".split())

# Spoken A-not-A questions (搞不搞, 会不会, 要不要) carry no content.
A_NOT_A = re.compile(r"^(.{1,2})[不没]\1$")  # 有没有, 是不是, 可以不可以: a question form, no word
_PUNCT = re.compile(rf"^[^\w{CJK}]+$")


@functools.cache
def _general_frequencies() -> dict[str, int]:
    """jieba's dictionary counts (how common a word is in general Chinese), loaded once per process."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.initialize()
    return jieba.dt.FREQ


class Tokenizer:
    """Chinese words: jieba's dictionary and algorithm in Rust (rjieba, about fifteen times faster than the
    Python jieba on our documents and cutting the same words), with the knowledge base's own terms added."""

    def __init__(self, terms: Iterable[str] = ()):
        import rjieba

        self._jieba = rjieba.Jieba()
        self.terms = sorted({t for t in terms if 2 <= len(t) <= 16})
        self._terms = frozenset(self.terms)
        for term in self.terms:
            self._jieba.add_word(term, 2000, None)

    def is_word(self, text: str) -> bool:
        """A word of the language: in jieba's dictionary, or one of the knowledge base's terms."""
        return self.general_frequency(text) > 0 or text in self._terms

    def general_frequency(self, word: str) -> int:
        """How common a word is in general Chinese (jieba's dictionary counts; 0 if unknown)."""
        return _general_frequencies().get(word, 0) or 0

    def words(self, text: str) -> list[str]:
        """Words in reading order (jieba's precise mode)."""
        return [w for w in _split_ranges(self._jieba.cut(text)) if w.strip()]

    def dictionary_words(self, text: str) -> list[str]:
        """The text cut by the dictionary alone, every character kept (the pieces join back to the text):
        no guessed words, which glue a word to its neighbour (多少天能 → 多少/天能)."""
        return list(self._jieba.cut(text, False))

    def tokens(self, text: str, known: Container[str] | None = None) -> list[str]:
        """Search tokens: words and their sub-words, without stopwords and punctuation. With `known` (the
        knowledge base's words), a cut that leaves a content character alone after a word is mended where the
        word's end and the character make a word of the language (jieba's dictionary or the knowledge base's
        terms) that the knowledge base uses, and what remains is a word of the language too: a compound's last
        character is its head (专利申请/费 → 专利/申请费, 信息网/点 → 信息/网点, 上海市/级 → 上海/市级; not 著作权/由 →
        著作/权由, a fragment of the corpus's own cuts, nor 三年/内 → 三/年内)."""
        if known is not None:
            text = self._mend_cut(text, known)
        out = []
        for w in _split_ranges(self._jieba.cut_for_search(text)):
            w = w.strip().lower()
            if not w or w in STOPWORDS or _PUNCT.match(w) or A_NOT_A.match(w):
                continue
            if len(w) == 1 and not w.isdigit():
                continue
            out.append(w)
        return out

    def _mend_cut(self, text: str, known: Container[str]) -> str:
        words, out = list(self._jieba.cut(text)), []  # every character kept: the pieces join back to the text
        for n, word in enumerate(words):
            char = words[n + 1] if n + 1 < len(words) else ""
            if len(char) == 1 and _CJK_CHAR.match(char) and char not in STOPWORDS:
                for k in (3, 2, 1):
                    rest, joined = word[:-k], word[-k:] + char
                    if len(rest) >= 2 and joined in known and self.is_word(joined) and self.is_word(rest):
                        word = f"{rest} {word[-k:]}"  # the space parts the cut there; the character follows
                        break
            out.append(word)
        return "".join(out)


_RANGE = re.compile(r"^[0-9A-Za-z]+(?:-[0-9A-Za-z]+)+$")


def _split_ranges(words: list[str]) -> list[str]:
    """rjieba keeps 2021-2035 and 0571-89937016 whole where jieba cuts at the hyphen; cut them the same way,
    so that a question about 2035 finds a document about 2021-2035."""
    out = []
    for w in words:
        if "-" in w and _RANGE.match(w):
            parts = w.split("-")
            for n, part in enumerate(parts):
                out.append(part)
                if n < len(parts) - 1:
                    out.append("-")
        else:
            out.append(w)
    return out
