"""The report page: one self-contained HTML file (inline CSS and SVG; no script, no fetch).

A Content-Security-Policy meta tag forbids every external load, so the file opens the
same offline, from an email attachment or a ticket. Every figure also appears as text
with a ``data-figure`` attribute: the page can be read without the charts and checked
by a parser.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape
from typing import Any

from bulkops.kinds.registry import KINDS
from bulkops.report.charts import PALETTE, Bar, column_chart, outcome_bar
from bulkops.report.orgchanges import Group
from bulkops.report.settle import SettleView, by_reason
from bulkops.report.timeline import Bucket, Figures, Timeline
from bulkops.report.verification import section as verification_section
from bulkops.state.auditline import UserLine
from bulkops.state.records import ItemOutcome

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#555;margin:0 0 16px}.note{color:#555;font-size:13px;margin:6px 0}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:12px 16px;margin:12px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
.card{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:10px 12px}
.card .v{font-size:20px;font-weight:600}.card .k{color:#555;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#fafafa}table.narrow{width:auto;min-width:320px}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px}
.status-complete{color:#2e7d32}.status-finished{color:#ef6c00}.status-stopped,.status-incomplete,.status-interrupted{color:#c62828}.status-running{color:#1565c0}
.tri{display:grid;grid-template-columns:repeat(4,auto);gap:2px 14px;font-size:12px;margin:4px 0}.tri .ok{color:#2e7d32}
.commands{font-size:12px;margin:4px 0 8px;padding-left:18px}th.reason-group{background:#fff3e0}details summary{cursor:pointer}nav{margin:8px 0}
.legend span{display:inline-block;margin-right:14px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
"""


def render(
    figures: Figures,
    *,
    files: Sequence[str] = (),
    generated: float | None = None,
    verification: Mapping[str, Any] | None = None,
    item_changes: Mapping[str, str] | None = None,
) -> str:
    f = figures
    s = f.summary or {}
    run = s.get("this_run", {})
    status, state = f.account.status, f.account.state
    title = f"bulkops report: {f.job_id}"
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">job status <b class="status-{escape(state)}" data-figure="status">{escape(status)}</b> · run <code>{escape(f.run_id or "none")}</code>'
        f" · generated {escape(_iso(generated if generated is not None else time.time()))}"
        + (f" · spec <code>{escape(str(s.get('spec')))}</code>" if s.get("spec") else "")
        + "</p>",
    ]
    if len(f.runs) > 1:
        body.append(
            f'<p class="note">This job has {len(f.runs)} runs in its audit log ({", ".join(escape(r) for r in f.runs)}); '
            "the status, the summary tiles and the outcomes cover the whole job, every pass; the charts and the tables of users cover the run above.</p>"
        )
    if not s:
        body.append('<p class="note">No summary.json for this run (it was killed, or is still running): figures below come from the audit log alone.</p>')
    body.append(_in_short(f, state))
    sections = [  # for the person who asked for the change first, then the engineering figures
        _changes(f),
        _items(f, item_changes or {}),
        _reconciliation(f),
        _cards(f),
        _requests(run, s.get("job")),
        _outcomes(f),
        _rate(f, run),
        _faults(f, run),
        _latency(f),
        _users("Slowest users", "slowest", f.slowest, "No user in this run has a latency recorded."),
        _users("Most retried users", "most-retried", f.most_retried, "No user in this run needed a second write attempt or met a 409."),
        verification_section(verification),  # when `bulkops verify` has run
    ]
    if files:
        sections.append('<h2 id="files">Result files</h2><section><ul>' + "".join(f"<li><code>{escape(p)}</code></li>" for p in files) + "</ul></section>")
    body.append(_contents(key for key, _ in CONTENTS if any(f'<h2 id="{key}">' in part for part in sections)))
    body += sections
    if f.bad_lines:
        body.append(
            f'<p class="note" data-figure="bad-lines">{len(f.bad_lines)} damaged audit line(s) skipped (cut by a crash): '
            + "; ".join(escape(b) for b in f.bad_lines[:5])
            + "</p>"
        )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(title)}</title><style>{CSS}</style></head>'
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def _card(key: str, label: str, value: Any, hint: str = "") -> str:
    shown = "—" if value is None else (_num(value) if isinstance(value, (int, float)) else str(value))
    return f'<div class="card"><div class="v" data-figure="{key}">{escape(shown)}</div><div class="k">{escape(label)}{escape(hint)}</div></div>'


def _cards(f: Figures) -> str:
    """The whole job's figures, every pass (the account), not the charted run's."""
    job, audit = f.account.totals(), f.account.audit
    cards = [
        _card("need-look", "need a look (failed or held, not dropped)", f.account.need_look),
        _card("dropped", "dropped by a person (settled)", f.account.dropped),
        _card("users-handled", "user outcomes recorded, every pass", audit.lines if audit else None),
        _card("passes", "passes (run, resume, retry)", audit.runs if audit else job.passes),
        _card("requests", "requests, every pass (set-up included)", job.requests if job.passes else None),
        _card("audit-requests", "requests in user audit lines", round(audit.requests, 1) if audit else None),
        _card("requests-per-changed-user", "requests per changed user", job.requests_per_changed_user),
        _card("duration", "duration (s), every pass", job.duration_s if f.account.passes else None),
        _card("achieved-rps", "achieved requests/s over the passes", job.achieved_rps),
        _card("configured-rps", "configured requests/s (last pass)", job.configured_rps),
        _card("conflicts", "409 conflicts (audit, every pass)", audit.conflicts if audit else None),
        _card("http-429", "429 answers (summaries, every pass)", job.http_429 if f.account.passes else None),
        _card("http-5xx", "5xx answers (summaries, every pass)", job.http_5xx if f.account.passes else None),
        _card("http-retries", "HTTP retries, every pass", job.http_retries if f.account.passes else None),
        _card("unprocessed", "users and items not reached yet", f.account.open_work),
    ]
    return '<h2 id="summary">Summary: the whole job</h2><div class="cards">' + "".join(cards) + "</div>"


def _requests(run: dict[str, Any], job: dict[str, Any] | None) -> str:
    """Every request of the pass's process by what it was for, from the summary (the client's count)."""
    kinds = run.get("requests_by_kind") or {}
    if not kinds:
        return '<h2 id="requests">Requests by kind</h2><section><p class="note">Not in this summary (none, or written by an older bulkops).</p></section>'
    rows = "".join(f'<tr><td>{escape(k)}</td><td class="n" data-figure="kind-{escape(k)}">{v:,}</td></tr>' for k, v in kinds.items())
    total = f'<tr><th>total</th><th class="n" data-figure="kind-total">{sum(kinds.values()):,}</th></tr>'
    across = (
        f'<p class="note">The job so far, every pass: <b data-figure="job-requests">{job["requests"]:,}</b> requests in '
        f'<span data-figure="job-passes">{job["passes"]}</span> pass(es).</p>'
        if job
        else ""
    )
    return (
        '<h2 id="requests">Requests by kind</h2><section><p class="note">Every request this pass\'s process sent, as the server counts them: the token, '
        "the org catalogue and the resolution of names before the pass, then the state it read, its writes, queue batches and re-reads "
        f'(after a 409, or an expansion the listing left out).</p><table class="narrow"><tr><th>kind</th><th>requests</th></tr>{rows}{total}</table>'
        f"{across}</section>"
    )


def _outcomes(f: Figures) -> str:
    def table(counts: dict[str, int], scope: str) -> str:
        rows = "".join(f'<tr><td>{escape(k)}</td><td class="n" data-figure="{scope}-{escape(k)}">{v:,}</td></tr>' for k, v in counts.items())
        total = sum(counts.values())
        return f'<table class="narrow"><tr><th>outcome</th><th>users</th></tr>{rows}<tr><th>total</th><th class="n" data-figure="{scope}-total">{total:,}</th></tr></table>'

    legend = '<p class="legend">' + "".join(f'<span><i style="background:{PALETTE.get(k, "#999")}"></i>{escape(k)}</span>' for k in f.outcomes_job) + "</p>"
    return (
        '<h2 id="outcomes">Outcomes</h2><section>'
        '<p class="note">Whole job, each user\'s last outcome (users not reached yet count as pending/inflight):</p>'
        + outcome_bar(f.outcomes_job, name="outcomes-job")
        + legend
        + table(f.outcomes_job, "job")
        + '<p class="note">This run\'s audit lines:</p>'
        + table(f.outcomes_run, "run")
        + "</section>"
    )


def _time_bars(f: Figures, value: Callable[[Bucket], float], unit: str) -> tuple[list[Bar], int]:
    tl = f.timeline
    bars = [Bar(value(b), _clock(b.offset), f"{_clock(b.offset)}–{_clock(b.offset + b.width)}: {_num(value(b))} {unit}") for b in tl.buckets]
    return bars, max(1, len(bars) // 10)


def _rate(f: Figures, run: dict[str, Any]) -> str:
    """When requests were really sent (the client's per-second count), else the audit's estimate, said so."""
    limit = f.configured_rps
    limit_note = "" if limit else " No configured limit is known for this run (no summary.json)."
    if f.sent is not None and f.sent.buckets:
        chart = _rps_chart(f.sent, limit)
        return (
            f'<h2 id="rate">Requests per second</h2><section>{chart}'
            f'<p class="note" data-figure="rate-source">Per {_num(f.sent.width)} s from the pass\'s first request (time axis in min:s): every request the pass\'s '
            f"process sent, set-up included, counted in the second it was sent ({_num(sum(b.requests for b in f.sent.buckets))} requests).{limit_note}</p></section>"
        )
    tl = f.timeline
    if not tl.buckets:
        return '<h2 id="rate">Requests per second</h2><section><p class="note">No audit lines for this run.</p></section>'
    return (
        f'<h2 id="rate">Requests per second</h2><section>{_rps_chart(tl, limit)}'
        f'<p class="note" data-figure="rate-source">Per {_num(tl.width)} s from the run\'s start (time axis in min:s). An estimate: this run\'s summary.json does not say when '
        "each request was sent (it was killed, or written by an older bulkops), so each user's requests are spread evenly over its latency window, and listing reads "
        f"belong to no user (they are left out): the audit lines account for {_num(round(f.audit_requests, 1))} of "
        f"{_num(run.get('requests')) if run.get('requests') is not None else 'an unknown number of'} requests.{limit_note}</p></section>"
    )


def _rps_chart(tl: Timeline, limit: float | None) -> str:
    bars = [Bar(round(b.rps, 2), _clock(b.offset), f"{_clock(b.offset)}–{_clock(b.offset + b.width)}: {_num(round(b.rps, 2))} req/s") for b in tl.buckets]
    return column_chart(
        bars,
        name="rps",
        color=PALETTE["requests"],
        y_label="requests/s",
        limit=limit,
        limit_label=f"configured limit {_num(limit)}/s" if limit else "",
        tick_every=max(1, len(bars) // 10),
    )


def _faults(f: Figures, run: dict[str, Any]) -> str:
    tl = f.timeline
    chart = ""
    if tl.buckets:
        bars, every = _time_bars(f, lambda b: b.conflicts, "409 conflicts")
        chart = column_chart(bars, name="conflicts", color=PALETTE["conflicts"], y_label="409 conflicts", height=180, tick_every=every, integer=True)
    totals = (
        f'<table class="narrow"><tr><th>answer</th><th>over time</th><th>run total</th></tr>'
        f'<tr><td>409 conflict</td><td>chart above (from the audit)</td><td class="n">{f.conflicts_409}</td></tr>'
        f'<tr><td>429 rate limited</td><td>not recorded per time</td><td class="n">{_num(run.get("http_429")) if run else "—"}</td></tr>'
        f'<tr><td>5xx server error</td><td>not recorded per time</td><td class="n">{_num(run.get("http_5xx")) if run else "—"}</td></tr></table>'
    )
    return (
        f'<h2 id="faults">409 / 429 / 5xx</h2><section>{chart}{totals}'
        '<p class="note">The audit log records each user\'s 409s, so they are charted over time. 429 and 5xx answers are retried inside the client and only '
        "their run totals reach summary.json; they are not in the audit, so no timeline is drawn for them.</p></section>"
    )


def _latency(f: Figures) -> str:
    bars = [Bar(b.count, b.label, f"{b.label}: {b.count} users") for b in f.latency]
    chart = column_chart(bars, name="latency", color=PALETTE["latency"], y_label="users", height=200, integer=True)
    pct = " · ".join(f'{k} <b data-figure="latency-{k}">{_num(v)}</b> ms' for k, v in f.percentiles.items())
    return (
        f'<h2 id="latency">Latency per user</h2><section>{chart}<p class="note">{pct or "no latencies recorded"}. '
        "From the first write attempt to the outcome, including rate-limit waits, 409 back-off and queue-membership batching (up to 10 s).</p></section>"
    )


def _users(title: str, name: str, lines: Iterable[UserLine], empty: str) -> str:
    lines = list(lines)
    if not lines:
        return f'<h2 id="{name}">{escape(title)}</h2><section><p class="note">{escape(empty)}</p></section>'
    rows = "".join(
        f'<tr data-user="{escape(u.user_id)}"><td>{escape(u.email or u.user_id)}</td><td>{escape(u.outcome)}</td>'
        f'<td class="n">{_num(u.latency_ms) if u.latency_ms is not None else "—"}</td><td class="n">{u.attempts}</td>'
        f'<td class="n">{u.conflicts}</td><td class="n">{_num(u.requests)}</td><td>{escape(u.reason or "")}</td></tr>'
        for u in (ln.record for ln in lines)
    )
    return (
        f'<h2 id="{name}">{escape(title)}</h2><section><table data-table="{name}"><tr><th>user</th><th>outcome</th><th>latency ms</th>'
        f"<th>attempts</th><th>409s</th><th>requests</th><th>reason</th></tr>{rows}</table></section>"
    )


def _in_short(f: Figures, state: str) -> str:
    """The job in a few plain sentences, for a reader who will not read the tables below."""
    jobwide = f.outcomes_job
    changed, right = jobwide.get("applied", 0), jobwide.get("unchanged", 0)
    held = f.account.need_look
    waiting = jobwide.get("pending", 0) + jobwide.get("inflight", 0)
    said = [f"{_num(changed)} agent(s) now have the routing the job asked for; {_num(right)} already had it."]
    if held:
        said.append(f"{_num(held)} need a person's look (listed under What needs a look below, by reason, with the commands that settle each).")
    if jobwide.get("dropped"):
        said.append(f"{_num(jobwide['dropped'])} were taken off the reconciliation queue by a person (fixed by hand or accepted): settled.")
    if waiting:
        said.append(f"{_num(waiting)} were not reached yet: the job was stopped and can be resumed where it stopped.")
    items = [r for r in f.items if r.outcome in ("applied", "unchanged")]
    if f.items:
        said.append(f"{len(items)} of {len(f.items)} skill or queue definition change(s) are in place.")
    if state == "complete":
        said.append("Nothing is left to do.")
    return '<section class="in-short" data-figure="in-short"><p>' + " ".join(escape(x) for x in said) + "</p></section>"


#: Each kind of item under its own heading (#28 §5), in the registry's order; an unknown kind under its own name.
ITEM_HEADINGS = {folder.name: folder.heading or folder.name for folder in KINDS}


def _items(f: Figures, changes: Mapping[str, str]) -> str:
    """The items of the other kinds, each kind under its own heading, one row each: what was done
    (``changes``: by ``kind:key``, the change items.csv has) and how it ended."""
    by_kind: dict[str, list[ItemOutcome]] = {}
    for r in f.items:
        by_kind.setdefault(r.kind, []).append(r)
    order = [k for k in ITEM_HEADINGS if k in by_kind] + [k for k in by_kind if k not in ITEM_HEADINGS]
    return "".join(_item_table(kind, by_kind[kind], changes) for kind in order)


def _item_table(kind: str, items: list[ItemOutcome], changes: Mapping[str, str]) -> str:
    rows = "".join(
        f'<tr data-item="{escape(kind)}:{escape(r.key)}"><td>{escape(r.name or r.key)}</td>'
        f"<td>{escape(changes.get(f'{r.kind}:{r.key}', ''))}</td><td>{escape(r.outcome)}</td><td>{escape(r.reason or '')}</td></tr>"
        for r in items
    )
    heading = ITEM_HEADINGS.get(kind, kind)
    return (
        f'<h2 id="items-{escape(kind)}">{escape(heading)}</h2><section><table data-table="items-{escape(kind)}">'
        "<tr><th>name</th><th>change</th><th>outcome</th><th>reason</th></tr>" + rows + "</table></section>"
    )


def _num(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.3f}".rstrip("0").rstrip(".")
    return f"{int(v):,}"


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t))


# -- for the person who asked for the change: what changed, what needs a look (#28 §4) ------

#: The page's sections in order, for the contents line; every one has this id on its heading.
CONTENTS = (
    ("changes", "What changed in the org"),
    *((f"items-{kind}", heading) for kind, heading in ITEM_HEADINGS.items()),
    ("reconciliation", "What needs a look"),
    ("summary", "Summary"),
    ("requests", "Requests by kind"),
    ("outcomes", "Outcomes"),
    ("rate", "Requests per second"),
    ("faults", "409 / 429 / 5xx"),
    ("latency", "Latency"),
    ("slowest", "Slowest users"),
    ("most-retried", "Most retried users"),
    ("verification", "Verification"),
    ("files", "Result files"),
)


def _contents(present: Iterable[str]) -> str:
    shown = set(present)
    links = " · ".join(f'<a href="#{key}">{escape(title)}</a>' for key, title in CONTENTS if key in shown)
    return f'<nav id="contents" class="note">On this page: {links}</nav>'


def _changes(f: Figures) -> str:
    """Per skill, language, queue, division and field: how many users gained or lost it, and who."""
    head = '<h2 id="changes">What changed in the org</h2>'
    changes = f.changes
    if changes is None or not changes.groups():
        return head + '<section><p class="note" data-figure="users-changed">No user was changed by this job (yet).</p></section>'
    rows = "".join(_change_row(g) for g in changes.groups())
    return (
        head + f'<section><p class="note"><b data-figure="users-changed">{changes.users_changed:,}</b> user(s) changed, '
        "each counted under every element it gained, lost or had set (its last outcome in the job; the CSVs in Result files list everyone)."
        + _sent_only(changes.users_sent_only)
        + "</p>"
        '<table data-table="changes"><tr><th>what</th><th>name</th><th>change</th><th>users</th><th>who</th></tr>' + rows + "</table></section>"
    )


def _sent_only(n: int) -> str:
    if not n:
        return ""
    return (
        f' Of them, <b data-figure="users-sent-only">{n:,}</b> only had queue memberships sent to queues whose members were not read '
        "(cheaper than reading a large queue): the API does not say whether they were in place already."
    )


def _change_row(g: Group) -> str:
    more = g.count - len(g.users)
    who = "".join(f"<li>{escape(u)}</li>" for u in g.users) + (f"<li>… and {more:,} more (applied.csv)</li>" if more > 0 else "")
    return (
        f'<tr data-change="{escape(g.key)}"><td>{escape(g.kind)}</td><td>{escape(g.name or "(each user its own value)")}</td><td>{escape(g.change)}</td>'
        f'<td class="n" data-figure="change-{escape(g.key)}">{g.count:,}</td>'
        f"<td><details><summary>{g.count:,} user(s)</summary><ul>{who}</ul></details></td></tr>"
    )


def _reconciliation(f: Figures) -> str:
    """The open entries grouped by reason, one anchored row each, with the three-way view and the commands."""
    dropped = f.account.dropped
    settled = f' <b data-figure="reconciliation-dropped">{dropped}</b> dropped by a person (settled).' if dropped else ""
    head = '<h2 id="reconciliation">What needs a look: the reconciliation queue</h2>'
    if not f.settle:
        return head + f'<section><p class="note"><b data-figure="reconciliation-open">0</b> open entries.{settled}</p></section>'
    job = escape(f.job_id)
    groups = by_reason(f.settle)
    index = " · ".join(f'<a href="#reason-{i}">{escape(reason)} ({len(vs)})</a>' for i, (reason, vs) in enumerate(groups.items(), 1))
    rows = []
    for i, (reason, views) in enumerate(groups.items(), 1):
        rows.append(f'<tr><th colspan="5" class="reason-group" id="reason-{i}">{escape(reason)} ({len(views)})</th></tr>')
        rows += [_settle_row(v, opened=len(f.settle) <= OPEN_ENTRIES) for v in views]
    return (
        head + f'<section><p class="note"><b data-figure="reconciliation-open">{len(f.settle)}</b> open entries, by reason: {index}. '
        f"Each shows what the job wanted, what it last saw and what the org holds now (when <code>bulkops reconcile show {job} USER</code> "
        f"read it), and the commands that settle it; <code>bulkops reconcile retry {job}</code> runs them all again.{settled}</p>"
        '<table data-table="reconciliation"><tr><th>user</th><th>outcome</th><th>error</th><th>attempts</th><th>queued</th></tr>'
        + "".join(rows)
        + "</table></section>"
    )


#: Up to this many entries the page shows each one's three-way view open; beyond, one click away.
OPEN_ENTRIES = 100


def _settle_row(v: SettleView, *, opened: bool) -> str:
    anchor = escape(v.anchor)
    main = (
        f'<tr id="{anchor}" data-user="{escape(v.key)}"><td><a href="#{anchor}">{escape(v.label)}</a></td><td>{escape(v.outcome)}</td>'
        f'<td>{escape(v.error)}</td><td class="n">{v.attempts}</td><td>{escape(v.queued_at)}</td></tr>'
    )
    view = f"{_three_way(v)}{_commands(v)}"
    if not opened:
        view = f"<details><summary>wanted / last seen / now, and the commands</summary>{view}</details>"
    return main + f'<tr class="settle"><td colspan="5">{view}</td></tr>'


def _three_way(v: SettleView) -> str:
    if not v.rows:
        return '<p class="note">No element recorded for this entry.</p>'
    read = v.now_read_at
    now_head = f"the org holds now (read {escape(read)})" if read else "the org holds now: not read yet"
    if v.now_error:
        now_head = f"the org now ({escape(read)}): {escape(v.now_error)}"
    cells = ["<b></b>", "<b>the job wanted</b>", "<b>it last saw</b>", f"<b>{now_head}</b>"]
    for r in v.rows:
        now = "—" if r.now is None else r.now
        cls = ' class="ok"' if r.settled else ""
        cells += [f"<span>{escape(r.what)}</span>", f"<span>{escape(r.wanted)}</span>", f"<span>{escape(r.seen)}</span>", f"<span{cls}>{escape(now)}</span>"]
    return '<div class="tri">' + "".join(cells) + "</div>"


def _commands(v: SettleView) -> str:
    items = "".join(f"<li>{escape(what)}: <code>{escape(cmd)}</code></li>" for what, cmd in v.commands)
    return f'<ul class="commands">{items}</ul>'
