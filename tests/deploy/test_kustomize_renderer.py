"""The fallback renderer (tests/deploy/kustomize.py) against kustomize itself, and its own semantics."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.deploy import kustomize
from tests.deploy.manifests import BASE, OVERLAYS, kustomize_command, render

TARGETS = {"base": BASE, **OVERLAYS}


def _canonical(docs):
    return sorted(docs, key=lambda d: (d["apiVersion"], d["kind"], d["metadata"]["name"]))


if kustomize_command() is not None:
    # Only where a kustomize binary exists to compare with (kubectl embeds one): there `render` runs it.
    # Elsewhere the renderer stands in for it and the semantic tests below still run.

    @pytest.mark.parametrize("target", sorted(TARGETS))
    def test_fallback_renders_exactly_what_kustomize_renders(target):
        assert _canonical(kustomize.build(TARGETS[target])) == _canonical(render(TARGETS[target]))


def _write(tmp: Path, files: dict[str, object]) -> None:
    for name, content in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, list):
            path.write_text(yaml.safe_dump_all(content))
        elif isinstance(content, str):
            path.write_text(content)
        else:
            path.write_text(yaml.safe_dump(content))


DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "api"},
    "spec": {
        "replicas": 2,
        "template": {
            "spec": {
                "containers": [
                    {"name": "api", "image": "etg-ibe", "env": [{"name": "A", "value": "1"}]},
                    {"name": "proxy", "image": "envoy:1.0"},
                ]
            }
        },
    },
}
CUSTOM = {
    "apiVersion": "x.example.io/v1",
    "kind": "Thing",
    "metadata": {"name": "t"},
    "spec": {"items": [1, 2]},
}


def test_strategic_merge_merges_containers_by_name_and_env_by_name(tmp_path):
    _write(
        tmp_path,
        {
            "base/kustomization.yaml": {"resources": ["all.yaml"]},
            "base/all.yaml": [DEPLOYMENT, CUSTOM],
            "overlay/kustomization.yaml": {
                "resources": ["../base"],
                "namespace": "ibe",
                "labels": [{"pairs": {"env": "test"}}],
                "images": [{"name": "etg-ibe", "newName": "reg/etg-ibe", "newTag": "1.2"}],
                "patches": [{"path": "patch.yaml"}],
            },
            "overlay/patch.yaml": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": {"name": "api"},
                    "spec": {
                        "replicas": None,
                        "template": {
                            "spec": {"containers": [{"name": "api", "env": [{"name": "B", "value": "2"}]}]}
                        },
                    },
                },
                {
                    "apiVersion": "x.example.io/v1",
                    "kind": "Thing",
                    "metadata": {"name": "t"},
                    "spec": {"items": [3]},
                },
            ],
        },
    )
    deployment, thing = kustomize.build(tmp_path / "overlay")
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["api", "proxy"]
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert containers[0]["image"] == "reg/etg-ibe:1.2" and containers[1]["image"] == "envoy:1.0"
    assert "replicas" not in deployment["spec"]
    assert thing["spec"]["items"] == [3]  # a custom resource has no merge keys: the list is replaced
    assert {d["metadata"]["namespace"] for d in (deployment, thing)} == {"ibe"}
    assert deployment["metadata"]["labels"] == {"env": "test"}


def test_json6902_and_delete_patches_with_targets(tmp_path):
    _write(
        tmp_path,
        {
            "kustomization.yaml": {
                "resources": ["all.yaml"],
                "patches": [
                    {
                        "target": {"kind": "Thing", "name": "t"},
                        "patch": "- {op: add, path: /spec/items/-, value: 9}",
                    },
                    {
                        "target": {"kind": "Deployment", "name": "^(api|other)$"},
                        "patch": "$patch: delete\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
                    },
                ],
            },
            "all.yaml": [DEPLOYMENT, CUSTOM],
        },
    )
    (thing,) = kustomize.build(tmp_path)
    assert thing["spec"]["items"] == [1, 2, 9]
