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
