"""Progress bars of long catalog work: a total, an ETA, plain lines when stdout is not a terminal."""

from __future__ import annotations

import io

from pipelines.progress import ProgressBar, eta_text
from pipelines.resources import Progress


def test_plain_lines_at_each_tenth_with_the_share_and_an_eta() -> None:
    lines: list[str] = []
    bar = ProgressBar("stage", total=50_000_000, say=lines.append, tty=False)
    for done in range(0, 50_000_001, 2_500_000):  # 20 updates, 10 lines
        bar.update(done)
    bar.close()
    assert len(lines) == 10
    assert lines[0].startswith("stage:  10% 5.0 MB of 50.0 MB, ETA ")
    assert lines[-1].startswith("stage: 100% 50.0 MB of 50.0 MB, ETA 0:00:00")


def test_a_download_learns_its_total_from_the_first_chunk() -> None:
    lines: list[str] = []
    bar = ProgressBar("download", total=None, say=lines.append, tty=False)
    bar.update(1_000_000, 4_000_000)  # what the client's progress(bytes_on_disk, total) passes
    bar.update(4_000_000, 4_000_000)
    bar.close()
    assert [line.split(",")[0] for line in lines] == [
        "download:  25% 1.0 MB of 4.0 MB",  # one line, though it passed 10 % and 20 % at once
        "download: 100% 4.0 MB of 4.0 MB",
    ]


def test_the_eta_follows_the_pace_so_far() -> None:
    assert eta_text(elapsed_s=30, done=25, total=100) == "0:01:30"
    assert eta_text(elapsed_s=30, done=0, total=100) == "?"


def test_on_a_terminal_it_draws_a_bar_with_the_total_and_the_time_left() -> None:
    out = io.StringIO()
    bar = ProgressBar("stage", total=8_000_000, tty=True, stream=out)
    bar.update(4_000_000)
    bar.close()
    drawn = out.getvalue()
    assert "stage" in drawn and "8.0 MB" in drawn and "ETA" in drawn and "50%" in drawn


def test_the_cli_progress_prints_plain_lines_when_stdout_is_not_a_tty(capsys) -> None:
    with Progress(echo=True).bar("validate", 1_000, unit="lines") as bar:
        bar.update(500)
    out = capsys.readouterr().out
    assert "validate:  50% 500 lines of 1,000 lines, ETA" in out
    assert "validate: 100%" in out  # closed short of the total (an estimate): the end is said
