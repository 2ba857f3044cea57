import os
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import orjson

from tests.servers import free_port

REPO = Path(__file__).resolve().parents[3]


def test_init_process_gives_json_logs_with_trace_ids_and_a_metrics_endpoint(tmp_path):
    """A fresh process, as `ibe relay` would start: one call, then a log line inside a span."""
    port = free_port()
    script = textwrap.dedent(
        f"""
        import logging, sys, urllib.request
        from opentelemetry import trace
        from core.config import Settings
        from core.observability import init_process

        telemetry = init_process(Settings(), "ibe-relay")
        assert init_process(Settings(), "ibe-relay").tracer_provider is telemetry.tracer_provider
        with trace.get_tracer("relay").start_as_current_span("publish") as span:
            logging.getLogger("streaming.relay").info("published %d events", 3)
            print(trace.format_trace_id(span.get_span_context().trace_id), flush=True)
        body = urllib.request.urlopen("http://127.0.0.1:{port}/metrics", timeout=5).read()
        assert b"python_info" in body or b"process_" in body
        telemetry.shutdown()
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("IBE_")}
    env.update(
        IBE_DATA_DIR=str(tmp_path), IBE_LOG_FORMAT="json", IBE_METRICS_PORT=str(port), PYTHONPATH=str(REPO)
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    trace_id = out.stdout.strip()
    (line,) = [line for line in out.stderr.splitlines() if line.startswith("{")]
    entry = orjson.loads(line)
    assert entry["message"] == "published 3 events"
    assert entry["service"] == "ibe-relay" and entry["level"] == "INFO"
    assert entry["trace_id"] == trace_id
    # The endpoint is gone after shutdown.
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1)
        raise AssertionError("metrics endpoint still serving after shutdown")
    except OSError:
        pass
