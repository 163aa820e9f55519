"""The one registry of kinds (#26 §1): each folder answers for its kind, and the registry's order is
the run's order within a phase, whatever the kinds are called."""

from __future__ import annotations

import pytest

from bulkops.engine.run.phases import in_run_order
from bulkops.kinds.base import PHASES
from bulkops.kinds.registry import KINDS, folder_of, kinds
from bulkops.kinds.skills.intent import SkillItem
from bulkops.kinds.skills.setup import NEW_SKILL, SkillSetup
from bulkops.report.html import CONTENTS, ITEM_HEADINGS
from bulkops.spec.resolve import OrgDirectory
from bulkops.spec.schemacheck import document_issues

NAMES = ["skill", "queue", "queue_members", "label", "utilization", "utilization_default"]


def test_the_registry_lists_each_kind_once_in_its_order():
    assert [f.name for f in KINDS] == NAMES
    assert list(kinds()) == NAMES
    assert all(kind.name == name for name, kind in kinds().items())
    assert kinds()["skill"] is not kinds()["skill"]  # fresh instances for each pass


@pytest.mark.parametrize("folder", KINDS, ids=lambda f: f.name)
def test_each_folder_answers_for_its_kind(folder):
    assert folder_of(folder.name) is folder
    assert folder.undo_noun is not None and (folder.section == "" or folder.needs_v2)
    counted = folder.counts(folder.empty())
    assert counted is None or counted.words is None  # an empty section is not said


def test_a_phase_runs_its_kinds_in_the_registrys_order_not_by_name():
    rows = [("utilization_default", "org", b"", "pending"), ("label", "b", b"", "pending"), ("skill", "z", b"", "pending"), ("label", "a", b"", "pending")]
    assert [(k, key) for k, key, _, _ in in_run_order(rows, NAMES)] == [("skill", "z"), ("label", "a"), ("label", "b"), ("utilization_default", "org")]
    # renamed kinds keep the order they are listed in
    assert [k for k, *_ in in_run_order(rows, ["utilization_default", "label", "skill"])] == ["utilization_default", "label", "label", "skill"]
    assert PHASES == ("before_users", "after_users", "last")


def test_a_version_2_document_with_nothing_names_every_section_of_the_registry():
    [(_, _, message)] = document_issues({"version": 2})
    sections = ["users", *(f.section for f in KINDS if f.section)]
    assert all(f'"{s}"' for s in sections) and message == (
        'nothing to do: "users", "skills", "queues", "utilizationLabels", "utilization" and "utilizationDefault" are all empty or missing'
    )
    assert all(f'"{s}"' in message for s in sections)


def test_what_a_kind_records_in_the_jobs_store_comes_from_its_folder():
    setup = SkillSetup(items=[SkillItem("create", "Spanish"), SkillItem("create", "Billing", skill_id="s1"), SkillItem("delete", "Old", skill_id="s2")])
    assert folder_of("skill").job_meta(setup) == {"new_skills": [NEW_SKILL + "Spanish"]}
    assert folder_of("skill").job_meta(None) == {"new_skills": []}
    directory = OrgDirectory(skills={"Spanish": NEW_SKILL + "Spanish", "Billing": "s1"})
    assert folder_of("skill").names(directory) == {NEW_SKILL + "Spanish": "Spanish"}
    assert all(f.job_meta(None) == {} and f.names(directory) == {} for f in KINDS if f.name != "skill")


def test_the_undo_says_a_create_or_delete_whole_for_the_kinds_whose_folder_says_so():
    assert [f.name for f in KINDS if f.undone_whole] == ["skill", "label"]


def test_the_reports_heading_of_each_kinds_items_comes_from_its_folder():
    assert ITEM_HEADINGS == {f.name: f.heading for f in KINDS} and all(f.heading for f in KINDS)
    assert [c for c in CONTENTS if c[0].startswith("items-")] == [(f"items-{f.name}", f.heading) for f in KINDS]


def test_what_the_undos_plan_reads_to_name_an_items_values_comes_from_its_folder():
    reads = {f.name: f.undo_reads for f in KINDS if f.undo_reads}
    assert reads == {"skill": {"divisions"}, "label": {"labels"}, "utilization": {"labels"}, "utilization_default": {"labels"}}


def test_whether_a_kinds_plan_line_writes_comes_from_its_folder():
    """``plan --detailed-exitcode``: a line that only reads (an object already so) is no write."""
    by = {f.name: f for f in KINDS}
    assert not any(f.plan_writes(None) for f in KINDS)
    assert by["skill"].plan_writes([{"action": "create", "exists_already": True}]) is False
    assert by["skill"].plan_writes([{"action": "delete"}]) is True
    quiet = {"settings": {}, "add_codes": [], "remove_codes": [], "members": {"activate_count": 0, "deactivate_count": 0}}
    assert by["queue"].plan_writes([quiet]) is False
    assert by["queue"].plan_writes([quiet | {"members": {"activate_count": 2}}]) is True
    assert by["utilization"].plan_writes({"users": []}) is False and by["utilization"].plan_writes({"users": [{"user": "a"}]}) is True
    assert by["utilization_default"].plan_writes({"changes": {}}) is False and by["utilization_default"].plan_writes({"changes": {"chat": 1}}) is True
