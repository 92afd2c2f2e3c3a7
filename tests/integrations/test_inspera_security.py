"""The platform's security options through InsperaClient and the stand-in over real HTTP: written,
read back in the shape they are written, parsed from the contract payloads, and under faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from integrations.http import RetryPolicy, Unavailable
from integrations.inspera import InsperaClient
from integrations.inspera_answers import InsperaContractError
from integrations.inspera_security import parse_security
from models.security import ExamSecurity
from simulators.inspera import create_app
from simulators.server import serve_in_thread
from tests.contracts import check, payload

KEY = "security-test-key"
START = datetime(2030, 6, 1, 9, tzinfo=UTC)
SECURITY = ExamSecurity.model_validate(
    {"lockdown_browser": True, "start_password": "K7P3X9Q2", "quit_password": "M4R8T2W"}
)


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    app = create_app(
        tmp_path / "inspera.db", api_key=KEY, clock=lambda: (START - timedelta(hours=1)).timestamp()
    )
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(base: str, sleeps: list[float]) -> Iterator[InsperaClient]:
    with InsperaClient(
        f"{base}/api/", api_key=KEY, tenant="uni", retry=RetryPolicy(attempts=6, sleep=sleeps.append)
    ) as c:
        yield c


def _test(client: InsperaClient) -> str:
    return client.upsert_test(
        external_test_id="SEC-1",
        title="Algebra",
        starts_at=START,
        ends_at=START + timedelta(hours=4),
        duration_minutes=240,
    ).test_id


def _faults(base: str, **settings: float) -> None:
    httpx.put(f"{base}/_sim/faults", json={"seed": 3, **settings}).raise_for_status()


def test_options_set_are_read_back_in_the_written_shape(client: InsperaClient, base: str) -> None:
    test_id = _test(client)
    assert client.security_options(test_id) == ExamSecurity(lockdown_browser=False)
    client.set_security_options(test_id, SECURITY)
    back = client.security_options(test_id)
    assert back.differences(SECURITY) == []
    token = httpx.post(
        f"{base}/api/authenticate/token/",
        params={"grant_type": "authorization_code", "client_id": "uni"},
        headers={"code": KEY},
    ).json()["access_token"]
    answer = httpx.get(f"{base}/api/v1/test/{test_id}/options", headers={"Authorization": f"Bearer {token}"})
    check("inspera", "security_options", answer.json())
    client.set_security_options(test_id, ExamSecurity(lockdown_browser=False))
    assert client.security_options(test_id).differences(SECURITY) == ["lockdown browser"]


def test_a_password_never_shows_in_a_repr_or_a_difference() -> None:
    other = SECURITY.model_copy(update={"start_password": None})
    assert "K7P3X9Q2" not in repr(SECURITY) and "K7P3X9Q2" not in str(SECURITY.model_dump())
    assert SECURITY.differences(other) == ["start password"]
    off = ExamSecurity(lockdown_browser=False)
    assert off.differences(SECURITY) == ["lockdown browser"]
    assert off.differences(SECURITY.model_copy(update={"lockdown_browser": False})) == []  # old pins left


def test_the_contract_payloads_parse() -> None:
    held = parse_security(payload("inspera", "security_options"), "7")
    assert (
        held.lockdown_browser and held.start_password and held.start_password.get_secret_value() == "Pass1234"
    )
    assert held.quit_password and held.quit_password.get_secret_value() == "QUIT42"
    assert parse_security(payload("inspera", "security_options.open-browser"), "7") == ExamSecurity(
        lockdown_browser=False
    )


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ({"testOptions": {}}, "securityOptions is missing"),
        ({"testOptions": {"securityOptions": [{"value": "Pass1234"}]}}, "option is missing"),
        (
            {"testOptions": {"securityOptions": [{"option": "SEB_SETTINGS_PINCODE", "value": 12345678}]}},
            "SEB_SETTINGS_PINCODE",
        ),
        (
            {"testOptions": {"securityOptions": [{"option": "LOCKDOWN_BROWSER", "value": "yes"}]}},
            "LOCKDOWN_BROWSER",
        ),
    ],
)
def test_a_broken_answer_names_the_field_and_never_the_value(answer: dict, named: str) -> None:
    with pytest.raises(InsperaContractError) as broken:
        parse_security(answer, "7")
    assert "options of test 7" in str(broken.value) and named in str(broken.value)
    assert "12345678" not in str(broken.value) and "Pass1234" not in str(broken.value)


def test_set_and_read_back_survive_5xx_and_429(client: InsperaClient, base: str, sleeps: list[float]) -> None:
    test_id = _test(client)
    _faults(base, error_rate=0.4, throttle_rate=0.2, retry_after_seconds=0)
    for _ in range(4):
        client.set_security_options(test_id, SECURITY)
        assert client.security_options(test_id).differences(SECURITY) == []
    faults = httpx.get(f"{base}/_sim/faults").json()
    assert sum(faults["injected"].values()) == len(sleeps) > 0
    assert faults["requests"]["GET /api/v1/test/{test_id}/options"] == 4
    assert faults["requests"]["POST /api/v1/test/{test_id}/options"] == 4


def test_a_platform_that_stays_down_is_unavailable(client: InsperaClient, base: str) -> None:
    test_id = _test(client)
    _faults(base, error_rate=1.0)
    with pytest.raises(Unavailable):
        client.security_options(test_id)
    with pytest.raises(Unavailable):
        client.set_security_options(test_id, SECURITY)
