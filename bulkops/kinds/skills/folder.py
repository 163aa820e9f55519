"""Skill definitions as every stage reads them (``kinds/folder.KindFolder``): the ``skills`` section (or the
skills CSV), the two set-up steps, the plan lines in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bulkops.kinds.base import AnyKind
from bulkops.kinds.folder import Counted, IntentRewrite, KindFolder, SetupContext, plural
from bulkops.kinds.skills.intent import SkillDefinitionIntent
from bulkops.kinds.skills.kind import SkillDefinitions
from bulkops.kinds.skills.plan import definition_reduction, describe_skill_line, describe_skills, skill_requests
from bulkops.kinds.skills.section import read_json
from bulkops.kinds.skills.setup import (
    NEW_SKILL,
    NEW_SKILLS_KEY,
    SkillSetup,
    apply_migrations,
    created_ids,
    guard_deletes,
    resolve_definitions,
    substitute,
)

if TYPE_CHECKING:
    from bulkops.client.api import GenesysClient
    from bulkops.domain.inverse import Inverse
    from bulkops.engine.setup.job import ResolvedSpec
    from bulkops.engine.undo.itemundo import ItemsInverse
    from bulkops.spec.csvio import CsvForm
    from bulkops.spec.jsonspec import JsonSection
    from bulkops.spec.resolve import OrgDirectory
    from bulkops.spec.validate import Problems
    from bulkops.state.store import RunStore

NAME = "skill"


def definitions_of(sections: Mapping[str, Any]) -> list[SkillDefinitionIntent]:
    """The spec's skill definitions among the sections by kind (empty: the spec has none)."""
    return list(sections.get(NAME) or [])


def skill_setup_of(setups: Mapping[str, Any]) -> SkillSetup:
    """The skills section as set-up resolved it (empty when the job has none)."""
    found = setups.get(NAME)
    return found if isinstance(found, SkillSetup) else SkillSetup()


class SkillsFolder(KindFolder):
    name = NAME
    heading = "Skill definitions"
    section = "skills"
    needs_v2 = "skill definitions need"
    plan_key = "skills"
    undo_noun = "skill"
    undo_reads = frozenset({"divisions"})
    undone_whole = True
    catalogues = frozenset({"skills", "divisions"})

    def make(self) -> AnyKind:
        return SkillDefinitions()

    def csv_form(self, header: list[str]) -> tuple[str, type[CsvForm]] | None:
        from bulkops.kinds.skills.csv import SkillDefsCsv, is_definitions_header  # read only for a CSV spec

        return ("csv-skills", SkillDefsCsv) if is_definitions_header(header) else None

    def read_json(self, section: JsonSection) -> list[SkillDefinitionIntent]:
        return read_json(section)

    def counts(self, section: Any) -> Counted:
        n = len(section or [])
        return Counted("skill_definitions", n, plural(n, "skill definition") if n else None)

    def watch_users(self, sections: Mapping[str, Any], directory: OrgDirectory, problems: Problems) -> SkillSetup:
        """The first step: the definitions resolved against the catalogue, the skills whose holders to find."""
        return resolve_definitions(definitions_of(sections), directory, problems)

    async def set_up(self, ctx: SetupContext) -> SkillSetup:
        """The second step (the first, ``watch_users``, ran before the users were read)."""
        setup = skill_setup_of(ctx.setups)
        apply_migrations(setup, ctx.store, ctx.problems)
        await guard_deletes(ctx.client, setup, ctx.problems)
        return setup

    def plan_writes(self, line: list[dict[str, Any]] | None) -> bool:
        return any(s["action"] != "create" or not s.get("exists_already") for s in line or [])

    def reduction(self, setup: SkillSetup | None) -> str | None:
        setup = setup or SkillSetup()
        return definition_reduction(setup.items, len(setup.migrations))

    def job_meta(self, setup: SkillSetup | None) -> dict[str, Any]:
        """Placeholder ids of the skills the job creates: the run swaps in the real ones."""
        items = (setup or SkillSetup()).items
        return {NEW_SKILLS_KEY: sorted(NEW_SKILL + i.name for i in items if i.op == "create" and i.skill_id is None)}

    async def before_users(self, client: GenesysClient, store: RunStore) -> IntentRewrite | None:
        """The users' intents name a skill the job created by its placeholder: the real id, read now."""
        created = await created_ids(client, store)
        if created is None:
            return None
        return lambda intent: substitute(intent, created)

    def undo_users(self, users: Inverse, items: ItemsInverse) -> Inverse:
        """A skill the job deleted is created again by name: its holders get their old levels on it (#25 §4)."""
        from bulkops.kinds.skills.undo import onto_recreated, recreated_skills  # the undo's part: it names this folder

        return onto_recreated(users, recreated_skills(items))

    def undo_names(self, items: ItemsInverse) -> dict[str, str]:
        from bulkops.kinds.skills.undo import skill_names

        return skill_names(items)

    def undo_meta(self, items: ItemsInverse) -> dict[str, Any]:
        """The placeholders of the skills the undo creates again: the run swaps in their real ids."""
        from bulkops.kinds.skills.undo import recreated_skills

        return {NEW_SKILLS_KEY: sorted(set(recreated_skills(items).values()))}

    def names(self, directory: OrgDirectory) -> dict[str, str]:
        """A skill the job creates is named by its placeholder."""
        return {sid: name for name, sid in directory.skills.items() if sid.startswith(NEW_SKILL)}

    def plan_line(self, setup: SkillSetup | None, resolved: ResolvedSpec) -> list[dict[str, Any]]:
        return describe_skills(setup or SkillSetup(), resolved.directory)

    def plan_requests(self, line: list[dict[str, Any]]) -> int:
        return skill_requests(line)

    def plan_text(self, line: list[dict[str, Any]]) -> list[str]:
        return ["skill " + describe_skill_line(x) for x in line]


FOLDER = SkillsFolder()
