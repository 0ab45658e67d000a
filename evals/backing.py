"""The servers several machines share, started here on 127.0.0.1 in temporary folders, for the tests and the
benchmarks: PostgreSQL (Debian's `postgresql`), Redis (`redis-server`) and chroma (`chroma run`, from the
chromadb package)."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from evals.server import free_port


class Missing(RuntimeError):
    """The program a server needs is not installed."""


CHROMA = Path(sys.executable).parent / "chroma"


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    return Path(on_path).parent if on_path else None


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start in {seconds}s")
        time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Postgres:
    """A throwaway cluster: initdb in a temporary folder, `postgres` on 127.0.0.1, run as an unprivileged user
    (PostgreSQL refuses to run as root; `nobody` when the tests run as root)."""

    def __init__(self) -> None:
        bindir = postgres_bin()
        if bindir is None:
            raise Missing("PostgreSQL is not installed (apt-get install postgresql; .ci/run does it)")
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.user = "nobody" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(self.folder, self.user)
        self.port = free_port()
        data = self.folder / "data"
        subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", "hotline", "--auth=trust", "-E", "UTF8",
                        "--locale=C.UTF-8", "--no-sync"], check=True, capture_output=True, user=self.user)
        self.process = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(self.port),
             "-k", str(self.folder), "-c", "fsync=off", "-c", "max_connections=200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, user=self.user)
        wait_until(lambda: subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                          capture_output=True).returncode == 0, self.process, "postgres")

    def create_database(self, name: str) -> str:
        subprocess.run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "hotline",
                        name], check=True, capture_output=True)
        return f"postgresql://hotline@127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        stop(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise Missing("redis-server is not installed (apt-get install redis-server; .ci/run does it)")
        self.folder = Path(tempfile.mkdtemp(prefix="hotline-redis-"))
        self.port = free_port()
        self.process = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", str(self.folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: _accepts(self.port), self.process, "redis-server")
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def close(self) -> None:
        stop(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


class Chroma:
    def __init__(self, path: Path) -> None:
        if not CHROMA.exists():
            raise Missing("the `chroma` command of the chromadb package is missing")
        self.port = free_port()
        self.process = subprocess.Popen([str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port",
                                         str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"

        def ready() -> bool:
            try:
                return httpx.get(f"{self.url}/api/v2/heartbeat", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, self.process, "chroma run")

    def close(self) -> None:
        stop(self.process)
