"""The commands compose and Kubernetes run are real: each parses with the CLI it names (the `ibe`
command, Dagster's), so a renamed option or subcommand fails here, not in a crash-looping pod."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import click
import pytest
import yaml

from tests.deploy.manifests import DEPLOY, OVERLAYS, pod_specs, render


@cache
def _ibe() -> click.Command:
    import typer.main

    from cli.main import build_app

    return typer.main.get_command(build_app())


@cache
def _dagster() -> click.Command:
    from dagster._cli import create_dagster_cli

    return create_dagster_cli()


@cache
def _dagster_webserver() -> click.Command:
    from dagster_webserver.cli import create_dagster_webserver_cli

    return create_dagster_webserver_cli()


@cache
def _dagster_daemon() -> click.Command:
    from dagster._daemon.cli import create_dagster_daemon_cli

    return create_dagster_daemon_cli()


CLIS: dict[str, Callable[[], click.Command]] = {
    "ibe": _ibe,
    "dagster": _dagster,
    "dagster-webserver": _dagster_webserver,
    "dagster-daemon": _dagster_daemon,
}


def deployed_commands() -> dict[str, tuple[str, ...]]:
    """Every command line run from the platform image, by where it is run."""
    commands: dict[str, tuple[str, ...]] = {}
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for name, service in compose["services"].items():
        if service.get("image", "").startswith("${IBE_IMAGE"):
            commands[f"compose/{name}"] = tuple(service["command"])
    for overlay, path in OVERLAYS.items():
        for workload, template in pod_specs(render(path)):
            for container in template["spec"]["containers"]:
                if "/etg-ibe:" in container["image"]:
                    commands[f"{overlay}/{workload['metadata']['name']}"] = tuple(container["command"])
    return commands


def parse(command: Any, argv: list[str], parent: Any = None) -> Any:
    """Parse argv down to the leaf command (options and types checked), invoking nothing.

    Duck-typed: Typer ships its own copy of click, whose classes are not click's.
    """
    ctx = command.make_context(command.name or "cli", argv, parent=parent)
    if hasattr(command, "resolve_command"):
        remaining = [*ctx._protected_args, *ctx.args]
        if remaining:
            name, sub, rest = command.resolve_command(ctx, remaining)
            assert sub is not None and name
            sub.name = name
            return parse(sub, rest, ctx)
        assert command.invoke_without_command, f"{command.name} needs a subcommand"
    return ctx


# Files the image holds, by where the Dockerfile copies them from (so path options can be checked here).
IMAGE_FILES = {"/opt/dagster/home/": DEPLOY / "dagster"}


def _local(arg: str) -> str:
    for in_image, source in IMAGE_FILES.items():
        if arg.startswith(in_image):
            return str(source / arg.removeprefix(in_image))
    return arg


COMMANDS = deployed_commands()


def test_image_files_are_copied_where_the_commands_expect_them():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for in_image, source in IMAGE_FILES.items():
        assert f" {source.relative_to(DEPLOY.parent)}/ {in_image}" in dockerfile


def test_every_platform_process_is_deployed():
    leaves = {argv[1] for argv in COMMANDS.values() if argv[0] == "ibe"}
    assert {"api", "worker", "relay", "sink", "webhooks"} <= leaves
    assert {argv[0] for argv in COMMANDS.values()} == set(CLIS)


@pytest.mark.parametrize("where", sorted(COMMANDS))
def test_deployed_command_parses(where):
    argv = COMMANDS[where]
    assert argv[0] in CLIS, f"{where} runs {argv[0]}, which is not a known console script"
    ctx = parse(CLIS[argv[0]](), [_local(arg) for arg in argv[1:]])
    assert ctx.args == [], f"{where}: unparsed arguments {ctx.args}"
    if "host" in ctx.params:
        assert ctx.params["host"] == "0.0.0.0", f"{where} listens on loopback only"


def test_a_wrong_option_is_caught():
    with pytest.raises(Exception) as caught:
        parse(_ibe(), ["api", "--hots", "0.0.0.0"])
    assert type(caught.value).__name__ == "NoSuchOption"


def test_api_probes_and_scrape_path_are_routes_of_the_api():
    from booking_api.routes.health import router

    routes = {route.path for route in router.routes}
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert "/healthz" in " ".join(compose["services"]["api"]["healthcheck"]["test"])
    for overlay in OVERLAYS.values():
        for workload, template in pod_specs(render(overlay)):
            if workload["metadata"]["name"].startswith("api"):
                container = template["spec"]["containers"][0]
                probes = [
                    container[p]["httpGet"]["path"]
                    for p in ("startupProbe", "readinessProbe", "livenessProbe")
                ]
                assert set(probes) <= routes, probes
                assert template["metadata"]["annotations"]["prometheus.io/path"] in routes


def test_code_server_loads_the_definitions_that_the_local_workspace_loads():
    """The deployed code server serves the same code location as `dagster dev -w workspace.yaml`."""
    import importlib.util

    (local,) = [
        e["python_module"]
        for e in yaml.safe_load((DEPLOY.parent / "workspace.yaml").read_text())["load_from"]
    ]
    servers = [argv for argv in COMMANDS.values() if argv[:3] == ("dagster", "code-server", "start")]
    assert servers
    for argv in servers:
        params = parse(_dagster(), list(argv[1:])).params
        assert params["module_name"] == local["module_name"]
        assert params["attribute"] == local["attribute"]
        assert params["location_name"] == local["location_name"]
    assert importlib.util.find_spec(local["module_name"]) is not None
    deployed = yaml.safe_load((DEPLOY / "dagster" / "workspace.yaml").read_text())["load_from"]
    assert [e["grpc_server"]["location_name"] for e in deployed] == [local["location_name"]]
