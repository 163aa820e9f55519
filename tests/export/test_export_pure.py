"""The export's pure parts: a queue's settings as a spec entry (what the spec's ranges can state), the
default utilization as a section, a proficiency as a cell, and the spreadsheet neutraliser both ways."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.domain.utilization import LabelUtilization, MediaUtilization, Utilization
from bulkops.export.sections import default_section, queue_entry
from bulkops.export.writers import level_text
from bulkops.safetext import spreadsheet_cell, spreadsheet_value

SKILLS = {"s1": "Billing", "s2": "Sales"}


def ring(timeout: float | None, skills: list[str]) -> dict:
    criteria = [{"type": "TIMEOUT_SECONDS", "threshold": timeout}] if timeout is not None else []
    return {"expansionCriteria": criteria, "actions": {"skillsToRemove": [{"id": s} for s in skills]}}


@pytest.mark.parametrize(
    ("body", "entry"),
    [
        ({"name": "Q"}, None),  # nothing a spec states
        ({"name": "Q", "skillEvaluationMethod": "ALL"}, {"queue": "Q", "skillEvaluationMethod": "ALL"}),
        ({"name": "Q", "skillEvaluationMethod": "SOMETHING_NEW"}, None),  # not a value the spec takes
        (
            {"name": "Q", "acwSettings": {"wrapupPrompt": "OPTIONAL", "timeoutMs": 5000}},
            {"queue": "Q", "acw": {"wrapupPrompt": "OPTIONAL"}},  # a timeout only goes with the timeout prompts
        ),
        (
            {"name": "Q", "acwSettings": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 500}},
            {"queue": "Q", "acw": {"wrapupPrompt": "MANDATORY_TIMEOUT"}},  # below the spec's range: left out
        ),
        (
            {"name": "Q", "mediaSettings": {"chat": {"alertingTimeoutSeconds": 5, "serviceLevel": {"percentage": 0.8, "durationMs": 20000}}}},
            {"queue": "Q", "media": {"chat": {"serviceLevel": {"percentage": 0.8, "durationMs": 20000}}}},
        ),
        (
            {"name": "Q", "mediaSettings": {"workitem": {"alertingTimeoutSeconds": 30}}},
            None,  # a media type bulkops does not know
        ),
        (
            {"name": "Q", "bullseye": {"rings": [ring(30, ["s2", "s1"]), ring(12.5, []), ring(None, ["gone"])]}},
            {"queue": "Q", "rings": {"1": {"timeoutSeconds": 30, "skillsToRemove": ["Billing", "Sales"]}, "2": {"timeoutSeconds": 12.5, "skillsToRemove": []}}},
        ),
    ],
)
def test_a_queue_entry_states_what_the_spec_can(body, entry):
    assert queue_entry(body, SKILLS) == entry


def test_the_default_utilization_names_labels_and_keeps_known_media_types():
    setting = Utilization(
        media={"call": MediaUtilization(1, frozenset({"chat", "workitem"})), "workitem": MediaUtilization(2)},
        labels={"l1": LabelUtilization(2, frozenset({"l2", "gone"})), "l2": LabelUtilization(1), "gone": LabelUtilization(3)},
    )
    assert default_section(setting, {"l1": "VIP", "l2": "Gold"}) == {
        "media": {"call": {"maximumCapacity": 1, "interruptableMediaTypes": ["chat"], "includeNonAcd": False}},
        "labels": {"Gold": {"maximumCapacity": 1, "interruptingLabels": []}, "VIP": {"maximumCapacity": 2, "interruptingLabels": ["Gold"]}},
    }


@given(st.floats(min_value=0, max_value=5, allow_nan=False))
def test_a_proficiency_cell_reads_back_as_the_same_number(value):
    assert float(level_text(value)) == value


@given(st.text())
def test_a_neutralised_cell_reads_back_as_written(text):
    cell = spreadsheet_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert spreadsheet_value(cell) == text  # a value's own leading ' too (it gets one more)
