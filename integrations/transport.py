"""An httpx transport that speaks HTTP/1.1 through the standard library's `http.client`, keeping
idle connections alive in a pool per host.

httpx's own transport (httpcore with h11) costs about three times the CPU per request that
`http.client` does; the nightly sync's thousands of register searches are bound by exactly that
(`bench/sync.py`). Responses are httpx's own, so retries, headers and decoding (gzip included) work
as with any httpx transport. A request comes as an `httpx.Request` (`handle_request`, for any httpx
client) or, from `integrations.http.ApiClient`, as its parts (`send`), sparing the cost of building
one. Proxies are left to httpx's transport (`ApiClient` picks it when the environment names one).
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections.abc import Sequence
from typing import Any, NoReturn

import httpx

Origin = tuple[str, str, int]  # scheme, host, port


class StdlibTransport(httpx.BaseTransport):
    """A thread-safe pool: a request takes an idle connection to its host (or opens one) and puts
    it back once the response is read, unless either side asked to close it. There are as many
    connections as concurrent requests (a client's thread pool bounds those); at most `max_idle`
    per host wait to be reused. Each request's `timeout` extension gives the connect timeout and,
    for sending and reading, the read timeout."""

    def __init__(self, *, max_idle: int = 16, ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_idle = max_idle
        self._ssl_context = ssl_context
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"cannot send {url.scheme!r} URLs", request=request)
        origin = origin_of(url)
        timeout: dict[str, float | None] = request.extensions.get("timeout", {})
        target = url.raw_path.decode("ascii")
        return self.send(
            request.method, origin, target, request.headers.raw, request.read(), timeout, request
        )

    def send(
        self,
        method: str,
        origin: Origin,
        target: str,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
        timeout: dict[str, float | None],
        request: httpx.Request | None = None,
    ) -> httpx.Response:
        """One request without an `httpx.Request` around it: `target` is the path and query,
        `headers` are complete (Host and Content-Length included). The answer comes back read."""
        connection = self._checkout(origin, timeout.get("connect"), request)
        try:
            connection.sock.settimeout(timeout.get("read"))
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders(body or None)
            answer = connection.getresponse()
            content = answer.read()
        except BaseException as exc:
            connection.close()
            _reraise(exc, request, "read")
        if answer.will_close:
            connection.close()
        else:
            self._checkin(origin, connection)
        response = httpx.Response(
            answer.status,
            headers=answer.getheaders(),
            stream=httpx.ByteStream(content),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason.encode("latin-1")},
        )
        response.read()  # decoded (gzip, deflate) here, once
        return response

    def _checkout(
        self, key: Origin, connect_timeout: float | None, request: httpx.Request | None
    ) -> http.client.HTTPConnection:
        """An idle connection still open (one the server closed while idle reads as readable, and
        is dropped), else a new one."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                connection = idle.pop() if idle else None
            if connection is None:
                return self._connect(key, connect_timeout, request)
            if connection.sock is not None and not _readable(connection.sock):
                return connection
            connection.close()

    def _connect(
        self, key: Origin, connect_timeout: float | None, request: httpx.Request | None
    ) -> http.client.HTTPConnection:
        scheme, host, port = key
        connection: http.client.HTTPConnection
        if scheme == "https":
            if self._ssl_context is None:
                self._ssl_context = httpx.create_ssl_context()  # httpx's trust store, loaded once
            connection = http.client.HTTPSConnection(
                host, port, timeout=connect_timeout, context=self._ssl_context
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=connect_timeout)
        try:
            connection.connect()
        except BaseException as exc:
            connection.close()
            _reraise(exc, request, "connect")
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _checkin(self, key: Origin, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.max_idle:
                idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            connections = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for connection in connections:
            connection.close()


def origin_of(url: httpx.URL) -> Origin:
    """The scheme, host and port a URL's connection goes to (the scheme's default port if none)."""
    return (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))


def _readable(sock: socket.socket) -> bool:
    """Whether an idle connection has something to read: only a close (or junk) can be waiting.
    `poll`, not `select`, which refuses descriptors past 1024."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def _reraise(exc: BaseException, request: httpx.Request | None, phase: str) -> NoReturn:
    """Raises the httpx exception a caller retries on (or not) for a failure of `phase` (connect,
    read); anything else (an interrupt, a bug) as it is."""
    kinds: dict[str, Any] = {
        "connect": (httpx.ConnectTimeout, httpx.ConnectError),
        "read": (httpx.ReadTimeout, httpx.ReadError),
    }
    timed_out, failed = kinds[phase]
    message = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, TimeoutError):
        raise timed_out(message, request=request) from exc
    if isinstance(exc, http.client.HTTPException):
        raise httpx.RemoteProtocolError(message, request=request) from exc
    if isinstance(exc, OSError):
        raise failed(message, request=request) from exc
    raise exc
