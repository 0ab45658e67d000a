"""The staff-kept YAML files under knowledge/ (synonyms, question kinds, off-task list) are read one way."""
from __future__ import annotations

from pathlib import Path

import yaml


def read_yaml(path: Path, error: type[Exception]) -> dict:
    """The file's mapping ({} when empty); a syntax error is raised as `error`, naming the file."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise error(f"{path}: 不是有效的 YAML：{exc}") from exc


def own_or_shipped(knowledge_dir: Path, name: str, shipped: Path) -> Path:
    """The knowledge folder's own copy of a staff-kept file, or the one shipped with the software."""
    own = knowledge_dir / name
    return own if own.exists() else shipped


def phrase_list(data: dict, keys: tuple[str, ...], source: str, error: type[Exception]) -> list[str]:
    """The non-empty strings listed at data[keys[0]][keys[1]]…; anything else is raised as `error`, naming the key."""
    value = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise error(f"{source}: {'.'.join(keys)} 应为非空字符串的列表")
    return value
