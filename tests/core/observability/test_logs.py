import io
import logging
import sys

import orjson
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from core.config import Settings
from core.observability import JsonFormatter, configure_logging, setup_tracing


def _record(msg: str, **extra: object) -> logging.LogRecord:
    logger = logging.getLogger("ibe.test")
    record = logger.makeRecord("ibe.test", logging.WARNING, __file__, 1, msg, None, None, extra=extra)
    return record


def test_json_line_carries_trace_id_of_current_span(tmp_path):
    provider = setup_tracing(
        Settings(data_dir=tmp_path), "ibe-test", exporter=InMemorySpanExporter(), install=False
    )
    formatter = JsonFormatter("ibe-api")
    with provider.get_tracer("t").start_as_current_span("book") as span:
        line = formatter.format(_record("booking %s held", booking_id="b-1"))
    entry = orjson.loads(line)
    ctx = span.get_span_context()
    assert entry["trace_id"] == trace.format_trace_id(ctx.trace_id)
    assert entry["span_id"] == trace.format_span_id(ctx.span_id)
    assert entry["service"] == "ibe-api"
    assert entry["level"] == "WARNING"
    assert entry["booking_id"] == "b-1"
    assert entry["ts"].endswith("+00:00")


def test_json_line_outside_a_span_has_no_trace_id_and_keeps_exceptions():
    formatter = JsonFormatter()
    try:
        raise ValueError("supplier said no")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", None, __import__("sys").exc_info()
        )
    entry = orjson.loads(formatter.format(record))
    assert "trace_id" not in entry
    assert "ValueError: supplier said no" in entry["exc"]
    assert "\n" not in formatter.format(record)  # one line per record, whatever the traceback


def test_configure_logging_twice_installs_one_handler(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        settings = Settings(data_dir=tmp_path, log_format="json", log_level="debug")
        configure_logging(settings, "ibe-worker")
        handler = configure_logging(settings, "ibe-worker")
        ours = [h for h in root.handlers if h.get_name() == "ibe-observability"]
        assert ours == [handler]
        assert isinstance(handler.formatter, JsonFormatter)
        assert root.level == logging.DEBUG
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
        root.setLevel(logging.WARNING)


def test_logging_follows_the_current_stderr_after_the_first_one_is_closed(tmp_path, monkeypatch, capsys):
    root = logging.getLogger()
    before = list(root.handlers)
    first = io.StringIO()
    try:
        monkeypatch.setattr(sys, "stderr", first)
        configure_logging(Settings(data_dir=tmp_path, log_format="text", log_level="info"), "ibe-worker")
        first.close()  # what CliRunner does with its stderr buffer when a command returns
        second = io.StringIO()
        monkeypatch.setattr(sys, "stderr", second)
        logging.getLogger("ibe.test").info("still heard")
        assert "still heard" in second.getvalue()
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
        root.setLevel(logging.WARNING)
