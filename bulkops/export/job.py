"""One export: read the org (``reader``), keep the users on disk (``spool``), write one form (``writers``)."""

from __future__ import annotations

from typing import TextIO

import structlog

from bulkops.client.api import GenesysClient
from bulkops.engine.setup.userread import LISTING_RESTARTS
from bulkops.errors import CursorExpiredError
from bulkops.export.model import ExportCounts, Selection
from bulkops.export.reader import OnPage, OrgReader
from bulkops.export.sections import utilization_default
from bulkops.export.spool import Spool
from bulkops.export.writers import Writer
from bulkops.export.writers.jsondoc import write_json
from bulkops.export.writers.long import write_long
from bulkops.export.writers.wide import write_wide

#: The CSV forms (the JSON form takes its sections too).
CSV_WRITERS: dict[str, Writer] = {"wide": write_wide, "long": write_long}

log = structlog.get_logger("bulkops.export")


async def export_org(client: GenesysClient, selection: Selection, form: str, out: TextIO, *, on_page: OnPage | None = None) -> ExportCounts:
    """Write the users ``selection`` picks to ``out`` in ``form`` (``writers.FORMATS``); nothing is
    written to ``out`` before the listing is done, so a failed read leaves it empty. The JSON form
    carries the sections (``sections``): its users' queues, the queues' settings, and the org's
    default utilization. A listing whose cursor expires (a 400 on it) starts over, as set-up's does:
    nothing was written yet."""
    restarts = 0
    while True:
        try:
            return await _export(client, selection, form, out, on_page)
        except CursorExpiredError as exc:
            restarts += 1
            if restarts > LISTING_RESTARTS:
                raise
            log.warning("export.cursor_expired", detail=str(exc), action="listing the org again from the start (nothing written yet)")


async def _export(client: GenesysClient, selection: Selection, form: str, out: TextIO, on_page: OnPage | None) -> ExportCounts:
    reader = OrgReader(client, selection, on_page=on_page, memberships=form == "json")
    with Spool() as spool:
        async for user in reader.users():
            spool.add(user)
        if form == "json":
            sections = {"queues": reader.queue_entries(), "utilizationDefault": await utilization_default(client)}
            write_json(spool, spool.users(reader.emails), out, sections={k: v for k, v in sections.items() if v})
        else:
            CSV_WRITERS[form](spool, spool.users(reader.emails), out)
        assert reader.picked is not None
        return ExportCounts(listed=reader.picked.listed, exported=spool.count, unnamed=reader.picked.unnamed)
