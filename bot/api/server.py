"""How uvicorn serves the app: no proxy headers of its own (bot.api.limits.client_key decides who the client is),
and deadlines for slow clients: the request line and headers, the body (bot.api.middleware.BodyDeadlineMiddleware)
and idle keep-alive connections. A buffering reverse proxy in front is still the production set-up (README)."""
from __future__ import annotations

import asyncio
import functools

from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # uvicorn without httptools: h11 only
    HttpToolsProtocol = None


MAX_HEADER_BYTES = 16 * 1024  # the request line and headers


class _HeaderDeadline:
    """A connection whose request line and headers are not complete within `header_timeout` seconds (of
    connecting, or of the first byte of a kept-alive connection's next request) is closed: uvicorn itself only
    times out connections idle between requests, so a client sending a header byte now and then held one forever."""

    def __init__(self, *args, header_timeout: float = 10.0, max_header_bytes: int = MAX_HEADER_BYTES, **kwargs):
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.max_header_bytes = max_header_bytes  # h11 has its own limit; httptools has none
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0

    def _in_request(self) -> bool:
        """The headers of the current request are in: the app has it (and the body has its own deadline)."""
        return self.cycle is not None and not self.cycle.response_complete

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        self._header_bytes = 0
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        upgraded = self.transport.get_protocol() is not self  # a WebSocket now owns the connection
        if not upgraded and not self._in_request() and not self.transport.is_closing():
            self.transport.close()

    def handle_websocket_upgrade(self, *args) -> None:
        self._disarm()  # the headers are in, and the connection is the WebSocket's from here on
        super().handle_websocket_upgrade(*args)

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_request() or self.transport.is_closing() or self.transport.get_protocol() is not self:
            self._disarm()
            return
        self._header_bytes += len(data)  # still no complete request line and headers
        if self._header_bytes > self.max_header_bytes:
            self.transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\n"
                                 b"content-length: 0\r\n\r\n")
            self._disarm()
            self.transport.close()
            return
        self._arm()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)


class H11HeaderDeadline(_HeaderDeadline, H11Protocol):
    pass


if HttpToolsProtocol is not None:
    class HttpToolsHeaderDeadline(_HeaderDeadline, HttpToolsProtocol):
        pass
else:
    HttpToolsHeaderDeadline = None


def uvicorn_options(settings) -> dict:
    """Keyword arguments for uvicorn.run / uvicorn.Config (besides the app, host and port)."""
    protocol = HttpToolsHeaderDeadline or H11HeaderDeadline
    return {
        # uvicorn would otherwise take X-Forwarded-For from any client on 127.0.0.1 (its default
        # forwarded-allow-ips), before our own trusted-proxy check sees the request
        "proxy_headers": False,
        "forwarded_allow_ips": "",
        "server_header": False,
        "timeout_keep_alive": settings.keep_alive_timeout,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "http": functools.partial(protocol, header_timeout=settings.header_timeout),
    }
