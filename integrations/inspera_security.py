"""The platform's security options, written and read back in the shape of
`POST /v1/test/{id}/options`: `{"testOptions": {"securityOptions": [{"option", "value"}]}}`.
Errors name the record and the option, never a password's value."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from integrations.inspera_answers import Fields, InsperaContractError
from models.security import ExamSecurity

LOCKDOWN = "LOCKDOWN_BROWSER"
START = "SEB_SETTINGS_PINCODE"
QUIT = "LOCKDOWN_QUIT_CODE"


def options_body(security: ExamSecurity) -> dict[str, Any]:
    options: list[dict[str, Any]] = [{"option": LOCKDOWN, "value": security.lockdown_browser}]
    for name, value in ((START, security.start_password), (QUIT, security.quit_password)):
        if value is not None:
            options.append({"option": name, "value": value.get_secret_value()})
    return {"testOptions": {"securityOptions": options}}


def parse_security(data: Any, test_id: str) -> ExamSecurity:
    """The security options of a test as the platform holds them; an option it does not list is unset."""
    where = f"options of test {test_id}"
    listed = Fields(Fields(data, where).get("testOptions", "an object"), where).get(
        "securityOptions", "a list"
    )
    values: dict[str, Any] = {}
    for position, item in enumerate(listed):
        option = Fields(item, f"{where}, securityOptions[{position}]")
        values[option.get("option", "a string")] = item.get("value")
    lockdown = values.get(LOCKDOWN, False)
    if not isinstance(lockdown, bool):
        raise InsperaContractError(where, f"{LOCKDOWN} is not a boolean")
    return ExamSecurity(
        lockdown_browser=lockdown,
        start_password=_secret(values, START, where),
        quit_password=_secret(values, QUIT, where),
    )


def _secret(values: dict[str, Any], name: str, where: str) -> SecretStr | None:
    value = values.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InsperaContractError(where, f"{name} is not a string")
    return SecretStr(value)
