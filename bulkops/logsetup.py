"""structlog as a pipeline of small processors, rendered as one JSON line per event (orjson)."""

from __future__ import annotations

import logging
import sys
from typing import BinaryIO

import orjson
import structlog
from structlog.typing import EventDict

_SECRET_KEYS = frozenset({"client_secret", "access_token", "authorization", "token", "secret"})


def drop_secrets(_logger: object, _name: str, event: EventDict) -> EventDict:
    """Last line of defence: no processor downstream ever sees a secret-looking key."""
    for key in list(event):
        if key.lower() in _SECRET_KEYS:
            event[key] = "***"
    return event


def configure_logging(level: str = "warning", file: BinaryIO | None = None) -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            drop_secrets,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=orjson.dumps),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        logger_factory=structlog.BytesLoggerFactory(file=file or sys.stderr.buffer),
        cache_logger_on_first_use=False,
    )
