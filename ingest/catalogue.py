"""Service catalogues (knowledge/catalogue/*.yaml|csv) and FAQ pairs (knowledge/faq/*.yaml), validated at ingest.

A schema error names the file, the item and the field. A catalogue item becomes a clause of kind "catalogue",
retrieved and cited like a policy clause; an FAQ pair is matched by wording before retrieval.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.models import CatalogueItem, Clause, Document, FaqPair
from ingest.loaders import LoadError, _decode

CLAUSE_ID = re.compile(r"^[\w.-]+:[\w.-]+$")
FIELDS = {"name": "名称", "category": "类别", "summary": "简介", "conditions": "办理条件", "materials": "所需材料",
          "time_limit": "办理时限", "fee": "收费", "channel": "办理渠道", "contact": "联系方式", "basis": "依据",
          "questions": "问法", "answer": "答案", "items": "事项", "pairs": "问答", "title": "标题"}


class CatalogueFile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str = Field(min_length=1)
    issuer: str | None = None
    region: str | None = None
    note: str | None = None
    items: list[CatalogueItem] = Field(min_length=1)


class FaqFile(BaseModel):
    model_config = ConfigDict(extra="ignore")
    pairs: list[FaqPair] = Field(min_length=1)

    @field_validator("pairs")
    @classmethod
    def _unique_ids(cls, pairs: list[FaqPair]) -> list[FaqPair]:
        seen = set()
        for pair in pairs:
            if pair.id in seen:
                raise ValueError(f"问答 id {pair.id!r} 重复")
            seen.add(pair.id)
        return pairs


_MESSAGES = {"missing": "缺少此字段", "string_too_short": "不能为空", "too_short": "不能为空",
             "extra_forbidden": "不认识的字段"}


def _explain(path: Path, data: dict, exc: ValidationError, list_key: str) -> str:
    """Every schema error as "文件：第 N 项「名称」字段 X（中文名）：原因", once per item and field."""
    lines: dict[str, str] = {}
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        where = ""
        if len(loc) >= 2 and loc[0] == list_key and isinstance(loc[1], int):
            entries = data.get(list_key) or []
            entry = entries[loc[1]] if loc[1] < len(entries) and isinstance(entries[loc[1]], dict) else {}
            name = entry.get("name") or entry.get("id") or ""
            where = f"第 {loc[1] + 1} 项" + (f"「{name}」" if name else "")
            loc = loc[2:]
        field = str(loc[0]) if loc else ""
        head = f"{path.name}：{where}" + (f"字段 {field}（{FIELDS.get(field, field)}）" if field else "")
        reason = _MESSAGES.get(error.get("type", ""), "类型不对（应为文字，或文字的列表）"
                               if "type" in error.get("type", "") or "_type" in error.get("type", "")
                               else error.get("msg", ""))
        lines.setdefault(head, f"{head}：{reason}")
    return "；".join(lines.values())


def _read(path: Path) -> dict:
    text = _decode(path.read_bytes(), path)
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        items = []
        for row in rows:
            item = {k.strip(): (v.strip() or None) for k, v in row.items() if k}
            for key in ("conditions", "materials", "basis"):
                if item.get(key):
                    item[key] = [p.strip() for p in re.split(r"[；;|]", item[key]) if p.strip()]
            items.append(item)
        return {"title": path.stem, "items": items}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LoadError(f"{path.name}：不是有效的 YAML：{exc}") from exc
    if not isinstance(data, dict):
        raise LoadError(f"{path.name}：顶层应为映射（title、items 或 pairs）")
    return data


def _bullets(value: list[str] | str | None) -> str:
    if not value:
        return "文件未载明"
    return "；".join(value) if isinstance(value, list) else value


def item_text(item: CatalogueItem, basis_labels: list[str]) -> str:
    lines = [item.name]
    for key in ("category", "summary"):
        if getattr(item, key):
            lines.append(f"{FIELDS[key]}：{getattr(item, key)}")
    for key in ("conditions", "materials", "time_limit", "fee", "channel", "contact"):
        lines.append(f"{FIELDS[key]}：{_bullets(getattr(item, key))}")
    if basis_labels:
        lines.append("依据：" + "；".join(basis_labels))
    return "\n".join(lines)


def load_catalogue(path: Path, doc_id: str, sha256: str) -> tuple[Document, list[tuple[CatalogueItem, Clause]]]:
    data = _read(path)
    try:
        catalogue = CatalogueFile.model_validate(data)
    except ValidationError as exc:
        raise LoadError(_explain(path, data, exc, "items")) from exc
    document = Document(id=doc_id, title=catalogue.title, issuer=catalogue.issuer, region=catalogue.region,
                        kind="catalogue", source=str(path), sha256=sha256, status="有效",
                        status_basis="本局整理的服务事项清单")
    out = []
    for n, item in enumerate(catalogue.items, start=1):
        slug = f"item{n}"
        clause = Clause(id=f"{doc_id}:{slug}", doc_id=doc_id, path=[catalogue.title, item.category or "服务事项", item.name],
                        label=item.name, heading=item.category or "", text=item_text(item, []), order=n)
        out.append((item, clause))
    return document, out


def check_basis(path_name: str, entries: list[tuple[str, list[str]]], known: dict, start: int = 1) -> list[str]:
    """Errors for basis entries that look like clause ids but name no clause of the knowledge base."""
    errors = []
    for n, (name, basis) in enumerate(entries, start=start):
        for value in basis:
            if CLAUSE_ID.match(value) and value not in known:
                errors.append(f"{path_name}：第 {n} 项「{name}」的字段 basis（依据）：条款 {value} 不存在")
    return errors


def load_faq(path: Path) -> list[FaqPair]:
    data = _read(path)
    try:
        return FaqFile.model_validate(data).pairs
    except ValidationError as exc:
        raise LoadError(_explain(path, data, exc, "pairs")) from exc
