"""Istio, cert-manager and External Secrets resources validated against the schemas generated from their
CRDs (npm packages of kubernetes-models, installed by `make install` into tests/deploy/crd-check/).
The operators' resources (FoundationDB, Redpanda, ClickHouse) have no such package: test_kubernetes.py
checks those structurally and by cross reference."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.manifests import BASE, OVERLAYS, Doc, by_name, render

CHECK = Path(__file__).parent / "crd-check"
TARGETS = {"base": BASE, **OVERLAYS}
MODELLED = {"networking.istio.io/v1", "security.istio.io/v1", "cert-manager.io/v1", "external-secrets.io/v1"}


def validate(docs: list[Doc]) -> list[dict]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the CRD schema check"
    assert (CHECK / "node_modules").is_dir(), "run `make install` (npm ci in tests/deploy/crd-check)"
    out = subprocess.run(
        [node, str(CHECK / "validate.mjs")],
        input=json.dumps(docs),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def results() -> dict[str, list[dict]]:
    """Every target's modelled resources, validated in one Node run."""
    docs = {t: [d for d in render(path) if d["apiVersion"] in MODELLED] for t, path in TARGETS.items()}
    flat = validate([d for t in sorted(docs) for d in docs[t]])
    out, start = {}, 0
    for t in sorted(docs):
        out[t], start = flat[start : start + len(docs[t])], start + len(docs[t])
    return out


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_mesh_certificate_and_secret_resources_match_their_crd_schemas(target, results):
    assert [r for r in results[target] if r["status"] != "valid"] == []
    kinds = {r["kind"] for r in results[target]}
    assert {"VirtualService", "DestinationRule", "PeerAuthentication", "AuthorizationPolicy"} <= kinds


def test_schema_check_rejects_a_wrong_enum_and_a_wrong_type():
    docs = render(OVERLAYS["production"])
    peer = json.loads(json.dumps(by_name(docs, "PeerAuthentication")["default"]))
    peer["spec"]["mtls"]["mode"] = "STRCT"
    route = json.loads(json.dumps(by_name(docs, "VirtualService")["api"]))
    route["spec"]["http"][0]["timeout"] = 15
    results = validate([peer, route])
    assert [r["status"] for r in results] == ["invalid", "invalid"]
    assert "mode" in results[0]["error"] and "timeout" in results[1]["error"]
