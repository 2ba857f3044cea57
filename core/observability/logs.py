"""Log formatting: one JSON object per line (`IBE_LOG_FORMAT=json`, what the containers use) carrying
the current trace and span ids, or plain text for a terminal."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from core.config import Settings
from core.observability.tracing import current_span_ids

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged as a field.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", "service", "trace_id", "span_id", ...extra, "exc"}`."""

    def __init__(self, service: str | None = None) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.service:
            entry["service"] = self.service
        ids = current_span_ids()
        if ids:
            entry["trace_id"], entry["span_id"] = ids
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = current_span_ids()
        return f"{line} trace_id={ids[0]}" if ids else line


class CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record is emitted, not the stream of the moment the
    handler was made: a test runner that swaps stderr for a buffer and closes it afterwards (typer's
    CliRunner) never leaves a handler writing to a closed file."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # the base class assigns it; the current stderr always wins
        pass


def configure_logging(settings: Settings, service: str) -> logging.Handler:
    """Send the root logger to stderr in the configured format and level; returns the handler.

    Replaces handlers installed by an earlier call, so calling it twice does not double every line,
    and the handler follows `sys.stderr` as it is at each record (see `CurrentStderrHandler`).
    """
    handler = CurrentStderrHandler()
    handler.set_name("ibe-observability")
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "ibe-observability"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    return handler
