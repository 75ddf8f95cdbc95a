"""The gateway on Kubernetes: Deployment, Service, Ingress, autoscaler, budget, policy."""

from __future__ import annotations

from ms_deploy.declaration import Platform
from ms_deploy.kubernetes import container_security, labels, meta, selector

NAME = "gateway"


def _deployment(platform: Platform) -> dict:
    port = platform.gateway_port
    probe = {"httpGet": {"path": "/health/gateway/live", "port": "http"}}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": meta(NAME, platform.namespace, labels(NAME, NAME)),
            "spec": {"replicas": 2, "selector": {"matchLabels": selector(NAME, NAME)},
                     "template": {"metadata": {"labels": labels(NAME, NAME)}, "spec": {
                         "automountServiceAccountToken": False,
                         "securityContext": {"runAsNonRoot": True, "runAsUser": 101, "runAsGroup": 101,
                                             "seccompProfile": {"type": "RuntimeDefault"}},
                         "containers": [{
                             "name": "nginx", "image": "memberspace/gateway",
                             "ports": [{"name": "http", "containerPort": port}],
                             "readinessProbe": {**probe, "periodSeconds": 5},
                             "livenessProbe": {**probe, "periodSeconds": 10},
                             "securityContext": container_security(),
                             "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                             "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                                           "limits": {"memory": "256Mi"}}}],
                         "volumes": [{"name": "tmp", "emptyDir": {}}]}}}}


def gateway_documents(platform: Platform) -> list[dict]:
    ns, port = platform.namespace, platform.gateway_port
    service = {"apiVersion": "v1", "kind": "Service", "metadata": meta(NAME, ns, labels(NAME, NAME)),
               "spec": {"selector": selector(NAME, NAME),
                        "ports": [{"name": "http", "port": port, "targetPort": "http"}]}}
    # No host here: each environment's overlay adds its own api_host (rules and TLS).
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": meta(NAME, ns, labels(NAME, NAME)),
               "spec": {"ingressClassName": "nginx",
                        "tls": [{"secretName": "memberspace-api-tls"}],
                        "rules": [{"http": {"paths": [{
                            "path": "/", "pathType": "Prefix",
                            "backend": {"service": {"name": NAME, "port": {"name": "http"}}}}]}}]}}
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": meta(NAME, ns, labels(NAME, NAME)),
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": NAME},
                    "minReplicas": 2, "maxReplicas": 6,
                    "metrics": [{"type": "Resource", "resource": {
                        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}}
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": meta(NAME, ns, labels(NAME, NAME)),
           "spec": {"minAvailable": 1, "selector": {"matchLabels": selector(NAME, NAME)}}}
    # Only the Ingress controller reaches the gateway.
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": meta(NAME, ns, labels(NAME, NAME)),
              "spec": {"podSelector": {"matchLabels": selector(NAME, NAME)}, "policyTypes": ["Ingress"],
                       "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                           "kubernetes.io/metadata.name": "ingress-nginx"}}}],
                           "ports": [{"protocol": "TCP", "port": port}]}]}}
    return [_deployment(platform), service, ingress, hpa, pdb, policy]
