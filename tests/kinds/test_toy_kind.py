"""A kind is one folder and one line of the registry (#26 §1): a toy kind, defined and registered in
this test alone, is read from a CSV's columns, set up, planned, stored, run, verified and undone over
HTTP against the simulator, with no edit anywhere else.

The toy is a utilization label given by a ``toy:`` column of the users' wide CSV (its run reuses the
labels' ``Kind`` under its own name, so the platform's side is real). The only trick is the
registration: the test puts the folder in ``KINDS`` where each module holds it, as one more line of
``kinds/registry.py`` would.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from helpers.engine import client_for, plan_undo_of, undo_job, write_wide_csv

import bulkops.kinds.registry as registry
from bulkops.client.endpoints.utilization import list_labels
from bulkops.domain.verification import Verification
from bulkops.engine.plan.planjob import plan_sections
from bulkops.engine.run.execute import execute
from bulkops.engine.run.options import RunOptions
from bulkops.engine.setup.job import check_locally, create_job, resolve_against_org
from bulkops.engine.undo.undoview import describe_items
from bulkops.engine.verify.verifyjob import read_job_writes
from bulkops.engine.verify.verifyrun import VerifyOptions, verify_job
from bulkops.kinds.base import AnyKind
from bulkops.kinds.folder import KindFolder, SetupContext
from bulkops.kinds.labels.intent import LabelItem
from bulkops.kinds.labels.kind import UtilizationLabelsKind
from bulkops.simulator import SimConfig
from bulkops.spec.validate import At, Problems
from bulkops.state.store import RunStore

TOY = "toy"
OPTS = RunOptions(workers=4, conflict_delay=0.0)


class ToyKind(UtilizationLabelsKind):
    name = TOY


@dataclass(frozen=True, slots=True)
class ToyColumn:
    key: str
    header: str


@dataclass(frozen=True, slots=True)
class ToyCell:
    column: ToyColumn
    text: str
    at: At


@dataclass(slots=True)
class ToySection:
    names: list[str] = field(default_factory=list)

    def add(self, user: str, line: int, cells: list[ToyCell], anchor: At, problems: Problems) -> None:
        self.names += [c.text.strip() for c in cells if c.text.strip() not in self.names]

    def finish(self) -> list[str]:
        return list(self.names)


class ToyColumns:
    prefix = "toy:"

    def claims(self, header: str) -> bool:
        return header.strip().casefold().startswith(self.prefix)

    def column(self, header: str) -> ToyColumn:
        return ToyColumn(header.strip().casefold(), header.strip())

    def cell(self, column: ToyColumn, text: str, at: At) -> ToyCell:
        return ToyCell(column, text, at)

    def section(self) -> ToySection:
        return ToySection()


@dataclass(slots=True)
class ToySetup:
    items: list[LabelItem]
    lines: list[dict[str, Any]]


class ToyFolder(KindFolder):
    name = TOY
    heading = "Toy labels"
    plan_key = "toys"
    undo_noun = "toy label"
    undone_whole = True

    def make(self) -> AnyKind:
        return ToyKind()

    def user_columns(self) -> ToyColumns:
        return ToyColumns()

    async def set_up(self, ctx: SetupContext) -> ToySetup:
        names = list(ctx.sections.get(TOY) or [])
        return ToySetup([LabelItem("create", n, None) for n in names], [{"label": n, "action": "create"} for n in names])

    def plan_line(self, setup: ToySetup | None, resolved: Any) -> list[dict[str, Any]]:
        return [] if setup is None else setup.lines

    def plan_requests(self, line: list[dict[str, Any]]) -> int:
        return len(line)

    def plan_text(self, line: list[dict[str, Any]]) -> list[str]:
        return [f"toy label {x['action']} {x['label']}" for x in line]

    def plan_writes(self, line: list[dict[str, Any]] | None) -> bool:
        return bool(line)


#: The modules that loop over the registry, imported before the toy is put in it, so none of them
#: first binds the registry (or builds a table from it, like the report's headings) with the toy in it.
LOOPING = [
    "bulkops.cli.jobs",
    "bulkops.cli.validate",
    "bulkops.engine.plan.planjob",
    "bulkops.engine.plan.reduction",
    "bulkops.engine.run.runner",
    "bulkops.engine.setup.job",
    "bulkops.engine.undo.undojob",
    "bulkops.engine.verify.verifyjob",
    "bulkops.report.html",
    "bulkops.spec.schemacheck",
]


@pytest.fixture
def toy_registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[ToyFolder]:
    """The toy's folder last in the registry, as one more line of ``kinds/registry.py`` puts it."""
    for name in LOOPING:
        importlib.import_module(name)
    toy, before = ToyFolder(), registry.KINDS
    listed = (*before, toy)
    for module in list(sys.modules.values()):
        if getattr(module, "KINDS", None) is before:
            monkeypatch.setattr(module, "KINDS", listed)
    yield toy
    for module in list(sys.modules.values()):  # a module first imported meanwhile: as the registry has it
        if getattr(module, "KINDS", None) is listed:
            module.KINDS = before  # type: ignore[attr-defined]


async def test_a_kind_registered_in_a_test_alone_is_read_set_up_planned_stored_run_verified_and_undone(sim, tmp_path, toy_registered):
    sim.sim.reset(SimConfig(users=20, seed=11))
    sim.sim.configure(audit_delay_seconds=0.0, audit_query_seconds=0.0)
    s = sim.sim
    a, b, c = s.user_ids()[:3]
    skill = next(iter(s.skill_ids_by_name()))
    rows = [[s.org.user(a).email, "4", "Toy Gold"], [s.org.user(b).email, "2", "Toy Silver"], [s.org.user(c).email, "", "Toy Gold"]]
    spec = write_wide_csv(tmp_path / "t.csv", ["email", skill, "toy:tag"], rows)

    # read (the users' CSV hands the toy's column to its folder) and set-up
    checked = check_locally(spec)
    assert checked.sections[TOY] == ["Toy Gold", "Toy Silver"]
    async with client_for(sim, rps=3000) as client:
        resolved = await resolve_against_org(client, checked)
        # plan
        assert plan_sections(resolved)[TOY] == [{"label": "Toy Gold", "action": "create"}, {"label": "Toy Silver", "action": "create"}]
        # store: in the toy's phase, by its own key
        setup = create_job(resolved, state_dir=tmp_path)
        stored = [(kind, key) for kind, key, _, _ in setup.store.open_items("before_users")]
        assert stored == [(TOY, "toy gold"), (TOY, "toy silver")]
        # run
        summary = await execute(client, setup, options=OPTS)
        made = {x.name for x in await list_labels(client)}
    setup.store.close()
    assert summary["status"] == "complete", summary
    assert summary["items"][TOY] == {"applied": 2} and summary["users"]["applied"] == 2
    assert {"Toy Gold", "Toy Silver"} <= made

    # verify: the platform's audit shows each toy's write
    store = RunStore.open(setup.paths.db)
    writes = read_job_writes(setup.paths.audit, created=store.get("created"))
    client_id = store.get("client_id")
    store.close()
    assert {w.op for w in writes.expected if w.owner.startswith(TOY + ":")} == {"toy_create"}
    async with client_for(sim) as client:
        v = await verify_job(client, writes, client_id, VerifyOptions(audit_lag=0.0, query_timeout=20))
    assert isinstance(v, Verification) and v.verified, v.to_json()
    assert {o.owner for o in v.owners if o.owner.startswith(TOY)} == {"toy:toy gold", "toy:toy silver"}

    # the undo's view says the toy's items in its folder's words, and the undo takes them back
    plan = await plan_undo_of(sim, tmp_path, setup.job_id)
    said = "\n".join(describe_items(plan))
    assert "toy label" in said and "Toy Gold" in said and "Toy Silver" in said, said
    _, _, undone = await undo_job(sim, tmp_path, setup.job_id)
    assert undone["status"] == "complete" and undone["items"][TOY] == {"applied": 2}, undone
    async with client_for(sim) as client:
        left = {x.name for x in await list_labels(client)}
    assert not {"Toy Gold", "Toy Silver"} & left
