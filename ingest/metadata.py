"""Metadata per document, read from its text: title, 文号, issuer, region, dates, status."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from bot.models import Document
from bot.text import place_short_name
from ingest.normalise import MARKER, TITLE_ENDINGS, Paragraph

DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}〔\d{4}〕\d{1,4}号")
_TITLE_END = re.compile(rf"({TITLE_ENDINGS})$")
_WRAPPED_TITLE = re.compile(r"印发[《〈](.+?)[》〉]|现将[《〈](.+?)[》〉](?:印发|转发)")
_STANDALONE_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日(印发)?$")
_ISSUER_LINE = re.compile(r"^[\u4e00-\u9fff（）]{2,30}(局|委员会|委|厅|办公室|政府|中心|部)$")
_ISSUER_FIELD = re.compile(r"^(?:发布机构|发文机关|发布单位)[：:]\s*([\u4e00-\u9fff（）]{2,30})$")
_AREA_FIELD = re.compile(r"^(?:所属地区|所属区划|行政区划)[：:]\s*([\u4e00-\u9fff]{2,20})$")
# a city, district or county that opens an issuer or a title below its region: 南京市…, (上海市)松江区…
_LOCALITY = re.compile(r"^([\u4e00-\u9fff]{1,8}?(?:新区|开发区|市|区|县))")
_ADOPTED = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日.{2,80}(通过|公布|修订|修正|发布|施行)）?$")
_EFFECTIVE = re.compile(r"自(\d{4}年\d{1,2}月\d{1,2}日)(?:起)?(?:施行|实施|执行|生效)")
_EFFECTIVE_ON_ISSUE = re.compile(r"自(?:印发|发布)之日起(?:施行|实施|执行|生效)")
_EXPIRES = re.compile(r"有效期(?:至|到|截至)(\d{4}年\d{1,2}月\d{1,2}日)")
_VALID_YEARS = re.compile(r"有效期(?:为)?([一二三四五六七八九十\d]+)年")

# Region names as they open an issuer or a title, and the one-character forms used in 文号.
REGIONS = {
    "上海": "上海市", "江苏": "江苏省", "浙江": "浙江省", "广东": "广东省", "北京": "北京市", "天津": "天津市",
    "重庆": "重庆市", "福建": "福建省", "安徽": "安徽省", "山东": "山东省", "河南": "河南省", "湖北": "湖北省",
    "湖南": "湖南省", "四川": "四川省", "河北": "河北省", "江西": "江西省", "陕西": "陕西省", "辽宁": "辽宁省",
}
DOC_NUMBER_PREFIX = {"沪": "上海市", "苏": "江苏省", "浙": "浙江省", "粤": "广东省", "京": "北京市", "闽": "福建省",
                     "皖": "安徽省", "鲁": "山东省", "国知": "全国"}
NATIONAL = ("国家知识产权局", "国务院", "中华人民共和国", "全国人民代表大会")
_REGION_PREFIXES = sorted({name for pair in REGIONS.items() for name in pair}, key=len, reverse=True)  # 上海市, 上海


def parse_date(text: str) -> date | None:
    m = DATE.search(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _field(paragraphs: list[Paragraph], pattern: re.Pattern) -> str | None:
    """The value of the first `field：value` line the pattern reads."""
    return next((m.group(1) for p in paragraphs if (m := pattern.match(p.text))), None)


def locality_of(issuer_or_title: str | None) -> str | None:
    """The city or district a document binds, from its issuer (or its title when it names none): 南京市,
    松江区 (of 上海市松江区…); None for a document of a whole region or of the nation."""
    if not issuer_or_title or issuer_or_title.startswith(NATIONAL):
        return None
    rest = next((issuer_or_title[len(p):] for p in _REGION_PREFIXES if issuer_or_title.startswith(p)), issuer_or_title)
    m = _LOCALITY.match(rest)
    if m is None or m.group(1) in REGIONS.values() or any(w in m.group(1) for w in ("关于", "知识产权", "的")):
        return None
    return m.group(1)


def fill_regions(documents: list[Document], places: dict[str, list[str]]) -> None:
    """A city's document that states no region (a guide of 青岛市, without 文号) takes its city's region:
    the one the other documents of that city have, or the one the lexicon lists the city under."""
    seen: dict[str, Counter] = {}
    for document in documents:
        if document.locality and document.region:
            seen.setdefault(document.locality, Counter())[document.region] += 1
    listed = {name: region for region, names in places.items() for name in names}
    for document in documents:
        if document.locality and not document.region:
            counts = seen.get(document.locality)
            document.region = counts.most_common(1)[0][0] if counts else \
                listed.get(document.locality) or listed.get(place_short_name(document.locality))


def region_of(*texts: str | None) -> str | None:
    for text in texts:
        if not text:
            continue
        if text.startswith(NATIONAL):
            return "全国"
        for short, full in REGIONS.items():
            if text.startswith(short):
                return full
    return None


@dataclass
class Header:
    """Where the parts of a document are: its title paragraph index and the body's first paragraph."""

    title_index: int | None
    body_start: int


def find_title(paragraphs: list[Paragraph], fallback: str) -> tuple[str, int | None]:
    """The document's own title (the one inside 印发《…》 for a cover notice) and its paragraph index."""
    head = paragraphs[:15]
    for p in head:
        if MARKER.match(p.text):  # the numbered body has begun: a 印发《…》 there cites another document
            break
        m = _WRAPPED_TITLE.search(p.text)
        if m:
            inner = m.group(1) or m.group(2)
            # The body usually repeats the title on a line of its own: that line is where the body starts.
            for j, q in enumerate(paragraphs):
                if q.text == inner:
                    return inner, j
            return inner, None
    for i, p in enumerate(head):
        if "。" not in p.text and len(p.text) <= 60 and _TITLE_END.search(p.text) and not p.text.endswith("文件"):
            return p.text, i
    return fallback, None


def extract(doc_id: str, text: str, paragraphs: list[Paragraph], source: str, sha256: str,
            today: date) -> tuple[Document, Header]:
    title, title_index = find_title(paragraphs, doc_id)
    head = paragraphs[:15]

    doc_number = None
    for p in head:
        m = DOC_NUMBER.fullmatch(p.text) or (DOC_NUMBER.match(p.text) if len(p.text) < 30 else None)
        if m:
            doc_number = m.group(0)
            break

    issuer = None
    for p in head[:3]:
        if p.text.endswith("文件") and len(p.text) <= 30:
            issuer = p.text[: -len("文件")]
            break
    if issuer is None:  # a service guide's field line: 发布机构：南京市知识产权局
        issuer = _field(head, _ISSUER_FIELD)
    if issuer is None:  # the signature: an issuer line right before a date line
        for a, b in zip(paragraphs, paragraphs[1:]):
            if _ISSUER_LINE.match(a.text) and _STANDALONE_DATE.match(b.text):
                issuer = a.text
    if issuer is None and "关于" in title[:20] and not title.startswith("关于"):
        issuer = title.split("关于", 1)[0]

    issued_on = None
    for p in paragraphs:
        if _STANDALONE_DATE.match(p.text):
            issued_on = parse_date(p.text)
            break
    if issued_on is None:  # a regulation: "2013年9月27日 北京市…常务委员会…会议修订", the latest counts
        for p in head:
            if _ADOPTED.match(p.text):
                issued_on = parse_date(p.text)

    effective_from = expires_on = None
    basis = []
    m = _EFFECTIVE.search(text)
    if m:
        effective_from = parse_date(m.group(1))
        basis.append(m.group(0))
    elif _EFFECTIVE_ON_ISSUE.search(text) and issued_on:
        effective_from = issued_on
        basis.append(_EFFECTIVE_ON_ISSUE.search(text).group(0))
    m = _EXPIRES.search(text)
    if m:
        expires_on = parse_date(m.group(1))
        basis.append(m.group(0))
    else:
        m = _VALID_YEARS.search(text)
        start = effective_from or issued_on
        if m and start:
            from bot.text import cn_to_int

            years = cn_to_int(m.group(1))
            if years:
                expires_on = _add_years(start, years)
                basis.append(m.group(0))

    region = None
    if doc_number:
        for prefix, full in DOC_NUMBER_PREFIX.items():
            if doc_number.startswith(prefix):
                region = full
                break
    region = region or region_of(_field(head, _AREA_FIELD), issuer, title)  # a guide's 所属地区 first

    document = Document(
        id=doc_id, title=title, doc_number=doc_number, issuer=issuer, region=region,
        locality=locality_of(issuer or title) if region != "全国" else None,
        issued_on=issued_on, effective_from=effective_from, expires_on=expires_on,
        kind="policy", source=source, sha256=sha256,
    )
    document.status = document.status_on(today)
    if basis:
        document.status_basis = "，".join(basis)
    elif issued_on:
        document.status_basis = "文件未载明有效期，自发布之日起按现行有效处理；如已修订或废止，以发文机关公布为准"
    else:
        document.status_basis = "文件未载明发布日期和有效期"
    body_start = title_index + 1 if title_index is not None else 0
    return document, Header(title_index=title_index, body_start=body_start)
