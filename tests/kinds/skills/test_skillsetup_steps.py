"""Resolving a spec's skill definitions (``resolve_definitions`` and its named steps), as tables."""

from __future__ import annotations

import pytest

from bulkops.kinds.skills.intent import SkillDefinitionIntent, SkillItem
from bulkops.kinds.skills.setup import NEW_SKILL, Migration, _DefinitionNames, resolve_definitions
from bulkops.spec.resolve import OrgDirectory
from bulkops.spec.validate import Problems


def directory() -> OrgDirectory:
    return OrgDirectory(skills={"Sales": "s-1", "Billing": "s-2"}, divisions={"Home": "d-1", "East": "d-2"})


def D(action, skill, **kw) -> SkillDefinitionIntent:
    return SkillDefinitionIntent(action, skill, line=kw.pop("line", 3), **kw)


@pytest.mark.parametrize(
    "definitions, items, migrations, watched, problems",
    [
        ([D("create", "Chat", division="east")], [SkillItem("create", "Chat", None, "d-2", 3)], [], set(), []),
        ([D("create", "sales")], [SkillItem("create", "sales", "s-1", None, 3)], [], set(), []),  # exists already: the kind checks it
        ([D("move", "SALES", division="d-1")], [SkillItem("move", "Sales", "s-1", "d-1", 3)], [], set(), []),
        ([D("delete", "s-2")], [SkillItem("delete", "Billing", "s-2", None, 3)], [], {"s-2"}, []),
        ([D("move", "Salse", division="Nowhere")], [], [], set(), ["skill 'Salse' is not in the org (did you mean 'Sales'?)"]),
        ([D("move", "Sales", division="Nowhere")], [SkillItem("move", "Sales", "s-1", None, 3)], [], set(), ["division 'Nowhere' is not in the org"]),
        (
            [D("migrate", "Sales", into="Billing", delete=True)],
            [SkillItem("delete", "Sales", "s-1", None, 3)],
            [("s-1", "Sales", "s-2", "Billing")],
            {"s-1"},
            [],
        ),
        (
            [D("create", "Chat"), D("migrate", "Sales", into="chat")],
            [SkillItem("create", "Chat", None, None, 3)],
            [("s-1", "Sales", NEW_SKILL + "chat", "chat")],
            {"s-1"},
            [],
        ),
        ([D("migrate", "Sales", into="Nope")], [], [], set(), ["skill 'Nope' is not in the org"]),
    ],
)
def test_definitions_resolve_to_items_and_migrations(definitions, items, migrations, watched, problems):
    found = Problems("spec.json")
    setup = resolve_definitions(definitions, directory(), found)
    assert setup.items == items
    assert [(m.source_id, m.source, m.target_id, m.target) for m in setup.migrations] == migrations
    assert all(isinstance(m, Migration) for m in setup.migrations)
    assert setup.watched == watched
    assert [m for _, m in found._items] == problems


def test_a_create_leaves_a_placeholder_in_the_directory():
    d = directory()
    resolve_definitions([D("create", "Chat")], d, Problems("spec.json"))
    assert d.skills["Chat"] == NEW_SKILL + "Chat"


@pytest.mark.parametrize("ref, hit", [("sales", ("Sales", "s-1")), (" s-2 ", ("Billing", "s-2")), ("Nope", None)])
def test_a_skill_is_found_by_name_or_id(ref, hit):
    assert _DefinitionNames(directory(), Problems("x"), set()).skill(ref, 1) == hit
