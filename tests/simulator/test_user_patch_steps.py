"""The simulator's ``UpdateUser`` body checks (``patch_text_fields``, ``patch_manager``), as tables."""

from __future__ import annotations

import pytest

from bulkops.simulator.model.org import patch_manager, patch_text_fields


@pytest.mark.parametrize(
    "body, changes, invalid",
    [
        ({"title": "Lead", "department": ""}, {"title": "Lead", "department": None}, []),
        ({"name": "", "email": None}, {}, [("name", "required"), ("email", "required")]),
        ({"preferredName": 5, "title": None}, {"title": None}, [("preferredName", "invalid.value")]),
        ({"version": 3, "other": "x"}, {}, []),
    ],
)
def test_patch_text_fields(body, changes, invalid):
    got, details = {}, []
    patch_text_fields(body, got, details)
    assert got == changes
    assert [(d["fieldName"], d["errorCode"]) for d in details] == invalid


@pytest.mark.parametrize(
    "mgr, changes, invalid",
    [
        (None, {"manager": None}, []),
        ("", {"manager": None}, []),
        ("u-2", {"manager": "u-2"}, []),
        (7, {}, [("manager", "invalid.value")]),
        ("u-1", {}, [("manager", "self.reference")]),
        ("u-9", {}, [("manager", "not.found")]),
    ],
)
def test_patch_manager(mgr, changes, invalid):
    got, details = {}, []
    patch_manager(mgr, "u-1", {"u-1", "u-2"}, got, details)
    assert got == changes
    assert [(d["fieldName"], d["errorCode"]) for d in details] == invalid
