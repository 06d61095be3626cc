"""deploy/k8s/: every document valid against its schema (the built-in kinds with
kubernetes-validate, strict: an unknown field is an error; KEDA's ScaledObject against the
models generated from KEDA's published CRD, unknown fields refused too), and the manifests
agree with each other and with taskflow (commands, settings, routes, metric names)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from deploykit import K8S, documents, k8s_documents, parse_taskflow_command, require_module

from taskflow.setting_names import refuse_unknown_names
from taskflow.settings import Settings, env_name

K8S_VERSION = "1.31.0"
"""The oldest Kubernetes the manifests are checked against (HPA v2 behavior, policy/v1)."""
BUILT_IN_GROUPS = ("v1", "apps/", "batch/", "autoscaling/", "networking.k8s.io/", "policy/")


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for _path, doc in k8s_documents() if doc["kind"] == kind]


def one(kind: str, name: str) -> dict[str, Any]:
    (found,) = [doc for doc in by_kind(kind) if doc["metadata"]["name"] == name]
    return found


# --- schemas --------------------------------------------------------------------------


def validate_built_in(doc: dict[str, Any]) -> None:
    require_module("kubernetes_validate", "pip install kubernetes-validate (the dev group)")
    import kubernetes_validate  # noqa: PLC0415

    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


@cache
def scaled_object_schema() -> dict[str, Any]:
    """KEDA's ScaledObject schema (from cloudcoil-models-keda, generated from KEDA's CRD),
    every object closed: like ``kubectl apply --validate=strict``, a misspelt field is
    refused rather than silently pruned by the API server."""
    from cloudcoil.models.keda.v1alpha1 import ScaledObject  # noqa: PLC0415

    schema = ScaledObject.model_json_schema(by_alias=True, mode="validation")

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


def validate_scaled_object(doc: dict[str, Any]) -> None:
    require_module("cloudcoil.models.keda", "pip install cloudcoil-models-keda (the dev group)")
    import jsonschema  # noqa: PLC0415
    from cloudcoil.models.keda.v1alpha1 import ScaledObject  # noqa: PLC0415

    ScaledObject.model_validate(doc)  # the types and the required fields
    jsonschema.validate(doc, scaled_object_schema())  # and no field KEDA does not know


def validate(doc: dict[str, Any]) -> None:
    if doc["apiVersion"] == "keda.sh/v1alpha1" and doc["kind"] == "ScaledObject":
        validate_scaled_object(doc)
    elif doc["apiVersion"].startswith(BUILT_IN_GROUPS):
        validate_built_in(doc)
    else:
        pytest.fail(f"no schema to check {doc['apiVersion']} {doc['kind']} against")


def manifest_ids() -> Iterator[Any]:
    for path, doc in k8s_documents():
        yield pytest.param(doc, id=f"{path.name}:{doc['kind']}/{doc['metadata']['name']}")


@pytest.mark.parametrize("doc", list(manifest_ids()))
def test_each_manifest_is_valid_against_its_schema(doc: dict[str, Any]) -> None:
    validate(doc)


def test_every_manifest_file_is_checked() -> None:
    kinds = {doc["kind"] for _path, doc in k8s_documents()}
    assert kinds >= {
        "Namespace",
        "ConfigMap",
        "Secret",
        "Job",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "Ingress",
        "ScaledObject",
    }
    for path in K8S.glob("*.yaml"):
        assert documents(path), f"{path.name} holds no manifest"


@pytest.mark.parametrize(
    ("kind", "name", "spoil"),
    [
        ("Deployment", "taskflow-api", lambda d: d["spec"].update(replica=2)),
        (
            "HorizontalPodAutoscaler",
            "taskflow-api",
            lambda d: d["spec"]["metrics"][0]["resource"]["target"].update(averageUtilisation=70),
        ),
        ("ScaledObject", "taskflow-worker", lambda d: d["spec"].update(minReplicaCont=1)),
        ("ScaledObject", "taskflow-worker", lambda d: d["spec"].pop("triggers")),
        ("ScaledObject", "taskflow-worker", lambda d: d["spec"].update(pollingInterval="often")),
    ],
    ids=["deployment-typo", "hpa-typo", "keda-typo", "keda-no-triggers", "keda-wrong-type"],
)
def test_the_checks_refuse_a_spoilt_manifest(kind: str, name: str, spoil: Any) -> None:
    doc = copy.deepcopy(one(kind, name))
    spoil(doc)
    require_module("kubernetes_validate", "pip install kubernetes-validate (the dev group)")
    require_module("cloudcoil.models.keda", "pip install cloudcoil-models-keda (the dev group)")
    import jsonschema  # noqa: PLC0415
    import kubernetes_validate  # noqa: PLC0415
    import pydantic  # noqa: PLC0415

    refusals = (
        kubernetes_validate.ValidationError,
        jsonschema.ValidationError,
        pydantic.ValidationError,
    )
    with pytest.raises(refusals):
        validate(doc)


# --- the manifests agree with each other ------------------------------------------------


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(doc["spec"]["template"]["spec"]["containers"])


def test_services_select_their_deployments_pods() -> None:
    deployments = {d["metadata"]["name"]: d for d in by_kind("Deployment")}
    for service in by_kind("Service"):
        selector = service["spec"]["selector"]
        matched = [
            d
            for d in deployments.values()
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert matched, f"Service {service['metadata']['name']} selects no pod"
        ports = {p["name"] for d in matched for c in containers(d) for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports
    for deployment in deployments.values():
        assert (
            deployment["spec"]["selector"]["matchLabels"].items()
            <= deployment["spec"]["template"]["metadata"]["labels"].items()
        )


def test_secrets_and_settings_come_from_env_from_and_exist() -> None:
    secrets = {s["metadata"]["name"]: s for s in by_kind("Secret")}
    config_maps = {c["metadata"]["name"]: c for c in by_kind("ConfigMap")}
    workloads = [*by_kind("Deployment"), *by_kind("Job")]
    assert workloads
    for workload in workloads:
        for container in containers(workload):
            sources = container["envFrom"]
            secret_refs = [s["secretRef"]["name"] for s in sources if "secretRef" in s]
            config_refs = [s["configMapRef"]["name"] for s in sources if "configMapRef" in s]
            assert secret_refs, f"{workload['metadata']['name']} gets no Secret"
            assert set(secret_refs) <= set(secrets)
            assert set(config_refs) <= set(config_maps)
            assert "env" not in container  # every value from the Secret or the ConfigMap


def test_every_variable_given_is_a_taskflow_setting() -> None:
    """A misspelt TASKFLOW_* variable would stop every pod at start (unknown settings are
    refused), and a misspelt seed name would be silently ignored: both fail here."""
    variables = {field: env_name(field) for field in Settings.model_fields}
    known = set(variables.values())
    given = [
        *(s["stringData"] for s in by_kind("Secret")),
        *(c["data"] for c in by_kind("ConfigMap")),
    ]
    for names in given:
        refuse_unknown_names(variables=variables, environment=names)
        assert set(names) <= known, set(names) - known


def test_the_api_is_probed_and_scaled_at_70_percent_cpu() -> None:
    api = one("Deployment", "taskflow-api")
    (container,) = containers(api)
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["resources"]["requests"]["cpu"]  # what the 70 % is of
    assert "replicas" not in api["spec"]  # the HPA owns it
    hpa = one("HorizontalPodAutoscaler", "taskflow-api")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "taskflow-api",
    }
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["averageUtilization"] == 70
    assert hpa["spec"]["behavior"]["scaleUp"]["stabilizationWindowSeconds"] == 300  # 5 min


def test_the_worker_is_scaled_on_the_queue_depth_it_exports() -> None:
    from taskflow.adapters.prometheus import TaskflowMetrics  # noqa: PLC0415

    scaled = one("ScaledObject", "taskflow-worker")
    assert scaled["spec"]["scaleTargetRef"]["name"] == "taskflow-worker"
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "prometheus"
    assert trigger["metadata"]["threshold"] == "1000"
    exported = TaskflowMetrics(queue_depth=lambda: 0).render().decode()
    assert "taskflow_queue_depth " in exported
    assert trigger["metadata"]["query"] == "max(taskflow_queue_depth)"
    worker = one("Deployment", "taskflow-worker")
    (container,) = containers(worker)
    args = parse_taskflow_command(container["args"])
    port = next(p["containerPort"] for p in container["ports"] if p["name"] == "metrics")
    assert args.metrics_port == port
    assert args.metrics_host == "0.0.0.0"  # noqa: S104 - reachable by Prometheus
    annotations = worker["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(port)


def test_every_container_runs_a_real_taskflow_command_as_non_root() -> None:
    for workload in [*by_kind("Deployment"), *by_kind("Job")]:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            parse_taskflow_command(container["args"])
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert "/var/lib/taskflow" in mounts  # TASKFLOW_DATA_DIR stays writable


def test_the_ingress_routes_every_api_path_and_nothing_private() -> None:
    from taskflow.adapters.fastapi import create_app  # noqa: PLC0415
    from taskflow.testing import make_test_taskflow  # noqa: PLC0415

    app = create_app(make_test_taskflow())
    api_paths = set(app.openapi()["paths"])
    private = {"/ready", "/metrics"}
    (ingress,) = by_kind("Ingress")
    services = {s["metadata"]["name"]: s for s in by_kind("Service")}
    routed = []
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] in services
            port_names = {p["name"] for p in services[backend["name"]]["spec"]["ports"]}
            assert backend["port"]["name"] in port_names
            routed.append((path["path"], path["pathType"]))

    def is_routed(api_path: str) -> bool:
        return any(
            api_path == prefix
            or (kind == "Prefix" and api_path.startswith(prefix.rstrip("/") + "/"))
            for prefix, kind in routed
        )

    assert api_paths - private
    assert [path for path in sorted(api_paths - private) if not is_routed(path)] == []
    assert [path for path in sorted(private) if is_routed(path)] == []
