"""A run in waves' own records (#31 §3): its plan and where it stands (run state, key ``waves``), and
its log (``waves.ndjson`` in the job's folder: one line per wave event, kind ``wave``, and per gate
reading, kind ``gate``). One encoder and one decoder per record, here; nobody else parses them.

The log sits beside the audit log rather than in it: the audit log's readers (undo, verify, the
report, the integrity check) read users' and items' outcomes, and a wave writes neither.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from bulkops.state.ndjson import BadLine, NdjsonWriter, scan_ndjson
from bulkops.state.stamps import now_ts

WAVES_KEY = "waves"
LOG_NAME = "waves.ndjson"
Phase = Literal["applying", "watching", "passed", "breached"]
PHASES: tuple[Phase, ...] = ("applying", "watching", "passed", "breached")


@dataclass(frozen=True, slots=True)
class WavesPlan:
    """What ``run --waves`` was asked, kept for ``resume``: the cumulative shares, the gate's
    conditions as typed, the watch and its polling in seconds, whether to roll back on a breach,
    and the queues watched (id, name)."""

    shares: tuple[float, ...]
    gate: tuple[str, ...]
    watch_seconds: float
    every_seconds: float
    rollback: bool
    queues: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "shares": list(self.shares),
            "gate": list(self.gate),
            "watch_seconds": self.watch_seconds,
            "every_seconds": self.every_seconds,
            "rollback": self.rollback,
            "queues": [list(q) for q in self.queues],
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> WavesPlan:
        return cls(
            tuple(float(s) for s in raw["shares"]),
            tuple(str(g) for g in raw["gate"]),
            float(raw["watch_seconds"]),
            float(raw["every_seconds"]),
            bool(raw["rollback"]),
            tuple((str(q[0]), str(q[1])) for q in raw["queues"]),
        )


@dataclass(frozen=True, slots=True)
class WavesState:
    """The plan and where the run stands: the current wave (0-based), its phase, the seconds of its
    watch already done (a resumed watch carries on for the rest), and the breach when there was one."""

    plan: WavesPlan
    wave: int = 0
    phase: Phase = "applying"
    watched: float = 0.0
    breach: str | None = None

    @property
    def last_wave(self) -> bool:
        return self.wave == len(self.plan.shares) - 1

    @property
    def finished(self) -> bool:
        return self.phase == "breached" or (self.phase == "passed" and self.last_wave)

    def at(self, wave: int, phase: Phase, watched: float = 0.0) -> WavesState:
        return replace(self, wave=wave, phase=phase, watched=watched)

    def to_json(self) -> dict[str, Any]:
        return {"plan": self.plan.to_json(), "wave": self.wave, "phase": self.phase, "watched": self.watched, "breach": self.breach}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> WavesState:
        phase = raw["phase"]
        if phase not in PHASES:
            raise ValueError(f"unknown wave phase {phase!r}")
        return cls(WavesPlan.from_json(raw["plan"]), int(raw["wave"]), phase, float(raw["watched"]), raw.get("breach"))


@dataclass(frozen=True, slots=True)
class WaveEvent:
    """A line of kind ``wave``: a wave started, applied, watched, passed, breached, rolled back."""

    wave: int
    event: str
    detail: str = ""
    ts: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"kind": "wave", "ts": self.ts or now_ts(), "wave": self.wave, "event": self.event, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class GateReading:
    """A line of kind ``gate``: one queue's reading during a wave's watch (``elapsed``: seconds into
    it), its values by gate metric, and the conditions it failed."""

    wave: int
    elapsed: float
    queue_id: str
    queue: str
    values: Mapping[str, float | None]
    breaches: tuple[str, ...] = ()
    ts: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "gate",
            "ts": self.ts or now_ts(),
            "wave": self.wave,
            "elapsed": round(self.elapsed, 3),
            "queue_id": self.queue_id,
            "queue": self.queue,
            "values": dict(self.values),
            "breaches": list(self.breaches),
        }


WavesLine = WaveEvent | GateReading


def decode_line(raw: Mapping[str, Any]) -> WavesLine:
    """A written line -> its record; ``ValueError`` for a line of no known kind."""
    if raw.get("kind") == "wave":
        return WaveEvent(int(raw["wave"]), str(raw["event"]), str(raw.get("detail") or ""), str(raw.get("ts") or ""))
    if raw.get("kind") == "gate":
        values = {str(k): (None if v is None else float(v)) for k, v in dict(raw["values"]).items()}
        return GateReading(
            int(raw["wave"]), float(raw["elapsed"]), str(raw["queue_id"]), str(raw["queue"]), values, tuple(raw.get("breaches") or ()), str(raw["ts"])
        )
    raise ValueError(f"not a waves line: kind {raw.get('kind')!r}")


def log_path(job_root: Path) -> Path:
    return job_root / LOG_NAME


def read_log(job_root: Path) -> Iterator[WavesLine]:
    """Every whole line in order (a line cut by a kill is skipped); nothing for a job without waves."""
    for _, raw in scan_ndjson(log_path(job_root)):
        if isinstance(raw, BadLine):
            continue
        try:
            yield decode_line(raw)
        except (KeyError, ValueError, TypeError):
            continue


class WavesLog:
    """The writer of ``waves.ndjson`` (appending; a line a kill cut is terminated on reopening)."""

    def __init__(self, job_root: Path):
        self._writer = NdjsonWriter(log_path(job_root))

    def write(self, line: WavesLine) -> None:
        self._writer.write(line.to_json())

    def close(self) -> None:
        self._writer.close()


def load_state(meta: Mapping[str, Any]) -> WavesState | None:
    """The run's waves as the run state holds them, or None for a run not in waves."""
    raw = meta.get(WAVES_KEY)
    return WavesState.from_json(raw) if raw else None
