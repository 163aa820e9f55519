"""The loop over a run's waves (#31 §3): apply a wave (the job's pass restricted to its users), watch
the affected queues behind the gate, go on to the next wave or stop at a breach.

Every step is checkpointed in the run state (``waves``: the wave and its phase, the seconds of watch
done) and logged (``waves.ndjson``) before the next one starts, so ``resume`` carries on where a
kill left it: a wave half applied is applied on (its users still open), a watch cut short is watched
for the rest of its time, never applied again. Items of the other kinds keep the engine's order: the
items before the users (skills created) run in the first wave's pass, the items after the users and
last (queue settings, skill deletes) in the last wave's, once every user is through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bulkops.client.api import GenesysClient
from bulkops.domain.rollout.gate import Breach
from bulkops.domain.rollout.waves import describe_share, users_through
from bulkops.engine.waves.watch import Watch, WatchOutcome, watch_queues
from bulkops.state.store import RunStore
from bulkops.state.waveslog import WAVES_KEY, GateReading, WaveEvent, WavesLog, WavesState

#: Runs the job's pass over these users; ``hold_late``: keep its late items for a later pass.
RunWave = Callable[[list[str], bool], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class WavesOutcome:
    """How the waves ended: the state last checkpointed, the last pass's summary (None when only a
    watch ran), and the breaches that stopped it (none: every wave held, or it was stopped)."""

    state: WavesState
    summary: dict[str, Any] | None
    breaches: tuple[Breach, ...] = ()
    stopped: bool = False

    @property
    def breached(self) -> bool:
        return bool(self.breaches)


def save(store: RunStore, state: WavesState) -> WavesState:
    store.set(**{WAVES_KEY: state.to_json()})
    return state


class WavesDriver:
    """One process's run through the waves left, from the checkpointed state."""

    def __init__(self, client: GenesysClient, store: RunStore, log: WavesLog, watch: Watch, run_wave: RunWave, say: Callable[[str], None]):
        self.client, self.store, self.log, self.watch, self.run_wave, self.say = client, store, log, watch, run_wave, say
        self.summary: dict[str, Any] | None = None

    async def run(self, state: WavesState) -> WavesOutcome:
        while not state.finished:
            if state.phase == "applying":
                applied = await self._apply(state)
                if applied is None:
                    return WavesOutcome(state, self.summary, stopped=True)
                state = applied
            if state.phase == "watching":
                outcome = await self._watch(state)
                if outcome.stopped:
                    return WavesOutcome(load(self.store) or state, self.summary, stopped=True)
                state = self._judge(state, outcome)
                if outcome.breaches:
                    return WavesOutcome(state, self.summary, outcome.breaches)
            if state.phase == "passed" and not state.last_wave:
                state = save(self.store, state.at(state.wave + 1, "applying"))
        return WavesOutcome(state, self.summary)

    def _wave_users(self, state: WavesState) -> list[str]:
        return users_through(list(self.store.open_user_ids()), state.plan.shares, state.wave)

    async def _apply(self, state: WavesState) -> WavesState | None:
        """The wave's pass; the state at its watch, or None when the pass left users of it open."""
        users = self._wave_users(state)
        share = describe_share(state.plan.shares[state.wave])
        self.log.write(WaveEvent(state.wave, "start", f"{len(users)} users to {share} of the job"))
        self.say(f"wave {state.wave + 1} of {len(state.plan.shares)} (to {share} of the users): {len(users)} users")
        self.summary = await self.run_wave(users, not state.last_wave)
        if self._wave_users(state):
            self.log.write(WaveEvent(state.wave, "stopped", "the pass ended with users of the wave still open"))
            return None
        self.log.write(WaveEvent(state.wave, "applied"))
        return save(self.store, state.at(state.wave, "watching"))

    async def _watch(self, state: WavesState) -> WatchOutcome:
        left = max(0.0, self.watch.seconds - state.watched)
        names = ", ".join(self.watch.queues.values()) or "no queue (the job affects none)"
        self.say(f"watching {names} for {left:g}s behind the gate: " + (", ".join(state.plan.gate) or "no condition"))
        self.log.write(WaveEvent(state.wave, "watch", f"{left:g}s left of {self.watch.seconds:g}s"))

        def on_reading(reading: GateReading, elapsed: float) -> None:
            self.log.write(reading)
            save(self.store, state.at(state.wave, "watching", elapsed))

        return await watch_queues(self.client, self.watch, wave=state.wave, done_before=state.watched, on_reading=on_reading)

    def _judge(self, state: WavesState, outcome: WatchOutcome) -> WavesState:
        if outcome.breaches:
            text = "; ".join(str(b) for b in outcome.breaches)
            self.log.write(WaveEvent(state.wave, "breach", text))
            breached = WavesState(state.plan, state.wave, "breached", outcome.watched, text)
            return save(self.store, breached)
        self.log.write(WaveEvent(state.wave, "passed", f"{outcome.readings} reading(s) in {outcome.watched:.0f}s held the gate"))
        return save(self.store, state.at(state.wave, "passed", outcome.watched))


def load(store: RunStore) -> WavesState | None:
    raw = store.get(WAVES_KEY)
    return WavesState.from_json(raw) if raw else None
