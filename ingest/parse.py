"""One file → its document and clauses; many files in parallel processes.

Parsing is pure Python (normalising, finding the header, cutting the clause tree), about 2 ms a document:
at ten thousand documents that is worth both cores. The workers are spawned, not forked, because an
ingest may run inside the serving process, whose threads a fork would copy in the middle of their work.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tqdm import tqdm

from bot.models import CatalogueItem, Clause, Document
from ingest.catalogue import load_catalogue
from ingest.loaders import LoadError, load
from ingest.metadata import extract
from ingest.normalise import normalise
from ingest.structure import build_clauses

PARALLEL_FROM = 200  # below this many files, starting the processes costs more than it saves


@dataclass
class Task:
    path: Path
    kind: str  # policy or catalogue
    doc_id: str
    sha256: str


@dataclass
class Parsed:
    document: Document | None = None
    clauses: list[Clause] | None = None
    items: dict[str, CatalogueItem] | None = None  # clause id → its catalogue item
    error: str | None = None  # why the file was skipped, in Chinese


def parse(task: Task, today: date) -> Parsed:
    """Parse one file; a file that cannot be read gives a Parsed with its error instead of raising."""
    try:
        items: dict[str, CatalogueItem] = {}
        if task.kind == "catalogue":
            document, entries = load_catalogue(task.path, task.doc_id, task.sha256)
            clauses = [clause for _, clause in entries]
            items = {clause.id: item for item, clause in entries}
        else:
            text, paragraphs = normalise(load(task.path).text)
            document, header = extract(task.doc_id, text, paragraphs, str(task.path), task.sha256, today)
            clauses = build_clauses(task.doc_id, text, paragraphs, header)
        if not clauses:
            raise LoadError("没有识别出任何条款")
    except LoadError as exc:
        return Parsed(error=str(exc))
    return Parsed(document=document, clauses=clauses, items=items)


def parse_all(tasks: list[Task], today: date, progress: bool = False, processes: int | None = None,
              parallel_from: int = PARALLEL_FROM) -> list[Parsed]:
    """Parse files in order; in parallel processes when there are many and more than one core."""
    processes = processes or min(4, os.cpu_count() or 1)
    job = functools.partial(parse, today=today)
    with tqdm(total=len(tasks), desc="解析文档", unit="份", disable=not progress or not tasks) as bar:
        def collect(parsed: Iterable[Parsed]) -> list[Parsed]:
            results = []
            for one in parsed:
                results.append(one)
                bar.update()
            return results

        if processes < 2 or len(tasks) < parallel_from:
            return collect(map(job, tasks))
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            return collect(pool.imap(job, tasks, chunksize=32))
