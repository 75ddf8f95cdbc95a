"""Every Kubernetes object under deploy/k8s, valid for the API server in strict mode.

Kubernetes' own kinds: the JSON schemas of KUBERNETES_VERSION shipped by the PyPI package
kubernetes-validate (its "-strict" set: unknown fields are errors, as with
`kubectl apply --validate=strict`). Custom resources: the operators' CRDs vendored in
deploy/schemas/ (see its README), their openAPIV3Schema turned into JSON Schema that rejects
every field the CRD does not declare unless it sets x-kubernetes-preserve-unknown-fields.
"""

from __future__ import annotations

import pytest
import yaml

from deployfiles import (
    K8S, KUBERNETES_VERSION, SCHEMAS, crd_to_json_schema, kustomization_files, manifest_files, rel, roots,
    bundle, schema_errors, vendored_crds, yaml_documents,
)

# The custom resources the manifests may use, and where their schema comes from.
OPERATOR_KINDS = {
    ("kafka.strimzi.io/v1", "Kafka"), ("kafka.strimzi.io/v1", "KafkaNodePool"),
    ("kafka.strimzi.io/v1", "KafkaTopic"), ("kafka.strimzi.io/v1", "KafkaUser"),
    ("postgresql.cnpg.io/v1", "Cluster"),
}


def _documents():
    for path in manifest_files():
        for i, doc in enumerate(yaml_documents(path)):
            yield pytest.param(path, doc, id=f"{rel(path)}:{doc.get('kind')}/{(doc.get('metadata') or {}).get('name', i)}")


def test_there_are_kubernetes_manifests_to_check():
    assert manifest_files(), "no manifest under deploy/k8s"


@pytest.mark.parametrize(("path", "doc"), list(_documents()))
def test_every_kubernetes_object_is_valid_for_the_api_server_in_strict_mode(path, doc):
    errors = schema_errors(doc)
    assert not errors, (
        f"{rel(path)} {doc.get('kind')}/{(doc.get('metadata') or {}).get('name')} is not valid for "
        f"Kubernetes {KUBERNETES_VERSION} / deploy/schemas:\n  " + "\n  ".join(errors[:20])
    )


@pytest.mark.parametrize("root", roots(), ids=rel)
def test_every_object_a_kustomization_patches_or_generates_is_valid_in_strict_mode(root):
    problems = []
    for doc in bundle(root):
        if doc.derived:  # the others are checked file by file above
            problems += [f"{doc.label}: {e}" for e in schema_errors(doc.body)]
    assert not problems, f"kustomize build {rel(root)}:\n  " + "\n  ".join(problems[:30])


def test_the_vendored_crds_serve_every_operator_kind_the_manifests_may_use():
    missing = OPERATOR_KINDS - set(vendored_crds())
    assert not missing, f"deploy/schemas serves no schema for {sorted(missing)}"
    readme = (SCHEMAS / "README.md").read_text()
    for directory in sorted(p for p in SCHEMAS.iterdir() if p.is_dir()):
        assert directory.name in readme, f"deploy/schemas/README.md does not name {directory.name}"


def test_the_crd_conversion_rejects_unknown_fields_and_keeps_preserved_ones():
    import jsonschema

    crd = {"type": "object", "properties": {
        "spec": {"type": "object", "required": ["size"], "properties": {
            "size": {"x-kubernetes-int-or-string": True},
            "config": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "mode": {"type": "string", "nullable": True, "enum": ["a"]},
        }, "oneOf": [{"required": ["size"], "properties": {"size": {}}}]},
    }}
    schema = crd_to_json_schema(crd)
    ok = {"spec": {"size": "1Gi", "config": {"any.thing": 1}, "labels": {"a": "b"}, "mode": None}}
    jsonschema.validate(ok, schema)
    for bad in ({"spec": {"size": 1, "unknown": 1}}, {"spec": {"size": 1.5}}, {"other": {}},
                {"spec": {"size": 1, "labels": {"a": 1}}}, {"spec": {}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_the_strict_kubernetes_schemas_reject_an_unknown_field():
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labelz": {}}, "data": {"a": "b"}}
    assert any("labelz" in e for e in schema_errors(doc))
    cr = {"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaTopic",
          "metadata": {"name": "t", "labels": {"strimzi.io/cluster": "c"}}, "spec": {"partitions": 1, "replica": 3}}
    assert any("replica" in e for e in schema_errors(cr))


def test_every_manifest_file_is_a_resource_of_a_kustomization_and_every_resource_exists():
    kfiles = kustomization_files()
    assert kfiles, "deploy/k8s has no kustomization.yaml"
    listed = set()
    for kfile in kfiles:
        k = yaml.safe_load(kfile.read_text()) or {}
        for resource in (k.get("resources") or []) + (k.get("components") or []):
            target = (kfile.parent / resource).resolve()
            assert target.exists(), f"{rel(kfile)} lists {resource}, which does not exist"
            listed.add(target)
    unlisted = [rel(p) for p in manifest_files() if p.resolve() not in listed]
    assert not unlisted, f"manifests that no kustomization applies: {unlisted}"
