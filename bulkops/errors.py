"""The typed exception hierarchy: every failure bulkops reports is one of these.

Each family maps to one process exit code (see ``bulkops.cli.support.exitcodes``), so the
CLI never has to guess what went wrong from a message string.
"""

from __future__ import annotations

from dataclasses import dataclass


class BulkopsError(Exception):
    """Base of everything bulkops raises on purpose."""


class ConfigError(BulkopsError):
    """Bad options, missing credentials, an unsafe base URL."""


class WrongOrgError(ConfigError):
    """The credentials belong to another org than the one the job recorded (#28 §1)."""


@dataclass(frozen=True, slots=True)
class SpecProblem:
    """One problem in a job spec, located precisely enough to fix it in an editor."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class SpecError(BulkopsError):
    """The job spec is invalid; carries every problem found in one pass."""

    def __init__(self, problems: list[SpecProblem]):
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in the job spec"
        super().__init__(head + "".join(f"\n  {p}" for p in self.problems[:50]))


class StateError(BulkopsError):
    """Run state is missing, damaged, or belongs to a different spec."""


class DamagedStateError(StateError):
    """The run state cannot be trusted (unreadable, incomplete, or gone beside an audit of writes);
    ``advice`` says what to do (``state/integrity.py``)."""

    def __init__(self, message: str, *, advice: str):
        super().__init__(message)
        self.advice = advice


class ApiError(BulkopsError):
    """A final (non-retried, or retries exhausted) answer from the Genesys Cloud API."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        correlation_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        body: str | None = None,
    ):
        self.status = status
        self.code = code
        self.message = message
        self.correlation_id = correlation_id
        self.method = method
        self.path = path
        self.body = body
        self.attempts: int = 1  # requests this answer took; the client sets it after retries
        where = f"{method} {path} " if method and path else ""
        extra = f" [{code}]" if code else ""
        cid = f" (correlation id {correlation_id})" if correlation_id else ""
        super().__init__(f"{where}-> HTTP {status}{extra}: {message}{cid}")


class AuthError(ApiError):
    """401/403, or the token endpoint refused the client credentials."""


class CredentialsError(AuthError):
    """The token endpoint refused the OAuth client: never about one user, whatever the status."""


class AccessTokenRefusedError(CredentialsError):
    """A ready access token (``GENESYSCLOUD_ACCESS_TOKEN``, a profile's ``access_token``) was
    refused: it expired or was revoked, and bulkops cannot refresh a token it did not fetch."""

    def __str__(self) -> str:
        return self.message


class BadRequestError(ApiError):
    """400: the request itself is wrong; retrying will not help."""


class NotFoundError(ApiError):
    """404: the user, skill or queue does not exist."""


class ConflictError(ApiError):
    """409 (or 400 'does not match the current version'): somebody else changed the object."""


class CursorExpiredError(ApiError):
    """The listing cursor is no longer valid; restart the enumeration."""


class RateLimitedError(ApiError):
    """429 still answered after every retry."""


class ServerError(ApiError):
    """5xx still answered after every retry."""


class MalformedResponseError(ServerError):
    """A 2xx whose body is not the shape the API documents (empty, truncated, HTML, wrong
    type, a cursor that never advances). A transient fault like a 5xx: retried within the
    budget, then a resumable stop; never taken as an outcome."""


class TransportError(BulkopsError):
    """Timeouts or connection failures that outlasted every retry."""

    #: Requests this call spent before giving up (set by the client, as on ``ApiError``).
    attempts: int = 1
    #: No connection was made at all (refused, unreachable): ``client.contact`` tells a server
    #: that is not there at start-up from a blip mid-run.
    no_connection: bool = False


class CannotConnectError(BulkopsError):
    """Nothing ever answered at the API's URL (connection refused or unreachable from the start):
    nothing was sent, so the way on is the same command once the API is there (#28 §5)."""

    def __init__(self, message: str, *, url: str):
        super().__init__(message)
        self.url = url


class JobNameError(BulkopsError):
    """A job name that is not a plain folder name: it could reach outside --state-dir."""


class JobBusyError(BulkopsError):
    """Another process is running a pass of the same job (its lock is held)."""


class NotConfirmed(BulkopsError):
    """The operator did not confirm the run at its question: nothing was written, no job made."""


class RunStateWriteError(BulkopsError):
    """The run state (checkpoint, audit log, reconciliation queue) could not be written:
    a full disk, a read-only folder. Nothing is damaged; the pass stops, resumable."""


class StoppedAtOnce(BulkopsError):
    """A second Ctrl-C (or SIGTERM) stopped the pass without waiting for the users in flight:
    they stay in flight, and ``resume`` checks each against the org before writing again."""


class PassFailed(BulkopsError):
    """A pass ended on a fatal error after checkpointing and writing its summary, result
    files and webhook; ``cause`` decides the exit code, ``job_id`` names the next command."""

    def __init__(self, cause: BaseException, *, job_id: str, state_dir: str | None = None):
        super().__init__(str(cause))
        self.cause = cause
        self.job_id = job_id
        self.state_dir = state_dir


#: Faults that say nothing about the object written: a pass that meets one after the
#: retry budget stops (resumable); it never records a user as failed because of it.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ServerError, RateLimitedError, TransportError)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT_ERRORS)
