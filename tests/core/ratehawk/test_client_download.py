"""Dump downloads: streamed to disk, resumed with HTTP Range, checked by size and SHA-256."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import zstandard

from core.ratehawk import errors
from tests.core.ratehawk.fakes import FakeRateHawk, FakeTime, envelope, make_client

DUMP_URL = "https://files.example.test/dumps/partner_feed_en.jsonl.zst?sig=abc&expires=1"


class FileServer:
    """Serves one file with Range/If-Range/ETag; can cut the connection after some bytes."""

    def __init__(self, content: bytes, *, etag: str = '"v1"', advertise_sha: bool = True) -> None:
        self.content = content
        self.etag = etag
        self.advertise_sha = advertise_sha
        self.cut_after: list[int] = []  # per request, bytes sent before the connection drops
        self.requests: list[httpx.Request] = []
        self.expired_urls: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if str(request.url) in self.expired_urls:
            return httpx.Response(403, text="link expired")
        start = 0
        status = 200
        headers = {"ETag": self.etag, "Accept-Ranges": "bytes"}
        if self.advertise_sha:
            headers["X-Checksum-Sha256"] = hashlib.sha256(self.content).hexdigest()
        wanted = request.headers.get("range")
        if wanted and request.headers.get("if-range", self.etag) == self.etag:
            start = int(wanted.removeprefix("bytes=").split("-")[0])
            if start >= len(self.content):
                return httpx.Response(416, headers={"Content-Range": f"bytes */{len(self.content)}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(self.content) - 1}/{len(self.content)}"
        body = self.content[start:]
        headers["Content-Length"] = str(len(body))
        cut = self.cut_after.pop(0) if self.cut_after else None
        return httpx.Response(status, headers=headers, stream=_Body(body, cut, request))


class _Body(httpx.AsyncByteStream):
    def __init__(self, body: bytes, cut: int | None, request: httpx.Request) -> None:
        self.body, self.cut, self.request = body, cut, request

    async def __aiter__(self) -> Iterator[bytes]:
        sent = 0
        view = memoryview(self.body)
        while sent < len(view):
            if self.cut is not None and sent >= self.cut:
                raise httpx.ReadError("connection reset", request=self.request)
            step = 64 * 1024 if self.cut is None else min(64 * 1024, self.cut - sent)
            yield bytes(view[sent : sent + step])
            sent += step


def _dump(lines: int) -> bytes:
    raw = b"".join(
        b'{"hid": %d, "name": "Hotel %d", "pad": "%s"}\n' % (i, i, b"x" * 200) for i in range(lines)
    )
    return zstandard.ZstdCompressor(level=1, write_checksum=True).compress(raw)


def _client(server: FileServer, api: FakeRateHawk | None = None):
    api = api or FakeRateHawk()

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "files.example.test":
            return server(request)
        return api(request)

    client = make_client(api, FakeTime())
    client._http._transport = httpx.MockTransport(route)
    return client


async def test_interrupted_download_resumes_with_range_and_checks_sha256(tmp_path: Path):
    content = os.urandom(3 * 1024 * 1024 + 123)
    server = FileServer(content)
    server.cut_after = [1_000_000, 700_000]
    dest = tmp_path / "dump.jsonl.zst"
    seen: list[tuple[int, int | None]] = []
    async with _client(server) as client:
        result = await client.download(
            DUMP_URL, dest, chunk_size=64 * 1024, progress=lambda done, total: seen.append((done, total))
        )
    assert dest.read_bytes() == content
    assert seen[-1] == (len(content), len(content)) and all(t == len(content) for _, t in seen)
    assert result.sha256 == hashlib.sha256(content).hexdigest() and result.attempts == 3
    assert result.resumed_from == 1_700_000
    ranges = [r.headers.get("range") for r in server.requests]
    assert ranges == [None, "bytes=1000000-", "bytes=1700000-"]
    assert all(r.headers.get("if-range") == '"v1"' for r in server.requests[1:])
    assert not list(tmp_path.glob("*.part*"))


async def test_a_partial_file_left_by_an_earlier_process_is_resumed(tmp_path: Path):
    content = os.urandom(500_000)
    server = FileServer(content)
    server.cut_after = [200_000]
    dest = tmp_path / "dump.bin"
    async with _client(server) as client:
        with pytest.raises(errors.DumpDownloadError):
            await client.download(DUMP_URL, dest, max_attempts=1)
    assert (tmp_path / "dump.bin.part").stat().st_size == 200_000
    async with _client(server) as client:  # a new process, same destination
        result = await client.download(DUMP_URL, dest)
    assert result.resumed_from == 200_000 and dest.read_bytes() == content


async def test_a_changed_file_restarts_from_zero(tmp_path: Path):
    server = FileServer(os.urandom(300_000), etag='"v1"')
    server.cut_after = [100_000]
    dest = tmp_path / "dump.bin"
    async with _client(server) as client:
        with pytest.raises(errors.DumpDownloadError):
            await client.download(DUMP_URL, dest, max_attempts=1)
        server.content, server.etag = os.urandom(250_000), '"v2"'
        result = await client.download(DUMP_URL, dest)
    assert dest.read_bytes() == server.content and result.resumed_from == 0


async def test_checksum_mismatch_is_refused(tmp_path: Path):
    server = FileServer(os.urandom(100_000), advertise_sha=False)
    dest = tmp_path / "dump.bin"
    async with _client(server) as client:
        with pytest.raises(errors.DumpDownloadError) as caught:
            await client.download(DUMP_URL, dest, expected_sha256="0" * 64, max_attempts=2)
    assert caught.value.slug == "checksum_mismatch"
    assert not dest.exists()


async def test_expired_link_is_refreshed_through_the_dump_endpoint(tmp_path: Path):
    content = _dump(2_000)
    server = FileServer(content)
    server.expired_urls.add(DUMP_URL)
    api = FakeRateHawk()
    fresh = DUMP_URL.replace("sig=abc", "sig=def")
    api.route("hotel/info/dump/", [envelope({"url": DUMP_URL, "last_update": "2026-11-23T00:00:00"}),
                                   envelope({"url": fresh, "last_update": "2026-11-23T00:00:00"})])  # fmt: skip
    dest = tmp_path / "feed.jsonl.zst"
    async with _client(server, api) as client:
        result = await client.download_hotel_dump(dest, verify_zstd=True)
    assert result.size == len(content) and api.counts["hotel/info/dump/"] == 2
    # the dump link is on another host: the API key must not be sent there
    assert all("authorization" not in r.headers for r in server.requests)


async def test_corrupt_zstd_is_detected(tmp_path: Path):
    content = bytearray(_dump(2_000))
    content[len(content) // 2] ^= 0xFF
    server = FileServer(bytes(content))
    async with _client(server) as client:
        with pytest.raises(errors.DumpDownloadError) as caught:
            await client.download(DUMP_URL, tmp_path / "d.zst", verify_zstd=True)
    assert caught.value.slug == "corrupt_zstd"


async def test_download_memory_stays_bounded(tmp_path: Path):
    size = 24 * 1024 * 1024
    server = FileServer(b"\0" * size, advertise_sha=False)
    tracemalloc.start()
    try:
        async with _client(server) as client:
            tracemalloc.reset_peak()
            baseline = tracemalloc.get_traced_memory()[0]
            await client.download(DUMP_URL, tmp_path / "big.bin", chunk_size=256 * 1024)
            peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    # the fake server holds the body; the client must add only a few chunks on top of it
    assert (tmp_path / "big.bin").stat().st_size == size
    assert peak < 4 * 1024 * 1024, peak
