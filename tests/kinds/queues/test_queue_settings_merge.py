"""The queue settings merge and diff (#18), pure: only what the job names changes; the rest of
the body is kept as read; a merged body diffs to nothing; a change elsewhere is seen."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkops.kinds.queues.intent import (
    QueueSettings,
    RingSetting,
    changed_fields,
    codes_diff,
    get_path,
    merge_settings,
    queue_change,
    settings_diff,
    unnamed_digests,
)
from bulkops.simulator.model.queueconfig import default_settings


def body() -> dict[str, Any]:
    return {"id": "q-1", "name": "Sales", "dateModified": "x", "memberGroups": [], **default_settings()}


fields_st = st.dictionaries(
    st.sampled_from(
        [
            "skillEvaluationMethod",
            "acwSettings.wrapupPrompt",
            "acwSettings.timeoutMs",
            "mediaSettings.email.serviceLevel.percentage",
            "mediaSettings.call.alertingTimeoutSeconds",
            "mediaSettings.chat.serviceLevel.durationMs",
        ]
    ),
    st.one_of(st.integers(0, 10**6), st.sampled_from(["ALL", "NONE", "MANDATORY"])),
)


def _rings(draw_k: int, timeouts: list[float | None], skills: list[tuple[str, ...] | None]) -> tuple[RingSetting, ...]:
    return tuple(RingSetting(n + 1, timeouts[n], skills[n]) for n in range(draw_k))


#: Rings 1..k (a queue read with no rings takes them one after the last, as set-up requires).
rings_st = st.integers(0, 3).flatmap(
    lambda k: st.builds(
        _rings,
        st.just(k),
        st.lists(st.one_of(st.none(), st.floats(0, 259_200, allow_nan=False)), min_size=k, max_size=k),
        st.lists(st.one_of(st.none(), st.lists(st.sampled_from(["s1", "s2", "s3"]), unique=True).map(tuple)), min_size=k, max_size=k),
    )
)
settings_st = st.builds(QueueSettings, fields_st, rings_st)


def _strip(b: dict[str, Any], named: frozenset[str]) -> dict[str, str]:
    return unnamed_digests(b, named)


@settings(max_examples=200)
@given(wanted=settings_st)
def test_merge_sets_what_is_named_keeps_the_rest_and_then_diffs_to_nothing(wanted: QueueSettings) -> None:
    read = body()
    kept = copy.deepcopy(read)
    merged = merge_settings(read, wanted)
    assert read == kept  # pure: the read is not touched
    assert "id" not in merged and "dateModified" not in merged  # what the system sets is never sent
    for path, value in wanted.fields.items():
        assert get_path(merged, path) == value
    assert settings_diff(merged, wanted) == ()
    # everything the job does not name is as read
    assert unnamed_digests(merged, wanted.named_paths()) == unnamed_digests(read, wanted.named_paths())


@settings(max_examples=100)
@given(wanted=settings_st, flag=st.sampled_from(["enableTranscription", "enableAudioMonitoring", "suppressInQueueCallRecording"]))
def test_a_change_to_an_unnamed_setting_is_seen_and_kept_by_the_merge(wanted: QueueSettings, flag: str) -> None:
    planned = body()
    fresh = copy.deepcopy(planned)
    fresh[flag] = not fresh[flag]  # another administrator, after set-up's read
    named = wanted.named_paths()
    assert changed_fields(unnamed_digests(planned, named), unnamed_digests(fresh, named)) == (flag,)
    assert merge_settings(fresh, wanted)[flag] == fresh[flag]


def test_diff_names_each_setting_before_and_after() -> None:
    wanted = QueueSettings({"skillEvaluationMethod": "ALL", "mediaSettings.email.serviceLevel.percentage": 0.8}, (RingSetting(1, 30.0, ("s1",)),))
    changes = settings_diff(body(), wanted)
    assert [(c.path, c.before, c.after) for c in changes] == [
        ("skillEvaluationMethod", "BEST", "ALL"),
        ("bullseye.rings.1.timeoutSeconds", None, 30.0),
        ("bullseye.rings.1.skillsToRemove", None, ["s1"]),
    ]  # 0.8 is what the queue has already
    merged = merge_settings(body(), wanted)
    assert len(merged["bullseye"]["rings"]) == 1
    assert merged["bullseye"]["rings"][0] == {
        "expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 30.0}],
        "actions": {"skillsToRemove": [{"id": "s1"}]},
    }


def test_codes_only_what_is_missing_or_held() -> None:
    assert codes_diff({"a", "b"}, ["a", "c", "c"], ["b", "d"]) == (("c",), ("b",))
    assert queue_change(body(), {"a"}, QueueSettings(), ["a"], ["z"]) is None


def test_a_ring_further_out_than_the_next_is_refused() -> None:
    with pytest.raises(ValueError, match="ring 3 of a queue with 0 ring"):
        merge_settings(body(), QueueSettings({}, (RingSetting(3, 5.0),)))


def test_a_prompt_without_a_timeout_takes_the_queues_timeout_away() -> None:
    wanted = QueueSettings({"acwSettings.wrapupPrompt": "OPTIONAL"})
    merged = merge_settings(body(), wanted)
    assert merged["acwSettings"] == {"wrapupPrompt": "OPTIONAL"}  # the API refuses timeoutMs with OPTIONAL
    assert [(c.path, c.before, c.after) for c in settings_diff(body(), wanted)] == [
        ("acwSettings.wrapupPrompt", "MANDATORY_TIMEOUT", "OPTIONAL"),
        ("acwSettings.timeoutMs", 300_000, None),
    ]
    assert settings_diff(merged, wanted) == ()
    kept = QueueSettings({"acwSettings.wrapupPrompt": "AGENT_REQUESTED"})
    assert merge_settings(body(), kept)["acwSettings"] == {"wrapupPrompt": "AGENT_REQUESTED", "timeoutMs": 300_000}
