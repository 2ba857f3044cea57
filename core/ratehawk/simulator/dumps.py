"""Dump files of the simulator and the signed, expiring links it hands out for them.

The files are the synthetic catalog's own (`write_dumps` with the simulator's seed and hotel count).
Without a `dump_dir` they are generated into a temporary folder on the first dump request, in a
background thread; until that is done the endpoints answer `dump_not_ready`, like the real API
while it rebuilds a dump. A link is `/dumps/<file>?expires=<epoch>&signature=<hmac>`; the file route
checks both (403 when expired or forged) and serves the file with Range, ETag and X-Checksum-Sha256.
"""

from __future__ import annotations

import hashlib
import hmac
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from core.ratehawk.simulator.config import SimulatorConfig
from core.ratehawk.synthetic import (
    FULL_DUMP,
    INCREMENTAL_DUMP,
    MANIFEST,
    REGION_DUMP,
    DumpManifest,
    write_dumps,
)

FILES_BY_ENDPOINT = {
    "hotel/info/dump/": ("full", FULL_DUMP),
    "hotel/info/incremental_dump/": ("incremental", INCREMENTAL_DUMP),
    "hotel/region/dump/": ("regions", REGION_DUMP),
}


class DumpStore:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self._dir: Path | None = Path(config.dump_dir) if config.dump_dir else None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.manifest: DumpManifest | None = None
        self.built_at: float | None = None

    @property
    def directory(self) -> Path | None:
        return self._dir

    def ready(self) -> bool:
        """True when the files exist; starts building them otherwise."""
        if self.manifest is not None:
            return True
        if self._dir is not None and (self._dir / MANIFEST).exists() and self._thread is None:
            self.manifest = DumpManifest.load(self._dir)
            self.built_at = (self._dir / MANIFEST).stat().st_mtime
            return True
        if self._thread is None:
            if self._dir is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="ratehawk-sim-dumps-")
                self._dir = Path(self._tmp.name)
            self._thread = threading.Thread(target=self._build, name="dump-builder", daemon=True)
            self._thread.start()
        return False

    def wait(self, timeout: float | None = None) -> bool:
        """Start the build if needed and wait for it (for tests and the CLI)."""
        if self.ready():
            return True
        assert self._thread is not None
        self._thread.join(timeout)
        return self.ready()

    def _build(self) -> None:
        assert self._dir is not None
        try:
            manifest = write_dumps(
                self._dir, self.config.hotels, self.config.seed, self.config.dump_bad_fraction, workers=1
            )
        except BaseException as exc:  # surfaced as dump_not_ready; kept for the admin view
            self._error = exc
            return
        self.built_at = self.config.clock()
        self.manifest = manifest

    def last_update(self) -> str:
        stamp = self.built_at if self.built_at is not None else self.config.clock()
        return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%S")

    # -- links ----------------------------------------------------------------------------------
    def _signature(self, name: str, expires: int) -> str:
        message = f"{name}|{expires}".encode()
        return hmac.new(self.config.link_secret.encode(), message, hashlib.sha256).hexdigest()

    def signed_path(self, name: str) -> str:
        expires = int(self.config.clock() + self.config.link_ttl_s)
        return f"/dumps/{name}?expires={expires}&signature={self._signature(name, expires)}"

    def check(self, name: str, expires: str | None, signature: str | None) -> Path | None:
        """The file for a valid, unexpired link; None otherwise."""
        if (
            not expires
            or not signature
            or not expires.isdigit()
            or self.manifest is None
            or self._dir is None
        ):
            return None
        if not hmac.compare_digest(self._signature(name, int(expires)), signature):
            return None
        if int(expires) < self.config.clock():
            return None
        if name not in {f.name for f in self.manifest.files.values()}:
            return None
        return self._dir / name

    def sha256(self, name: str) -> str | None:
        if self.manifest is None:
            return None
        return next((f.sha256 for f in self.manifest.files.values() if f.name == name), None)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._tmp is not None:
            self._tmp.cleanup()
