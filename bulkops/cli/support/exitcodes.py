"""Process exit codes: one per kind of ending, so a scheduler can branch on them."""

OK = 0  # every user applied or already right
UNEXPECTED = 1  # a bug: please report it with the log
USAGE = 2  # bad command line (click's own code)
WOULD_CHANGE = 2  # `plan --detailed-exitcode`: something would change (Terraform's convention; 0: nothing would)
PARTIAL = 3  # finished, but some users are in the reconciliation queue or failed; undo: some written user cannot be restored
INVALID_SPEC = 4  # the job spec is invalid; nothing was sent
AUTH_CONFIG = 5  # credentials, permissions, region/base URL
ABORTED = 6  # stopped (signal, a change window's end, or the API stayed unreachable); resumable
STATE = 7  # run state missing, damaged or not writable (disk full), or the spec changed since the run began
BUSY = 8  # another bulkops process is running this job
DECLINED = 9  # the operator answered no at `run`'s question; nothing was written
NOT_VERIFIED = 10  # `verify`: the platform's audit misses a write of the job, or holds one it does not know of
AUDIT_PENDING = 11  # `verify`: the platform's audit does not cover the job yet (it lags); try again later
IMPACT = 12  # `run` (unless --accept-impact) / `plan --strict`: the job would leave a queue with no member; nothing was written
BREACH = 13  # `run --waves`: a gate condition failed during a watch; the run stopped (rolled back with --rollback-on-breach)
UNFINISHED = 14  # `run`: the spec's previous job did not finish; nothing was sent (`bulkops resume` it)
CANNOT_CONNECT = 15  # nothing answered at the API's URL from the start (refused, unreachable); nothing was sent

TABLE = [
    (OK, "every user applied (or already as the spec says)"),
    (
        PARTIAL,
        "finished; some users are in the reconciliation queue or failed (see `bulkops reconcile list JOB`); "
        "`undo`: some user or item the job wrote cannot be restored (named in its output)",
    ),
    (WOULD_CHANGE, "`plan --detailed-exitcode`: the spec would change something (0: nothing would); elsewhere: a bad command line"),
    (INVALID_SPEC, "invalid job spec; nothing was sent"),
    (AUTH_CONFIG, "authentication, permission or connection settings problem"),
    (ABORTED, "stopped before the end (a signal, or the end of `--window`); `bulkops resume JOB` carries on"),
    (STATE, "run state missing, damaged or not writable (disk full, read-only), or the spec changed since the run began"),
    (BUSY, "another bulkops process is running this job; nothing was done"),
    (DECLINED, "not confirmed at `run`'s question on a terminal; nothing was written"),
    (NOT_VERIFIED, "`verify`: the platform's audit misses a write the job recorded, or holds one by this client it does not know of"),
    (AUDIT_PENDING, "`verify`: the platform's audit does not cover the job yet (or a query timed out); wait as it says (or --wait) and run it again"),
    (
        IMPACT,
        '`run` (unless `--accept-impact`) or `plan --strict`: the job would leave a queue with no member (see plan\'s "Impact on routing"); nothing was written',
    ),
    (
        BREACH,
        "`run --waves`: a queue's reading failed a `--gate` condition during a watch; the run stopped there, naming the queue, "
        "the reading and the wave (with `--rollback-on-breach`, after the guarded undo of the waves applied)",
    ),
    (UNFINISHED, "`run`: the previous job of the same spec did not finish; nothing was sent: run the `bulkops resume` command it prints"),
    (CANNOT_CONNECT, "cannot connect: nothing answered at the API's URL (connection refused or unreachable) within seconds of starting; nothing was sent"),
    (UNEXPECTED, "unexpected error"),
]
