"""What ``plan`` says of the queues section: each queue's settings before and after in words, and the requests it costs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bulkops.kinds.members.plan import describe_members
from bulkops.kinds.members.setup import member_requests


def queue_setting_requests(line: Mapping[str, Any]) -> int:
    """A queue's requests in a run: its read, and when a setting changes a PUT and a read-back;
    the wrap-up codes read and one request a code change (at most, as planned); its members'."""
    codes = len(line["add_codes"]) + len(line["remove_codes"])
    settings = 1 + (2 if line["settings"] else 0) + (1 + codes if codes else 0) if line["settings"] or line["already"] or codes else 0
    return settings + member_requests(line.get("members"))


def describe_queue_line(line: dict[str, Any]) -> str:
    """One queue's settings in a plan, in words: ``'Sales': skillEvaluationMethod BEST -> ALL; add wrap-up code 'Resolved'``."""
    said = [f"{c['setting']} {_value(c['before'])} -> {_value(c['after'])}" for c in line["settings"]]
    said += [f"add wrap-up code {n!r}" for n in line["add_codes"]]
    said += [f"remove wrap-up code {n!r}" for n in line["remove_codes"]]
    said += describe_members(line.get("members"))
    if line["already"]:
        said.append(f"already so: {', '.join(line['already'])}")
    said += [f"its own entry wins over {', '.join(line['overrides'])}"] if line.get("overrides") else []
    via = f" (by {line['via']})" if line.get("via") else ""
    return f"{line['queue']!r}{via}: " + ("; ".join(said) if said else "nothing to do")


def _value(v: Any) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, list):
        return "[" + ", ".join(map(str, v)) + "]"
    return str(v)
