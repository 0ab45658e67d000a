"""State shared by workers and machines: claims, values with an expiry and locks, the rate limits and the
WeChat access token, against this process's memory and a real redis-server on 127.0.0.1."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from pydantic import SecretStr

from bot.api.limits import RateLimiter
from bot.channels.wechat.client import WeChatAPI
from bot.store.shared import MemoryState, RedisState, shared_state
from tests import fake_wechat
from tests.conftest import LiveServer
from tests.test_wechat import wechat_api  # noqa: F401 (the fake WeChat API server, a fixture)


@pytest.fixture(params=["memory", "redis"])
def state_factory(request):
    """Makes the state of one process: a new memory each time, or a new client of the same Redis."""
    if request.param == "memory":
        return MemoryState
    url = request.getfixturevalue("redis_url")
    return lambda: RedisState(url)


def test_the_shared_state_contract(state_factory):
    state = state_factory()
    assert state.claim("wechat:msg:1", ttl=0.5) and not state.claim("wechat:msg:1", ttl=0.5)
    assert state.claim("wechat:msg:2", ttl=0.5)  # another key
    assert state.get("token") is None
    state.set("token", "T1", ttl=0.5)
    assert state.get("token") == "T1"
    time.sleep(0.6)
    assert state.get("token") is None and state.claim("wechat:msg:1", ttl=0.5)  # both expired
    order = []

    def hold(name):
        with state.lock("refresh", timeout=5):
            order.append(f"{name}+")
            time.sleep(0.1)
            order.append(f"{name}-")

    threads = [threading.Thread(target=hold, args=(n,)) for n in "ab"]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert order[0][0] == order[1][0] and order[2][0] == order[3][0]  # never interleaved


def test_processes_share_claims_only_through_redis(redis_url):
    one, two = RedisState(redis_url), RedisState(redis_url)
    assert one.claim("wechat:msg:7", ttl=60) and not two.claim("wechat:msg:7", ttl=60)
    memory_one, memory_two = MemoryState(), MemoryState()
    assert memory_one.claim("wechat:msg:7", ttl=60) and memory_two.claim("wechat:msg:7", ttl=60)  # the cost
    assert isinstance(shared_state(""), MemoryState) and isinstance(shared_state(redis_url), RedisState)


def test_a_limit_counts_in_a_moving_window_with_the_wait(state_factory):
    limiter = RateLimiter("3/second", state_factory(), "public")
    assert [limiter.hit("1.2.3.4") for _ in range(3)] == [None] * 3
    wait = limiter.hit("1.2.3.4")
    assert wait is not None and 0 < wait <= 1
    assert limiter.hit("5.6.7.8") is None  # another client
    assert RateLimiter("3/second", state_factory(), "hotline").hit("1.2.3.4") is None  # another limit
    time.sleep(wait + 0.05)
    assert limiter.hit("1.2.3.4") is None
    assert not RateLimiter("off").enabled and RateLimiter("off").hit("x") is None


def test_a_limit_holds_across_processes_only_with_redis(redis_url):
    """N+1 requests spread over two workers: one refused with Redis; none refused in memory (each counts alone)."""
    shared = [RateLimiter("5/minute", RedisState(redis_url), "public") for _ in range(2)]
    assert sum(shared[i % 2].hit("9.9.9.9") is not None for i in range(6)) == 1
    apart = [RateLimiter("5/minute", MemoryState(), "public") for _ in range(2)]
    assert sum(apart[i % 2].hit("9.9.9.9") is not None for i in range(6)) == 0


def test_an_unreachable_redis_limits_in_memory_and_never_fails(free_redis_url, caplog):
    limiter = RateLimiter("2/minute", RedisState(free_redis_url), "public")
    assert [limiter.hit("1.1.1.1") is None for _ in range(3)] == [True, True, False]
    assert "rate limit store unavailable" in caplog.text


@pytest.fixture()
def free_redis_url():
    from evals.server import free_port

    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


def test_two_apps_on_one_redis_refuse_the_extra_request_once(settings, redis_url):
    """Two 'machines' (apps) behind a load balancer: 3/minute holds across both."""
    from bot.api.app import create_app

    limited = settings.model_copy(update={"rate_limit": "3/minute", "redis_url": SecretStr(redis_url)})
    with LiveServer(create_app(limited)) as one, LiveServer(create_app(limited)) as two:
        codes = [httpx.get(f"{(one, two)[i % 2].url}/v1/documents", timeout=60).status_code for i in range(4)]
    assert sorted(codes) == [200, 200, 200, 429]


def test_one_process_fetches_the_access_token_for_all(wechat_api, redis_url):
    """Two processes' clients, 16 threads asking at once: one fetch with Redis (the lock), then reused."""
    fetches = wechat_api.state.fetches
    clients = [WeChatAPI(wechat_api.url, fake_wechat.APPID, fake_wechat.SECRET, state=RedisState(redis_url))
               for _ in range(2)]
    with ThreadPoolExecutor(16) as pool:
        tokens = set(pool.map(lambda i: clients[i % 2].access_token(), range(16)))
    assert len(tokens) == 1 and wechat_api.state.fetches == fetches + 1
    # WeChat expires it early: the first client to be refused fetches one new token, the other reuses it
    httpx.post(f"{wechat_api.url}/control/expire")
    clients[0].send_text("oUser1", "一")
    clients[1].send_text("oUser1", "二")
    assert wechat_api.state.fetches == fetches + 2
    assert [m["text"]["content"] for m in wechat_api.state.messages[-2:]] == ["一", "二"]


def test_in_memory_each_process_fetches_its_own_token(wechat_api):
    fetches = wechat_api.state.fetches
    clients = [WeChatAPI(wechat_api.url, fake_wechat.APPID, fake_wechat.SECRET) for _ in range(2)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: clients[i % 2].access_token(), range(8)))
    assert wechat_api.state.fetches == fetches + 2  # what running without Redis costs
