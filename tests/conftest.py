"""Shared fixtures: a real index built from knowledge/ into a temporary data directory, a real server."""
from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
import uvicorn

from bot.config import Settings
from bot.service import Assistant
from evals.server import free_port
from ingest.build import ingest

pytest_plugins = ["tests.servers"]  # PostgreSQL, Redis and chroma servers on 127.0.0.1

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
SHARED = ROOT.parent / "shared" / "corpus"


def live(settings: Settings) -> Path:
    """The folder of the index version now live."""
    from bot.store.versions import IndexVersions

    current = IndexVersions(settings.index_dir).current()
    assert current is not None, "no index built"
    return current


def left_out(clause_text: str, message: str) -> list[str]:
    """The sentences (and list items) of a cited clause a message does not quote, compared without their item
    numbers, punctuation and spaces: an answer quotes the clause's best sentences (HOTLINE_LEAD_SENTENCES) and the
    whole clause stays behind its citation."""
    from bot.models import Clause
    from bot.retrieve.sentences import units, unnumbered

    def bare(text: str) -> str:
        return re.sub(r"[\s。；，、：:;,.]", "", text)

    said = bare(message)
    pieces = [(u.text, bare(unnumbered(u.text))) for u in units(Clause(id="x:c", doc_id="x", label="", text=clause_text))]
    return [text for text, piece in pieces if piece and piece not in said]


def make_settings(data_dir: Path, knowledge_dir: Path = KNOWLEDGE, **overrides) -> Settings:
    """Settings for a test: the offline embedder, and no rate limits (the tests ask many questions quickly;
    the limits have tests of their own)."""
    defaults = {"embedder": "fitted", "rate_limit": "off", "hotline_rate_limit": "off", "admin_rate_limit": "off",
                "sessions_per_client": "off"}
    return Settings(data_dir=data_dir, knowledge_dir=knowledge_dir, _env_file=None, **{**defaults, **overrides})


def ingest_policies(root: Path, policies: dict[str, str]) -> Settings:
    """A knowledge base of these policy texts (by file stem) and the bureau's lexicon, ingested under `root`."""
    (root / "knowledge" / "policies").mkdir(parents=True)
    for name, text in policies.items():
        (root / "knowledge" / "policies" / f"{name}.txt").write_text(text, encoding="utf-8")
    shutil.copy(KNOWLEDGE / "synonyms.yaml", root / "knowledge")  # the synonyms and the place names
    settings = make_settings(root / "var", root / "knowledge")
    ingest([root / "knowledge"], settings, progress=False)
    return settings


def tuned(**values):
    """The shipped ranking file with some retrieval constants changed (a crowded candidate list, no damping)."""
    from dataclasses import replace

    from bot.retrieve.rank import Ranking

    shipped = Ranking.load()
    return replace(shipped, retrieval=replace(shipped.retrieval, **values))


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    """The bureau's knowledge base, ingested once for the whole session with the offline default."""
    s = make_settings(tmp_path_factory.mktemp("var"))
    summary = ingest([s.knowledge_dir], s, progress=False)
    assert summary.documents == 6 and summary.faq == 5 and not summary.skipped  # 4 policies, 2 catalogues
    return s


@pytest.fixture(scope="session")
def assistant(settings) -> Assistant:
    return Assistant(settings)


class LiveServer:
    """The real app served by uvicorn on 127.0.0.1, in a thread of the test process."""

    def __init__(self, app, **options):
        """`options`: more uvicorn.Config arguments (bot.api.server.uvicorn_options for `hotline serve`'s own)."""
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    timeout_graceful_shutdown=1, **options))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


ADMIN_TOKEN = "test-admin-token-0123456789abcdef"
OPERATOR_TOKEN = "test-operator-token-9876543210fedcba"
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}  # the headers of a hotline operator's requests
WIDGET_SITE = "http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def site_port() -> int:
    """The port of a second origin (a bureau's website) that embeds the widget."""
    return free_port()


@pytest.fixture(scope="session")
def app_settings(settings, site_port):
    return settings.model_copy(update={"admin_token": SecretStr(ADMIN_TOKEN),
                                       "operator_tokens": SecretStr(f"12345热线:{OPERATOR_TOKEN}"),
                                       "allowed_origins": WIDGET_SITE.format(port=site_port)})


def served_with_files(settings: Settings, folder: Path, files: dict[str, str]) -> LiveServer:
    """The real app over the session's index, its knowledge folder holding the bureau's own copies of these word
    lists (name → YAML text) beside the shipped synonyms (its regions)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(KNOWLEDGE / "synonyms.yaml", folder)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    from bot.api.app import create_app

    return LiveServer(create_app(settings.model_copy(update={"knowledge_dir": folder})))


@pytest.fixture(scope="session")
def server(app_settings):
    from bot.api.app import create_app

    with LiveServer(create_app(app_settings)) as live:
        yield live


@pytest.fixture()
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c
