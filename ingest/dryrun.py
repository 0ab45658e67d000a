"""Parse one upload exactly as ingest will, in a child process with a memory limit (the parent sets the time).

A crafted PDF or HTML page can ask a parser for minutes or gigabytes; here that costs a child process that is
killed, not the server or the build lock. Run as `python -m ingest.dryrun FILE FOLDER MB`; prints one JSON
object: {"error": reason or null}.
"""
from __future__ import annotations

import json
import resource
import sys
from datetime import date
from pathlib import Path

from ingest.catalogue import load_faq
from ingest.loaders import LoadError
from ingest.parse import Task, parse


def check(path: Path, folder: str) -> str | None:
    """Why the file cannot be ingested, or None."""
    if folder == "faq":
        try:
            load_faq(path)
        except LoadError as exc:
            return str(exc)
        return None
    return parse(Task(path, "catalogue" if folder == "catalogue" else "policy", path.stem, ""), date.today()).error


def _limit_memory(megabytes: int) -> None:
    """What is mapped now (the interpreter and the parsers, imported above) plus `megabytes`."""
    with open("/proc/self/statm") as fh:
        mapped = int(fh.read().split()[0]) * resource.getpagesize()
    limit = mapped + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(argv: list[str]) -> int:
    path, folder, megabytes = Path(argv[0]), argv[1], int(argv[2])
    _limit_memory(megabytes)
    try:
        error = check(path, folder)
    except MemoryError:
        error = f"解析所需内存超过 {megabytes} MB 的上限，文件过于复杂"
    except RecursionError:
        error = "文件结构嵌套过深，无法解析"
    except Exception as exc:  # a parser's own bug on a hostile file is the file's rejection, not the server's 500
        error = f"解析出错（{type(exc).__name__}）"
    print(json.dumps({"error": error}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
