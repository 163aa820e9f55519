"""The report's "Verification" section: what `bulkops verify` found in the platform's audit.

Shown when the job folder holds ``verification.json``; read here so the page builder only
asks for the section.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

import orjson

FILE_NAME = "verification.json"


def load_verification(root: Path) -> dict[str, Any] | None:
    """The job's verification record, or None (none yet, or unreadable: the page goes on without it)."""
    try:
        data = orjson.loads((root / FILE_NAME).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def say(token: str, names: Mapping[str, str]) -> str:
    """An id (or ``kind:id``) as a person reads it: the catalogue's name where the job has one."""
    kind, sep, rest = token.partition(":")
    if sep and rest:
        return f"{kind} {names.get(rest, rest)}"
    return names.get(token, token)


def section(record: Mapping[str, Any] | None) -> str:
    if not record:
        return ""
    labels: Mapping[str, str] = {**(record.get("names") or {}), **(record.get("labels") or {})}
    rows = finding_rows(record, labels)
    table = ("<table><tr><th>user / item</th><th>finding</th><th>write</th><th>on</th><th>what</th></tr>" + "".join(rows) + "</table>") if rows else ""
    note = (
        '<p class="note">Confirmed: the platform recorded every write the job did. Missing: the job recorded a write the platform '
        "has no entry for. Unexpected: the platform recorded a write by this OAuth client in the job's window that the job does not know of.</p>"
    )
    return f'<h2 id="verification">Verification</h2><section>{verdict_line(record)}{table}{note}</section>'


def verdict_line(record: Mapping[str, Any]) -> str:
    """The verdict, against whose audit, and the counts that are not zero."""
    counts: Mapping[str, int] = record.get("counts") or {}
    verdict = "verified" if record.get("verified") else "not verified"
    return (
        f'<p><b data-figure="verification">{verdict}</b> against the platform\'s own audit trail '
        f"(OAuth client <code>{escape(str(record.get('client_id')))}</code>, {int(record.get('messages') or 0)} message(s), "
        f"checked {escape(str(record.get('verified_at') or ''))}): " + ", ".join(f"{escape(k)} {int(v)}" for k, v in counts.items() if v) + "</p>"
    )


def finding_rows(record: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """A row per finding: each owner's missing then unexpected writes (confirmed owners have none
    to show), then the unexpected writes of no owner in the job."""
    rows = []
    for o in record.get("owners") or ():
        if o.get("status") == "confirmed":
            continue
        found = [("missing", f) for f in o.get("missing") or ()] + [("unexpected", f) for f in o.get("unexpected") or ()]
        rows += [_row(labels.get(o["owner"], o["owner"]), kind, f, labels) for kind, f in found]
    rows += [_row("(not in the job)", "unexpected", f, labels) for f in record.get("elsewhere") or ()]
    return rows


def _row(who: str, kind: str, f: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    entity = labels.get(f.get("entity_id", "")) or f.get("name") or f.get("entity_id", "")
    what = ", ".join(say(str(x), labels) for x in f.get("what") or ())
    return f"<tr><td>{escape(who)}</td><td>{kind}</td><td>{escape(str(f.get('op')))}</td><td>{escape(str(entity))}</td><td>{escape(what)}</td></tr>"
