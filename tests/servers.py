"""Real servers for the tests, started on 127.0.0.1 in temporary folders (evals/backing.py): PostgreSQL,
Redis and chroma. A test that needs one is skipped, saying why, only when its program is not installed;
`.ci/run` installs them, so CI never skips."""
from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from evals.backing import Chroma, Missing, Postgres, Redis


def started(server_class, *args):
    try:
        return server_class(*args)
    except Missing as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    server = started(Postgres)
    yield server
    server.close()


_databases = itertools.count(1)


@pytest.fixture()
def postgres_url(postgres) -> str:
    """A new empty database for each test."""
    return postgres.create_database(f"test{next(_databases)}")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    server = started(Redis)
    yield server
    server.close()


@pytest.fixture()
def redis_url(redis_server) -> str:
    """The session's Redis, emptied for each test."""
    import redis

    redis.Redis.from_url(redis_server.url).flushall()
    return redis_server.url


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> Iterator[str]:
    server = started(Chroma, tmp_path_factory.mktemp("chroma"))
    yield server.url
    server.close()
