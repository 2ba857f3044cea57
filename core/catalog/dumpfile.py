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
    read_bytes: int = 0  # compressed bytes of the file read when the batch was complete (progress)

    def numbered(self) -> Iterator[tuple[int, bytes]]:
        return enumerate(self.lines, start=self.first_line)


class TruncatedDump(ValueError):
    """The dump's zstd stream ends inside a frame: the file was cut short (a partial download or copy)."""


BOM = b"\xef\xbb\xbf"  # the UTF-8 byte-order mark some exporters write at the start of a file


def iter_lines(path: Path | str, read: list[int] | None = None) -> Iterator[bytes]:
    """Every line of a zstd JSON-lines file, without its line break (a final empty line is dropped).

    `read`, when given, is a one-item list kept at the compressed bytes read so far (for progress).

    A UTF-8 byte-order mark at the start of a line (a file's first line, or the first line of a file
    concatenated onto another) is not part of the record and is dropped. A zstd stream that stops
    inside a frame raises `TruncatedDump`: a cut-short dump is an error, never a shorter dump.
    """
    dctx = zstandard.ZstdDecompressor()
    with open(path, "rb") as fh:
        frame = dctx.decompressobj()
        in_frame = False  # bytes of the current frame were read, its end not yet
        pending = b""
        while chunk := fh.read(READ_BYTES):
            if read is not None:
                read[0] += len(chunk)
            while chunk:
                in_frame = True
                block = frame.decompress(chunk)
                chunk = b""
                if frame.eof:  # the frame ended: what follows it starts the next one
                    chunk, frame, in_frame = frame.unused_data, dctx.decompressobj(), False
                if block:
                    lines = (pending + block).split(b"\n")
                    pending = lines.pop()
                    for line in lines:
                        yield _clean(line)
        if in_frame:
            raise TruncatedDump(
                f"{Path(path).name}: the zstd stream ends inside a frame (the file is cut short)"
            )
        if pending:
            yield _clean(pending)


def _clean(line: bytes) -> bytes:
    if line.endswith(b"\r"):
        line = line[:-1]
    return line[3:] if line.startswith(BOM) else line


def iter_batches(path: Path | str, batch_lines: int = 10_000) -> Iterator[LineBatch]:
    """The file's lines in batches of `batch_lines`."""
    batch: list[bytes] = []
    first = 1
    read = [0]
    for line in iter_lines(path, read):
        batch.append(line)
        if len(batch) >= batch_lines:
            yield LineBatch(first, batch, read[0])
            first += len(batch)
            batch = []
    if batch:
        yield LineBatch(first, batch, read[0])


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
