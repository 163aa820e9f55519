"""UserIntent <-> compact JSON, for the store and the reconciliation queue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from bulkops.domain.model import Changes, Expected, UserIntent, UserState, new_expected, new_intent, new_state

#: The one empty set the decoders hand out (most records name no set): no ``frozenset(())`` a field.
_NO_IDS: frozenset[str] = frozenset()


def _compact(obj: Any, mappings: tuple[str, ...], sets: tuple[str, ...]) -> dict[str, Any]:
    """The non-empty mapping and set attributes of ``obj``, as JSON-ready dict and sorted lists."""
    out: dict[str, Any] = {name: dict(v) for name in mappings if (v := getattr(obj, name))}
    out.update({name: sorted(v) for name in sets if (v := getattr(obj, name))})
    return out


def intent_to_dict(intent: UserIntent) -> dict[str, Any]:
    """The intent's non-empty fields (sets as sorted lists). Hot (each intent is encoded twice at
    set-up): one test a field, in the order the stored payloads have always had."""
    out: dict[str, Any] = {"user": intent.user}
    if intent.skills:
        out["skills"] = dict(intent.skills)
    if intent.languages:
        out["languages"] = dict(intent.languages)
    if intent.fields:
        out["fields"] = dict(intent.fields)
    if intent.remove_skills:
        out["remove_skills"] = sorted(intent.remove_skills)
    if intent.remove_languages:
        out["remove_languages"] = sorted(intent.remove_languages)
    if intent.join_queues:
        out["join_queues"] = sorted(intent.join_queues)
    if intent.leave_queues:
        out["leave_queues"] = sorted(intent.leave_queues)
    if intent.division:
        out["division"] = intent.division
    if intent.replace_skills:
        out["replace_skills"] = True
    if intent.line:
        out["line"] = intent.line
    if intent.expect is not None:
        out["expect"] = expected_to_dict(intent.expect)
    return out


def expected_to_dict(expect: Expected) -> dict[str, Any]:
    out: dict[str, Any] = _compact(expect, ("skills", "languages", "fields"), ())
    if expect.division:
        out["division"] = expect.division
    return out


def expected_from_dict(d: Mapping[str, Any]) -> Expected:
    get = d.get
    return new_expected(get("skills") or {}, get("languages") or {}, get("fields") or {}, get("division"))


def intent_from_dict(d: Mapping[str, Any]) -> UserIntent:
    """``intent_to_dict``'s inverse. Hot (set-up decodes each user's intent twice or more): one
    ``get`` a field, no set built for an absent one, and the fields in ``UserIntent``'s order."""
    get = d.get
    expect = get("expect")
    return new_intent(
        d["user"],
        get("skills") or {},
        frozenset(v) if (v := get("remove_skills")) else _NO_IDS,
        get("languages") or {},
        frozenset(v) if (v := get("remove_languages")) else _NO_IDS,
        get("fields") or {},
        get("division"),
        frozenset(v) if (v := get("join_queues")) else _NO_IDS,
        frozenset(v) if (v := get("leave_queues")) else _NO_IDS,
        bool(get("replace_skills")),
        int(get("line", 0)),
        expected_from_dict(expect) if isinstance(expect, dict) else None,
    )


def encode_intent(intent: UserIntent) -> bytes:
    return orjson.dumps(intent_to_dict(intent))


def decode_intent(blob: bytes) -> UserIntent:
    return intent_from_dict(orjson.loads(blob))


def state_to_dict(state: UserState) -> dict[str, Any]:
    """The part of a user the audit log records as 'before'/'after'."""
    out: dict[str, Any] = {"version": state.version, "skills": dict(state.skills), "languages": dict(state.languages)}
    if state.department is not None:
        out["department"] = state.department
    if state.title is not None:
        out["title"] = state.title
    if state.manager is not None:
        out["manager"] = state.manager
    if state.division is not None:
        out["division"] = state.division
    return out


def after_of(before: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The audit's 'after' as ``before`` with ``changes`` applied (``state_to_dict``'s shape, no version).

    Lines of older versions left out an 'after' that equals this (a third of a dense line); the audit
    line's decoder (``records.UserOutcome.from_json``) puts it back, and nothing else calls this."""
    skills = dict(before.get("skills") or {})
    if changes.get("replace_skills") is not None:
        skills = dict(changes["replace_skills"])
    for k in changes.get("delete_skills") or ():
        skills.pop(k, None)
    skills.update(changes.get("upsert_skills") or {})
    languages = dict(before.get("languages") or {})
    for k in changes.get("delete_languages") or ():
        languages.pop(k, None)
    languages.update(changes.get("upsert_languages") or {})
    out: dict[str, Any] = {"skills": skills, "languages": languages}
    fields = changes.get("fields") or {}
    for name in ("department", "title", "manager", "division"):
        value = changes.get("division") if name == "division" else fields.get(name)
        value = before.get(name) if value is None else value or None
        if value is not None:
            out[name] = value
    return out


def changes_to_dict(changes: Changes) -> dict[str, Any]:
    out = _compact(changes, ("upsert_skills", "upsert_languages", "fields"), ("delete_skills", "delete_languages", "join_queues", "leave_queues"))
    if changes.replace_skills is not None:
        out["replace_skills"] = dict(changes.replace_skills)
    if changes.division:
        out["division"] = changes.division
    return out


def state_record(state: UserState) -> dict[str, Any]:
    """Everything the engine reads of a user, for the run store (``state_to_dict`` is the audit's subset)."""
    out = state_to_dict(state)
    out["id"] = state.id
    if state.name:
        out["name"] = state.name
    if state.email:
        out["email"] = state.email
    if state.username:
        out["username"] = state.username
    if state.state != "active":
        out["state"] = state.state
    if state.unknown:
        out["unknown"] = sorted(state.unknown)
        for kind in state.unknown:  # never written as "none held"
            out.pop(kind, None)
    return out


def state_from_record(d: Mapping[str, Any]) -> UserState:
    """``state_record``'s inverse, the fields in ``UserState``'s order (hot: as ``intent_from_dict``)."""
    get = d.get
    return new_state(
        d["id"],
        int(get("version", 0)),
        get("name", ""),
        get("email", ""),
        get("username", ""),
        get("state", "active"),
        get("department"),
        get("title"),
        get("manager"),
        get("division"),
        get("skills") or {},
        get("languages") or {},
        _NO_IDS,
        frozenset(v) if (v := get("unknown")) else _NO_IDS,
    )


def encode_state(state: UserState) -> bytes:
    return orjson.dumps(state_record(state))


def decode_state(blob: bytes) -> UserState:
    return state_from_record(orjson.loads(blob))


def changes_from_dict(d: Mapping[str, Any]) -> Changes:
    """``changes_to_dict``'s inverse (the write-ahead record keeps a user's change this way)."""
    replace = d.get("replace_skills")
    return Changes(
        upsert_skills=dict(d.get("upsert_skills") or {}),
        delete_skills=frozenset(d.get("delete_skills") or ()),
        replace_skills=dict(replace) if replace is not None else None,
        upsert_languages=dict(d.get("upsert_languages") or {}),
        delete_languages=frozenset(d.get("delete_languages") or ()),
        fields=dict(d.get("fields") or {}),
        division=d.get("division"),
        join_queues=frozenset(d.get("join_queues") or ()),
        leave_queues=frozenset(d.get("leave_queues") or ()),
    )
