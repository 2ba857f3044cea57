"""Reading RateHawk dump files (zstd-compressed JSON lines) as a stream, in bounded batches.

Dumps exceed 20 GB raw, so nothing here holds a whole file: lines come out in batches of at most
`batch_lines` lines (and a few MB), each with the 1-based number of its first line, which is how
every later stage names a line (quarantine, reconciliation, resume cursors).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import zstandard

READ_BYTES = 4 << 20


@dataclass(frozen=True, slots=True)
class LineBatch:
    first_line: int  # 1-based number of lines[0]
    lines: list[bytes]

    def numbered(self) -> Iterator[tuple[int, bytes]]:
        return enumerate(self.lines, start=self.first_line)


def iter_lines(path: Path | str) -> Iterator[bytes]:
    """Every line of a zstd JSON-lines file, without its line break (a final empty line is dropped)."""
    with open(path, "rb") as fh:
        reader = zstandard.ZstdDecompressor().stream_reader(fh, read_across_frames=True)
        pending = b""
        while block := reader.read(READ_BYTES):
            lines = (pending + block).split(b"\n")
            pending = lines.pop()
            for line in lines:
                yield line[:-1] if line.endswith(b"\r") else line
        if pending:
            yield pending[:-1] if pending.endswith(b"\r") else pending


def iter_batches(path: Path | str, batch_lines: int = 10_000) -> Iterator[LineBatch]:
    """The file's lines in batches of `batch_lines`."""
    batch: list[bytes] = []
    first = 1
    for line in iter_lines(path):
        batch.append(line)
        if len(batch) >= batch_lines:
            yield LineBatch(first, batch)
            first += len(batch)
            batch = []
    if batch:
        yield LineBatch(first, batch)


def pick_lines(path: Path | str, wanted: Iterable[int]) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line) for the wanted line numbers, in file order, reading only as far as needed."""
    targets = sorted(set(wanted))
    if not targets:
        return
    i = 0
    for number, line in enumerate(iter_lines(path), start=1):
        if number == targets[i]:
            yield number, line
            i += 1
            if i == len(targets):
                return


def count_lines(path: Path | str) -> int:
    return sum(1 for _ in iter_lines(path))
