"""Inspera Assessment's Open API client, meeting `ExamPlatform`.

A bearer token is fetched lazily from the API key and fetched again when it is about to expire or
when the platform answers 401 (once per call). The token request and the signed export file go
through a second, unauthenticated client: a signed URL must not carry an Authorization header.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import httpx

from integrations.http import WRITE_METHODS, ApiClient, ApiError, RetryPolicy, Unavailable
from integrations.inspera_answers import (
    answer_id,
    export_url,
    parse_candidates,
    parse_export,
    parse_search,
    parse_sketches,
    parse_test,
)
from integrations.inspera_security import options_body, parse_security
from models.domain import PlatformCandidate, PlatformCommittee, PlatformGrader, PlatformTest
from models.results import ResultsExport, Sketch
from models.security import ExamSecurity

MAX_CANDIDATES_PER_REQUEST = 1500
TOKEN_MARGIN_SECONDS = 60


def _iso(moment: datetime) -> str:
    """UTC with a Z; a naive time is taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _contributor(grader: PlatformGrader, committees: list[str]) -> dict[str, Any]:
    """A grader as a contributor; the platform wants the name split, the last word as last name."""
    first, _, last = grader.name.strip().rpartition(" ")
    return {
        "externalId": grader.staff_id,
        "firstName": first or last,
        "lastName": last if first else "",
        "email": grader.email,
        "roles": ["evaluate"],
        "committeesName": committees,
    }


def _contributors(committees: Sequence[PlatformCommittee]) -> list[dict[str, Any]]:
    """Each grader once, with every committee of the call they sit on."""
    graders: dict[str, PlatformGrader] = {}
    names: dict[str, list[str]] = {}
    for committee in committees:
        for grader in committee.graders:
            graders.setdefault(grader.staff_id, grader)
            names.setdefault(grader.staff_id, []).append(committee.name)
    return [_contributor(graders[staff_id], names[staff_id]) for staff_id in graders]


class InsperaClient(ApiClient):
    """`ExamPlatform` over Inspera's Open API; `base_url` ends in `/api/`. Candidates are keyed by
    the register's student id, sent as an external user id of `auth_type`."""

    system = "inspera"
    auth_type = "FEIDE"

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        tenant: str,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 16,
        export_poll_seconds: float = 0.2,
        export_timeout_seconds: float = 120,
    ) -> None:
        super().__init__(base_url, timeout=timeout, retry=retry, max_connections=max_connections)
        self._plain = ApiClient(base_url, timeout=timeout, retry=self.retry, max_connections=2)
        self._plain.system = self.system
        self.api_key = api_key
        self.tenant = tenant
        self.export_poll_seconds = export_poll_seconds
        self.export_timeout_seconds = export_timeout_seconds
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()

    def close(self) -> None:
        self._plain.close()
        super().close()

    # authentication

    def _fetch_token(self) -> None:
        answer = self._plain.request(
            "POST",
            "authenticate/token/",
            params={"grant_type": "authorization_code", "client_id": self.tenant},
            headers={"code": self.api_key},
        ).json()
        self._token = answer["access_token"]
        self._token_expires = time.monotonic() + float(answer.get("expires_in", 3600)) - TOKEN_MARGIN_SECONDS

    def auth_headers(self) -> dict[str, str]:
        with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_expires:
                self._fetch_token()
            return {"Authorization": f"Bearer {self._token}"}

    def _forget_token(self) -> None:
        with self._token_lock:
            self._token = None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """As `ApiClient.request`, fetching a new token and trying once more on a 401; a write keeps
        its Idempotency-Key across that second try."""
        if method.upper() in WRITE_METHODS and not kwargs.get("idempotency_key"):
            kwargs["idempotency_key"] = str(uuid.uuid4())
        try:
            return super().request(method, path, **kwargs)
        except ApiError as exc:
            if exc.status != 401:
                raise
            self._forget_token()
            return super().request(method, path, **kwargs)

    def raise_for(self, response: httpx.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if isinstance(body, dict) and body.get("errors"):
            message = "; ".join(
                str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in body["errors"]
            )
        elif isinstance(body, dict) and body.get("error"):
            message = f"{body['error']}: {body.get('error_description', '')}".rstrip(": ")
        else:
            message = response.text[:500]
        raise ApiError(self.system, response.status_code, message)

    # tests

    def upsert_test(
        self,
        *,
        external_test_id: str,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        duration_minutes: int,
    ) -> PlatformTest:
        answer = self.request(
            "POST",
            "v1/test",
            params={"isExternal": "true"},
            json={
                "externalTestId": external_test_id,
                "title": title,
                "startTime": _iso(starts_at),
                "endTime": _iso(ends_at),
                "duration": duration_minutes,
            },
        ).json()
        return self.get_test(answer_id(answer, f"upsert of test {external_test_id}", "assessmentRunId"))

    def find_test(self, external_test_id: str) -> PlatformTest | None:
        answer = self.request("GET", "v1/test/search", params={"externalTestID": external_test_id}).json()
        return parse_search(answer, external_test_id)

    def get_test(self, test_id: str) -> PlatformTest:
        return parse_test(self.request("GET", f"v1/test/{test_id}").json(), f"test {test_id}")

    def set_security_options(self, test_id: str, security: ExamSecurity) -> None:
        self.request("POST", f"v1/test/{test_id}/options", json=options_body(security))

    def security_options(self, test_id: str) -> ExamSecurity:
        return parse_security(self.request("GET", f"v1/test/{test_id}/options").json(), test_id)

    def set_status(self, test_id: str, status: str) -> PlatformTest:
        answer = self.request("POST", f"v1/test/{test_id}/status", json={"status": status}).json()
        return parse_test(answer, f"status of test {test_id}")

    # candidates

    def list_candidates(self, test_id: str) -> list[PlatformCandidate]:
        rows = self.request("GET", f"v1/test/{test_id}/candidates").json()
        return parse_candidates(rows, test_id, self.auth_type)

    def add_candidates(self, test_id: str, candidates: Iterable[PlatformCandidate]) -> None:
        for chunk in _chunks(candidates, MAX_CANDIDATES_PER_REQUEST):
            body = [self._candidate_body(c) for c in chunk]
            self.request("POST", f"v1/test/{test_id}/candidates", json={"candidates": body})

    def _candidate_body(self, candidate: PlatformCandidate) -> dict[str, Any]:
        body: dict[str, Any] = {
            "externalUserIds": [{"authType": self.auth_type, "externalUserId": candidate.external_user_id}],
            "extraTimeMins": candidate.extra_time_minutes,
        }
        if candidate.candidate_code:
            body["candidateCode"] = candidate.candidate_code
        return body

    def remove_candidates(self, test_id: str, external_user_ids: Iterable[str]) -> None:
        for chunk in _chunks(external_user_ids, MAX_CANDIDATES_PER_REQUEST):
            self.request("POST", f"v1/test/{test_id}/candidates/remove", json={"externalUserIds": chunk})

    # committees

    def set_committees(self, test_id: str, committees: Sequence[PlatformCommittee]) -> None:
        """Creates the GRADING committees, adds their graders as contributors and moves each
        committee's candidates into it. A grader's committees become the ones of this call they
        sit on, and a candidate leaves any earlier grading committee: pass every committee of the
        test at once. Every step is a set, so the same call twice leaves the same state."""
        if not committees:
            return
        body = {"committees": [{"name": c.name, "type": "GRADING"} for c in committees]}
        self.request("POST", f"v1/test/{test_id}/committees", json=body)
        if contributors := _contributors(committees):
            self.request(
                "POST",
                f"v1/test/{test_id}/contributors",
                json={"authenticationSystem": self.auth_type, "contributors": contributors},
            )
        for committee in committees:
            for chunk in _chunks(committee.external_user_ids, MAX_CANDIDATES_PER_REQUEST):
                self.request(
                    "POST",
                    f"v1/test/{test_id}/committees/candidates/move",
                    json={"committeeName": committee.name, "externalUserIds": chunk},
                )

    # results

    def export_results(self, test_id: str) -> ResultsExport:
        order = {"resourceType": "AllResults", "parameters": {"assessmentRunId": test_id}}
        job = answer_id(
            self.request("POST", "v1/fileExport/order", json=order).json(), "export order", "jobId"
        )
        url = self._await_export(job)
        return parse_export(self._plain.request("GET", url).json(), test_id)

    def sketches(self, test_id: str) -> list[Sketch]:
        """Lists the test's sketches, then fetches each file from its signed URL (no token)."""
        listed = parse_sketches(self.request("GET", f"v1/test/{test_id}/sketches").json(), test_id)
        return [
            Sketch(
                candidate_id=s.candidate_id,
                question_number=s.question_number,
                filename=s.filename,
                mime_type=s.mime_type,
                content=self._plain.request("GET", s.url).content,
            )
            for s in listed
        ]

    def _await_export(self, job: str) -> str:
        """Polls the job until success; counts polls rather than reading a clock, so a test's fake
        sleep keeps it fast."""
        polls = max(1, math.ceil(self.export_timeout_seconds / max(self.export_poll_seconds, 1e-3)))
        for _ in range(polls):
            if url := export_url(self.request("GET", f"v1/fileExport/status/{job}").json(), job):
                return url
            self.retry.sleep(self.export_poll_seconds)
        raise Unavailable(
            self.system, None, f"export job {job} not done after {self.export_timeout_seconds}s"
        )
