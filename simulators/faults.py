"""Fault injection shared by every stand-in: latency, 5xx, 429 with Retry-After, hangs that
outlast a client's timeout, and stale-version conflicts, switched on over HTTP at `/_sim/faults`.
`GET /_sim/faults` also counts the requests the app answered since the faults were last set, by
method and route template (`POST /api/v1/test/{test_id}/candidates`), so a test can tell a write
made twice."""

from __future__ import annotations

import asyncio
import random

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send


class FaultSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency_ms: float = Field(0, ge=0, description="added to every request")
    error_rate: float = Field(0, ge=0, le=1, description="share answered 503")
    throttle_rate: float = Field(0, ge=0, le=1, description="share answered 429")
    retry_after_seconds: float = Field(1, ge=0)
    timeout_rate: float = Field(0, ge=0, le=1, description="share that hang for hang_seconds")
    hang_seconds: float = Field(5, ge=0, le=120)
    conflict_rate: float = Field(0, ge=0, le=1, description="share of versioned writes refused")
    seed: int | None = None


class FaultInjector:
    """Holds the current settings and decides, request by request, which fault to play."""

    def __init__(self) -> None:
        self.settings = FaultSettings()
        self._random = random.Random()
        self.injected: dict[str, int] = {}
        self.requests: dict[str, int] = {}
        self.routes: list[BaseRoute] = []  # the app's, to name a plain Starlette route by its endpoint

    def configure(self, settings: FaultSettings) -> None:
        self.settings = settings
        self._random = random.Random(settings.seed)
        self.injected = {}
        self.requests = {}

    def count(self, scope: Scope) -> None:
        """Counts a request the app handled under its route's template (unmatched ones are not).
        FastAPI names an APIRoute in the scope; a plain Route leaves only its endpoint there."""
        route = scope.get("route") or next(
            (r for r in self.routes if getattr(r, "endpoint", None) is scope.get("endpoint", False)), None
        )
        path = getattr(route, "path", None)
        if path is not None:
            key = f"{scope['method']} {path}"
            self.requests[key] = self.requests.get(key, 0) + 1

    def _roll(self, rate: float, kind: str) -> bool:
        hit = rate > 0 and self._random.random() < rate
        if hit:
            self.injected[kind] = self.injected.get(kind, 0) + 1
        return hit

    def conflict(self) -> bool:
        """Asked by an app before a versioned write: play a stale-version conflict?"""
        return self._roll(self.settings.conflict_rate, "conflict")

    async def before_request(self) -> JSONResponse | None:
        s = self.settings
        if s.latency_ms:
            await asyncio.sleep(s.latency_ms / 1000)
        if self._roll(s.timeout_rate, "timeout"):
            await asyncio.sleep(s.hang_seconds)
        if self._roll(s.throttle_rate, "throttle"):
            return JSONResponse(
                {"error": "rate limited"},
                status_code=429,
                headers={"Retry-After": f"{s.retry_after_seconds:g}"},
            )
        if self._roll(s.error_rate, "error"):
            return JSONResponse({"error": "injected server error"}, status_code=503)
        return None


class FaultMiddleware:
    """Plays faults before every request outside `/_sim`. A pure ASGI middleware: Starlette's
    `@app.middleware("http")` wraps each request in extra tasks and streams, costing far more."""

    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/_sim"):
            response = await self.injector.before_request()
            if response is not None:
                await response(scope, receive, send)
                return
            try:
                await self.app(scope, receive, send)
            finally:
                self.injector.count(scope)
            return
        await self.app(scope, receive, send)


def install_faults(app: FastAPI) -> FaultInjector:
    """Adds the fault middleware and the `/_sim/faults` control endpoints to a stand-in app."""
    injector = FaultInjector()
    injector.routes = app.router.routes
    app.add_middleware(FaultMiddleware, injector=injector)

    @app.put("/_sim/faults")
    def set_faults(settings: FaultSettings) -> FaultSettings:
        injector.configure(settings)
        return injector.settings

    @app.get("/_sim/faults")
    def get_faults() -> dict[str, object]:
        return {
            "settings": injector.settings.model_dump(),
            "injected": injector.injected,
            "requests": injector.requests,
        }

    return injector
