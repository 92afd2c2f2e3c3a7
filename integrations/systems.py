"""The one seam between examflow and the outside systems.

Flows and tasks reach every system through a `Systems` object, typed by the Protocols of what
examflow needs of each, and never construct a client. `HttpSystems` builds the real clients from
the settings: the vendors' endpoints in production, the HTTP stand-ins locally and in the
integration tests. Fast flow tests install in-process fakes that meet the same Protocols
(`tests/fakes`). Each system's name, port and settings are declared once in `models/systems.py`."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Protocol

from prefect.blocks.system import Secret

from integrations.archive import ArchiveClient
from integrations.canvas import CanvasClient
from integrations.fs import FsClient
from integrations.fs_register import FsRegister
from integrations.http import RateLimit
from integrations.inspera import InsperaClient
from integrations.ladok import LadokClient
from integrations.protocols import (
    ExamPlatform,
    LearningPlatform,
    RecordsArchive,
    RequestRegister,
    SimilarityService,
    StudentRegister,
)
from integrations.similarity import SimilarityClient
from integrations.tls import client_context
from models.domain import Country
from models.settings import Settings


class Systems(Protocol):
    """The outside systems as flows and tasks use them; each call opens a connection."""

    def register(self, *, country: Country = Country.SE, writers: int | None = None) -> StudentRegister:
        """The register of `country`'s exams (Sweden: Ladok; Norway: FS); a client that writes
        (`writers` at once) keeps inside its rate limit."""
        ...

    def platform(self) -> ExamPlatform: ...

    def archive(self) -> RecordsArchive: ...

    def similarity(self) -> SimilarityService: ...

    def requests(self) -> RequestRegister:
        """Norway's register (FS), for the requests for justification and the appeals it holds."""
        ...

    def learning(self) -> LearningPlatform:
        """The learning platform (Canvas), where a course's students are told of a distance exam."""
        ...


@dataclass(frozen=True)
class HttpSystems:
    """The real clients, at the addresses and with the credentials the settings give."""

    settings: Settings

    def register(self, *, country: Country = Country.SE, writers: int | None = None) -> StudentRegister:
        s = self.settings
        if country == Country.NO:
            return FsRegister(
                s.fs_url, user=s.fs_user, password=s.fs_password.get_secret_value(), owner=s.fs_owner
            )
        rate = self.settings.ladok_requests_per_second
        return LadokClient(
            self.settings.ladok_url,
            rate_limit=RateLimit(rate) if writers and rate else None,
            max_connections=max(16, writers or 0),
            ssl_context=ladok_tls(self.settings),
        )

    def platform(self) -> ExamPlatform:
        s = self.settings
        return InsperaClient(
            s.inspera_url, api_key=s.inspera_api_key.get_secret_value(), tenant=s.inspera_tenant
        )

    def archive(self) -> RecordsArchive:
        return ArchiveClient(self.settings.archive_url)

    def similarity(self) -> SimilarityService:
        return SimilarityClient(self.settings.similarity_url)

    def requests(self) -> RequestRegister:
        s = self.settings
        return FsClient(s.fs_url, user=s.fs_user, password=s.fs_password.get_secret_value())

    def learning(self) -> LearningPlatform:
        return CanvasClient(self.settings.canvas_url, token=self.settings.canvas_token.get_secret_value())


def ladok_tls(settings: Settings) -> ssl.SSLContext | None:
    """The client certificate Ladok authenticates examflow by, when one is set; its passphrase
    from the settings or else from the Prefect Secret block they name."""
    if settings.ladok_cert is None:
        return None
    if settings.ladok_cert_password is not None:
        password: str | None = settings.ladok_cert_password.get_secret_value()
    elif settings.ladok_cert_password_block:
        password = str(Secret.load(settings.ladok_cert_password_block).get())  # type: ignore[union-attr]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T
    else:
        password = None
    return client_context(settings.ladok_cert, password, settings.ladok_ca_bundle)
