"""Dump files are read as numbered lines in bounded batches, whatever their line endings."""

from __future__ import annotations

from pathlib import Path

import zstandard

from core.catalog.dumpfile import count_lines, iter_batches, iter_lines, pick_lines


def dump(tmp_path: Path, data: bytes, frames: int = 1) -> Path:
    path = tmp_path / "d.jsonl.zst"
    step = max(1, len(data) // frames)
    path.write_bytes(
        b"".join(zstandard.ZstdCompressor().compress(data[i : i + step]) for i in range(0, len(data), step))
    )
    return path


def test_lines_batches_and_picks(tmp_path: Path) -> None:
    lines = [f'{{"hid": {i}}}'.encode() for i in range(1, 26)]
    path = dump(tmp_path, b"\r\n".join(lines) + b"\n", frames=3)  # CRLF and several zstd frames
    assert list(iter_lines(path)) == lines
    batches = list(iter_batches(path, batch_lines=10))
    assert [(b.first_line, len(b.lines)) for b in batches] == [(1, 10), (11, 10), (21, 5)]
    assert [n for b in batches for n, _ in b.numbered()] == list(range(1, 26))
    assert list(pick_lines(path, [25, 3, 3])) == [(3, lines[2]), (25, lines[24])]
    assert count_lines(path) == 25


def test_empty_line_in_the_middle_keeps_numbering(tmp_path: Path) -> None:
    path = dump(tmp_path, b"a\n\nb")  # no final newline
    assert list(iter_lines(path)) == [b"a", b"", b"b"]
