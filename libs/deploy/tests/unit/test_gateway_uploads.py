"""Larger bodies only where a service declares uploads ([gateway] upload_prefixes, max_upload_body):
every generated gateway keeps 1m on every other route, and a body too large is still a 413
problem+json."""

from __future__ import annotations

import dataclasses
import re

import pytest

from ms_deploy import declaration, generate
from ms_deploy.declaration import BODY_LIMIT, DeclarationError, size_bytes
from ms_deploy.gateway_k8s import gateway_documents, ingress_body_limit

PLATFORM = declaration.load()
FILES = generate.files(PLATFORM)
CONFIGS = ("deploy/gateway/nginx.conf.template", "deploy/docker/nginx.conf", "deploy/k8s/base/gateway-nginx.conf")
UPLOADERS = [s for s in PLATFORM.services if s.uploads]


def _locations(conf: str) -> dict[str, str]:
    """Each location's opening line -> its block (locations do not nest in these configs)."""
    return {m[1].strip(): m[0] for m in re.finditer(r"^\s*(location [^{\n]*)\{.*?^\s*\}", conf, re.M | re.S)}


def _served(conf: str) -> str:
    [server] = [s for s in re.split(r"^\s*server \{", conf, flags=re.M) if "proxy_pass" in s]
    return server


def _upload_opener(prefix: str) -> str:
    return f"location ~ ^{prefix}(/|$)"


def test_callback_declares_its_contact_requests_as_uploads_above_the_gateways_limit():
    callback = PLATFORM.service("callback")
    assert callback.uploads == ("/v1/contact-requests",)
    assert size_bytes(callback.max_upload_body) > size_bytes(BODY_LIMIT)


@pytest.mark.parametrize("path", CONFIGS)
def test_each_declared_upload_prefix_has_its_services_body_limit_and_every_other_location_none(path):
    server = _served(FILES[path])
    head = re.split(r"^\s*location ", server, maxsplit=1, flags=re.M)[0]
    assert f"client_max_body_size {BODY_LIMIT};" in head
    uploads = {_upload_opener(p): s for s in UPLOADERS for p in s.uploads}
    assert uploads
    for opener, block in _locations(server).items():
        sizes = re.findall(r"client_max_body_size (\S+);", block)
        if opener in uploads:
            svc = uploads[opener]
            assert sizes == [svc.max_upload_body], (path, opener)
            assert f"proxy_pass http://{svc.name};" in block
        else:
            assert sizes == [], (path, opener)  # inherits the server's 1m
    assert set(uploads) <= set(_locations(server)), path


@pytest.mark.parametrize("path", CONFIGS)
def test_an_upload_location_comes_before_its_services_prefix_location_that_would_match_it_too(path):
    server = _served(FILES[path])
    for svc in UPLOADERS:
        general = server.index(f"location ~ ^/v1/({'|'.join(p.removeprefix('/v1/') for p in svc.prefixes)})(/|$)")
        for prefix in svc.uploads:
            assert server.index(_upload_opener(prefix)) < general  # nginx takes the first regex that matches


@pytest.mark.parametrize("path", CONFIGS)
def test_a_body_over_an_upload_limit_is_still_a_413_problem(path):
    server = _served(FILES[path])
    assert re.search(r"error_page 413 /_problem/413;", server)
    for svc in UPLOADERS:
        for prefix in svc.uploads:
            block = _locations(server)[_upload_opener(prefix)]
            assert "error_page" not in block  # so the server's problem pages apply
    [page] = [b for o, b in _locations(server).items() if o == "location = /_problem/413"]
    assert "default_type application/problem+json;" in page and '"status":413' in page


def test_a_service_without_uploads_gets_no_larger_body_anywhere():
    bare = tuple(dataclasses.replace(s, uploads=(), max_upload_body=BODY_LIMIT) for s in PLATFORM.services)
    conf = generate.nginx(dataclasses.replace(PLATFORM, services=bare), "compose")
    assert set(re.findall(r"client_max_body_size (\S+);", conf)) == {BODY_LIMIT}
    [ingress] = [d for d in gateway_documents(dataclasses.replace(PLATFORM, services=bare)) if d["kind"] == "Ingress"]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == BODY_LIMIT


def test_the_ingress_lets_through_the_largest_declared_upload_body_and_the_gateway_does_the_rest():
    [ingress] = [d for d in gateway_documents(PLATFORM) if d["kind"] == "Ingress"]
    largest = max((s.max_upload_body for s in UPLOADERS), key=size_bytes)
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == largest
    bigger = dataclasses.replace(PLATFORM.service("notify"), uploads=PLATFORM.service("notify").prefixes[:1],
                                 max_upload_body="64m")
    platform = dataclasses.replace(PLATFORM, services=tuple(bigger if s.name == "notify" else s for s in PLATFORM.services))
    assert ingress_body_limit(platform) == "64m"


def _declare(tmp_path, gateway: str):
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "service.toml").write_text(
        f'name = "claims"\nport = 8009\n[processes.api]\n[processes.relay]\n[gateway]\n{gateway}\n')
    return declaration.load_service(folder / "service.toml")


def test_a_declared_upload_prefix_is_read_with_its_limit(tmp_path):
    svc = _declare(tmp_path, 'prefixes = ["/v1/claims"]\nupload_prefixes = ["/v1/claims/files"]\nmax_upload_body = "8m"')
    assert svc.uploads == ("/v1/claims/files",) and svc.max_upload_body == "8m"


@pytest.mark.parametrize(("gateway", "reason"), [
    ('prefixes = ["/v1/claims"]\nupload_prefixes = ["/v1/claims"]', "go together"),
    ('prefixes = ["/v1/claims"]\nmax_upload_body = "8m"', "go together"),
    ('prefixes = ["/v1/claims"]\nupload_prefixes = ["/v1/other"]\nmax_upload_body = "8m"', "under none"),
    ('prefixes = ["/v1/claims"]\nupload_prefixes = ["/v1/claimsx"]\nmax_upload_body = "8m"', "under none"),
    ('prefixes = ["/v1/claims"]\nupload_prefixes = ["/v1/claims"]\nmax_upload_body = "1m"', "not above"),
    ('prefixes = ["/v1/claims"]\nupload_prefixes = ["/v1/claims"]\nmax_upload_body = "8 MB"', "not a size"),
])
def test_an_upload_declaration_nginx_could_not_honour_is_refused(tmp_path, gateway, reason):
    with pytest.raises(DeclarationError, match=reason):
        _declare(tmp_path, gateway)


def test_an_upload_prefix_overlapping_a_limited_one_is_refused(tmp_path):
    gateway = ('prefixes = ["/v1/claims"]\nupload_prefixes = ["/v1/claims/files"]\nmax_upload_body = "8m"\n'
               '[[gateway.limited]]\nprefix = "/v1/claims"\nzone = "public_writes"\nburst = 5')
    with pytest.raises(DeclarationError, match="overlaps a limited prefix"):
        _declare(tmp_path, gateway)
