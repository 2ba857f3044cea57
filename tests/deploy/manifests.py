"""Loading and rendering the deployment files for the tests: YAML documents, kustomize output, compose
variable interpolation, and the `IBE_*` names the Settings class knows (derived, never listed here)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices

from core.config import Settings
from tests.deploy import kustomize

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
OVERLAYS = {p.name: p for p in sorted((K8S / "overlays").iterdir()) if (p / "kustomization.yaml").is_file()}
NAMESPACE = "ibe"

Doc = dict[str, Any]


def load_docs(path: Path) -> list[Doc]:
    with path.open() as fh:
        return [d for d in yaml.safe_load_all(fh) if d is not None]


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def kustomize_command() -> list[str] | None:
    """`kustomize build` or `kubectl kustomize` (kubectl embeds kustomize), when either is installed."""
    if exe := shutil.which("kustomize"):
        return [exe, "build"]
    if exe := shutil.which("kubectl"):
        return [exe, "kustomize"]
    return None


@cache
def render(directory: Path) -> tuple[Doc, ...]:
    """The documents kustomize renders for a kustomization directory (offline: only local resources).

    Without a kustomize binary, tests/deploy/kustomize.py renders them (checked equal where both exist).
    """
    command = kustomize_command()
    if command is None:
        return tuple(kustomize.build(directory))
    out = subprocess.run([*command, str(directory)], capture_output=True, text=True, timeout=60, check=False)
    if out.returncode != 0:
        raise AssertionError(f"kustomize failed for {directory}: {out.stderr.strip()[:2000]}")
    return tuple(d for d in yaml.safe_load_all(out.stdout) if d is not None)


def of_kind(docs: Iterable[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d.get("kind") == kind]


def by_name(docs: Iterable[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in of_kind(docs, kind)}


def pod_specs(docs: Iterable[Doc]) -> Iterator[tuple[Doc, Doc]]:
    """(workload, pod template) for every Deployment, StatefulSet, DaemonSet and Job."""
    for d in docs:
        if d.get("kind") in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
            yield d, d["spec"]["template"]


def settings_env_names() -> set[str]:
    """Every environment variable name Settings reads: IBE_ + field name, or the field's aliases."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(c for c in alias.choices if isinstance(c, str))
        elif isinstance(alias, str):
            names.add(alias)
        else:
            names.add(prefix + name)
    return {n.upper() for n in names}


_VAR = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, $$."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group("name"), m.group("op"), m.group("arg")
        current = env.get(name)
        if (op in (":-", ":?") and not current) or (op in ("-", "?") and current is None):
            if op.endswith("?"):
                raise ValueError(f"required variable {name} is not set: {arg}")
            return arg or ""
        return current or ""

    return _VAR.sub(sub, value)


def compose_environment(service: Doc, shell: dict[str, str]) -> dict[str, str]:
    """A compose service's container environment as compose would set it, given the shell's variables
    (a key without a value is passed through from the shell, and left out when the shell lacks it)."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, None) for item in raw)
    env: dict[str, str] = {}
    for key, value in raw.items():
        if value is None:
            if key in shell:
                env[key] = shell[key]
        else:
            env[key] = interpolate(str(value), shell)
    return env
