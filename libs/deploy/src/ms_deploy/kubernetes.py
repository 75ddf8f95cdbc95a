"""Kubernetes manifests of one service: ConfigMap, migrate Job, one Deployment per process,
Service, autoscalers, disruption budgets, network policies, volumes."""

from __future__ import annotations

from ms_deploy.declaration import PROCESS_KINDS, Platform, Service
from ms_deploy.targets import PROBE_PORT, service_env, token_callers

PART_OF = "memberspace"
UID = 10001
DESCRIPTIONS = {
    "api": "FastAPI on uvicorn; one process per pod, scale by replicas.",
    "relay": "Outbox -> Kafka. One replica leads (PostgreSQL advisory lock), the others wait as hot standbys.",
    "worker": "Kafka -> handlers (consumer group named after the service). Up to one replica per partition is useful.",
    "dispatcher": "Database -> HTTP (claims due rows with FOR UPDATE SKIP LOCKED, so replicas never share one).",
}


def labels(name: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component,
            "app.kubernetes.io/part-of": PART_OF}


def selector(name: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component}


def meta(name: str, ns: str, lbls: dict, **extra) -> dict:
    return {"name": name, "namespace": ns, "labels": lbls, **extra}


def pod_security() -> dict:
    return {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID, "fsGroup": UID,
            "seccompProfile": {"type": "RuntimeDefault"}}


def container_security() -> dict:
    return {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]}}


def secret_env(name: str, secret: str, key: str, optional: bool = False) -> dict:
    ref = {"name": secret, "key": key}
    if optional:
        ref["optional"] = True
    return {"name": name, "valueFrom": {"secretKeyRef": ref}}


# ADR 0007: the Secret of each service that asks identity for service tokens, made when the
# environment is set up (never a value in this repository): `secret`, 32+ random characters
# (openssl rand -hex 32), and `sha256`, its SHA-256 in hex, the only part identity is given.
def service_token_secret(name: str) -> str:
    return f"{name}-service-token"


# The processes that call other services (the relay only publishes, migrate only migrates).
CALLING_KINDS = ("api", "worker", "dispatcher")


def service_token_env(platform: Platform | None, svc: Service, kind: str) -> list[dict]:
    """A caller's secret; identity's API: each caller's digest, gathered in IDENTITY_SERVICE_CLIENTS
    by Kubernetes' $(VAR) expansion, so the client list comes from the declarations."""
    if svc.calls and kind in CALLING_KINDS:
        return [secret_env(f"{svc.prefix}_SERVICE_SECRET", service_token_secret(svc.name), "secret")]
    if platform is None or svc.name != "identity" or kind != "api":
        return []
    clients = token_callers(platform)
    if not clients:
        return []
    env = [secret_env(f"SERVICE_CLIENT_SHA256_{c.prefix}", service_token_secret(c.name), "sha256") for c in clients]
    listing = ",".join(f'"{c.name}":"$(SERVICE_CLIENT_SHA256_{c.prefix})"' for c in clients)
    return [*env, {"name": "IDENTITY_SERVICE_CLIENTS", "value": "{" + listing + "}"}]


def env_of(svc: Service, kind: str, platform: Platform | None = None) -> list[dict]:
    env = [secret_env(f"{svc.prefix}_DATABASE_URL", f"{svc.name}-db-app", "uri"),
           # The service's own Kafka principal (KafkaUser <service>, SCRAM-SHA-512).
           {"name": "KAFKA_SASL_USERNAME", "value": svc.name},
           secret_env("KAFKA_SASL_PASSWORD", svc.name, "password")]
    env += [secret_env(s.env, s.secret, s.key, s.optional) for s in svc.secrets_of(kind)]
    env += [{"name": m.env, "value": m.path} for m in svc.mounts_of(kind)]
    env += service_token_env(platform, svc, kind)
    return env


def volumes_of(svc: Service, kind: str) -> tuple[list[dict], list[dict]]:
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    volumes: list[dict] = [{"name": "tmp", "emptyDir": {}}]
    for m in svc.mounts_of(kind):
        mounts.append({"name": m.name, "mountPath": m.path, **({"readOnly": True} if m.secret else {})})
        if m.secret:
            volumes.append({"name": m.name, "secret": {"secretName": m.secret, "defaultMode": 0o440}})
        else:
            volumes.append({"name": m.name, "persistentVolumeClaim": {"claimName": f"{svc.name}-{m.name}"}})
    return mounts, volumes


def probes(kind: str) -> dict:
    if kind == "api":
        return {
            "ports": [{"name": "http", "containerPort": 0}],
            "readinessProbe": {"httpGet": {"path": "/health/ready", "port": "http"},
                               "periodSeconds": 5, "timeoutSeconds": 3, "failureThreshold": 3},
            "livenessProbe": {"httpGet": {"path": "/health/live", "port": "http"},
                              "periodSeconds": 10, "timeoutSeconds": 3, "failureThreshold": 6},
        }
    # A relay or worker whose loop stops turning answers 503 here and is restarted.
    return {
        "ports": [{"name": "probe", "containerPort": PROBE_PORT}],
        "livenessProbe": {"httpGet": {"path": "/health/live", "port": "probe"},
                          "initialDelaySeconds": 20, "periodSeconds": 10, "timeoutSeconds": 3,
                          "failureThreshold": 6},
    }


def container(svc: Service, kind: str, resources: dict, platform: Platform | None = None) -> dict:
    mounts, _ = volumes_of(svc, kind)
    spec = {
        "name": kind,
        "image": "memberspace/app",
        "command": ["python", "-m", svc.name, kind],
        "envFrom": [{"configMapRef": {"name": "platform"}}, {"configMapRef": {"name": svc.name}}],
        "env": env_of(svc, kind, platform),
        "securityContext": container_security(),
        "volumeMounts": mounts,
    }
    if kind != "migrate":
        extra = probes(kind)
        if kind == "api":
            extra["ports"][0]["containerPort"] = svc.port
        spec.update(extra)
    spec["resources"] = resources
    return spec


def resources_of(svc: Service, kind: str) -> dict:
    proc = svc.processes.get(kind)
    if proc is None:  # migrate
        return {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    return {"requests": {"cpu": proc.cpu, "memory": proc.memory}, "limits": {"memory": proc.memory_limit}}


def pod_template(svc: Service, kind: str, platform: Platform | None = None) -> dict:
    _, volumes = volumes_of(svc, kind)
    annotations = {}
    if kind != "migrate":
        port = svc.port if kind == "api" else PROBE_PORT
        annotations = {"prometheus.io/scrape": "true", "prometheus.io/port": str(port),
                       "prometheus.io/path": "/metrics"}
    spec = {
        "serviceAccountName": svc.name,
        "automountServiceAccountToken": False,
        "securityContext": pod_security(),
        "containers": [container(svc, kind, resources_of(svc, kind), platform)],
        "volumes": volumes,
    }
    if kind == "migrate":
        spec = {"restartPolicy": "Never", **spec}
    else:
        spec = {"terminationGracePeriodSeconds": 30, **spec}
    tmeta: dict = {"labels": labels(svc.name, kind)}
    if annotations:
        tmeta["annotations"] = annotations
    return {"metadata": tmeta, "spec": spec}


def config_map(platform: Platform, svc: Service) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": meta(svc.name, platform.namespace, labels(svc.name, "config")),
            "data": service_env(platform, svc, "kubernetes")}


def migrate_job(platform: Platform, svc: Service) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": meta(f"{svc.name}-migrate", platform.namespace, labels(svc.name, "migrate")),
            "spec": {"backoffLimit": 3, "ttlSecondsAfterFinished": 3600,
                     "template": pod_template(svc, "migrate", platform)}}


def deployment(platform: Platform, svc: Service, kind: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": meta(f"{svc.name}-{kind}", platform.namespace, labels(svc.name, kind)),
            "spec": {"replicas": svc.processes[kind].replicas,
                     "selector": {"matchLabels": selector(svc.name, kind)},
                     "template": pod_template(svc, kind, platform)}}


def autoscaler(platform: Platform, svc: Service, kind: str) -> dict | None:
    proc = svc.processes[kind]
    if proc.max_replicas is None:
        return None
    name = f"{svc.name}-{kind}"
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": meta(name, platform.namespace, labels(svc.name, kind)),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                     "minReplicas": proc.replicas, "maxReplicas": proc.max_replicas,
                     "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}}


def disruption_budget(platform: Platform, svc: Service, kind: str) -> dict:
    # One pod may always go (a node drain never waits forever); with two or more, one stays.
    budget = {"minAvailable": 1} if svc.processes[kind].replicas >= 2 else {"maxUnavailable": 1}
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": meta(f"{svc.name}-{kind}", platform.namespace, labels(svc.name, kind)),
            "spec": {**budget, "selector": {"matchLabels": selector(svc.name, kind)}}}


def api_service(platform: Platform, svc: Service) -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": meta(f"{svc.name}-api", platform.namespace, labels(svc.name, "api")),
            "spec": {"selector": selector(svc.name, "api"),
                     "ports": [{"name": "http", "port": svc.port, "targetPort": "http"}]}}


def callers(platform: Platform, svc: Service) -> list[str]:
    """Services whose settings point at this service's API (service-to-service calls), and for
    identity the services asking it for service tokens (ADR 0007)."""
    found = []
    for other in platform.services:
        if other is svc:
            continue
        values = " ".join(other.env_for("kubernetes").values())
        if (f"{{api:{svc.name}}}" in values or ("{personal_data_urls}" in values and svc.exports_personal_data)
                or svc.name in other.calls or (svc.name == "identity" and other.calls)):
            found.append(other.name)
    return found


# Where the cluster's Prometheus runs (it scrapes the pods' prometheus.io/* annotations).
MONITORING_NAMESPACE = "monitoring"


def api_network_policy(platform: Platform, svc: Service) -> dict:
    """Only the gateway, the services that call this one and Prometheus (for /metrics) reach the API."""
    peers = [{"podSelector": {"matchLabels": selector("gateway", "gateway")}}]
    peers += [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": name}}} for name in callers(platform, svc)]
    peers += [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": MONITORING_NAMESPACE}}}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta(f"{svc.name}-api", platform.namespace, labels(svc.name, "api")),
            "spec": {"podSelector": {"matchLabels": selector(svc.name, "api")},
                     "policyTypes": ["Ingress"],
                     "ingress": [{"from": peers, "ports": [{"protocol": "TCP", "port": svc.port}]}]}}


def probe_network_policy(platform: Platform, svc: Service, kind: str) -> dict:
    """Relays and workers take no traffic but the kubelet's probes and Prometheus' scrapes."""
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta(f"{svc.name}-{kind}", platform.namespace, labels(svc.name, kind)),
            "spec": {"podSelector": {"matchLabels": selector(svc.name, kind)},
                     "policyTypes": ["Ingress"],
                     "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                         "kubernetes.io/metadata.name": MONITORING_NAMESPACE}}}],
                         "ports": [{"protocol": "TCP", "port": PROBE_PORT}]}]}}


def database_network_policy(platform: Platform, svc: Service) -> dict:
    """Only this service's pods (and the database's own instances and operator) reach it."""
    cluster = {"cnpg.io/cluster": f"{svc.name}-db"}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": meta(f"{svc.name}-db", platform.namespace, labels(svc.name, "database")),
            "spec": {"podSelector": {"matchLabels": cluster},
                     "policyTypes": ["Ingress"],
                     "ingress": [
                         {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": svc.name}}},
                                   {"podSelector": {"matchLabels": cluster}}],
                          "ports": [{"protocol": "TCP", "port": 5432}]},
                         {"from": [{"namespaceSelector": {"matchLabels": {
                             "kubernetes.io/metadata.name": "cnpg-system"}}},
                                   {"podSelector": {"matchLabels": cluster}}],
                          "ports": [{"protocol": "TCP", "port": 8000}]}]}}


def database(platform: Platform, svc: Service) -> dict:
    return {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
            "metadata": meta(f"{svc.name}-db", platform.namespace, labels(svc.name, "database")),
            "spec": {"instances": 3, "imageName": "ghcr.io/cloudnative-pg/postgresql:15",
                     "storage": {"size": "10Gi"},
                     "bootstrap": {"initdb": {"database": svc.name, "owner": svc.name}}}}


def volume_claims(platform: Platform, svc: Service) -> list[dict]:
    return [{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
             "metadata": meta(f"{svc.name}-{m.name}", platform.namespace, labels(svc.name, "storage")),
             # Every replica of the process writes there: a shared (RWX) volume.
             "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": m.size}}}}
            for m in svc.mounts if not m.secret]


def service_account(platform: Platform, svc: Service) -> dict:
    return {"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": meta(svc.name, platform.namespace, labels(svc.name, "identity")),
            "automountServiceAccountToken": False}


def service_documents(platform: Platform, svc: Service) -> list[dict]:
    docs = [config_map(platform, svc), service_account(platform, svc), database(platform, svc),
            database_network_policy(platform, svc), *volume_claims(platform, svc), migrate_job(platform, svc)]
    for kind in PROCESS_KINDS:
        if kind not in svc.processes:
            continue
        docs.append(deployment(platform, svc, kind))
        if (hpa := autoscaler(platform, svc, kind)) is not None:
            docs.append(hpa)
        docs.append(disruption_budget(platform, svc, kind))
        docs.append(api_network_policy(platform, svc) if kind == "api" else probe_network_policy(platform, svc, kind))
    docs.append(api_service(platform, svc))
    return docs
