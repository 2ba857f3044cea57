"""Run every benchmark module (or the ones named: `python -m bench catalog streams`).

Options after the names go to the named benchmark: `python -m bench catalog --hotels 300000`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import bench


def main(argv: list[str]) -> int:
    names = argv[: next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))]
    options = argv[len(names) :]
    if options and len(names) != 1:
        print("options (like --hotels) go to one benchmark: name it first, e.g. `python -m bench catalog "
              "--hotels 300000`", file=sys.stderr)  # fmt: skip
        return 2
    modules = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))
    chosen = [m for m in modules if not names or m in names]
    failed = []
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "main"):
            continue
        print(f"\n=== bench.{name} ===", flush=True)
        started = time.perf_counter()
        try:
            module.main(options)
        except Exception as exc:  # report and go on: one broken benchmark must not hide the others
            print(f"bench.{name} FAILED: {type(exc).__name__}: {exc}", flush=True)
            failed.append(name)
        print(f"=== bench.{name} took {time.perf_counter() - started:.1f} s ===", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
