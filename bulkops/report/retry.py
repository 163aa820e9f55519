"""The retry spec: users that need another pass, as a valid bulkops JSON Lines job spec.

The CSV result files can't be specs (their extra columns would read as skill names), so
``retry-spec.jsonl`` sits next to them: a header with the job's mode, then one user per
line with ids as refs (the spec format accepts ids for users, skills, languages, queues,
divisions and managers). ``bulkops plan``/``run`` take it as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from bulkops.report.load import JobData

#: codec key (stored intent) -> JSON spec key
_LEVELS = {"skills": "skills", "languages": "languages"}
_LISTS = {"remove_skills": "removeSkills", "remove_languages": "removeLanguages", "join_queues": "joinQueues", "leave_queues": "leaveQueues"}


def spec_user(intent: Mapping[str, Any]) -> dict[str, Any]:
    """One stored intent (``codec.intent_to_dict``) -> one JSON spec user object."""
    out: dict[str, Any] = {"user": intent["user"]}
    for key, name in _LEVELS.items():
        if intent.get(key):
            out[name] = dict(intent[key])
    for key, name in _LISTS.items():
        if intent.get(key):
            out[name] = sorted(intent[key])
    for key, value in sorted((intent.get("fields") or {}).items()):
        out[key] = value
    if intent.get("division"):
        out["division"] = intent["division"]
    return out


def retry_header(data: JobData) -> bytes:
    header = {"version": 1, "mode": data.mode, "description": f"retry of job {data.job_id}: failed and reconciliation users"}
    return orjson.dumps(header)


def retry_lines(data: JobData, intents: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """Header plus one line per stored intent of a user whose last outcome is failed or
    reconciliation (not dropped: ``JobData.retry_intents``); nothing at all when there is none."""
    header = retry_header(data)
    for intent in intents:
        if header:
            yield header
            header = b""
        yield orjson.dumps(spec_user(intent))
