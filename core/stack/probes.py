"""Protocol-level health probes: each service is asked a question in its own protocol."""

from __future__ import annotations

import socket
import struct

import httpx


class ProbeFailed(Exception):
    """The service did not answer its protocol correctly."""


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def redis_ping(host: str, port: int, timeout: float = 1.0) -> None:
    """Send RESP `PING`, expect `+PONG`."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        reply = sock.recv(64)
    if not reply.startswith(b"+PONG"):
        raise ProbeFailed(f"redis at {host}:{port} answered {reply!r} to PING")


def kafka_api_versions(host: str, port: int, timeout: float = 1.0) -> int:
    """Send a Kafka ApiVersions v0 request; returns the number of APIs the broker supports."""
    client_id = b"ibe-probe"
    body = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(body)) + body)
        header = _recv_exact(sock, 4)
        (size,) = struct.unpack(">i", header)
        payload = _recv_exact(sock, size)
    correlation_id, error_code, api_count = struct.unpack(">ihi", payload[:10])
    if correlation_id != 7 or error_code != 0:
        raise ProbeFailed(f"kafka at {host}:{port} answered ApiVersions with error {error_code}")
    return int(api_count)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = b""
    while len(chunks) < n:
        chunk = sock.recv(n - len(chunks))
        if not chunk:
            raise ProbeFailed("connection closed mid-answer")
        chunks += chunk
    return chunks


def temporal_namespace(host: str, http_port: int, namespace: str, timeout: float = 2.0) -> None:
    """Ask Temporal's HTTP API to describe the namespace."""
    url = f"http://{host}:{http_port}/api/v1/namespaces/{namespace}"
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        raise ProbeFailed(f"temporal at {url}: {exc}") from None
    if response.status_code != 200:
        raise ProbeFailed(f"temporal at {url} answered {response.status_code}")


def http_ok(url: str, timeout: float = 2.0) -> None:
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        raise ProbeFailed(f"{url}: {exc}") from None
    if response.status_code >= 500:
        raise ProbeFailed(f"{url} answered {response.status_code}")
