"""One index version for several machines (HOTLINE_SHARED_INDEX_DIR).

A machine that builds (`hotline ingest`, an upload, a reindex) publishes the version locally as before; then
its files are copied to the shared folder (under a temporary name, renamed when whole) and the live version
is recorded: in the shared database when HOTLINE_DATABASE_URL is set, else in the shared folder's CURRENT.
Every machine follows that pointer every few seconds: it copies the version to its own index folder and
publishes it there, and its workers load it as they load a local build. A version that cannot be copied or
loaded leaves the machine on the one it serves, and /healthz says so.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Protocol

from bot.store.versions import BuildBusy, IndexVersions

log = logging.getLogger("hotline")
MANIFEST = "manifest.json"  # written last by a build: a version folder without it is not whole


class Pointer(Protocol):
    def get(self) -> str | None: ...

    def set(self, name: str) -> None: ...


class FilePointer:
    """The CURRENT file of the shared folder (swapped atomically, like a local index's)."""

    def __init__(self, folder: Path):
        self.versions = IndexVersions(folder)

    def get(self) -> str | None:
        try:
            return (self.versions.root / "CURRENT").read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def set(self, name: str) -> None:
        self.versions.publish(self.versions.root / name)


class DbPointer:
    """One row of the shared database (table index_pointer), when HOTLINE_DATABASE_URL is set."""

    NAME = "live"

    def __init__(self, engine):
        import sqlalchemy as sa

        self.engine = engine
        self.table = sa.table("index_pointer", sa.column("name"), sa.column("version"), sa.column("updated"))

    def get(self) -> str | None:
        import sqlalchemy as sa

        with self.engine.connect() as db:
            return db.execute(sa.select(self.table.c.version).where(self.table.c.name == self.NAME)).scalar()

    def set(self, name: str) -> None:
        t = self.table
        with self.engine.begin() as db:
            if db.execute(t.update().where(t.c.name == self.NAME).values(version=name, updated=time.time())).rowcount:
                return
            db.execute(t.insert().values(name=self.NAME, version=name, updated=time.time()))


def _whole(folder: Path) -> bool:
    return (folder / MANIFEST).exists()


def _copy(source: Path, target: Path) -> None:
    """Copy a version folder so that `target` appears whole or not at all."""
    if _whole(target):
        return
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex[:6]}"
    try:
        shutil.copytree(source, tmp)
        if not _whole(tmp):
            raise FileNotFoundError(f"{source} 不完整（没有 {MANIFEST}）")
        try:
            os.rename(tmp, target)
        except OSError:
            if not _whole(target):  # not someone else's copy finished first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class SharedIndex:
    def __init__(self, folder: Path, local: IndexVersions, pointer: Pointer | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.local = local
        self.pointer = pointer or FilePointer(folder)
        self.files = FilePointer(folder)

    def wanted(self) -> str | None:
        """The version every machine should serve."""
        return self.pointer.get()

    def publish(self, version: Path) -> None:
        """Copy a version built here to the shared folder and make it the one every machine serves."""
        _copy(version, self.folder / version.name)
        self.files.set(version.name)  # the folder's own pointer too: its cleanup keeps what is live
        if self.pointer is not self.files:
            self.pointer.set(version.name)
        log.info("index version %s published to the shared folder", version.name)
        try:
            self.files.versions.cleanup()
        except OSError as exc:  # another machine cleaning at the same moment
            log.warning("shared index cleanup: %s", exc)

    def sync(self) -> str | None:
        """One step of following: publish a newer local build, or bring the wanted version here and make it
        live. Returns the version now live here. Raises when the wanted version cannot be brought here."""
        wanted, live = self.wanted(), self.local.current()
        if live is not None and live.name != wanted and not (self.folder / live.name).exists() \
                and (wanted is None or live.name > wanted):
            # built on this machine (by the CLI, an upload or a reindex) and newer than what is shared
            self.publish(live)
            return live.name
        if wanted is None or (live is not None and live.name == wanted):
            return wanted
        target = self.local.root / wanted
        if not _whole(target):
            with self.local.build_lock(wait=False):  # one worker of this machine copies; the others wait a tick
                _copy(self.folder / wanted, target)
        self.local.publish(target)
        log.info("index version %s followed from the shared folder", wanted)
        return wanted


class Follower:
    """A thread that calls `sync` every few seconds; `problem` says why the wanted version is not live here."""

    def __init__(self, shared: SharedIndex, seconds: float, on_synced=None):
        self.shared, self.seconds, self.on_synced = shared, seconds, on_synced
        self.problem: dict | None = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="index-follower")

    def start(self) -> "Follower":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=10)

    def step(self) -> None:
        try:
            self.shared.sync()
            self.problem = None
        except BuildBusy:
            return  # a build or another worker's copy here: next time
        except Exception as exc:
            wanted = self._wanted()
            if self.problem is None or self.problem["version"] != wanted:  # said once per version
                log.error("index version %s could not be brought here: %s", wanted, exc)
                self.problem = {"version": wanted, "error": f"{type(exc).__name__}: {exc}", "since": time.time()}
            return
        if self.on_synced is not None:
            self.on_synced()

    def _wanted(self) -> str | None:
        try:
            return self.shared.wanted()
        except Exception:
            return None

    def _run(self) -> None:
        while True:  # at once at start-up: a new machine fetches the live version before its first question
            self.step()
            if self._stop.wait(self.seconds):
                return


def shared_index(settings, versions: IndexVersions) -> SharedIndex:
    """The shared folder of HOTLINE_SHARED_INDEX_DIR, with the pointer in the database when it is PostgreSQL."""
    url = settings.database_url.get_secret_value()
    pointer = None
    if url:
        from bot.store.db import database_url, make_engine, migrate

        engine = make_engine(database_url(url, settings.data_dir), pool_size=1, max_overflow=1)
        migrate(engine)
        pointer = DbPointer(engine)
    return SharedIndex(settings.shared_index_dir, versions, pointer)
