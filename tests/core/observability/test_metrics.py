import urllib.request

from prometheus_client import CollectorRegistry, Counter

from core.config import Settings
from core.observability import start_metrics_server
from tests.servers import free_port


def test_no_port_no_server(tmp_path):
    assert start_metrics_server(Settings(data_dir=tmp_path)) is None


def test_metrics_endpoint_serves_the_registry(tmp_path):
    registry = CollectorRegistry()
    Counter("ibe_relay_published", "events published", registry=registry).inc(3)
    port = free_port()
    server = start_metrics_server(
        Settings(data_dir=tmp_path, metrics_port=port), addr="127.0.0.1", registry=registry
    )
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert "ibe_relay_published_total 3.0" in body
