"""An exam's security settings on the platform. The passwords are SecretStr: a repr, a log line or
a persisted task result shows them as '**********'."""

from __future__ import annotations

from pydantic import SecretStr

from models.domain import Frozen


class ExamSecurity(Frozen):
    lockdown_browser: bool
    start_password: SecretStr | None = None
    quit_password: SecretStr | None = None

    def differences(self, other: ExamSecurity) -> list[str]:
        """The settings (by name, never by value) in which `other` differs from these; with the
        lockdown browser off here, its passwords do not count (the platform may keep old ones)."""
        names = []
        if self.lockdown_browser != other.lockdown_browser:
            names.append("lockdown browser")
        if not self.lockdown_browser:
            return names
        for name in ("start_password", "quit_password"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if (mine and mine.get_secret_value()) != (theirs and theirs.get_secret_value()):
                names.append(name.replace("_", " "))
        return names
