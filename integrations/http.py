"""One pooled httpx transport per outside system, retrying only what is transient.

429, 5xx, timeouts and connection errors are retried with jittered exponential backoff,
honouring `Retry-After`; any other 4xx is raised at once as `ApiError`. Every write carries an
`Idempotency-Key`, the same on each retry, so a retried write lands once.

Requests go straight to httpx's own pooled transport (`httpx.HTTPTransport`), without
`httpx.Client`: that layer adds URL merging, cookie jars, auth flows and redirect handling these
APIs never use. A hand-written `http.client` transport once spared the sync's register searches
some CPU per request; at a register's real latency the wait hides it, and httpx's transport met the
sync's goal there (`bench/sync.py`, README "Benchmarks"), so the one the ecosystem maintains is used.
"""

from __future__ import annotations

import json as stdjson
import logging
import random
import re
import ssl
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import quote, urlencode

import httpx

log = logging.getLogger(__name__)

TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PATH_SAFE = "/:@!$&'()*+,;=~%"  # left as they are in a path: RFC 3986's pchar, "/" and escapes
# A national id as a path segment: a personnummer (10 or 12 digits, a '-' or '+' before the last four)
# or a fødselsnummer (11 digits); and the segment after ".../personnummer/", whatever it holds.
NATIONAL_ID = re.compile(r"(?<![^/])(?:(?:\d{6}|\d{8})[-+]?\d{4}|\d{11})(?![^/])")
AFTER_PERSONNUMMER = re.compile(r"(personnummer/)[^/?#]+", re.IGNORECASE)
# What httpx.Client sends by default, and who we are.
DEFAULT_HEADERS = {"Accept": "*/*", "Accept-Encoding": "gzip, deflate", "User-Agent": "examflow/0.1"}


class ApiError(Exception):
    """A refusal that retrying will not change (4xx), or transient errors past the retry budget."""

    def __init__(self, system: str, status: int | None, message: str) -> None:
        self.system = system
        self.status = status
        super().__init__(f"{system}: {status or 'no answer'}: {message}")


class StaleVersion(ApiError):
    """The record changed since it was read (optimistic lock refused)."""


class AlreadyDone(ApiError):
    """A once-only operation was asked for again (the platform's transfer to FS)."""


class Unavailable(ApiError):
    """Transient errors outlasted the retry budget: the system is down or overloaded."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 10.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        backoff = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        return backoff * (0.5 + random.random() / 2)


class RateLimit:
    """At most `per_second` requests a second across every thread of a client (a token bucket
    with a burst of one second's worth), so concurrent writers stay inside a system's limit."""

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError(f"a rate limit must be positive, got {per_second}")
        self.per_second = per_second
        self._clock, self._sleep = clock, sleep
        self._tokens = per_second
        self._stamp = clock()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.per_second, self._tokens + (now - self._stamp) * self.per_second)
            self._stamp = now
            self._tokens -= 1
            wait = -self._tokens / self.per_second if self._tokens < 0 else 0.0
        if wait:
            self._sleep(wait)


def shown_path(path: str) -> str:
    """A request's path as a log line or an error may name it: no query (a signed URL's signature,
    a search's terms) and no national id."""
    path = path.split("?", 1)[0]
    return NATIONAL_ID.sub("***", AFTER_PERSONNUMMER.sub(r"\1***", path))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _environment_proxy(base_url: str) -> str | None:
    """The proxy the environment names for this URL (HTTP(S)_PROXY, NO_PROXY), as httpx.Client
    would use it."""
    url = httpx.URL(base_url)
    if urllib.request.proxy_bypass(url.host):
        return None
    return urllib.request.getproxies().get(url.scheme)


def _transport(
    base_url: str, max_connections: int, ssl_context: ssl.SSLContext | None = None
) -> httpx.BaseTransport:
    """httpx's pooled transport, through the proxy the environment names for `base_url` if any,
    with `ssl_context` (a client certificate, a CA bundle) when given."""
    proxy = _environment_proxy(base_url)
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    verify: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
    return httpx.HTTPTransport(limits=limits, proxy=proxy, verify=verify)


class ApiClient:
    """An httpx transport with the retry rules above; subclasses add one system's calls."""

    system = "api"

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 16,
        transport: httpx.BaseTransport | None = None,
        rate_limit: RateLimit | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.rate_limit = rate_limit
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.headers = httpx.Headers(DEFAULT_HEADERS)
        self.timeout = httpx.Timeout(timeout).as_dict()
        self.transport = transport or _transport(self.base_url, max_connections, ssl_context)
        base = httpx.URL(self.base_url)
        self._origin = f"{base.scheme}://{base.netloc.decode('ascii')}"
        self._base_path = base.raw_path.decode("ascii")

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def auth_headers(self) -> dict[str, str]:
        """Overridden by clients that authenticate."""
        return {}

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """Sends one logical request, retrying transient failures; returns a 2xx response."""
        headers = dict(headers or {})
        if method.upper() in WRITE_METHODS:
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        last: str = ""
        for attempt in range(1, self.retry.attempts + 1):
            retry_after = None
            if self.rate_limit is not None:
                self.rate_limit.wait()
            try:
                response = self._send(method, path, json, content, params, headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = f"{type(exc).__name__} on {method} {shown_path(path)}"
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in TRANSIENT_STATUS:
                    self.raise_for(response)
                retry_after = _retry_after(response)
                last = f"{response.status_code} on {method} {shown_path(path)}"
            if attempt < self.retry.attempts:
                wait = self.retry.delay(attempt, retry_after)
                log.info("%s: %s, retry %d in %.2fs", self.system, last, attempt, wait)
                self.retry.sleep(wait)
        raise Unavailable(self.system, None, f"gave up after {self.retry.attempts} tries: {last}")

    def _send(
        self,
        method: str,
        path: str,
        json: Any,
        content: bytes | None,
        params: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        """One attempt: a path is taken relative to the base URL (as httpx.Client does), an
        absolute URL as it is. The answer comes back read, its connection returned to the pool."""
        sent = self.headers.copy()  # case-insensitive: a caller's `accept` replaces our `Accept`
        sent.update(self.auth_headers())
        sent.update(headers)
        body = content or b""
        if json is not None:  # as httpx encodes it: compact, UTF-8, NaN refused
            body = stdjson.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            sent.setdefault("Content-Type", "application/json")
        request = httpx.Request(
            method,
            self._url(path, params),
            headers=sent,
            content=body or None,
            extensions={"timeout": self.timeout},
        )
        response = self.transport.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        return response

    def _url(self, path: str, params: dict[str, Any] | None) -> str:
        """Where a request goes: an absolute URL with `params` merged, or the path under the base URL."""
        if path.startswith(("http://", "https://")):
            return str(httpx.URL(path).copy_merge_params(params or {}))
        target = self._base_path + quote(path.lstrip("/"), safe=PATH_SAFE)
        if params:
            target += "?" + urlencode(params, doseq=True, quote_via=quote)
        return self._origin + target

    def raise_for(self, response: httpx.Response) -> None:
        """Turns a non-transient error answer into an ApiError; clients refine it."""
        raise ApiError(self.system, response.status_code, response.text[:500])
