"""One index version on several machines: a build is published to the shared folder with a pointer (the
folder's CURRENT, or a row in PostgreSQL), every machine follows it within seconds, and a machine that cannot
load a new version keeps answering from the old one and says so in /healthz."""
import shutil
import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.service import Assistant
from bot.store.shared_index import DbPointer, Follower, SharedIndex, shared_index
from bot.store.versions import IndexVersions
from tests.conftest import LiveServer, live, make_settings

QUESTION = "江苏怎么提升知识产权代理服务质量"


def built_elsewhere(settings, machine: Path, name: str) -> Path:
    """A machine whose latest build is a copy of the session's index under the (later) name `name`."""
    versions = IndexVersions(machine / "index")
    versions.root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(live(settings), versions.root / name)
    versions.publish(versions.root / name)
    return versions.root / name


def machine(tmp_path: Path, name: str, shared: Path, **overrides):
    return make_settings(tmp_path / name, shared_index_dir=shared, index_poll_seconds=0.2, **overrides)


@pytest.fixture(params=["file", "postgres"])
def pointer_settings(request, tmp_path):
    """Overrides for both machines: the pointer in the shared folder, or in a shared PostgreSQL database."""
    if request.param == "file":
        return {}
    return {"database_url": SecretStr(request.getfixturevalue("postgres_url"))}


def test_a_build_is_followed_by_the_other_machine(settings, tmp_path, pointer_settings):
    shared = tmp_path / "shared"
    a, b = (machine(tmp_path, n, shared, **pointer_settings) for n in "ab")
    built_elsewhere(settings, a.data_dir, "v20990101000000-aaaaaa")
    index_a, index_b = shared_index(a, IndexVersions(a.index_dir)), shared_index(b, IndexVersions(b.index_dir))
    assert index_b.sync() is None  # nothing published yet: nothing to follow
    assert index_a.sync() == "v20990101000000-aaaaaa"  # the newer local build is published
    assert (shared / "v20990101000000-aaaaaa" / "manifest.json").exists()
    if pointer_settings:
        assert isinstance(index_a.pointer, DbPointer) and index_b.pointer.get() == "v20990101000000-aaaaaa"
    assert index_b.sync() == "v20990101000000-aaaaaa"
    assert IndexVersions(b.index_dir).current_name() == "v20990101000000-aaaaaa"
    one, two = Assistant(a).ask(QUESTION), Assistant(b).ask(QUESTION)
    assert [c.clause_id for c in one.citations] == [c.clause_id for c in two.citations] and one.grounded
    # an older build on a machine that lagged behind is never published over a newer one
    built_elsewhere(settings, b.data_dir, "v20000101000000-bbbbbb")
    assert index_b.sync() == "v20990101000000-aaaaaa"
    assert IndexVersions(b.index_dir).current_name() == "v20990101000000-aaaaaa"


def test_a_serving_machine_follows_within_seconds_and_keeps_a_version_it_cannot_load(settings, tmp_path):
    from bot.api.app import create_app

    shared = tmp_path / "shared"
    a, b = machine(tmp_path, "a", shared), machine(tmp_path, "b", shared)
    built_elsewhere(settings, a.data_dir, "v20990101000000-aaaaaa")
    builder = SharedIndex(shared, IndexVersions(a.index_dir))
    builder.sync()
    with LiveServer(create_app(b)) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        health = wait_for(client, lambda h: h["index_version"] == "v20990101000000-aaaaaa")
        assert health["status"] == "ok"
        assert client.post("/v1/ask", json={"question": QUESTION}).json()["grounded"]
        # the next build is broken on the way (its records cannot be read): b keeps answering from the first
        broken = built_elsewhere(settings, a.data_dir, "v20990102000000-cccccc")
        (broken / "documents.json").write_text("{not json", encoding="utf-8")
        builder.sync()
        health = wait_for(client, lambda h: h["status"] == "degraded")
        assert health["index_version"] == "v20990101000000-aaaaaa"
        assert health["index_problem"]["version"] == "v20990102000000-cccccc"
        assert client.post("/v1/ask", json={"question": QUESTION}).json()["grounded"]
        # a good build after it is followed, and the problem is gone
        built_elsewhere(settings, a.data_dir, "v20990103000000-dddddd")
        builder.sync()
        health = wait_for(client, lambda h: h["index_version"] == "v20990103000000-dddddd")
        assert health["status"] == "ok" and health.get("index_problem") is None


def test_a_version_missing_from_the_shared_folder_is_reported(settings, tmp_path):
    shared = tmp_path / "shared"
    b = machine(tmp_path, "b", shared)
    shared.mkdir()
    (shared / "CURRENT").write_text("v20990101000000-gone00")
    follower = Follower(SharedIndex(shared, IndexVersions(b.index_dir)), 60)
    follower.step()
    assert follower.problem["version"] == "v20990101000000-gone00" and "FileNotFoundError" in follower.problem["error"]
    assert IndexVersions(b.index_dir).current() is None


def wait_for(client, condition, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        health = client.get("/healthz").json()
        if condition(health):
            return health
        assert time.monotonic() < deadline, health
        time.sleep(0.1)
