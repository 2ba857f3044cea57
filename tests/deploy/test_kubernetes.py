"""deploy/k8s: every manifest parses, the base and every overlay render with kustomize, built-in kinds
validate against the Kubernetes JSON schemas (kubernetes-validate, strict), custom resources are known
kinds with the required structure, and the pieces refer to each other correctly."""

from __future__ import annotations

from collections import Counter
from typing import Any

import kubernetes_validate
import pytest
import yaml

from core.config import Settings
from tests.deploy.manifests import (
    BASE,
    K8S,
    NAMESPACE,
    OVERLAYS,
    Doc,
    by_name,
    load_docs,
    of_kind,
    pod_specs,
    render,
    settings_env_names,
    yaml_files,
)

KUBERNETES_VERSION = "1.32.0"
# Custom resources: (apiVersion, kind) -> the operator or mesh that serves them.
CUSTOM_KINDS = {
    ("networking.istio.io/v1", "VirtualService"): "istio",
    ("networking.istio.io/v1", "DestinationRule"): "istio",
    ("networking.istio.io/v1", "Gateway"): "istio",
    ("networking.istio.io/v1", "ServiceEntry"): "istio",
    ("networking.istio.io/v1", "Sidecar"): "istio",
    ("security.istio.io/v1", "PeerAuthentication"): "istio",
    ("security.istio.io/v1", "AuthorizationPolicy"): "istio",
    ("apps.foundationdb.org/v1beta2", "FoundationDBCluster"): "fdb-kubernetes-operator",
    ("cluster.redpanda.com/v1alpha2", "Redpanda"): "redpanda-operator",
    ("clickhouse.altinity.com/v1", "ClickHouseInstallation"): "altinity-clickhouse-operator",
    ("clickhouse-keeper.altinity.com/v1", "ClickHouseKeeperInstallation"): "altinity-clickhouse-operator",
    ("external-secrets.io/v1", "ExternalSecret"): "external-secrets",
    ("cert-manager.io/v1", "Certificate"): "cert-manager",
}
# Services outside this namespace that the platform calls (run by their own teams or charts).
EXTERNAL_HOSTS = {"temporal-frontend.temporal.svc.cluster.local"}
EXTERNAL_PRINCIPALS = {
    "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account",
    "cluster.local/ns/istio-system/sa/istio-internal-ingressgateway-service-account",
}
TARGETS = {"base": BASE, **OVERLAYS}


def rendered(target: str) -> tuple[Doc, ...]:
    return render(TARGETS[target])


def is_custom(doc: Doc) -> bool:
    return (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS


def labels_match(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def svc_host(name: str) -> str:
    return f"{name}.{NAMESPACE}.svc.cluster.local"


def service_hosts(docs: tuple[Doc, ...]) -> set[str]:
    """Hosts served in the namespace: Services, plus the Services operators create for custom resources."""
    hosts = {svc_host(n) for n in by_name(docs, "Service")}
    hosts |= {svc_host(n) for n in by_name(docs, "Redpanda")}
    hosts |= {svc_host(f"clickhouse-{n}") for n in by_name(docs, "ClickHouseInstallation")}
    hosts |= {svc_host(f"keeper-{n}") for n in by_name(docs, "ClickHouseKeeperInstallation")}
    hosts |= {h for se in of_kind(docs, "ServiceEntry") for h in se["spec"]["hosts"]}
    return hosts


def reachable_hosts(target: str) -> set[str]:
    hosts = service_hosts(rendered(target)) | EXTERNAL_HOSTS
    if target == "production-region-b":
        # Istio multi-primary: region-a's Services answer under the same names here.
        hosts |= service_hosts(rendered("production"))
    return hosts


# ---------------------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(K8S.parent)))
def test_every_manifest_parses(path):
    docs = load_docs(path)
    assert docs, f"{path} holds no document"
    for doc in docs:
        if isinstance(doc, list):  # a JSON 6902 patch of an overlay
            assert all(op["op"] in {"add", "remove", "replace", "move", "copy", "test"} for op in doc)
            assert all(op["path"].startswith("/") for op in doc)
        else:
            assert isinstance(doc, dict)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_kustomization_renders(target):
    docs = rendered(target)
    kinds = Counter(d["kind"] for d in docs)
    assert kinds["Deployment"] >= 2 and kinds["Namespace"] == 1
    ids = [(d["apiVersion"], d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]) for d in docs]
    assert len(ids) == len(set(ids)), "a resource is rendered twice"
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == NAMESPACE, doc["metadata"]["name"]


def test_there_are_staging_production_and_second_region_overlays():
    assert {"staging", "production", "production-region-b"} <= set(OVERLAYS)


# ------------------------------------------------------------------------------------------- schemas


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_builtin_kinds_validate_against_kubernetes_schemas(target):
    errors = []
    for doc in rendered(target):
        if is_custom(doc):
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message} at {list(exc.path)}")
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"{doc['apiVersion']} {doc['kind']}: not a Kubernetes kind nor a known custom one")
    assert errors == []


def test_strict_schema_check_catches_mistakes():
    deployment = json_copy(by_name(rendered("production"), "Deployment")["api"])
    deployment["spec"]["template"]["spec"]["containers"][0]["resource"] = {}  # misspelt
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_custom_resources_are_known_and_structured(target):
    for doc in rendered(target):
        if not is_custom(doc):
            continue
        assert doc["metadata"]["name"]
        assert isinstance(doc.get("spec"), dict), f"{doc['kind']}/{doc['metadata']['name']} has no spec"
        if doc["kind"] != "AuthorizationPolicy":  # an empty spec is Istio's allow-nothing policy
            assert doc["spec"], f"{doc['kind']}/{doc['metadata']['name']} has an empty spec"


# -------------------------------------------------------------------------------------------- workloads


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_workloads_are_non_root_sized_and_reference_what_exists(target):
    docs = rendered(target)
    accounts = set(by_name(docs, "ServiceAccount"))
    configmaps = set(by_name(docs, "ConfigMap")) | {
        f"{n}-config" for n in by_name(docs, "FoundationDBCluster")
    }
    secrets = {d["spec"]["target"]["name"] for d in of_kind(docs, "ExternalSecret")}
    secrets |= {d["spec"]["secretName"] for d in of_kind(docs, "Certificate")}
    for workload, template in pod_specs(docs):
        name, spec = workload["metadata"]["name"], template["spec"]
        assert spec["serviceAccountName"] in accounts, name
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert labels_match(workload["spec"]["selector"]["matchLabels"], template["metadata"]["labels"]), name
        for container in spec["containers"]:
            requests = container["resources"]["requests"]
            assert {"cpu", "memory"} <= set(requests), name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in configmaps, name
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets, name
        for volume in spec.get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in configmaps, (name, volume["name"])
            if "secret" in volume:
                assert volume["secret"]["secretName"] in secrets, (name, volume["name"])


@pytest.mark.parametrize("target", sorted(OVERLAYS))
def test_overlays_pin_registry_images(target):
    for _workload, template in pod_specs(rendered(target)):
        for container in template["spec"]["containers"]:
            image = container["image"]
            registry_and_repo, _, tag = image.rpartition(":")
            assert "/" in registry_and_repo and tag and tag != "latest", image


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_services_select_pods_and_name_their_ports(target):
    docs = rendered(target)
    templates = [t for _, t in pod_specs(docs)]
    for service in of_kind(docs, "Service"):
        matching = [
            t for t in templates if labels_match(service["spec"]["selector"], t["metadata"]["labels"])
        ]
        assert matching, f"Service {service['metadata']['name']} selects no pod"
        for port in service["spec"]["ports"]:
            target_port = port["targetPort"]
            names = {
                p.get("name") for t in matching for c in t["spec"]["containers"] for p in c.get("ports", [])
            }
            numbers = {
                p["containerPort"]
                for t in matching
                for c in t["spec"]["containers"]
                for p in c.get("ports", [])
            }
            assert target_port in names | numbers, f"{service['metadata']['name']}: {target_port}"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_autoscalers_and_disruption_budgets_cover_real_workloads(target):
    docs = rendered(target)
    deployments = by_name(docs, "Deployment")
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        assert ref["kind"] == "Deployment" and ref["name"] in deployments
        assert "replicas" not in deployments[ref["name"]]["spec"], "the HPA owns the replica count"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    for pdb in of_kind(docs, "PodDisruptionBudget"):
        selector = pdb["spec"]["selector"]["matchLabels"]
        assert any(
            labels_match(selector, d["spec"]["template"]["metadata"]["labels"]) for d in deployments.values()
        ), pdb["metadata"]["name"]
    autoscaled = {h["spec"]["scaleTargetRef"]["name"] for h in of_kind(docs, "HorizontalPodAutoscaler")}
    for name, deployment in deployments.items():
        if name not in autoscaled and not name.startswith("dagster-"):
            covered = any(
                labels_match(
                    p["spec"]["selector"]["matchLabels"], deployment["spec"]["template"]["metadata"]["labels"]
                )
                for p in of_kind(docs, "PodDisruptionBudget")
            )
            assert covered or name == "api-canary", f"{name} has no PodDisruptionBudget"


def test_production_workers_scale_from_5_to_50():
    hpa = by_name(rendered("production"), "HorizontalPodAutoscaler")["worker"]
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (5, 50)


# ---------------------------------------------------------------------------------------------- settings


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_ibe_variable_is_a_setting(target):
    docs = rendered(target)
    known = settings_env_names()
    names: set[str] = set()
    for cm in of_kind(docs, "ConfigMap"):
        names |= set(cm.get("data", {}))
    for es in of_kind(docs, "ExternalSecret"):
        names |= {item["secretKey"] for item in es["spec"]["data"]}
    for _workload, template in pod_specs(docs):
        for container in template["spec"]["containers"]:
            names |= {e["name"] for e in container.get("env", [])}
    used = {n for n in names if n.startswith("IBE_") or n in known}
    assert used
    assert sorted(used - known) == []


@pytest.mark.parametrize("target", sorted(OVERLAYS))
def test_processes_get_settings_that_select_every_real_engine(target, monkeypatch):
    docs = rendered(target)
    settings_map = by_name(docs, "ConfigMap")["ibe-settings"]["data"]
    secret_keys = {item["secretKey"] for es in of_kind(docs, "ExternalSecret") for item in es["spec"]["data"]}
    for key in [k for k in __import__("os").environ if k.startswith("IBE_") or k == "FDB_CLUSTER_FILE"]:
        monkeypatch.delenv(key)
    for key, value in settings_map.items():
        monkeypatch.setenv(key, value)
    # Secret values live in the secret store; a placeholder of the right shape stands in for them here.
    placeholders = {
        "IBE_REDIS_URL": "redis://redis:6379/0",
        "IBE_CLICKHOUSE_URL": "clickhouse://u:p@ch:8123/ibe",
    }
    for key in secret_keys & set(placeholders):
        monkeypatch.setenv(key, placeholders[key])
    settings = Settings()
    assert settings.kafka_bootstrap and settings.temporal_address and settings.fdb_cluster_file
    assert settings.redis_url and settings.clickhouse_url and not settings.warehouse_embedded
    # The cluster file is where the operator's ConfigMap is mounted in every process that uses the store.
    for workload, template in pod_specs(docs):
        mounts = {
            m["mountPath"]: m["name"] for c in template["spec"]["containers"] for m in c["volumeMounts"]
        }
        volume = mounts[str(settings.fdb_cluster_file.parent)]
        source = {v["name"]: v for v in template["spec"]["volumes"]}[volume]["configMap"]
        assert source["name"] in {f"{n}-config" for n in by_name(docs, "FoundationDBCluster")}, workload
        assert source["items"] == [{"key": "cluster-file", "path": settings.fdb_cluster_file.name}]


# -------------------------------------------------------------------------------------------------- mesh


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_mesh_requires_mutual_tls_and_denies_by_default(target):
    docs = rendered(target)
    assert [p["spec"]["mtls"]["mode"] for p in of_kind(docs, "PeerAuthentication")] == ["STRICT"]
    assert by_name(docs, "Namespace")[NAMESPACE]["metadata"]["labels"]["istio-injection"] == "enabled"
    assert by_name(docs, "AuthorizationPolicy")["deny-all"]["spec"] == {}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_virtual_services_route_to_existing_hosts_and_subsets(target):
    docs = rendered(target)
    subsets = {}
    for dr in of_kind(docs, "DestinationRule"):
        subsets[dr["spec"]["host"]] = {s["name"]: s["labels"] for s in dr["spec"].get("subsets", [])}
    gateways = set(by_name(docs, "Gateway")) | {"mesh"}
    hosts = reachable_hosts(target)
    for vs in of_kind(docs, "VirtualService"):
        assert set(vs["spec"].get("gateways", ["mesh"])) <= gateways, vs["metadata"]["name"]
        for protocol in ("http", "tls", "tcp"):
            for route in vs["spec"].get(protocol, []):
                weights = [r.get("weight", 100) for r in route["route"]]
                assert sum(weights) == 100, (vs["metadata"]["name"], weights)
                for r in route["route"]:
                    dest = r["destination"]
                    assert dest["host"] in hosts, dest["host"]
                    if "subset" in dest:
                        assert dest["subset"] in subsets.get(dest["host"], {}), dest
                if protocol == "http":
                    assert "timeout" in route, f"{vs['metadata']['name']}/{route.get('name')} has no timeout"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_destination_rules_bound_connections_and_subsets_select_pods(target):
    docs = rendered(target)
    pod_labels = [t["metadata"]["labels"] for _, t in pod_specs(docs)]
    hosts = reachable_hosts(target)
    for dr in of_kind(docs, "DestinationRule"):
        assert dr["spec"]["host"] in hosts, dr["spec"]["host"]
        assert dr["spec"]["trafficPolicy"]["connectionPool"], dr["metadata"]["name"]
        for subset in dr["spec"].get("subsets", []):
            local = {k: v for k, v in subset["labels"].items() if not k.startswith("topology.istio.io/")}
            assert any(labels_match(local, labels) for labels in pod_labels), subset
    for sidecar in of_kind(docs, "Sidecar"):
        selector = sidecar["spec"]["workloadSelector"]["labels"]
        assert any(labels_match(selector, labels) for labels in pod_labels), sidecar["metadata"]["name"]
    api = by_name(docs, "DestinationRule")["api"]["spec"]["trafficPolicy"]
    assert api["outlierDetection"]["consecutive5xxErrors"] > 0


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_authorization_policies_name_real_identities_and_workloads(target):
    docs = rendered(target)
    accounts = {f"cluster.local/ns/{NAMESPACE}/sa/{n}" for n in by_name(docs, "ServiceAccount")}
    workload_labels = [t["metadata"]["labels"] for _, t in pod_specs(docs)]
    workload_labels += [{"app.kubernetes.io/name": "redpanda"} for _ in of_kind(docs, "Redpanda")]
    workload_labels += [{"clickhouse.altinity.com/chi": n} for n in by_name(docs, "ClickHouseInstallation")]
    workload_labels += [
        {"clickhouse-keeper.altinity.com/chk": n} for n in by_name(docs, "ClickHouseKeeperInstallation")
    ]
    for policy in of_kind(docs, "AuthorizationPolicy"):
        spec = policy["spec"]
        if not spec:
            continue
        selector = spec["selector"]
        if "matchLabels" in selector:
            assert any(labels_match(selector["matchLabels"], labels) for labels in workload_labels), policy
        for expr in selector.get("matchExpressions", []):
            assert all(any(lb.get(expr["key"]) == v for lb in workload_labels) for v in expr["values"]), (
                policy
            )
        for rule in spec["rules"]:
            for source in rule.get("from", []):
                for principal in source["source"].get("principals", []):
                    assert principal in accounts | EXTERNAL_PRINCIPALS, principal
            for operation in rule.get("to", []):
                assert operation["operation"]["ports"], "every allow names its ports"


def test_canary_split_per_environment():
    def weights(target: str) -> list[list[int]]:
        vs = by_name(rendered(target), "VirtualService")["api"]
        return [[r["weight"] for r in http["route"]] for http in vs["spec"]["http"]]

    assert weights("staging") == [[50, 50], [50, 50]]
    assert weights("production") == [[95, 5], [95, 5]]
    images = {
        n: d["spec"]["template"]["spec"]["containers"][0]["image"]
        for n, d in by_name(rendered("production"), "Deployment").items()
    }
    assert images["api-canary"] != images["api"]


def test_bookings_are_never_retried_after_reaching_the_api():
    for target in TARGETS:
        vs = by_name(rendered(target), "VirtualService")["api"]
        for http in vs["spec"]["http"]:
            methods = {m.get("method", {}).get("exact") for m in http.get("match", [])}
            if "POST" in methods:
                assert set(http["retries"]["retryOn"].split(",")) <= {"connect-failure", "refused-stream"}


# ----------------------------------------------------------------------------------------- second region


def test_second_region_reads_locally_and_sends_writes_to_the_primary():
    primary, second = rendered("production"), rendered("production-region-b")
    assert set(by_name(second, "Deployment")) == {"api", "api-canary"}
    assert not of_kind(second, "Redpanda") and not of_kind(second, "HorizontalPodAutoscaler")[1:]
    fdb_a = by_name(primary, "FoundationDBCluster")["ibe-fdb"]["spec"]
    fdb_b = by_name(second, "FoundationDBCluster")["ibe-fdb"]["spec"]
    regions = [
        dc["id"] for region in fdb_a["databaseConfiguration"]["regions"] for dc in region["datacenters"]
    ]
    assert fdb_a["databaseConfiguration"] == fdb_b["databaseConfiguration"]
    assert {fdb_a["dataCenter"], fdb_b["dataCenter"]} == set(regions)
    assert fdb_a["processGroupIDPrefix"] != fdb_b["processGroupIDPrefix"]
    assert fdb_a["databaseConfiguration"]["usable_regions"] == 2 and fdb_b["seedConnectionString"]
    replica = by_name(second, "ClickHouseInstallation")["ibe-region-b"]["spec"]["configuration"]
    assert replica["users"]["ibe/profile"] == "readonly" and replica["profiles"]["readonly/readonly"] == "1"
    keeper = replica["zookeeper"]["nodes"][0]["host"]
    assert keeper in service_hosts(primary)
    primary_cluster = by_name(primary, "ClickHouseInstallation")["ibe"]["spec"]["configuration"]["clusters"][
        0
    ]
    assert replica["clusters"][0]["name"] == primary_cluster["name"]  # same Keeper paths: same tables
    # Each region's FoundationDB accepts the other region's FDB processes (by pod range, across clusters).
    peers = [
        {
            rule["from"][0]["ipBlock"]["cidr"]
            for rule in by_name(docs, "NetworkPolicy")["foundationdb-clients"]["spec"]["ingress"]
            if "ipBlock" in rule["from"][0]
        }
        for docs in (primary, second)
    ]
    assert all(len(p) == 1 for p in peers) and peers[0] != peers[1]
    writes = by_name(second, "VirtualService")["api"]["spec"]["http"][0]
    assert [r["destination"]["subset"] for r in writes["route"]] == ["region-a"]


# -------------------------------------------------------------------------------------------- versions


def test_foundationdb_versions_agree_across_image_compose_and_operator():
    from core.kv import fdb_backend

    dockerfile = (K8S.parent / "Dockerfile").read_text()
    image_version = next(
        line.split("=", 1)[1] for line in dockerfile.splitlines() if line.startswith("ARG FDB_VERSION=")
    )
    compose = yaml.safe_load((K8S.parent / "compose.yaml").read_text())
    compose_versions = {
        s["image"].split(":")[1]
        for s in compose["services"].values()
        if "foundationdb/" in s.get("image", "")
    }
    operator_versions = {
        d["spec"]["version"] for t in TARGETS for d in of_kind(rendered(t), "FoundationDBCluster")
    }
    assert compose_versions == operator_versions == {image_version}
    major, minor, _ = image_version.split(".")
    assert int(major) * 100 + int(minor) * 10 >= fdb_backend.API_VERSION


def json_copy(doc: Doc) -> Any:
    return yaml.safe_load(yaml.safe_dump(doc))
