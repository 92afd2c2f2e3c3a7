"""A sheet's refusal keeps its errors through pickling (Prefect persists a failed task's exception)."""

from __future__ import annotations

import pickle

from rules.sheet_errors import SheetError, SheetRefused


def test_a_refusal_survives_pickling_with_its_errors() -> None:
    refused = SheetRefused([SheetError(2, "grade", "lower case 'b'")])
    again = pickle.loads(pickle.dumps(refused))
    assert again.errors == refused.errors and str(again) == str(refused)
