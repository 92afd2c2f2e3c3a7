"""One validated settings object, read from the environment (secrets never live in code)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_serializer, model_validator

from models.systems import SYSTEMS

REPO_ROOT = Path(__file__).resolve().parent.parent
STAND_IN_KEY = "local-stand-in-key"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# answers and papers, names and national ids, graders' notes, mails, audit details (docs/data-access.md)
RETENTION = {
    "answers": timedelta(days=730),
    "personal": timedelta(days=730),
    "notes": timedelta(days=730),
    "mails": timedelta(days=365),
    "audit": timedelta(days=3650),
}


def masked_url(url: str) -> str:
    """The URL with any password replaced by `***`, for a person to read."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    home: Path
    database_url: str = Field(repr=False)  # may hold a password: shown and dumped masked
    ladok_url: str
    inspera_url: str
    archive_url: str
    similarity_url: str
    fs_url: str
    canvas_url: str
    inspera_api_key: SecretStr
    inspera_tenant: str
    fs_user: str = "examflow"
    fs_password: SecretStr = SecretStr(STAND_IN_KEY)
    canvas_token: SecretStr = SecretStr(STAND_IN_KEY)  # a Canvas API access token (Bearer)
    fs_owner: str = "186"  # FS's eierOrganisasjonskode: the institution whose records are read
    secret: SecretStr = SecretStr("")
    ladok_requests_per_second: float | None = None  # the register's rate limit, where it has one
    # Ladok's integration API authenticates by client certificate: a PEM (certificate and key) or
    # PKCS#12 file, its passphrase given here or kept in a Prefect Secret block of this name
    ladok_cert: Path | None = None
    ladok_cert_password: SecretStr | None = None
    ladok_cert_password_block: str | None = None
    ladok_ca_bundle: Path | None = None  # whom to trust for the register's server certificate
    approval_valid_for: timedelta = timedelta(days=14)
    approval_valid_for_by_kind: dict[str, timedelta] = {}  # a kind, or the first word of kinds
    approval_reminder_before: timedelta = timedelta(days=2)
    # the share of an occasion's registrations one register answer may remove without a coordinator
    sync_max_removed_share: float = Field(default=0.10, ge=0, le=1)
    # staff on duty at a digital exam: one invigilator per so many candidates in a room, one IT
    # support per so many in a building (at least one wherever anyone sits)
    candidates_per_invigilator: int = Field(default=30, ge=1)
    candidates_per_it_support: int = Field(default=60, ge=1)
    exam_policy: Path = REPO_ROOT / "policy" / "exam_policy.yaml"  # the scenarios and their periods
    # what a grader's hour is paid, per country (NOK in Norway, SEK in Sweden), and the fewest hours
    # a timesheet is paid for (a minimum fee); sample figures, to be set from the institution's rates
    grader_rates: dict[str, Decimal] = {"NO": Decimal("450.00"), "SE": Decimal("400.00")}
    grader_minimum_hours: Decimal = Decimal("0")
    # how long each kind of a candidate's data is kept after their grade is set (docs/data-access.md)
    retention: dict[str, timedelta] = Field(default_factory=lambda: dict(RETENTION))

    @model_validator(mode="after")
    def _no_placeholder_secret_outside(self) -> Settings:
        if (
            self.inspera_api_key.get_secret_value() == STAND_IN_KEY
            and urlparse(self.inspera_url).hostname not in LOOPBACK
        ):
            raise ValueError("EXAMFLOW_INSPERA_API_KEY must be set for an exam platform beyond this machine")
        if (
            self.fs_password.get_secret_value() == STAND_IN_KEY
            and urlparse(self.fs_url).hostname not in LOOPBACK
        ):
            raise ValueError("EXAMFLOW_FS_PASSWORD must be set for an FS register beyond this machine")
        if (
            self.canvas_token.get_secret_value() == STAND_IN_KEY
            and urlparse(self.canvas_url).hostname not in LOOPBACK
        ):
            raise ValueError("EXAMFLOW_CANVAS_TOKEN must be set for a learning platform beyond this machine")
        if self.ladok_cert is None and urlparse(self.ladok_url).hostname not in LOOPBACK:
            raise ValueError("EXAMFLOW_LADOK_CERT must be set for a Ladok register beyond this machine")
        return self

    @field_serializer("database_url")
    def _masked_database_url(self, url: str) -> str:
        return masked_url(url)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield from super().__repr_args__()
        yield "database_url", masked_url(self.database_url)

    @property
    def signing_key(self) -> bytes:
        """The key of examflow's HMACs (approval codes, anonymisation letters): EXAMFLOW_SECRET,
        or a random one kept in EXAMFLOW_HOME/secret.key, made on first use. Workers on several
        machines sharing EXAMFLOW_HOME may make it at once: each writes a key of its own to a file
        of its own and links it into place, which only the first does; a file in place is whole."""
        if secret := self.secret.get_secret_value():
            return secret.encode()
        path = self.home / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".secret.key.{os.getpid()}.{secrets.token_hex(4)}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
            try:
                os.link(draft, path)
            except FileExistsError:  # another process made it first
                pass
            finally:
                draft.unlink()
        return path.read_text().strip().encode()

    def approval_lifetime(self, kind: str) -> timedelta:
        """How long an approval of `kind` waits: its own setting, else that of its first word
        ('grading' covers 'grading-own-staff-examiner-1'), else the default."""
        by_kind = self.approval_valid_for_by_kind
        return by_kind.get(kind) or by_kind.get(kind.split("-")[0]) or self.approval_valid_for

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"

    @property
    def simulator_dir(self) -> Path:
        return self.home / "simulators"


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    home = Path(env.get("EXAMFLOW_HOME", REPO_ROOT / ".examflow")).resolve()
    return Settings(
        home=home,
        database_url=env.get("EXAMFLOW_DATABASE_URL", f"sqlite:///{home / 'examflow.db'}"),
        **{system.url_setting: env.get(system.url_env, system.local_url()) for system in SYSTEMS},
        inspera_api_key=SecretStr(env.get("EXAMFLOW_INSPERA_API_KEY", STAND_IN_KEY)),
        inspera_tenant=env.get("EXAMFLOW_INSPERA_TENANT", "examflow-local"),
        fs_user=env.get("EXAMFLOW_FS_USER", "examflow"),
        fs_password=SecretStr(env.get("EXAMFLOW_FS_PASSWORD", STAND_IN_KEY)),
        canvas_token=SecretStr(env.get("EXAMFLOW_CANVAS_TOKEN", STAND_IN_KEY)),
        fs_owner=env.get("EXAMFLOW_FS_OWNER", "186"),
        secret=SecretStr(env.get("EXAMFLOW_SECRET", "")),
        ladok_requests_per_second=float(env["EXAMFLOW_LADOK_REQUESTS_PER_SECOND"])
        if env.get("EXAMFLOW_LADOK_REQUESTS_PER_SECOND")
        else None,
        ladok_cert=_path(env.get("EXAMFLOW_LADOK_CERT")),
        ladok_cert_password=SecretStr(env["EXAMFLOW_LADOK_CERT_PASSWORD"])
        if env.get("EXAMFLOW_LADOK_CERT_PASSWORD")
        else None,
        ladok_cert_password_block=env.get("EXAMFLOW_LADOK_CERT_PASSWORD_BLOCK") or None,
        ladok_ca_bundle=_path(env.get("EXAMFLOW_LADOK_CA_BUNDLE")),
        approval_valid_for=duration(env, "EXAMFLOW_APPROVAL_VALID_FOR", "14d"),
        approval_valid_for_by_kind=durations(env, "EXAMFLOW_APPROVAL_VALID_FOR_BY_KIND"),
        approval_reminder_before=duration(env, "EXAMFLOW_APPROVAL_REMINDER_BEFORE", "2d"),
        sync_max_removed_share=share(env, "EXAMFLOW_SYNC_MAX_REMOVED_SHARE", "0.10"),
        candidates_per_invigilator=per(env, "EXAMFLOW_CANDIDATES_PER_INVIGILATOR", "30"),
        candidates_per_it_support=per(env, "EXAMFLOW_CANDIDATES_PER_IT_SUPPORT", "60"),
        exam_policy=_path(env.get("EXAMFLOW_EXAM_POLICY")) or REPO_ROOT / "policy" / "exam_policy.yaml",
        grader_rates=rates(env, "EXAMFLOW_GRADER_RATES", "NO=450.00,SE=400.00"),
        grader_minimum_hours=amount(env, "EXAMFLOW_GRADER_MINIMUM_HOURS", "0"),
        retention=retention(env, "EXAMFLOW_RETENTION"),
    )


def retention(env: dict[str, str], name: str) -> dict[str, timedelta]:
    """The variable `name` as 'answers=730d,mails=90d': periods replacing the defaults, per kind."""
    periods = durations(env, name)
    unknown = sorted(set(periods) - set(RETENTION))
    if unknown:
        raise ValueError(
            f"{name}: no kind of data {', '.join(unknown)}; the kinds are {', '.join(RETENTION)}"
        )
    return RETENTION | periods


def share(env: dict[str, str], name: str, default: str) -> float:
    """The variable `name` as a share between 0 and 1, such as 0.10."""
    text = env.get(name) or default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ValueError(f"{name}: '{text}' is not a share between 0 and 1, such as 0.10")
    return value


def per(env: dict[str, str], name: str, default: str) -> int:
    """The variable `name` as a whole number of candidates, at least 1."""
    text = env.get(name) or default
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"{name}: '{text}' is not a whole number of candidates, such as 30")
    return int(text)


def amount(env: dict[str, str], name: str, default: str) -> Decimal:
    """The variable `name` as a number of at most two decimals, not below 0, such as 450.00."""
    return _amount(env.get(name) or default, name)


def _amount(text: str, name: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError(
            f"{name}: '{text}' is not a number of at most two decimals, not below 0, such as 450.00"
        )
    return value


def rates(env: dict[str, str], name: str, default: str) -> dict[str, Decimal]:
    """The variable `name` as 'NO=450.00,SE=400.00': a grader's hourly rate per country."""
    text = env.get(name) or default
    pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
    if not pairs or any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"{name}: '{text}' is not a list such as NO=450.00,SE=400.00")
    return {
        country.strip().upper(): _amount(value, f"{name} ({country.strip()})") for country, value in pairs
    }


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser().resolve() if value else None


DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhms])\s*$")
UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def _duration(text: str, name: str) -> timedelta:
    match = DURATION.match(text)
    if match is None:
        raise ValueError(f"{name}: '{text}' is not a duration such as 14d, 36h, 30m or 5s")
    return timedelta(**{UNITS[match.group(2)]: float(match.group(1))})


def duration(env: dict[str, str], name: str, default: str) -> timedelta:
    """The variable `name` as '14d', '36h', '30m' or '5s'."""
    return _duration(env.get(name) or default, name)


def durations(env: dict[str, str], name: str) -> dict[str, timedelta]:
    """The variable `name` as 'plan=7d,transfer=3d': a duration per approval kind."""
    text = env.get(name, "")
    pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"{name}: '{text}' is not a list such as plan=7d,transfer=3d")
    return {kind.strip(): _duration(value, f"{name} ({kind.strip()})") for kind, value in pairs}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
