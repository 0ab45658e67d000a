"""Metadata per document, read from its text: title, 文号, issuer, region, dates, status."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from bot.models import NATIONAL_REGION, Document
from bot.text import PLACE_UNIT, clause_sentences, place_unit_pattern, place_units, unit_names
from ingest.divisions import divisions
from ingest.normalise import LAW_TITLE, MARKER, PROVENANCE, TITLE_ENDINGS, Paragraph

DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}〔\d{4}〕\d{1,4}号")
_TITLE_END = re.compile(rf"({TITLE_ENDINGS})$")
_WRAPPED_TITLE = re.compile(r"印发[《〈](.+?)[》〉]|现将[《〈](.+?)[》〉](?:印发|转发)")
_STANDALONE_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日(印发)?$")
# (an office's other name in brackets after it: 合肥市市场监督管理局（知识产权局）)
ISSUER_LINE = re.compile(r"^[\u4e00-\u9fff（）]{2,30}(局|委员会|委|厅|办公室|政府|中心|部)"
                          r"(（(?!盖章|印章|公章|代章|签字|签章)[\u4e00-\u9fff]{2,15}）)?$")
# a guide's field lines, by the words a government service page labels them with: the office that issues or
# handles it, and the service's name (every other field of the guide is about them: bot/retrieve/index.py)
OFFICE_FIELDS = ("发布机构", "发文机关", "发布单位", "实施部门", "实施机构", "实施主体", "受理机构", "受理单位")
NAME_FIELDS = ("事项名称", "服务事项名称", "服务名称", "名称", "权责清单")
_ISSUER_FIELD = re.compile(rf"^(?:{'|'.join(OFFICE_FIELDS)})[：:]\s*"
                           r"([\u4e00-\u9fff]{2,30})(?:（[^）]*）)?$")  # 浙江省…中心（…杭州代办处）: the body, not the aside
_NAME_FIELD = re.compile(rf"^(?:{'|'.join(NAME_FIELDS)})[：:]\s*(\S.{{1,59}})$")
_ISSUED_FIELD = re.compile(r"^(?:发布时间|发布日期|成文日期|印发日期)[：:]\s*(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?")
_ANY_FIELD = re.compile(r"^[\u4e00-\u9fff]{2,12}[：:]")
# what a 说明 line says the copied page is: 页面为浙江省…办事指南 / 转载的苏州市…服务说明
_PAGE_IS = re.compile(r"(?:页面为|转载的)([\u4e00-\u9fff（）]{4,40}?)(?:页面)?(?=[;；,，。(（]|$)")
_AREA_FIELD = re.compile(r"^(?:所属地区|所属区划|行政区划)[：:]\s*([\u4e00-\u9fff]{2,20})$")
# a city, district or county that opens an issuer or a title below its region: 南京市…, (上海市)松江区…; and the
# district or county of a city when an office's name follows it (常州市武进区市场监督管理局), not a word that merely
# ends in 区 or 市 (南京市城市管理局, 常州市主城区, 苏州市市区)
_OFFICE_AFTER = "市场监|知识产权|人民政府|管委会|管理委员会|科技局|科学技术局|司法局|商务局"
_LOCALITY = re.compile(rf"^({PLACE_UNIT}(?:(?![各全本城社辖跨所市]){place_unit_pattern(4)}(?={_OFFICE_AFTER}))?)")
_ADOPTED = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日.{2,80}(通过|公布|修订|修正|发布|施行)）?$")
_ADOPTED_IN_FORCE = re.compile(r"^(\d{4}年\d{1,2}月\d{1,2}日)(?:起)?(?:施行|实施|生效)$")  # 2014年5月1日 施行
# a validity statement is about the document itself: its sentence opens with 本法/本办法…, 自…, 有效期…
# (注册商标的有效期为十年 is about a trademark, not the law that says it)
_ABOUT_ITSELF = re.compile(r"^(?:(?:本|此|以上|上述)[\u4e00-\u9fff]{0,6}?(?:自|有效期|从)|自|有效期)")
_EFFECTIVE = re.compile(r"自(\d{4}年\d{1,2}月\d{1,2}日)(?:起)?(?:施行|实施|执行|生效)")
_EFFECTIVE_ON_ISSUE = re.compile(r"自(?:印发|发布)之日起(?:施行|实施|执行|生效)")
_EXPIRES = re.compile(r"有效期(?:至|到|截至)(\d{4}年\d{1,2}月\d{1,2}日)")
_VALID_YEARS = re.compile(r"有效期(?:为)?([一二三四五六七八九十\d]+)年")

# Region names as they open an issuer or a title, and the one-character forms used in 文号.
REGIONS = divisions().regions  # every province's short name → its full name (云南 → 云南省, 广西 → 广西壮族自治区)
DOC_NUMBER_PREFIX = {"沪": "上海市", "苏": "江苏省", "浙": "浙江省", "粤": "广东省", "京": "北京市", "闽": "福建省",
                     "皖": "安徽省", "鲁": "山东省", "国知": NATIONAL_REGION}
NATIONAL = ("国家知识产权局", "国务院", "中华人民共和国", "全国人民代表大会")
_OFFICE = re.compile(r"[（(]([^（()）]+)[）)]\s*$")  # the office a service item's name ends with, in brackets
_REGION_PREFIXES = sorted({name for pair in REGIONS.items() for name in pair}, key=len, reverse=True)  # 上海市, 上海


def parse_date(text: str) -> date | None:
    m = DATE.search(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _valid_date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
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
    松江区 (of 上海市松江区…), 常州市武进区 (a district of a city, both kept: 武进 and 常州 name it); None for a
    document of a whole region or of the nation."""
    if not issuer_or_title or issuer_or_title.startswith(NATIONAL):
        return None
    # a province's name opens it, but a short one followed by 市 is a city's (吉林市, not 吉林 + 市市场…; a
    # municipality's full name, 上海市, is a prefix of its own)
    rest = next((issuer_or_title[len(p):] for p in _REGION_PREFIXES
                 if issuer_or_title.startswith(p) and not issuer_or_title.startswith(p + "市")), issuer_or_title)
    m = _LOCALITY.match(rest)
    if m is None or m.group(1) in REGIONS.values() or any(w in m.group(1) for w in ("关于", "知识产权", "的")):
        return None
    return m.group(1)


def region_names(said: dict[str, list[str]], places: dict[str, list[str]]) -> dict[str, list[str]]:
    """Every name that names a region, by region: the names callers say (synonyms.yaml's `regions`) first, then
    knowledge/places.yaml's cities, then the region's own short form (福建 for 福建省). Ingest files documents and
    catalogue items by it, and the index's lexicon keeps the names beyond synonyms.yaml's (`Lexicon.places`), so
    that a question naming 泉州 or 福建 names 福建省 as one naming 苏州 names 江苏省: the region filter then keeps
    泉州's items, and a place the knowledge base has no documents for is told so rather than answered from the
    bureau's own."""
    short = {full: name for name, full in REGIONS.items()}
    names: dict[str, list[str]] = {}
    for region in {**said, **places}:
        more = [n for n in [*places.get(region, []), short.get(region, "")] if len(n) > 1]
        names[region] = [n for n in dict.fromkeys([*said.get(region, []), *more]) if n != region]
    return names


def fill_regions(documents: list[Document], places: dict[str, list[str]]) -> None:
    """A city's document that states no region (a guide of 青岛市, without 文号) takes its city's region:
    the one the other documents of that city have, or the one `places` lists the city under (the lexicon's
    region names and knowledge/places.yaml's cities)."""
    seen: dict[str, Counter] = {}
    for document in documents:
        if document.locality and document.region:
            seen.setdefault(document.locality, Counter())[document.region] += 1
    listed = {name: region for region, names in places.items() for name in names}
    for document in documents:
        if document.locality and not document.region:
            counts = seen.get(document.locality)
            document.region = counts.most_common(1)[0][0] if counts else _listed_region(document.locality, listed)


def _listed_region(locality: str, listed: dict[str, str]) -> str | None:
    """The region `listed` (place name → region) files a locality under: by the locality, or its city (常州 of
    常州市武进区), or a listed name it begins with (合肥 of 合肥高新区)."""
    for name in [locality, *(n for unit in place_units(locality) for n in unit_names(unit))]:
        if name in listed:
            return listed[name]
    return next((listed[n] for n in sorted(listed, key=len, reverse=True) if len(n) > 1 and locality.startswith(n)),
                None)


def fill_item_regions(items, documents: dict[str, Document], doc_of: dict[str, str],
                      places: dict[str, list[str]], cities: frozenset[str] = frozenset()) -> None:
    """A catalogue item of a document filed under no region (a compilation of several places' guides) takes
    the one region its name's office names: 快速预审服务备案（苏州市知识产权保护中心） → 江苏省, (福建省知识产权局) → 福建省,
    (新乡) → 河南省, a national office's branch (国家知识产权局专利局杭州代办处) its city's; and, when that is one of
    `cities` (knowledge/places.yaml's), the city as its locality, as a city's document has one. An item that names
    no place, or two (（上海市、江苏省知识产权局）), keeps none."""
    listed = [(name, region) for region, names in places.items() for name in [*names, region] if len(name) > 1]
    for item_id, item in items.items():
        document = documents.get(doc_of.get(item_id, ""))
        if item.region or document is None or document.region:
            continue
        office = _OFFICE.search(item.name)
        for text in ([office.group(1)] if office else []) + [item.name]:
            named = {region for name, region in listed if name in text}
            if len(named) == 1:
                item.region = named.pop()
                towns = {name for name in cities if name in text}
                item.locality = towns.pop() if len(towns) == 1 else None
                break
            if named:  # two places: neither is the item's
                break


def region_of(*texts: str | None) -> str | None:
    for text in texts:
        if not text:
            continue
        if text.startswith(NATIONAL):
            return NATIONAL_REGION
        for short, full in REGIONS.items():
            if text.startswith(short):
                return full
    return None


@dataclass
class Header:
    """Where the parts of a document are: its title paragraph index and the body's first paragraph.

    `provenance_end`: the paragraphs before it are the provenance of a copied web page (来源: URL, 说明: …).
    They describe the copy, not the document, so they are read for metadata only (a title from 说明 when the
    page has none) and never become a clause: no answer can quote them."""

    title_index: int | None
    body_start: int
    provenance_end: int = 0


def provenance_end(paragraphs: list[Paragraph]) -> int:
    """How many paragraphs at the top are provenance lines (来源: URL, 说明: …)."""
    n = 0
    while n < len(paragraphs) and PROVENANCE.match(paragraphs[n].text):
        n += 1
    return n


def _is_title_line(text: str) -> bool:
    """A line that can be a title by its ending: 关于…的通知, 中华人民共和国专利法; never a field line, nor a numbered
    heading of the body (二、服务事项办事指南)."""
    if "。" in text or len(text) > 60 or text.endswith("文件") or _ANY_FIELD.match(text) or MARKER.match(text):
        return False
    return bool(_TITLE_END.search(text) or LAW_TITLE.match(text))


def _is_heading_like(text: str) -> bool:
    """A short line with no punctuation, date or 文号: a web page's heading (新乡市开通12330…公益电话)."""
    return (4 <= len(text) <= 40 and not re.search(r"[，。；：:,;、！？\t〔]", text) and not MARKER.match(text)
            and not DATE.search(text) and not text.endswith(("文件", "号")))


def find_title(paragraphs: list[Paragraph], fallback: str, start: int = 0) -> tuple[str, int | None]:
    """The document's own title (the one inside 印发《…》 for a cover notice) and its paragraph index.

    Searched from `start` (after the provenance lines); in order: 印发《…》, a 事项名称 field, a line with a
    title's ending (…办法, …法), a web page's first line when it is a heading, what the 说明 line says
    the page is (index None), the file name."""
    head = paragraphs[start:start + 15]
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
    for p in paragraphs[start:start + 40]:  # a page of fields may name its item far down (权责清单 of 福建)
        if m := _NAME_FIELD.match(p.text):
            return m.group(1).strip(), None  # a field line is not the body's heading: it stays in the body
    for i, p in enumerate(head, start=start):
        if _is_title_line(p.text):
            return p.text, i
    first = next(((i, p) for i, p in enumerate(head, start=start) if not _ANY_FIELD.match(p.text)), None)
    if first and _is_heading_like(first[1].text):
        return first[1].text, first[0]
    for p in paragraphs[:start]:
        if m := _PAGE_IS.search(p.text):
            return m.group(1), None
    return fallback, None


def extract(doc_id: str, text: str, paragraphs: list[Paragraph], source: str, sha256: str,
            today: date) -> tuple[Document, Header]:
    skip = provenance_end(paragraphs)
    title, title_index = find_title(paragraphs, doc_id, skip)
    if skip:  # the provenance lines are not the document's: no date, 文号 or validity is read from them
        paragraphs = paragraphs[skip:]
        text = "\n".join(p.text for p in paragraphs)
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
            if ISSUER_LINE.match(a.text) and _STANDALONE_DATE.match(b.text):
                issuer = a.text
    if issuer is None and "关于" in title[:20] and not title.startswith("关于"):
        issuer = title.split("关于", 1)[0]

    issued_on = None
    for p in paragraphs:
        if _STANDALONE_DATE.match(p.text):
            issued_on = parse_date(p.text)
            break
    if issued_on is None:  # a web page's field: 发布时间:2009-04-21
        issued_on = next((_valid_date(*m.groups()) for p in head if (m := _ISSUED_FIELD.match(p.text))), None)
    revised = None  # the latest revision line of a law or regulation's header
    header_in_force = None
    if issued_on is None:  # a regulation: "2013年9月27日 北京市…常务委员会…会议修订", the latest counts
        for p in head:
            if m := _ADOPTED_IN_FORCE.match(p.text):
                header_in_force = parse_date(m.group(1))
            elif (m := _ADOPTED.match(p.text)) and m.group(1) != "施行":
                day = parse_date(p.text)
                if day and (issued_on is None or day >= issued_on):
                    issued_on = day
                    revised = (day, m.group(1)) if m.group(1) in ("修订", "修正") else revised

    effective_from = expires_on = None
    basis = []
    own = "。".join(s for s in clause_sentences(text)
                   if _ABOUT_ITSELF.match(MARKER.sub("", s, count=1).lstrip()))  # after 第七十三条, 二、
    m = _EFFECTIVE.search(own)
    if m:
        effective_from = parse_date(m.group(1))
        basis.append(m.group(0))
    elif _EFFECTIVE_ON_ISSUE.search(own) and issued_on:
        effective_from = issued_on
        basis.append(_EFFECTIVE_ON_ISSUE.search(own).group(0))
    elif header_in_force:
        effective_from = header_in_force
        basis.append(f"{_cn_date(header_in_force)}施行")
    if revised and effective_from and effective_from < revised[0]:
        # "本法自1985年4月1日起施行" dates the first text; the one read here is the 2020 revision, in force
        # since (the revising decision's own date is not in the text): a revision, not an old law
        effective_from = None
        basis.append(f"{_cn_date(revised[0])}{revised[1]}，现行文本自修改决定施行之日起有效")
    m = _EXPIRES.search(own)
    if m:
        expires_on = parse_date(m.group(1))
        basis.append(m.group(0))
    else:
        m = _VALID_YEARS.search(own)
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
        locality=locality_of(issuer or title) if region != NATIONAL_REGION else None,
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
    body_start = title_index + 1 if title_index is not None else skip
    return document, Header(title_index=title_index, body_start=body_start, provenance_end=skip)
