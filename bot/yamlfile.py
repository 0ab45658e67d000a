"""The staff-kept YAML files under knowledge/ (synonyms, question kinds, word lists, off-task list) are read one way.

A knowledge folder may carry its own copy of a word list shipped with the software (transcripts.yaml,
followups.yaml, claims.yaml, offtask.yaml). `own_over_shipped` lays the bureau's copy over the shipped one:
what the bureau's copy says wins, what it does not say (a section or a key added to the software later) is the
shipped one's. A key present but empty (`number_cues: []`) is the bureau's: it switches that list off.
"""
from __future__ import annotations

from pathlib import Path

import yaml


class KnowledgeFileError(ValueError):
    """A staff-kept file of the knowledge folder is malformed; the message names the file and the key. `file` is
    the file's name (what a caller may be told); each file's error is a subclass that sets it."""

    file: str = ""


# how to fix a malformed key, said after what is wrong with it
FIX = "请按随软件发布的同名文件改正，或删去这一项以沿用发布的内容"


def read_yaml(path: Path, error: type[Exception]) -> dict:
    """The file's mapping ({} when empty); a syntax error, or a file that is no mapping, is raised as `error`,
    naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise error(f"{path}: 不是有效的 YAML：{exc}") from exc
    if not isinstance(data, dict):
        raise error(f"{path}: 应为“键: 值”的映射，而不是 {type(data).__name__}；{FIX}")
    return data


def over(own: dict, shipped: dict, depth: int) -> dict:
    """`own` laid over `shipped`: each key `own` lacks is `shipped`'s; with depth 2 also each key inside a section
    (a mapping) both have. A key `own` has is its own, even empty ([] or ""); a section left empty (`asking:`
    with every key commented out) says nothing, so its keys are the shipped ones."""
    merged = dict(shipped)
    for key, value in own.items():
        inner = shipped.get(key)
        if depth > 1 and isinstance(inner, dict) and (value is None or isinstance(value, dict)):
            value = over(value or {}, inner, depth - 1)
        merged[key] = value
    return merged


def own_over_shipped(knowledge_dir: Path | None, name: str, shipped: Path, error: type[Exception],
                     depth: int) -> tuple[dict, str]:
    """The knowledge folder's own copy of a staff-kept file laid over the one shipped with the software (`depth`
    1: per key; 2: per section and per key inside a section), and the file to name in an error (the bureau's
    copy if it has one: what is wrong after the merge came from it)."""
    data = read_yaml(shipped, error)
    own = knowledge_dir / name if knowledge_dir is not None else None
    if own is None or not own.exists() or own.resolve() == shipped.resolve():
        return data, str(shipped)
    return over(read_yaml(own, error), data, depth), str(own)


def phrase_list(data: dict, keys: tuple[str, ...], source: str, error: type[Exception]) -> list[str]:
    """The non-empty strings listed at data[keys[0]][keys[1]]…; anything else is raised as `error`, naming the key."""
    value = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise error(f"{source}: {'.'.join(keys)} 应为非空字符串的列表（如 [甲, 乙]；[] 表示不用）；{FIX}")
    return value
