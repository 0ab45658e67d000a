"""Index versions: every build goes into a new folder beside the live one, and a pointer file (CURRENT) is
swapped atomically when the build is complete. Readers always see a whole index, the old one or the new one;
a build killed at any moment leaves the previous index serving; two builds never interleave (a file lock).
"""
from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

POINTER = "CURRENT"
LOCK = ".build.lock"
# complete versions kept: the live one and the one before it, which a worker that has not noticed the swap yet
# may still be answering from (it loads the live one in the background at its next request). Every build
# cleans up, so uploads and deletes no longer pile versions up (26 versions, 181 MB in a test).
KEEP = 2
# what an index from before versions were kept left directly in the root
LEGACY = ("chroma", "lexical", "embedder", "manifest.json", "documents.json", "clauses.jsonl", "passages.jsonl",
          "terms.txt", "lexicon.json", "embedder.json", "items.json", "faq.json")


class BuildBusy(RuntimeError):
    """Another build of this index is running."""


class IndexVersions:
    def __init__(self, root: Path):
        self.root = root

    def current(self) -> Path | None:
        """The live version's folder, or None before the first build."""
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        path = self.root / name
        return path if name and path.is_dir() else None

    def current_name(self) -> str | None:
        current = self.current()
        return current.name if current else None

    def new_version(self) -> Path:
        path = self.root / f"v{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        path.mkdir(parents=True)
        return path

    def publish(self, version: Path) -> None:
        """Make `version` the live index: flush its files, then replace the pointer in one rename."""
        for file in version.rglob("*"):
            if file.is_file():
                with open(file, "rb") as fh:
                    os.fsync(fh.fileno())
        tmp = self.root / f".{POINTER}.{uuid.uuid4().hex[:6]}"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(version.name)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / POINTER)
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def cleanup(self, on_delete=None) -> None:
        """Delete unfinished builds (a build that died) and old versions nobody can still be reading.

        Call it while holding the build lock: then no build is running and an unfinished folder is dead."""
        live = self.current_name()
        versions = sorted((p for p in self.root.glob("v*") if p.is_dir()), key=lambda p: p.name, reverse=True)
        # newest first by when they were finished (two builds within one second share the name's timestamp)
        complete = sorted((p for p in versions if (p / "manifest.json").exists()),
                          key=lambda p: (p / "manifest.json").stat().st_mtime_ns, reverse=True)
        keep = {live, *[p.name for p in complete if p.name != live][:KEEP - 1]}
        for path in versions:
            if path.name in keep:
                continue
            if on_delete is not None:
                on_delete(path)  # e.g. the version's collection on a chroma server
            shutil.rmtree(path, ignore_errors=True)
        for tmp in self.root.glob(f".{POINTER}.*"):
            tmp.unlink(missing_ok=True)
        for legacy in LEGACY:  # an index from before versions were kept, directly in the root
            path = self.root / legacy
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()

    @contextmanager
    def build_lock(self, wait: bool = True):
        """Held for a whole build. With wait=False a second build is refused (BuildBusy)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError as exc:
                raise BuildBusy("另一个索引重建正在进行，请稍后再试。") from exc
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
