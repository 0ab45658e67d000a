"""The HTTP edge (issue 16, findings 4, 9 and 10): who the client is behind a proxy, failed admin logins,
security headers, the Host header, what /docs shows, and slow clients. Real servers on 127.0.0.1, real sockets."""
import functools
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from pydantic import SecretStr

from bot.api.limits import client_key
from bot.api.server import uvicorn_options
from tests.conftest import ADMIN_TOKEN, ROOT, LiveServer, free_port

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
get = functools.partial(httpx.get, timeout=60)  # a fresh server loads its index first, on a shared machine


def serve(settings, protocol: str = "auto", **update):
    """The app as `hotline serve` runs it (its uvicorn options too); protocol "h11" for uvicorn without httptools."""
    from bot.api.app import create_app
    from bot.api.server import H11HeaderDeadline

    settings = settings.model_copy(update=update)
    options = uvicorn_options(settings)
    if protocol == "h11":
        options["http"] = functools.partial(H11HeaderDeadline, header_timeout=settings.header_timeout)
    return LiveServer(create_app(settings), **options)


# -- who the client is ----------------------------------------------------------------------------------------

def scope(peer: str, *forwarded: str) -> dict:
    return {"client": (peer, 50000), "headers": [(b"x-forwarded-for", f.encode()) for f in forwarded]}


@pytest.mark.parametrize("trust, proxies, request_scope, expected", [
    (False, "127.0.0.1", scope("127.0.0.1", "1.2.3.4"), "127.0.0.1"),  # setting off: the header is not read
    (True, "127.0.0.1", scope("127.0.0.1", "6.6.6.6, 203.0.113.7"), "203.0.113.7"),  # right-most, not the first
    (True, "127.0.0.1", scope("127.0.0.1", "6.6.6.6", "203.0.113.7"), "203.0.113.7"),  # two header lines
    (True, "127.0.0.1,10.0.0.0/8", scope("127.0.0.1", "6.6.6.6, 203.0.113.7, 10.1.2.3"), "203.0.113.7"),  # 2 proxies
    (True, "127.0.0.1", scope("198.51.100.9", "1.2.3.4"), "198.51.100.9"),  # the peer is no proxy: header ignored
    (True, "10.0.0.0/8", scope("127.0.0.1", "1.2.3.4"), "127.0.0.1"),
    (True, "127.0.0.1", scope("127.0.0.1", "not-an-address"), "127.0.0.1"),
    (True, "127.0.0.1", scope("127.0.0.1"), "127.0.0.1"),
    (True, "::1", scope("::1", "2001:db8::1"), "2001:db8::1"),
])
def test_client_key(settings, trust, proxies, request_scope, expected):
    assert client_key(request_scope, settings.model_copy(update={"trust_proxy": trust,
                                                                  "trusted_proxies": proxies})) == expected


def test_a_rotating_first_hop_does_not_escape_the_limit(settings):
    with serve(settings, rate_limit="3/minute", trust_proxy=True, trusted_proxies="127.0.0.1") as live:
        codes = [get(f"{live.url}/v1/documents",
                           headers={"X-Forwarded-For": f"10.9.{i}.{i}, 203.0.113.7"}).status_code for i in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        other = get(f"{live.url}/v1/documents", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.8"})
        assert other.status_code == 200  # another client behind the same proxy has its own allowance


def test_hotline_serve_does_not_take_the_clients_forwarded_for(settings):
    """uvicorn's own proxy-header handling trusted any client on 127.0.0.1 (its default forwarded-allow-ips)."""
    port = free_port()
    env = {**os.environ, "HOTLINE_DATA_DIR": str(settings.data_dir), "HOTLINE_KNOWLEDGE_DIR": str(settings.knowledge_dir),
           "HOTLINE_EMBEDDER": "fitted", "HOTLINE_RATE_LIMIT": "3/minute", "PYTHONPATH": str(ROOT)}
    env.pop("FORWARDED_ALLOW_IPS", None)
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.monotonic() < deadline, "hotline serve did not start"
                time.sleep(0.2)
        codes = [get(f"http://127.0.0.1:{port}/v1/documents", headers={"X-Forwarded-For": f"10.0.0.{i}"},
                           timeout=30).status_code for i in range(5)]
        assert codes == [200, 200, 200, 429, 429]
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_failed_admin_logins_lock_the_client_out(settings):
    with serve(settings, admin_token=SecretStr(ADMIN_TOKEN), admin_login_failures="5/hour", trust_proxy=True,
               trusted_proxies="127.0.0.1") as live, httpx.Client(base_url=live.url, timeout=60) as client:
        attacker = {"X-Forwarded-For": "203.0.113.66"}
        wrong = [client.get("/v1/admin/gaps", headers={**attacker, "Authorization": f"Bearer guess{i}"})
                 for i in range(8)]
        assert [r.status_code for r in wrong] == [401] * 5 + [429] * 3
        assert wrong[-1].json()["error"]["code"] == "login_locked" and int(wrong[-1].headers["retry-after"]) > 60
        # locked out even with the right token; another client is not
        assert client.get("/v1/admin/gaps", headers={**attacker, **ADMIN}).status_code == 429
        assert client.get("/v1/admin/gaps", headers={"X-Forwarded-For": "203.0.113.67", **ADMIN}).status_code == 200


# -- headers, Host, /docs -------------------------------------------------------------------------------------

def test_pages_have_a_content_security_policy_and_nosniff(client):
    doc = client.get("/v1/documents").json()[0]["id"]
    for path in ("/", "/console", f"/documents/{doc}", "/faq"):
        page = client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
        csp = page.headers.get("content-security-policy", "")
        assert "frame-ancestors 'self'" in csp and "script-src 'self'" in csp and "default-src 'self'" in csp, path
        assert "unsafe-eval" not in csp and page.headers.get("x-content-type-options") == "nosniff", path
    for path in ("/widget.js", "/v1/documents", "/healthz"):
        assert client.get(path).headers.get("x-content-type-options") == "nosniff", path
    assert "frame-ancestors" in client.get("/docs").headers.get("content-security-policy", "")


def test_a_client_supplied_host_is_never_redirected_to(client):
    response = client.get("/v1/documents/", headers={"Host": "evil.example"})
    assert "evil.example" not in response.headers.get("location", "")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_allowed_hosts(settings):
    with serve(settings, allowed_hosts="ip.example.gov.cn,127.0.0.1") as live:
        evil = get(f"{live.url}/v1/documents", headers={"Host": "evil.example"})
        assert evil.status_code == 400 and evil.json()["error"]["code"] == "invalid_host"
        assert get(f"{live.url}/v1/documents", headers={"Host": "ip.example.gov.cn"}).status_code == 200
        assert get(f"{live.url}/healthz").status_code == 200  # 127.0.0.1:port


def test_docs_do_not_list_the_staff_api_unless_asked(client, settings):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/v1/ask" in paths and not [p for p in paths if p.startswith("/v1/admin")]
    with serve(settings, admin_docs=True) as live:
        assert any(p.startswith("/v1/admin") for p in get(f"{live.url}/openapi.json").json()["paths"])


# -- slow clients ---------------------------------------------------------------------------------------------

def closed_within(sock: socket.socket, seconds: float, trickle: bytes) -> tuple[bool, bytes]:
    """Sends `trickle` one byte every 0.2 s until the server closes the connection or `seconds` pass;
    returns (closed, what the server sent)."""
    sock.settimeout(0.2)
    received, deadline = b"", time.monotonic() + seconds
    for i in range(10_000):
        if time.monotonic() > deadline:
            return False, received
        try:
            sock.sendall(trickle[i % len(trickle):i % len(trickle) + 1])
        except OSError:
            return True, received
        try:
            chunk = sock.recv(65536)
            if not chunk:
                return True, received
            received += chunk
        except socket.timeout:
            pass
        except OSError:
            return True, received
    return False, received


@pytest.mark.parametrize("protocol", ["auto", "h11"])
def test_slow_headers_and_slow_bodies_are_cut_off(settings, protocol):
    with serve(settings, protocol, header_timeout=1.0, body_timeout=1.0) as live:
        with socket.create_connection(("127.0.0.1", live.port)) as slow_headers:
            slow_headers.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            closed, _ = closed_within(slow_headers, 6, b"X-Padding: aaaaaaaaaaaaaaaa\r\n")
            assert closed
        with socket.create_connection(("127.0.0.1", live.port)) as slow_body:
            slow_body.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              b"Content-Length: 100000\r\n\r\n")
            closed, received = closed_within(slow_body, 6, b'{"question": "' + "问".encode() * 1000)
            assert closed and received.startswith(b"HTTP/1.1 408") and b"request_timeout" in received
        with socket.create_connection(("127.0.0.1", live.port)) as huge_headers:
            huge_headers.settimeout(10)
            huge_headers.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Padding: " + b"a" * 100_000)
            reply = b""
            try:
                while chunk := huge_headers.recv(65536):
                    reply += chunk
            except ConnectionResetError:
                pass
            assert reply.startswith((b"HTTP/1.1 431", b"HTTP/1.1 400"))  # h11 says 400 itself
        # a normal request still goes through, and a large body sent at once is not taken for large headers
        assert get(f"{live.url}/healthz").status_code == 200
        assert httpx.post(f"{live.url}/v1/ask", json={"question": "问" * 100_000}, timeout=60).status_code == 413


@pytest.mark.parametrize("protocol", ["httptools", "h11"])
def test_the_header_deadline_leaves_websockets_alone(settings, protocol):
    """A WebSocket (the hotline's streaming transcript) outlives the header deadline once upgraded."""
    import asyncio

    from bot.api.server import H11HeaderDeadline

    import websockets
    from fastapi import FastAPI, WebSocket

    app = FastAPI()

    @app.websocket("/echo")
    async def echo(socket: WebSocket):
        await socket.accept()
        while True:
            await socket.send_text(await socket.receive_text())

    options = uvicorn_options(settings.model_copy(update={"header_timeout": 0.5}))
    if protocol == "h11":
        options["http"] = functools.partial(H11HeaderDeadline, header_timeout=0.5)

    async def talk(port: int) -> list[str]:
        async with websockets.connect(f"ws://127.0.0.1:{port}/echo") as socket:
            said = []
            for word in ("一", "二", "三"):
                await asyncio.sleep(0.6)
                await socket.send(word)
                said.append(await asyncio.wait_for(socket.recv(), 5))
            return said

    with LiveServer(app, **options) as live:
        assert asyncio.run(talk(live.port)) == ["一", "二", "三"]
