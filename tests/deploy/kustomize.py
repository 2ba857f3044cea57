"""A small kustomize, for machines without the kustomize binary (kubectl embeds one; the tests prefer it).

It implements exactly the features deploy/k8s uses, with kustomize's semantics:

- `resources`: files (multi-document YAML) and directories holding a kustomization (rendered first);
- `patches`: a file (`path`) or inline (`patch`), optionally with a `target` (kind, name as a regular
  expression anchored at both ends); a YAML list is a JSON 6902 patch (add, replace, remove), a map is a
  strategic-merge patch: maps merge, `null` deletes a key, `$patch: delete` deletes the resource, lists
  of built-in kinds merge by their merge key (containers by name, ports by containerPort, ...), and
  custom resources, which have no merge keys, get JSON merge-patch semantics (lists are replaced);
- `namespace`, `labels` (metadata labels only, as without includeSelectors/includeTemplates) and
  `images` (newName, newTag, on every `containers`/`initContainers` entry).

A test checks that it renders every kustomization here exactly as `kubectl kustomize` does.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]

# Merge keys of the strategic-merge lists that appear in built-in pod specs (Kubernetes' patchMergeKey).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "ports": "containerPort",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "tolerations": "key",
}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "ClusterIssuer",
}


def _group(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""


def _is_builtin(doc: Doc) -> bool:
    group = _group(doc.get("apiVersion", ""))
    return group == "" or group.endswith(".k8s.io") or "." not in group


def build(directory: Path) -> list[Doc]:
    """The documents of a kustomization directory, transformed like `kustomize build` does."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            docs.extend(build(path))
        else:
            docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    for patch in kustomization.get("patches", []):
        text = patch["patch"] if "patch" in patch else (directory / patch["path"]).read_text()
        docs = _apply_patch(docs, text, patch.get("target"))
    if namespace := kustomization.get("namespace"):
        for doc in docs:
            if doc["kind"] == "Namespace":
                doc["metadata"]["name"] = namespace
            elif doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = namespace
    for label in kustomization.get("labels", []):
        for doc in docs:
            doc["metadata"].setdefault("labels", {}).update(label["pairs"])
    for image in kustomization.get("images", []):
        for doc in docs:
            _set_images(doc, image)
    return docs


def _matches(doc: Doc, target: dict[str, str]) -> bool:
    if "kind" in target and doc["kind"] != target["kind"]:
        return False
    if "group" in target and _group(doc["apiVersion"]) != target["group"]:
        return False
    return "name" not in target or re.fullmatch(target["name"], doc["metadata"]["name"]) is not None


def _apply_patch(docs: list[Doc], text: str, target: dict[str, str] | None) -> list[Doc]:
    patches = [p for p in yaml.safe_load_all(text) if p is not None]
    for patch in patches:
        if isinstance(patch, list):  # JSON 6902
            assert target, "a JSON 6902 patch needs a target"
            for doc in docs:
                if _matches(doc, target):
                    for op in patch:
                        _json6902(doc, op)
            continue
        selector = target or {"kind": patch["kind"], "name": re.escape(patch["metadata"]["name"])}
        kept = []
        for doc in docs:
            if not _matches(doc, selector):
                kept.append(doc)
            elif patch.get("$patch") != "delete":
                kept.append(_merge(doc, patch, strategic=_is_builtin(doc)))
        docs = kept
    return docs


def _merge(base: Any, patch: Any, *, strategic: bool, key: str | None = None) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            if k == "$patch":
                continue
            if v is None:
                out.pop(k, None)
            elif k in out:
                out[k] = _merge(out[k], v, strategic=strategic, key=k)
            else:
                out[k] = copy.deepcopy(v)
        return out
    merge_key = MERGE_KEYS.get(key or "") if strategic else None
    if isinstance(base, list) and isinstance(patch, list) and merge_key:
        out_list = list(base)
        for item in patch:
            index = next((i for i, b in enumerate(out_list) if b.get(merge_key) == item.get(merge_key)), None)
            if index is None:
                out_list.append(copy.deepcopy(item))
            else:
                out_list[index] = _merge(out_list[index], item, strategic=strategic)
        return out_list
    return copy.deepcopy(patch)


def _json6902(doc: Doc, op: dict[str, Any]) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].lstrip("/").split("/")]
    parent: Any = doc
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    if op["op"] == "remove":
        del parent[int(last) if isinstance(parent, list) else last]
    elif op["op"] == "replace":
        parent[int(last) if isinstance(parent, list) else last] = copy.deepcopy(op["value"])
    elif op["op"] == "add":
        if isinstance(parent, list):
            parent.insert(len(parent) if last == "-" else int(last), copy.deepcopy(op["value"]))
        else:
            parent[last] = copy.deepcopy(op["value"])
    else:
        raise ValueError(f"unsupported JSON 6902 op {op['op']}")


def _image_name(image: str) -> str:
    name = image.split("@", 1)[0]
    head, _, tail = name.rpartition(":")
    return head if head and "/" not in tail else name


def _set_images(node: Any, image: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                for container in value:
                    current = container.get("image")
                    if isinstance(current, str) and _image_name(current) == image["name"]:
                        tag = image.get("newTag") or (current[len(_image_name(current)) + 1 :] or None)
                        new = image.get("newName", image["name"])
                        container["image"] = f"{new}:{tag}" if tag else new
            _set_images(value, image)
    elif isinstance(node, list):
        for item in node:
            _set_images(item, image)
