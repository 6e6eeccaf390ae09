"""deploy/k8s: valid for Kubernetes 1.33 offline, restricted, and in agreement with the Dockerfile and the app."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from app.config import Settings

from .test_dockerfile import _env, _one, serves_get

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
# The Kubernetes version every manifest is validated against (kubernetes-validate ships its schemas).
KUBERNETES_VERSION = "1.33"
NAME = "activation-service"


def _manifests() -> list[Path]:
    return sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


def _documents() -> list[dict[str, Any]]:
    return [doc for path in _manifests() for doc in yaml.safe_load_all(path.read_text()) if doc]


def _kind(kind: str) -> dict[str, Any]:
    found = [doc for doc in _documents() if doc["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def _pod() -> dict[str, Any]:
    return _kind("Deployment")["spec"]["template"]["spec"]


def _container() -> dict[str, Any]:
    containers = _pod()["containers"]
    assert len(containers) == 1
    return containers[0]


def _container_env() -> dict[str, str]:
    return {item["name"]: item["value"] for item in _container().get("env", [])}


def _port_number(port: int | str) -> int:
    """A container port by number or by name."""
    if isinstance(port, int):
        return port
    named = [item["containerPort"] for item in _container()["ports"] if item.get("name") == port]
    assert named, f"no container port is named {port}"
    return named[0]


def _probes() -> dict[str, dict[str, Any]]:
    container = _container()
    return {kind: container[kind] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}


def _quantity(value: str | int) -> float:
    """A Kubernetes quantity (500m, 1, 768Mi) as a number of cores or bytes."""
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    assert match, value
    return float(match.group(1)) * units.get(match.group(2), 1)


def test_the_kustomization_lists_every_manifest_in_the_folder() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert kustomization["kind"] == "Kustomization"
    assert sorted(kustomization["resources"]) == [path.name for path in _manifests()]
    assert kustomization.get("labels") or kustomization.get("commonLabels")


@pytest.mark.parametrize("path", _manifests(), ids=lambda path: path.name)
def test_every_manifest_is_valid_for_the_stated_kubernetes_version(path: Path) -> None:
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    assert documents
    for document in documents:
        assert kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True) == KUBERNETES_VERSION


def test_strict_validation_rejects_a_field_kubernetes_does_not_know() -> None:
    deployment = copy.deepcopy(_kind("Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFileSystem"] = True
    with pytest.raises(kubernetes_validate.ValidationError, match="readOnlyRootFileSystem"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_base_holds_a_deployment_service_autoscaler_and_disruption_budget() -> None:
    kinds = sorted((doc["apiVersion"], doc["kind"]) for doc in _documents())
    assert kinds == [
        ("apps/v1", "Deployment"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("policy/v1", "PodDisruptionBudget"),
        ("v1", "Service"),
    ]


def test_one_worker_per_container_and_replicas_from_the_autoscaler() -> None:
    container = _container()
    # The image's command (app.serve) is kept; its worker count comes from WEB_CONCURRENCY.
    assert "command" not in container and "args" not in container
    assert _container_env()["WEB_CONCURRENCY"] == "1"
    deployment, hpa = _kind("Deployment"), _kind("HorizontalPodAutoscaler")
    assert deployment["spec"]["replicas"] == hpa["spec"]["minReplicas"] == 2
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == ("apps/v1", "Deployment", NAME)
    assert deployment["metadata"]["name"] == NAME
    [metric] = hpa["spec"]["metrics"]
    assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    assert 0 < metric["resource"]["target"]["averageUtilization"] <= 100


def test_every_selector_picks_the_deployments_pods() -> None:
    pod_labels = _kind("Deployment")["spec"]["template"]["metadata"]["labels"]
    selectors = [
        _kind("Deployment")["spec"]["selector"]["matchLabels"],
        _kind("Service")["spec"]["selector"],
        _kind("PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
        *(spread["labelSelector"]["matchLabels"] for spread in _pod().get("topologySpreadConstraints", [])),
    ]
    for selector in selectors:
        assert selector and selector.items() <= pod_labels.items(), selector
    budget = _kind("PodDisruptionBudget")["spec"]
    # Never a budget that blocks every drain of a two-replica deployment.
    assert budget.get("maxUnavailable", 0) >= 1 or budget.get("minAvailable", 2) < 2


def test_the_pod_runs_restricted() -> None:
    pod, container = _pod(), _container()
    for context in (pod["securityContext"], container["securityContext"]):
        assert context["runAsNonRoot"] is True
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security.get("privileged", False) is False
    assert pod["automountServiceAccountToken"] is False
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        assert not pod.get(key, False), key
    assert all("hostPath" not in volume for volume in pod.get("volumes", []))


def test_the_user_is_the_dockerfiles() -> None:
    uid, gid = (int(part) for part in _one("USER").split(":"))
    for context in (_pod()["securityContext"], _container()["securityContext"]):
        assert context["runAsUser"] == uid
        assert context["runAsGroup"] == gid


def test_what_the_app_writes_goes_to_an_empty_dir() -> None:
    pod, container = _pod(), _container()
    empty_dirs = {volume["name"] for volume in pod["volumes"] if "emptyDir" in volume}
    writable = [mount["mountPath"] for mount in container["volumeMounts"] if mount["name"] in empty_dirs]
    assert "/tmp" in writable
    image_env = _env()
    for name in ("MPLCONFIGDIR", "PROMETHEUS_MULTIPROC_DIR"):
        path = _container_env().get(name, image_env[name])
        assert path == image_env[name], name
        assert any(path.startswith(mount.rstrip("/") + "/") for mount in writable), f"{name}={path} is read-only"


def test_the_port_is_the_dockerfiles_and_the_services_target() -> None:
    exposed = int(_one("EXPOSE"))
    [port] = _container()["ports"]
    assert port["containerPort"] == exposed
    [service_port] = _kind("Service")["spec"]["ports"]
    assert _port_number(service_port["targetPort"]) == exposed
    for probe in _probes().values():
        assert _port_number(probe["httpGet"]["port"]) == exposed
    annotations = _kind("Deployment")["spec"]["template"]["metadata"].get("annotations", {})
    assert int(annotations.get("prometheus.io/port", exposed)) == exposed


def test_every_probe_is_a_route_of_the_app() -> None:
    probes = _probes()
    assert probes["livenessProbe"]["httpGet"]["path"] == probes["startupProbe"]["httpGet"]["path"] == "/livez"
    assert probes["readinessProbe"]["httpGet"]["path"] == "/readyz"
    annotations = _kind("Deployment")["spec"]["template"]["metadata"].get("annotations", {})
    paths = [probe["httpGet"]["path"] for probe in probes.values()] + [annotations["prometheus.io/path"]]
    for path in paths:
        assert serves_get(path), f"app.main:app has no GET {path}"
    # Liveness gives up later than readiness: a busy worker is taken out of rotation, not restarted.
    liveness, readiness = probes["livenessProbe"], probes["readinessProbe"]
    assert (
        liveness["periodSeconds"] * liveness["failureThreshold"]
        > readiness["periodSeconds"] * readiness["failureThreshold"]
    )


def test_every_act_variable_is_a_setting_of_the_app() -> None:
    names = [name for document in _documents() for name in re.findall(r"\bACT_[A-Z0-9_]+", yaml.safe_dump(document))]
    assert names
    for name in names:
        setting = name.removeprefix("ACT_")
        assert setting in Settings.model_fields, f"{name} is not a setting of app.config.Settings"
    for name, value in _container_env().items():
        if name.startswith("ACT_"):
            Settings.model_validate({name.removeprefix("ACT_"): value})


def test_resources_cover_the_measured_memory() -> None:
    resources = _container()["resources"]
    for kind in ("cpu", "memory"):
        assert _quantity(resources["requests"][kind]) <= _quantity(resources["limits"][kind]), kind
    # The figures measured and written at the top of the manifest: the limit is above every one of them.
    comment = (K8S / "deployment.yaml").read_text().split("\napiVersion:")[0]
    measured = [int(figure) for figure in re.findall(r"(\d+) MiB", comment)]
    assert measured, "the measured memory figures are missing from deployment.yaml"
    assert _quantity(resources["limits"]["memory"]) > max(measured) * 2**20
    # One worker and its render processes, each single-threaded but for short stretches: more than a
    # core each buys them nothing.
    fields = Settings.model_fields
    processes = 1 + (fields["RENDER_PROCESSES"].default if "RENDER_PROCESSES" in fields else 0)
    assert 0.5 <= _quantity(resources["limits"]["cpu"]) <= processes


def test_the_grace_period_covers_the_drain() -> None:
    pod = _pod()
    pre_stop = _container()["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    # After preStop, /readyz answers 503 for a while; then the slowest request in flight finishes:
    # one that waited its longest for a heavy-work slot, then rendered.
    fields = Settings.model_fields
    drain = int(pre_stop[1]) + fields["SHUTDOWN_DELAY_SECONDS"].default + fields["HEAVY_WAIT_SECONDS"].default
    assert pod["terminationGracePeriodSeconds"] > drain


def test_the_image_is_the_one_the_readme_builds() -> None:
    assert _container()["image"].split(":")[0] == NAME
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert [image["name"] for image in kustomization.get("images", [])] in ([], [NAME])
    assert f"docker build -t {NAME} ." in (ROOT / "README.md").read_text()


def test_no_secret_or_outside_address_in_the_manifests() -> None:
    for path in K8S.iterdir():
        text = path.read_text()
        for address in re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", text):
            assert address.startswith("127.") or address == "0.0.0.0", f"{path.name}: {address}"
        assert not re.search(r"https?://(?!127\.0\.0\.1|localhost)", text), path.name
        assert not re.search(r"(?i)kind:\s*Secret|password|\btoken:", text), path.name
