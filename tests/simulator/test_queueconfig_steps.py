"""The simulator's queue settings checks (media settings, ring skills), as tables."""

from __future__ import annotations

import pytest

from bulkops.simulator.model.queueconfig import media_problems, skill_ref_problem


@pytest.mark.parametrize(
    "media, given, problems",
    [
        ("call", {"alertingTimeoutSeconds": 8, "serviceLevel": {"percentage": 0.8, "durationMs": 20000}}, []),
        ("call", {"alertingTimeoutSeconds": 8.5}, ["alertingTimeoutSeconds"]),
        ("call", {"alertingTimeoutSeconds": 0}, ["alertingTimeoutSeconds"]),
        ("email", {"serviceLevel": "x"}, ["serviceLevel"]),
        ("email", {"serviceLevel": {"percentage": 1.5, "durationMs": -1}}, ["serviceLevel.percentage", "serviceLevel.durationMs"]),
        ("chat", {"enableAutoAnswer": "yes"}, ["enableAutoAnswer"]),
        ("chat", {"autoAnswerAlertToneSeconds": -1, "manualAnswerAlertToneSeconds": True}, ["autoAnswerAlertToneSeconds", "manualAnswerAlertToneSeconds"]),
        ("callback", {"mode": "Sometimes"}, ["mode"]),
        ("call", {"mode": "Sometimes"}, []),  # mode is the callback's own
        ("call", {}, []),
    ],
)
def test_media_problems(media, given, problems):
    got = media_problems(media, given, f"mediaSettings.{media}")
    assert [d["fieldName"].removeprefix(f"mediaSettings.{media}.") for d in got] == problems
    assert {d["errorCode"] for d in got} <= {"invalid.value"}


class Skill:
    def __init__(self, state: str) -> None:
        self.state = state


@pytest.mark.parametrize(
    "sid, skill, problem",
    [
        ("s-1", Skill("active"), None),
        ("", None, ("required",)),
        (None, None, ("required",)),
        ("s-2", None, ("not.found", "s-2")),
        ("s-3", Skill("deleted"), ("not.found", "s-3")),
        ("s-4", Skill("inactive"), ("inactive", "s-4")),
    ],
)
def test_skill_ref_problem(sid, skill, problem):
    assert skill_ref_problem(sid, skill) == problem
