"""A user's utilization (how many interactions of each kind at once, per media type and per
label) and the merge that decides what to write.

The API's PUT replaces the whole setting and carries no version, so the one safe way to change
part of it is read, merge, write: every media type and label the spec does not name is carried
over from what was read. ``merge`` is that decision, pure, and the only place that makes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

#: The media types ``MediaUtilization`` documents ("call, chat, email, callback, and message").
MEDIA_TYPES: tuple[str, ...] = ("call", "callback", "chat", "email", "message")
#: "The maximum capacity for each interaction type is 25" (Genesys help centre); labels alike.
MAX_CAPACITY = 25

Level = Literal["Agent", "Organization"]
AGENT: Level = "Agent"
ORGANIZATION: Level = "Organization"


@dataclass(frozen=True, slots=True)
class MediaUtilization:
    """One media type: capacity, the types that may interrupt it, whether non-ACD work counts."""

    maximum_capacity: int
    interruptable_media_types: frozenset[str] = frozenset()
    include_non_acd: bool = False


@dataclass(frozen=True, slots=True)
class LabelUtilization:
    """One label (keyed by id in a setting): capacity and the labels that may interrupt it."""

    maximum_capacity: int
    interrupting_label_ids: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Utilization:
    """A setting as read (``level`` says whose it is) or as written (always the user's own).

    ``label_names`` is what the API shows beside each label id; it is for display and plays no
    part in equality, so a renamed label never reads as a change.
    """

    media: Mapping[str, MediaUtilization] = field(default_factory=dict)
    labels: Mapping[str, LabelUtilization] = field(default_factory=dict)
    level: Level = AGENT
    max_inbound_calls: int | None = None
    label_names: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class UtilizationChange:
    """What a spec says about one user's utilization: some media types, some labels (set or
    removed), or ``inherit`` (back to the org default), which excludes the rest."""

    media: Mapping[str, MediaUtilization] = field(default_factory=dict)
    labels: Mapping[str, LabelUtilization] = field(default_factory=dict)
    remove_labels: frozenset[str] = frozenset()
    inherit: bool = False

    def __post_init__(self) -> None:
        if self.inherit and (self.media or self.labels or self.remove_labels):
            raise ValueError("inherit the org default, or name media types and labels: not both")
        unknown = set(self.media) - set(MEDIA_TYPES)
        if unknown:
            raise ValueError(f"unknown media type(s): {', '.join(sorted(unknown))}")
        both = self.remove_labels & set(self.labels)
        if both:
            raise ValueError(f"label(s) both set and removed: {', '.join(sorted(both))}")


@dataclass(frozen=True, slots=True)
class NothingToDo:
    """The user already works under what the spec asks for."""


@dataclass(frozen=True, slots=True)
class DeleteToInherit:
    """DELETE the user's own setting: the org default applies again."""


@dataclass(frozen=True, slots=True)
class PutSetting:
    """PUT ``body`` as the user's whole setting."""

    body: Utilization


UtilizationWrite = NothingToDo | DeleteToInherit | PutSetting


def merge(current: Utilization, change: UtilizationChange) -> UtilizationWrite:
    """The one write that takes ``current`` (as read) to what ``change`` asks for.

    A user with a setting of their own keeps every part ``change`` does not name. A user on the
    org default is compared on what they work under (the org's values): when that already is
    what the spec names, nothing is written; otherwise only the named parts are PUT, and the
    API gives every omitted media type and label the org default's values, which is what the
    user had. Writing the org default's other parts back would pin them, and would list the user
    as using every org-level label.
    """
    if change.inherit:
        return NothingToDo() if current.level == ORGANIZATION else DeleteToInherit()
    if current.level == ORGANIZATION:
        named_same = all(current.media.get(k) == v for k, v in change.media.items()) and all(current.labels.get(k) == v for k, v in change.labels.items())
        if named_same:
            return NothingToDo()
        return PutSetting(Utilization(media=dict(change.media), labels=dict(change.labels), level=AGENT))
    media = {**current.media, **change.media}
    labels = {k: v for k, v in {**current.labels, **change.labels}.items() if k not in change.remove_labels}
    if media == dict(current.media) and labels == dict(current.labels):
        return NothingToDo()
    return PutSetting(Utilization(media=media, labels=labels, level=AGENT, max_inbound_calls=current.max_inbound_calls, label_names=current.label_names))


def whole(media: Mapping[str, MediaUtilization], labels: Mapping[str, LabelUtilization], *, max_inbound_calls: int | None = None) -> PutSetting:
    """The write when a spec states a user's whole setting: nothing to carry over, so no read."""
    return PutSetting(Utilization(media=dict(media), labels=dict(labels), level=AGENT, max_inbound_calls=max_inbound_calls))


def merge_default(current: Utilization, change: UtilizationChange) -> NothingToDo | PutSetting:
    """The org default's write: like a user's own setting, every media type and label ``change``
    does not name is carried over (the org's PUT replaces the whole default too), and nothing is
    written when what is named is already so. ``inherit`` has no meaning for the default."""
    if change.inherit:
        raise ValueError("the org default inherits from nothing")
    media = {**current.media, **change.media}
    labels = {k: v for k, v in {**current.labels, **change.labels}.items() if k not in change.remove_labels}
    if media == dict(current.media) and labels == dict(current.labels):
        return NothingToDo()
    return PutSetting(Utilization(media=media, labels=labels, level=ORGANIZATION, max_inbound_calls=current.max_inbound_calls, label_names=current.label_names))
