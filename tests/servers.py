"""Real servers for tests: an ASGI app on a loopback port in a thread, or an `ibe` command as a process.

Both wait until the server answers and always stop it, also when the test fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from core.stack.ports import free_port

__all__ = ["Served", "free_port", "serve_in_thread"]


@dataclass
class Served:
    """Where a test server listens; tests may hang handles of their own on it (e.g. the simulator)."""

    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def serve_in_thread(
    app: Any, lifespan: str = "off", timeout_s: float = 20.0, **config: Any
) -> Iterator[Served]:
    """Serve `app` with uvicorn on a free loopback port (real HTTP, real timeouts)."""
    import uvicorn

    served = Served(free_port())
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=served.port, log_level="warning", lifespan=lifespan, **config
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout_s
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        yield served
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def ibe_process(
    *args: str,
    ready_url: str,
    timeout_s: float = 30.0,
    ready: Callable[[httpx.Response], bool] = lambda r: True,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `ibe ARGS` (settings from the environment) until `ready_url` answers; stop it afterwards."""
    command = [sys.executable, "-c", "from cli.main import main; main()", *args]
    process = subprocess.Popen(
        command, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if ready(httpx.get(ready_url, timeout=0.5)):
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                stderr = process.stderr.read().decode()[-500:] if process.stderr else ""
                raise RuntimeError(f"`ibe {' '.join(args)}` did not start: {stderr}")
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
