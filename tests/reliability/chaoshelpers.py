"""The chaos harness: a simulator in its own process, real ``bulkops`` processes killed with SIGKILL.

Shared by ``tests/reliability/`` and ``scripts/chaos.py``. Everything here talks to bulkops the
way an operator does: command lines, exit codes, stdout/stderr, the files under the state dir,
and the simulator's ``/__sim/*`` endpoints (loopback only). Every wait is bounded and every
process started here is stopped by its own pid.

The checks (``verify``) compare the chaos org with the org an uninterrupted run produced from an
identically seeded simulator:

* every intended change (the spec's skills, languages, fields, division, queue membership) is in
  place and equal to the reference run's;
* every change the simulator's concurrent admin made to something the spec does not name is still
  in place (``GET /__sim/conflicts``, last edit per user/field/id wins);
* with no concurrent admin, the whole org dump equals the reference's except user versions, and
  the versions are equal too (a write applied twice would have bumped one);
* every user has exactly one final outcome: the last audit line per user matches ``state.db``,
  whose statuses are all ``done`` and whose outcomes add up to the users in the spec;
* a user finished (applied/unchanged) is never written again by a later run segment;
* the audit log parses line by line; the only damaged lines allowed are lines cut by a kill,
  each the last line of its segment and reported by ``read_ndjson`` as a ``BadLine``;
* no process printed a Python traceback.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkops.state.ndjson import BadLine, read_ndjson

PY = sys.executable
CLIENT_ID = "bulkops-sim"
CLIENT_SECRET = "bulkops-sim-secret"
URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)")

#: Write operations an audit line's ``ops`` can record (queue membership included).
WRITE_OPS = {
    "patch_user",
    "move_division",
    "replace_skills",
    "upsert_skills",
    "delete_skill",
    "upsert_languages",
    "delete_language",
    "join_queue",
    "leave_queue",
}


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYSCLOUD_", "BULKOPS_"))}
    env.update(GENESYSCLOUD_OAUTHCLIENT_ID=CLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET=CLIENT_SECRET, PYTHONUNBUFFERED="1")
    return env


# --------------------------------------------------------------------------- simulator process


_KNOB_FLAGS = {
    "error_rate": "--error-rate",
    "latency_ms": "--latency-ms",
    "token_ttl": "--token-ttl",
    "cursor_ttl": "--cursor-ttl",
    "rps": "--rps",
    "rate_per_minute": "--rate-per-minute",
    "conflict_rate": "--conflict-rate",
    "profile": "--profile",
}


class SimProcess:
    """``python -m bulkops sim serve --port 0 ...`` in its own process; stopped by pid."""

    def __init__(self, workdir: Path, *, users: int, seed: int, name: str = "sim", state_file: Path | None = None, **knobs: Any):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.users, self.seed, self.name, self.knobs = users, seed, name, knobs
        self.state_file = state_file
        self.proc: subprocess.Popen | None = None
        self.base_url = ""
        self.log_path = self.workdir / f"{name}.out"

    def start(self, timeout: float = 30.0) -> SimProcess:
        args = [PY, "-m", "bulkops", "sim", "serve", "--port", "0", "--users", str(self.users), "--seed", str(self.seed)]
        for key, value in self.knobs.items():
            if key == "always_conflict":
                for uid in value:
                    args += ["--always-conflict", uid]
            elif value is not None:
                args += [_KNOB_FLAGS[key], str(value)]
        if self.state_file:
            args += ["--state", str(self.state_file)]
        self._out = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self._out, stderr=subprocess.STDOUT, cwd=self.workdir, env=cli_env())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            m = URL_RE.search(text)
            if m and "stats:" in text:
                self.base_url = m.group(0)
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"simulator did not start: {self.log_path.read_text(errors='replace')[-2000:]}")

    def stop(self, timeout: float = 15.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # saves --state FILE on the way out
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        self._out.close()
        return self.proc.returncode

    def __enter__(self) -> SimProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # /__sim/ control and observation (no auth, not counted, not limited)
    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.base_url + path, timeout=30) as r:
            return json.load(r)

    def post(self, path: str, body: dict | None = None) -> Any:
        req = urllib.request.Request(self.base_url + path, data=json.dumps(body or {}).encode(), method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return json.loads(raw) if raw else None

    def dump(self) -> dict[str, Any]:
        return self.get("/__sim/state")

    def stats(self) -> dict[str, Any]:
        return self.get("/__sim/stats")

    def conflicts(self) -> list[dict[str, Any]]:
        return self.get("/__sim/conflicts")


def api_requests(stats: dict[str, Any]) -> int:
    """Requests the simulator saw under /api/v2 (any method, any status)."""
    return sum(r["total"] for route, r in stats.get("byRoute", {}).items() if " /api/v2" in route)


# --------------------------------------------------------------------------- the spec


@dataclass
class Intent:
    """One user's intended change, resolved to ids (what the checks compare)."""

    uid: str
    email: str
    skills: dict[str, float] = field(default_factory=dict)
    remove_skills: set[str] = field(default_factory=set)
    languages: dict[str, float] = field(default_factory=dict)
    remove_languages: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)  # dump keys: department, title, managerId
    division: str | None = None
    join: set[str] = field(default_factory=set)
    leave: set[str] = field(default_factory=set)


def make_spec(
    dump: dict[str, Any], rng: random.Random, *, share: float = 0.9, first_page_share: float | None = None
) -> tuple[dict[str, Any], dict[str, Intent]]:
    """A realistic merge-mode JSON job over ``share`` of the org's users, and its resolved intents.

    ``first_page_share``: the share among the first 500 users in id order (the first listing page);
    a small one makes that page finish early, so the checkpoint holds a listing cursor for most of
    the run (what a kill needs for the resumed run to meet an expired cursor). Those users get no
    queue membership change: a user with one is finished only when its batch is sent (after up to
    10 s of gathering), which would hold the page, and the checkpointed position, until then.

    Mixes every kind of change the engine writes: skills set and removed, languages set and
    removed, department/title/manager, division moves, queue joins and leaves, and users whose
    entry asks for what they already have (outcome ``unchanged``).
    """
    skills = [s for s in dump["skills"] if s["state"] == "active"]
    languages = [x for x in dump["languages"] if x["state"] == "active"]
    queues = dump["queues"]
    divisions = dump["divisions"]
    leads = [u for u in dump["users"] if u["managerId"] is None]
    members = {q["id"]: {m["id"] for m in q["members"]} for q in queues}
    name_of = {s["id"]: s["name"] for s in skills} | {x["id"]: x["name"] for x in languages}
    early = {u["id"] for u in dump["users"][:500]} if first_page_share is not None else set()
    users = [u for u in dump["users"] if rng.random() < (first_page_share if u["id"] in early else share)]
    entries: list[dict[str, Any]] = []
    intents: dict[str, Intent] = {}
    depts = ["Customer Care", "Billing Operations", "Technical Support", "Retention Desk", "Sales Floor"]
    titles = ["Agent", "Senior Agent", "Specialist", "Associate", "Coach"]
    for u in users:
        it = Intent(u["id"], u["email"])
        e: dict[str, Any] = {"user": u["email"]}
        if rng.random() < 0.05:  # asks for what the user already has
            held = [(sid, p) for sid, p in u["skills"].items() if sid in name_of]
            if held:
                sid, p = rng.choice(held)
                e["skills"] = {name_of[sid]: p}
                it.skills[sid] = p
            else:
                e["department"] = u["department"]
                it.fields["department"] = u["department"]
            entries.append(e)
            intents[it.uid] = it
            continue
        for s in rng.sample(skills, rng.randint(1, 3)):
            p = rng.randint(0, 10) / 2
            it.skills[s["id"]] = p
        e["skills"] = {name_of[sid]: p for sid, p in it.skills.items()}
        if rng.random() < 0.3:
            held = [sid for sid in u["skills"] if sid in name_of and sid not in it.skills]
            pool = held if held and rng.random() < 0.8 else [s["id"] for s in skills if s["id"] not in it.skills]
            sid = rng.choice(pool)
            it.remove_skills.add(sid)
            e["removeSkills"] = [name_of[sid]]
        if rng.random() < 0.4:
            x = rng.choice(languages)
            it.languages[x["id"]] = rng.randint(1, 10) / 2
            e["languages"] = {x["name"]: it.languages[x["id"]]}
        if rng.random() < 0.1:
            held = [lid for lid in u["languages"] if lid in name_of and lid not in it.languages]
            if held:
                lid = rng.choice(held)
                it.remove_languages.add(lid)
                e["removeLanguages"] = [name_of[lid]]
        if rng.random() < 0.3:
            e["department"] = it.fields["department"] = rng.choice(depts)
        if rng.random() < 0.3:
            e["title"] = it.fields["title"] = rng.choice(titles)
        if rng.random() < 0.2 and u["managerId"] is not None:
            lead = rng.choice(leads)
            e["manager"] = lead["email"]
            it.fields["managerId"] = lead["id"]
        if rng.random() < 0.08:
            d = rng.choice(divisions)
            e["division"] = d["name"]
            it.division = d["id"]
        if u["id"] in early:
            entries.append(e)
            intents[it.uid] = it
            continue
        if rng.random() < 0.15:
            q = rng.choice(queues)
            it.join.add(q["id"])
            e["joinQueues"] = [q["name"]]
        if rng.random() < 0.1:
            mine = [q for q in queues if u["id"] in members[q["id"]] and q["id"] not in it.join]
            others = [q for q in queues if q["id"] not in it.join]
            q = rng.choice(mine if mine and rng.random() < 0.7 else others)
            it.leave.add(q["id"])
            e["leaveQueues"] = [q["name"]]
        entries.append(e)
        intents[it.uid] = it
    spec = {"version": 1, "mode": "merge", "description": "chaos: generated from a seeded org", "users": entries}
    return spec, intents


def write_spec(path: Path, spec: dict[str, Any]) -> Path:
    path.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- bulkops processes


@dataclass
class Segment:
    """One ``bulkops run``/``resume`` process."""

    command: str  # run | resume | retry
    rc: int | None
    seconds: float
    killed: bool
    kill_after: float | None
    stdout: str
    stderr: str
    trigger: str = "time"
    audit_cut_line: int | None = None  # line number of a line the kill cut, if any

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.stderr or "Traceback" in self.stdout


def bulkops(args: list[str], *, cwd: Path, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """A bulkops command run to its end (bounded)."""
    return subprocess.run([PY, "-m", "bulkops", *args], cwd=cwd, env=cli_env(), capture_output=True, text=True, timeout=timeout)


def _spawn(args: list[str], cwd: Path, tag: str) -> tuple[subprocess.Popen, Path, Path]:
    out, err = cwd / f"{tag}.stdout", cwd / f"{tag}.stderr"
    with open(out, "wb") as fo, open(err, "wb") as fe:
        proc = subprocess.Popen([PY, "-m", "bulkops", *args], cwd=cwd, env=cli_env(), stdout=fo, stderr=fe)
    return proc, out, err


def _audit_snapshot(path: Path) -> tuple[int, bool]:
    """(complete lines, ends mid-line) of the audit file right now."""
    if not path.exists():
        return 0, False
    data = path.read_bytes()
    return data.count(b"\n"), bool(data) and not data.endswith(b"\n")


def mid_run(db: Path) -> bool:
    """True once set-up is through and the first users are done: a kill now lands in the run itself."""
    return bool(job_ready(db)) and _audit_snapshot(db.parent / "audit.ndjson")[0] >= 1


def job_ready(db: Path) -> bool | None:
    """Whether state.db says set-up finished (None when it cannot be read: resume then reports why)."""
    if not db.exists():
        return False
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'ready'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return bool(row and json.loads(row[0]))


@dataclass
class ChaosJob:
    """A job driven through run -> SIGKILL -> resume ... -> completion."""

    spec: Path
    base_url: str
    state_dir: Path
    job: str
    rps: float
    workdir: Path
    workers: int = 16
    conflict_attempts: int = 3
    segments: list[Segment] = field(default_factory=list)
    segment_timeout: float = 240.0
    on_start: Callable[[int], None] | None = None  # called with the process number once it is started

    @property
    def root(self) -> Path:
        return self.state_dir / self.job

    def _conn_args(self) -> list[str]:
        return ["--base-url", self.base_url, "--state-dir", str(self.state_dir), "--rps", str(self.rps)]

    def _args(self, command: str) -> list[str]:
        common = [*self._conn_args(), "--workers", str(self.workers), "--conflict-attempts", str(self.conflict_attempts), "--plain-progress"]
        if command == "run":
            return ["run", str(self.spec), "--job", self.job, *common]
        return ["resume", self.job, *common]

    def _next_command(self) -> str:
        """What an operator does after a crash: resume; if the job never got past set-up, run it again."""
        if not self.segments or job_ready(self.root / "state.db") is False:
            return "run"
        return "resume"

    def segment(self, *, kill_after: float | None = None, kill_when: Callable[[], bool] | None = None, max_wait: float | None = None) -> Segment:
        """One process: killed with SIGKILL after ``kill_after`` s or once ``kill_when()`` holds; else run to its end."""
        command = self._next_command()
        n = len(self.segments) + 1
        proc, out, err = _spawn(self._args(command), self.workdir, f"seg{n:02d}-{command}")
        started = time.monotonic()
        if self.on_start:
            self.on_start(n)
        killed = False
        trigger = "time" if kill_when is None else "checkpoint"
        deadline = started + (max_wait if max_wait is not None else self.segment_timeout)
        try:
            while proc.poll() is None:
                now = time.monotonic()
                if now > deadline and kill_after is None and kill_when is None:
                    raise TimeoutError(f"segment {n} ({command}) did not finish within {self.segment_timeout}s")
                due = (kill_after is not None and now - started >= kill_after) or (kill_when is not None and kill_when())
                if due or (kill_when is not None and now > deadline):
                    os.kill(proc.pid, signal.SIGKILL)
                    killed = True
                    break
                time.sleep(0.02)
            proc.wait(timeout=30)
            if killed and proc.returncode == 0:
                killed = False  # it finished in the instant before the signal landed: not a kill
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
        seconds = time.monotonic() - started
        lines, mid = _audit_snapshot(self.root / "audit.ndjson")
        seg = Segment(
            command,
            proc.returncode,
            seconds,
            killed,
            kill_after if killed else None,
            out.read_text(errors="replace"),
            err.read_text(errors="replace"),
            trigger,
            audit_cut_line=lines + 1 if (killed and mid) else None,
        )
        self.segments.append(seg)
        return seg

    def retry(self) -> Segment:
        started = time.monotonic()
        p = bulkops(
            ["reconcile", "retry", self.job, *self._conn_args(), "--workers", str(self.workers), "--plain-progress"],
            cwd=self.workdir,
            timeout=self.segment_timeout,
        )
        seg = Segment("retry", p.returncode, time.monotonic() - started, False, None, p.stdout, p.stderr)
        self.segments.append(seg)
        return seg

    def undo(self) -> Segment:
        """``bulkops undo JOB --yes`` to its end (no kill): the job taken back."""
        started = time.monotonic()
        p = bulkops(
            ["undo", self.job, "--yes", *self._conn_args(), "--workers", str(self.workers), "--plain-progress"], cwd=self.workdir, timeout=self.segment_timeout
        )
        seg = Segment("undo", p.returncode, time.monotonic() - started, False, None, p.stdout, p.stderr)
        self.segments.append(seg)
        return seg

    @property
    def kills(self) -> int:
        return sum(s.killed for s in self.segments)


def drive(
    job: ChaosJob,
    *,
    kills: int,
    rng: random.Random,
    window: tuple[float, float] | Callable[[int], tuple[float, float]],
    checkpoint_kill: int | None = None,
    pause_after_kill: Callable[[int], float] | None = None,
    max_segments: int | None = None,
) -> Segment:
    """Run the job with ``kills`` SIGKILLs at moments drawn from ``rng`` (uniform in ``window`` seconds after
    each process starts; a callable gets the number of kills still to do), resuming after each, then let
    the last process finish.

    ``checkpoint_kill``: the index of a kill that waits instead until set-up is through and the
    first users are done (a kill inside the run, whatever the timing). A process that ends before its kill
    moment simply ends; the kill is tried again on the next process. Bounded by ``max_segments``.
    """
    planned = kills
    max_segments = max_segments or 3 * kills + 4
    done_kills = 0
    while done_kills < planned and len(job.segments) < max_segments:
        if checkpoint_kill is not None and done_kills == checkpoint_kill:
            db = job.root / "state.db"
            seg = job.segment(kill_when=lambda db=db: mid_run(db), max_wait=job.segment_timeout)
        else:
            lo, hi = window(planned - done_kills) if callable(window) else window
            seg = job.segment(kill_after=rng.uniform(lo, hi))
        if seg.killed:
            done_kills += 1
            if pause_after_kill:
                time.sleep(pause_after_kill(done_kills))
        elif seg.rc in (0, 3):
            # The job finished before the kill moment: nothing left to interrupt.
            return seg
        elif not (seg.rc == 7 and seg.command == "run" and "already has run state" in seg.stderr):
            return seg  # something else went wrong: let the checks report it
    final = job.segment()
    return final


# --------------------------------------------------------------------------- checks


def _users(dump: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["id"]: u for u in dump["users"]}


def _members(dump: dict[str, Any]) -> dict[str, set[str]]:
    return {q["id"]: {m["id"] for m in q["members"]} for q in dump["queues"]}


def intended_view(dump: dict[str, Any], it: Intent) -> dict[str, Any]:
    """The part of the org the spec names for this user, as the org holds it."""
    u = _users(dump)[it.uid]
    members = _members(dump)
    return {
        "skills": {sid: u["skills"].get(sid) for sid in sorted(set(it.skills) | it.remove_skills)},
        "languages": {lid: u["languages"].get(lid) for lid in sorted(set(it.languages) | it.remove_languages)},
        "fields": {k: u[k] for k in sorted(it.fields)},
        "division": u["divisionId"] if it.division else None,
        "queues": {q: it.uid in members[q] for q in sorted(it.join | it.leave)},
    }


def ideal_view(it: Intent) -> dict[str, Any]:
    """What ``intended_view`` must be once the change is applied."""
    return {
        "skills": {sid: (it.skills[sid] if sid in it.skills else None) for sid in sorted(set(it.skills) | it.remove_skills)},
        "languages": {lid: (it.languages[lid] if lid in it.languages else None) for lid in sorted(set(it.languages) | it.remove_languages)},
        "fields": {k: it.fields[k] for k in sorted(it.fields)},
        "division": it.division,
        "queues": {q: q in it.join for q in sorted(it.join | it.leave)},
    }


def normalized(dump: dict[str, Any]) -> dict[str, Any]:
    """The org dump without user versions (a version counts writes, and conflicts add writes)."""
    out = dict(dump)
    out["users"] = [{k: v for k, v in u.items() if k != "version"} for u in dump["users"]]
    return out


def names_it(it: Intent | None, edit: dict[str, Any]) -> bool:
    """Whether the spec names what a concurrent edit touched (then the spec's value wins by design)."""
    if it is None:
        return False
    f = edit["field"]
    if f == "skills":
        return edit["id"] in it.skills or edit["id"] in it.remove_skills
    if f == "languages":
        return edit["id"] in it.languages or edit["id"] in it.remove_languages
    return f in it.fields


def surviving_edits(conflicts: list[dict[str, Any]], intents: dict[str, Intent]) -> dict[tuple, Any]:
    """The concurrent edits that must still be in place: last per (user, field, id), not named by the spec."""
    last: dict[tuple, dict[str, Any]] = {}
    for c in conflicts:
        last[(c["userId"], c["field"], c.get("id"))] = c
    return {k: c["after"] for k, c in last.items() if not names_it(intents.get(c["userId"]), c)}


def overlay(reference: dict[str, Any], edits: dict[tuple, Any]) -> dict[str, Any]:
    """The reference org with the chaos run's surviving concurrent edits applied."""
    out = json.loads(json.dumps(reference))
    users = _users(out)
    for (uid, f, key), after in edits.items():
        u = users[uid]
        if f in ("skills", "languages"):
            u[f][key] = after
            u[f] = dict(sorted(u[f].items()))
        else:
            u[f] = after
    return out


def read_outcomes(db: Path) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """(counts per status/outcome, outcome per done user, users not done) straight from state.db."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT user_id, status, outcome FROM intents").fetchall()
    finally:
        conn.close()
    counts: dict[str, int] = {}
    outcome: dict[str, str] = {}
    open_: list[str] = []
    for uid, status, out in rows:
        key = out if status == "done" else status
        counts[key] = counts.get(key, 0) + 1
        if status == "done":
            outcome[uid] = out
        else:
            open_.append(uid)
    return counts, outcome, open_


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.problems.append(message)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    job: ChaosJob,
    intents: dict[str, Intent],
    chaos_dump: dict[str, Any],
    reference_dump: dict[str, Any],
    conflicts: list[dict[str, Any]],
    *,
    exact_versions: bool,
) -> Report:
    rep = Report()
    limit = 10  # problems listed per kind

    # 1. intended changes: in place, and equal to the uninterrupted run's
    lost = [uid for uid, it in intents.items() if intended_view(chaos_dump, it) != ideal_view(it)]
    differ = [uid for uid, it in intents.items() if intended_view(chaos_dump, it) != intended_view(reference_dump, it)]
    rep.figures["lost_updates"] = len(lost)
    rep.check(
        not lost,
        f"{len(lost)} user(s) lack an intended change, e.g. "
        + "; ".join(f"{intents[u].email}: has {intended_view(chaos_dump, intents[u])} wants {ideal_view(intents[u])}" for u in lost[:3]),
    )
    rep.check(not differ, f"{len(differ)} user(s) differ from the uninterrupted run on intended fields: {[intents[u].email for u in differ[:limit]]}")

    # 2. concurrent-admin edits the spec does not name are still there
    edits = surviving_edits(conflicts, intents)
    chaos_users = _users(chaos_dump)
    gone = []
    for (uid, f, key), after in edits.items():
        now = chaos_users[uid][f].get(key) if f in ("skills", "languages") else chaos_users[uid][f]
        if now != after:
            gone.append((uid, f, key, after, now))
    rep.figures["concurrent_edits"] = len(conflicts)
    rep.figures["concurrent_edits_that_must_survive"] = len(edits)
    rep.figures["concurrent_edits_lost"] = len(gone)
    rep.check(not gone, f"{len(gone)} concurrent-admin edit(s) lost: {gone[:limit]}")

    # 3. the whole org: reference + surviving edits == chaos (all but versions)
    expected = overlay(reference_dump, edits)
    if normalized(expected) != normalized(chaos_dump):
        ref_u, ch_u = _users(normalized(expected)), _users(normalized(chaos_dump))
        diff_users = [uid for uid in ch_u if ch_u[uid] != ref_u.get(uid)]
        other = [k for k in chaos_dump if k != "users" and chaos_dump[k] != expected[k]]
        rep.problems.append(f"org differs from uninterrupted run (+ concurrent edits): users {diff_users[:limit]} ({len(diff_users)}), other parts {other}")
    if exact_versions:
        ref_v = {u["id"]: u["version"] for u in reference_dump["users"]}
        extra = {u["id"]: u["version"] - ref_v[u["id"]] for u in chaos_dump["users"] if u["version"] != ref_v[u["id"]]}
        rep.figures["users_with_extra_writes"] = len(extra)
        rep.check(
            not extra,
            f"{len(extra)} user(s) were written a different number of times than in the uninterrupted run (version deltas {dict(list(extra.items())[:limit])})",
        )

    # 4. audit log: parseable; damaged lines only where a kill cut one
    records: list[dict[str, Any]] = []
    bad: list[BadLine] = []
    for rec in read_ndjson(job.root / "audit.ndjson"):
        (bad if isinstance(rec, BadLine) else records).append(rec)
    cuts = {s.audit_cut_line for s in job.segments if s.audit_cut_line}
    rep.figures["audit_lines"] = len(records)
    rep.figures["audit_lines_cut_by_kill"] = len(bad)
    rep.check({b.line for b in bad} == cuts, f"audit BadLines at {[b.line for b in bad]}, lines cut by kills at {sorted(cuts)}")

    # 5. every user exactly once in the final outcomes
    last: dict[str, dict[str, Any]] = {}
    finished: set[str] = set()
    rewritten = []
    for rec in records:
        uid = rec["user_id"]
        wrote = any(op.get("ok") and op.get("op") in WRITE_OPS and not op.get("already") and not op.get("confirmed") for op in rec.get("ops", []))
        if uid in finished and wrote:
            rewritten.append(uid)
        if rec["outcome"] in ("applied", "unchanged"):
            finished.add(uid)
        last[uid] = rec
    rep.figures["users_written_after_finishing"] = len(rewritten)
    rep.check(not rewritten, f"{len(rewritten)} user(s) written again after an applied/unchanged outcome: {rewritten[:limit]}")
    rep.check(
        set(last) == set(intents),
        f"audit names {len(set(last))} users, spec {len(intents)}; missing {sorted(set(intents) - set(last))[:limit]}, extra {sorted(set(last) - set(intents))[:limit]}",
    )
    counts, db_outcome, open_ = read_outcomes(job.root / "state.db")
    rep.figures["outcomes"] = {k: counts.get(k, 0) for k in ("applied", "unchanged", "reconciliation", "failed")}
    finals = sum(rep.figures["outcomes"].values())
    rep.check(not open_ and finals == len(intents) == sum(counts.values()), f"state.db counts {counts} for {len(intents)} users; open {open_[:limit]}")
    mismatch = [uid for uid, rec in last.items() if db_outcome.get(uid) != rec["outcome"]]
    rep.check(not mismatch, f"{len(mismatch)} user(s) whose last audit outcome differs from state.db: {mismatch[:limit]}")
    # the reconciliation queue holds exactly the users whose final outcome needs a person
    from bulkops.state.reconciliation import ReconciliationQueue

    queued = set(ReconciliationQueue(job.root / "reconciliation.ndjson").entries())
    needs = {uid for uid, out in db_outcome.items() if out in ("reconciliation", "failed")}
    rep.figures["reconciliation_queue_open"] = len(queued)
    rep.check(queued == needs, f"reconciliation queue open entries {sorted(queued)[:limit]} but users ending in reconciliation/failed {sorted(needs)[:limit]}")
    confirmed = sum(1 for r in records if r.get("confirmed_after_restart"))
    rep.figures["confirmed_after_restart"] = confirmed

    # 6. processes: no tracebacks; killed ones died of SIGKILL, the rest ended with a documented code
    tb = [i + 1 for i, s in enumerate(job.segments) if s.traceback]
    rep.check(not tb, f"traceback in process(es) {tb}: " + "".join(job.segments[i - 1].stderr[-1500:] for i in tb[:1]))
    for i, s in enumerate(job.segments, 1):
        if s.killed:
            rep.check(s.rc == -signal.SIGKILL, f"process {i} was killed but ended with {s.rc}")
        else:
            rep.check(s.rc in (0, 3), f"process {i} ({s.command}) ended with exit code {s.rc}: {s.stderr[-800:]}")
    final = job.segments[-1]
    rep.check(not final.killed and final.rc == 0, f"the last process ({final.command}) ended with {final.rc}, not 0")
    rep.figures["processes"] = len(job.segments)
    rep.figures["kills"] = job.kills
    return rep


# --------------------------------------------------------------------------- a whole scenario


FAULTS_ALL = ("errors", "latency", "token", "cursor", "ratelimit", "conflicts")


def sim_knobs(faults: tuple[str, ...] | list[str], client_rps: float) -> dict[str, Any]:
    """Simulator knobs for a set of fault names (see FAULTS_ALL)."""
    knobs: dict[str, Any] = {}
    if "errors" in faults:
        knobs["error_rate"] = 0.03
    if "latency" in faults:
        knobs["latency_ms"] = 25
    if "token" in faults:
        knobs["token_ttl"] = 5
    if "cursor" in faults:
        knobs["cursor_ttl"] = 2
    if "ratelimit" in faults:
        knobs["rps"] = max(1.0, round(client_rps * 0.6))
    if "conflicts" in faults:
        knobs["conflict_rate"] = 0.03
    if "real" in faults:
        # A real org's hard parts (--profile real: fixed rate window, 5xx, latency, another admin,
        # best-effort expand, lagging reads, spurious 409s), its window sized to the test's pace.
        knobs["profile"] = "real"
        knobs["rate_per_minute"] = int(client_rps * 60 * 0.8)
    return knobs


def reference_run(workdir: Path, *, users: int, seed: int, spec: Path, rps: float = 1000.0) -> dict[str, Any]:
    """The org an uninterrupted, fault-free run leaves on an identically seeded simulator."""
    ref_dir = workdir / "reference"
    with SimProcess(ref_dir, users=users, seed=seed, name="sim-reference") as sim:
        p = bulkops(
            ["run", str(spec), "--job", "reference", "--base-url", sim.base_url, "--state-dir", str(ref_dir / "state"), "--rps", str(rps), "--plain-progress"],
            cwd=ref_dir,
            timeout=600,
        )
        if p.returncode != 0:
            raise RuntimeError(f"reference run ended with {p.returncode}: {p.stderr[-2000:]}")
        return sim.dump()


def seeded_dump(users: int, seed: int) -> dict[str, Any]:
    """The seeded org before any run (built in-process: the same config gives the same org)."""
    from bulkops.simulator import SimConfig, Simulator

    return Simulator(SimConfig(users=users, seed=seed)).dump()


def with_profile_seeds(reference: dict[str, Any], *, users: int, seed: int, profile: str) -> dict[str, Any]:
    """The plain reference org with what ``profile`` seeds into a new org besides the default one (the
    conditional group routing rules ``--profile real`` gives its first queues, #27 §1), in each part of
    the org the job left as seeded: the org a fault-free run on the profile's simulator leaves."""
    from bulkops.simulator import Simulator
    from bulkops.simulator.config import profile_config

    plain, seeded = seeded_dump(users, seed), Simulator(profile_config(profile, users=users, seed=seed)).dump()
    out = json.loads(json.dumps(reference))
    for key, value in seeded.items():
        if key != "users" and value != plain.get(key) and reference.get(key) == plain.get(key):
            out[key] = value
    return out


class RateSqueeze:
    """Drops the simulator's per-token allowance to ``low`` requests/s for ``length`` seconds once a
    freshly started bulkops process is writing (its audit log grows after ``kick()``), then back to
    ``base``; workers writing concurrently at a higher pace then meet 429s. A thread, stopped and
    joined (bounded) on exit; the allowance is left at ``base``."""

    def __init__(self, sim: SimProcess, audit: Path, *, base: float, low: float = 1.0, length: float = 1.5, wait_writes: float = 20.0):
        import threading

        self.sim, self.audit, self.base, self.low, self.length, self.wait_writes = sim, audit, base, low, length, wait_writes
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rate-squeeze", daemon=True)
        self.squeezes = 0

    def kick(self) -> None:
        self._kick.set()

    def _size(self) -> int:
        try:
            return self.audit.stat().st_size
        except OSError:
            return 0

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self._kick.wait(0.1):
                continue
            self._kick.clear()
            size, deadline = self._size(), time.monotonic() + self.wait_writes
            while self._size() == size and time.monotonic() < deadline and not self._kick.is_set():
                if self._stop.wait(0.02):
                    return
            if self._size() == size:
                continue  # that process never wrote (killed during start-up, or nothing left)
            try:
                self.sim.post("/__sim/config", {"rps": self.low})
                self.squeezes += 1
                self._stop.wait(self.length)
                self.sim.post("/__sim/config", {"rps": self.base})
            except (OSError, urllib.error.URLError):
                return

    def __enter__(self) -> RateSqueeze:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=40)
        try:
            self.sim.post("/__sim/config", {"rps": self.base})
        except (OSError, urllib.error.URLError):
            pass


def open_users(db: Path) -> int | None:
    """Users still pending or inflight in state.db (None when it cannot be read)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            return conn.execute("SELECT count(*) FROM intents WHERE status != 'done'").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def kill_window(job: ChaosJob, users: int, rate: float, *, per_user: float = 2.6, startup: float = 1.0) -> Callable[[int], tuple[float, float]]:
    """Kill moments, in seconds after a process starts: from about the end of start-up (Python start
    and set-up reads) to a share of the write time still ahead (from state.db), so most kills land
    mid-run and a few kills are left for the work that remains."""

    def window(kills_left: int) -> tuple[float, float]:
        left = open_users(job.root / "state.db") if job_ready(job.root / "state.db") else users
        work = (users if left is None else left) * per_user / rate
        return startup, startup + max(0.5, 1.6 * work / (kills_left + 1))

    return window


@dataclass
class Scenario:
    users: int
    seed: int
    kills: int
    rps: float
    faults: tuple[str, ...] = ()
    conflict_attempts: int = 3
    workers: int = 16
    first_page_share: float | None = None
    share: float = 0.9
    #: Then ``bulkops undo --yes`` (faults off) and check every user of the spec is back exactly.
    undo: bool = False


def undo_and_read(job: ChaosJob, sim: SimProcess, log: Callable[[str], None]) -> dict[str, Any]:
    """``bulkops undo --yes`` of the finished job with the faults off; the org dump after it."""
    log("undo: `bulkops undo --yes`, faults off")
    sim.post("/__sim/config", {"conflict_rate": 0.0, "error_rate": 0.0, "post_write_conflict_rate": 0.0})
    job.undo()
    return sim.dump()


def _comparable(user: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user.items() if k not in ("version", "dateModified")}


def check_undo(rep: Report, job: ChaosJob, start: dict[str, Any], after: dict[str, Any], intents: dict[str, Intent], *, exact: bool) -> None:
    """Every user of the spec back exactly as the org was before the job (all but versions), the
    undo's exit 0, and no user named as not restorable. The one difference allowed is what the undo
    names as not known by design: membership of a queue the job wrote blind (``membership_not_known``
    in ``undo.json``; docs/engine.md "Queue membership"), counted apart. ``exact`` False (another admin
    edited users meanwhile): only counted, since the undo holds those back by design."""
    seg = job.segments[-1]
    users_before, users_after = _users(start), _users(after)
    members_before, members_after = _members(start), _members(after)
    undo_spec = job.state_dir / f"{job.job}-undo" / "undo.json"
    blind = {uid: set(qs) for uid, qs in (json.loads(undo_spec.read_text()).get("membership_not_known") or {}).items()} if undo_spec.exists() else {}
    not_restored, blind_named = [], []
    for uid in sorted(intents):
        moved = {q for q in members_before if (uid in members_before[q]) != (uid in members_after.get(q, set()))}
        if _comparable(users_before[uid]) != _comparable(users_after[uid]) or not moved <= blind.get(uid, set()):
            not_restored.append(uid)
        elif moved:
            blind_named.append(uid)
    said = re.search(r"not restorable: (\d+) user\(s\)", seg.stderr + seg.stdout)
    named = int(said.group(1)) if said else 0
    counts, _, _ = read_outcomes(job.state_dir / f"{job.job}-undo" / "state.db")
    rep.figures.update(
        undo_exit=seg.rc,
        undo_outcomes=counts,
        undo_not_restored=len(not_restored),
        undo_named_not_restorable=named,
        undo_blind_membership_named=len(blind_named),
        undo_blind_membership_listed=len(blind),
    )
    if exact:
        rep.check(seg.rc == 0, f"undo exited {seg.rc}: {seg.stderr[-1500:]}")
        rep.check(not not_restored, f"{len(not_restored)} user(s) not restored by the undo: {not_restored[:10]}")
    rep.check("Traceback" not in seg.stderr, "undo: traceback")


def run_scenario(
    sc: Scenario, workdir: Path, *, reference: dict[str, Any] | None = None, spec_path: Path | None = None, log: Callable[[str], None] = lambda s: None
) -> tuple[Report, ChaosJob]:
    """The whole exercise: spec, reference run (unless given), chaos run with kills and faults,
    reconcile retry of whatever ended in the queue (faults cleared), then ``verify``."""
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(sc.seed)
    started = time.monotonic()
    spec, intents = make_spec(seeded_dump(sc.users, sc.seed), rng, share=sc.share, first_page_share=sc.first_page_share)
    spec_path = write_spec(spec_path or workdir / "job.json", spec)
    if reference is None:
        log(f"reference: uninterrupted run of {len(intents)} users on an identically seeded org")
        reference = reference_run(workdir, users=sc.users, seed=sc.seed, spec=spec_path)
    knobs = sim_knobs(sc.faults, sc.rps)
    chaos_dir = workdir / "chaos"
    log(f"chaos: {sc.kills} kills, faults {list(sc.faults) or 'none'} ({knobs})")
    with SimProcess(chaos_dir, users=sc.users, seed=sc.seed, name="sim-chaos", state_file=chaos_dir / "org-final.json", **knobs) as sim:
        job = ChaosJob(spec_path, sim.base_url, chaos_dir / "state", "chaos", sc.rps, chaos_dir, workers=sc.workers, conflict_attempts=sc.conflict_attempts)
        cursor = "cursor" in sc.faults and sc.kills >= 2 and sc.users > 500
        pause = (lambda k: knobs["cursor_ttl"] + 0.5 if k == 1 else 0.0) if cursor else None
        squeeze = RateSqueeze(sim, job.root / "audit.ndjson", base=knobs["rps"]) if "ratelimit" in sc.faults else None
        try:
            if squeeze:
                squeeze.__enter__()
                job.on_start = lambda n: squeeze.kick()
            rate = min(sc.rps, knobs.get("rps") or sc.rps)
            # With --undo the first kill waits for the first users to be done: every kill then lands in
            # a pass that writes (a kill during set-up tests nothing of what the undo must restore).
            first_in_run = 0 if cursor or sc.undo else None
            drive(job, kills=sc.kills, rng=rng, window=kill_window(job, len(intents), rate), checkpoint_kill=first_in_run, pause_after_kill=pause)
        finally:
            if squeeze:
                squeeze.__exit__(None, None, None)
        last = job.segments[-1]
        if last.rc == 3:
            # Some users ended in the reconciliation queue (conflicts kept coming, or a write kept failing):
            # what an operator does next, with the other admin gone.
            log("reconcile retry of the queued users, conflicts and 5xx off")
            sim.post("/__sim/config", {"conflict_rate": 0.0, "error_rate": 0.0, "post_write_conflict_rate": 0.0})
            job.retry()
        stats = sim.stats()
        chaos_dump = sim.dump()
        conflicts = sim.conflicts()
        undone = undo_and_read(job, sim, log) if sc.undo else None
    expected = with_profile_seeds(reference, users=sc.users, seed=sc.seed, profile="real") if "real" in sc.faults else reference
    rep = verify(job, intents, chaos_dump, expected, conflicts, exact_versions=not {"conflicts", "real"} & set(sc.faults))
    if undone is not None:
        check_undo(rep, job, seeded_dump(sc.users, sc.seed), undone, intents, exact=not {"conflicts", "real"} & set(sc.faults))
    users_query = stats["byRoute"].get("GET /api/v2/users/query", {}).get("byStatus", {})
    rep.figures.update(
        users=len(intents),
        org_users=sc.users,
        requests=api_requests(stats),
        injected_5xx=stats["injectedErrors"],
        injected_conflicts=stats["injectedConflicts"],
        answered_429=stats["rateLimited"],
        tokens_issued=stats["byRoute"].get("POST /oauth/token", {}).get("total", 0),
        expired_cursors_met=sum(s.stderr.count("listing.cursor_expired") for s in job.segments),
        users_query_400=users_query.get("400", 0),
        rate_squeezes=squeeze.squeezes if squeeze else 0,
        reconcile_retries=sum(s.command == "retry" for s in job.segments),
        runs_setup_restarted=sum(1 for a, b in zip(job.segments, job.segments[1:]) if a.killed and b.command == "run"),
        seconds=round(time.monotonic() - started, 1),
    )
    return rep, job
