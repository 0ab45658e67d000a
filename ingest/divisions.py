"""China's administrative divisions: every province, its cities and their counties and districts, from the
table of administrative codes that the `cpca` package ships (MIT; its CSV files are read as data, the package
itself is never imported). A place a caller or a document names is then known wherever it is, not only where
the bureau's own lists (knowledge/places.yaml, synonyms.yaml's regions) reach: a notice of 安溪县 is filed under
福建省, and a caller naming 南陵县 asks about 芜湖市 in 安徽省.

A code's first two digits are its province, the first four its city (a municipality's districts and a province's
directly governed county-level cities have no city of their own: the place is its own city then)."""
from __future__ import annotations

import csv
import importlib.metadata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

# (the suffixes longest first: 自治县 before 县)
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
_CITY_SUFFIXES = ("自治州", "地区", "新区", "盟", "市")
_COUNTY_SUFFIXES = ("自治县", "自治旗", "新区", "林区", "特区", "县", "区", "市", "旗")
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


class DivisionsMissing(RuntimeError):
    """The table of administrative divisions is not installed."""


@dataclass(frozen=True)
class Divisions:
    """Every place of the table, by the names it is known by."""

    version: str = ""
    regions: dict[str, str] = field(default_factory=dict)  # a province's short name → its full name (云南 → 云南省)
    # a province's full name → its cities' short names (芜湖): what a document of a city is filed by
    cities: dict[str, list[str]] = field(default_factory=dict)
    # a county's or district's short name → (its province, its city's short name): what a document of a county is
    # filed by (安溪县 → 福建省); a short name two places share (鼓楼, 朝阳) or a province or a city has is left out
    counties: dict[str, tuple[str, str]] = field(default_factory=dict)
    # a city or a county as a caller names it with its kind (芜湖市, 阿里地区, 延边州, 南陵县, 浦东新区; three characters
    # or more, one place only) → (its province, its city's short name, its own short name when it is a county, else
    # ""). Short forms without the kind are many everyday words (阿里, 大庆, 合作, 大方), and a kind that is not the
    # place's own says another thing (大城市 is no 大城县, 合作区 no 合作市): a question names a place by these only
    said: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def with_provinces(self, places: dict[str, list[str]]) -> dict[str, list[str]]:
        """places.yaml's cities by region, every other province beside them with none (metadata.region_names then
        gives each its short form: 云南 names 云南省)."""
        return {**{region: [] for region in self.regions.values()}, **places}


def short_name(name: str, suffixes: tuple[str, ...], nations: tuple[str, ...] = ()) -> str:
    """How a place is said without its kind: 芜湖 of 芜湖市, 延边 of 延边朝鲜族自治州 (cut before the first of `nations`,
    each a name with its 族), 浦东 of 浦东新区; the whole name when less than two characters would remain (城区)."""
    cut = min((at for n in nations for said in (n, n[:-1] + "自治") if (at := name.find(said, 1)) > 0),
              default=len(name))  # (博尔塔拉蒙古自治州 says 蒙古 without its 族)
    short = name[:cut]
    if cut == len(name):
        short = next((name[:-len(s)] for s in suffixes if name.endswith(s)), name)
    return short if len(short) >= 2 else name


def _resource(package: str, filename: str) -> Path:
    try:
        files = importlib.metadata.files(package) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    found = next((f for f in files if f.name == filename), None)
    if found is None:
        raise DivisionsMissing(f"未安装行政区划表（{package} 的 {filename}）：请运行 pip install {package}"
                               "（make setup 会安装）")
    return Path(str(found.locate()))


@lru_cache(maxsize=1)
def divisions() -> Divisions:
    """The divisions of the installed table (read once)."""
    codes = _resource("cpca", "adcodes.csv")
    with _resource("cpca", "56_nations.csv").open(encoding="utf-8") as f:
        nations = tuple(line.strip() for line in f if line.strip().endswith("族"))  # 延边朝鲜族自治州 is cut at 朝鲜族
    with codes.open(encoding="utf-8") as f:
        rows = [(r["adcode"], r["name"].strip()) for r in csv.DictReader(f) if r.get("adcode") and r.get("name")]
    provinces = {code[:2]: name for code, name in rows if code[2:].strip("0") == ""}
    regions = {short_name(name, _PROVINCE_SUFFIXES): name for name in provinces.values()}
    city_rows = {code[:4]: name for code, name in rows
                 if code[2:].strip("0") and code[4:].strip("0") == "" and name not in _PLACEHOLDERS}
    cities: dict[str, list[str]] = defaultdict(list)
    for code, name in sorted(city_rows.items()):
        if code[:2] in provinces:
            cities[provinces[code[:2]]].append(short_name(name, _CITY_SUFFIXES, nations))
    city_short = {short: region for region, names in cities.items() for short in names}
    seen: dict[str, set[tuple[str, str]]] = defaultdict(set)  # a county's short name → (province, city) of each
    forms: dict[str, set[tuple[str, str, str]]] = defaultdict(set)  # a name said with its kind → the places it names
    for code, name in rows:
        if code[2:].strip("0") == "" or code[:2] not in provinces or name in _PLACEHOLDERS:
            continue
        region = provinces[code[:2]]
        if code[4:].strip("0") == "":  # a city
            short = short_name(name, _CITY_SUFFIXES, nations)
            place = (region, short, "")
            conventional = {"自治州": "州"}
        else:
            short = short_name(name, _COUNTY_SUFFIXES, nations)
            city = city_rows.get(code[:4])
            city = short_name(city, _CITY_SUFFIXES, nations) if city else next(
                (s for s, full in regions.items() if full == region and full.endswith("市")), short)
            place = (region, city, short)
            conventional = {"自治县": "县", "自治旗": "旗"}
            if len(short) >= 2 and (short != name or name.endswith(_COUNTY_SUFFIXES)):
                seen[short].add((region, city))
        for form in [name, *(short + kind for ending, kind in conventional.items() if name.endswith(ending))]:
            if len(form) >= 3 and form != short:
                forms[form].add(place)
    counties = {short: places.pop() for short, places in seen.items()
                if len(places) == 1 and short not in regions and short not in city_short}
    for region in cities:
        cities[region] = list(dict.fromkeys(n for n in cities[region] if n not in regions))
    said_once = {form: places.pop() for form, places in forms.items() if len(places) == 1}
    try:
        version = importlib.metadata.version("cpca")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - _resource found its files
        version = ""
    return Divisions(version, regions, dict(cities), counties, said_once)
