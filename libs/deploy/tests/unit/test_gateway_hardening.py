"""The generated gateway configurations close what issue 11 found (findings 5 to 9 and 11)."""

from __future__ import annotations

import dataclasses
import os
import pwd
import re
import shutil
import subprocess

import pytest
import yaml

from ms_deploy import declaration, generate
from ms_deploy.declaration import Limited
from ms_deploy.gateway_k8s import GATEWAY_NGINX, gateway_documents
from ms_deploy.targets import environment_values

PLATFORM = declaration.load()
FILES = generate.files(PLATFORM)
LOCAL = "deploy/gateway/nginx.conf.template"
COMPOSE = "deploy/docker/nginx.conf"
KUBERNETES = "deploy/k8s/base/gateway-nginx.conf"
CONFIGS = (LOCAL, COMPOSE, KUBERNETES)
RATE_FILES = ("deploy/gateway/rate-limits.conf", "deploy/gateway/rate-limits.local.conf")
SECURITY_HEADERS = (
    "add_header X-Content-Type-Options nosniff always;",
    "add_header Referrer-Policy no-referrer always;",
    """add_header Content-Security-Policy "frame-ancestors 'none'" always;""",
    "add_header Cache-Control $gateway_cache_control always;",
)
HSTS = 'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'


def _blocks(conf: str, opener: str) -> list[str]:
    """The text of every block whose opening line starts with ``opener`` (braces balanced)."""
    found = []
    for match in re.finditer(r"^\s*" + re.escape(opener) + r"[^\n{]*\{", conf, re.M):
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(conf[i], 0)
            i += 1
        found.append(conf[match.start():i])
    return found


def _locations(server: str) -> list[str]:
    return _blocks(server, "location ")


def _head(server: str) -> str:
    """A server block's own directives: the text before its first location."""
    return re.split(r"^\s*location ", server, maxsplit=1, flags=re.M)[0]


def _zones(conf: str) -> set[str]:
    return set(re.findall(r"limit_req zone=(\w+)", conf))


def _rate(text: str, zone: str) -> float:
    rate, unit = re.search(rf"zone={zone}:\S+ rate=(\d+)r/(s|m);", text).groups()
    return int(rate) / (60 if unit == "m" else 1)


# ---- 5: every unauthenticated write is rate-limited ------------------------------------------

@pytest.mark.parametrize("path", CONFIGS)
def test_every_write_of_every_routed_service_is_limited_by_the_public_and_token_write_zones(path):
    conf = FILES[path]
    [server] = [s for s in _blocks(conf, "server") if "proxy_pass" in s]
    head = _head(server)
    assert "limit_req zone=public_writes burst=50 nodelay;" in head
    assert "limit_req zone=token_writes burst=200 nodelay;" in head
    for location in _locations(server):
        if "proxy_pass" in location and "limit_req" in location:
            # A location with a zone of its own no longer inherits the server's: it repeats them.
            assert "zone=public_writes" in location and "zone=token_writes" in location, location


def test_the_write_keys_count_writes_without_credentials_apart_from_those_with_a_token():
    conf = FILES[COMPOSE]
    [method_map] = _blocks(conf, "map $request_method $gateway_write")
    assert re.search(r"GET\s+0;", method_map) and re.search(r"default\s+1;", method_map)
    [public] = _blocks(conf, 'map "$gateway_write:$http_authorization" $public_write_key')
    assert re.search(r'"1:"\s+\$binary_remote_addr;', public) and re.search(r'default\s+"";', public)
    [token] = _blocks(conf, 'map "$gateway_write:$http_authorization" $token_write_key')
    assert re.search(r'"~\^1:\."\s+\$binary_remote_addr;', token)


def test_a_new_services_public_writes_are_limited_without_declaring_anything():
    newcomer = dataclasses.replace(PLATFORM.service("notify"), name="newcomer", port=8099, summary="newcomers",
                                   prefixes=("/v1/newcomer-things",), exact=(), limited=())
    conf = generate.nginx(dataclasses.replace(PLATFORM, services=(*PLATFORM.services, newcomer)), "compose")
    [server] = [s for s in _blocks(conf, "server") if "proxy_pass" in s]
    [location] = [loc for loc in _locations(server) if "newcomer-things" in loc]
    assert "limit_req" not in location  # so it inherits the server's write limits
    assert "limit_req zone=public_writes" in _head(server)


def test_a_declared_limit_keeps_the_write_limits_next_to_its_own_zone():
    identity = PLATFORM.service("identity")
    extra = dataclasses.replace(identity, limited=(*identity.limited, Limited("/v1/quotes", "resets", 7)))
    conf = generate.nginx(dataclasses.replace(PLATFORM, services=tuple(
        extra if s.name == "identity" else s for s in PLATFORM.services)), "kubernetes")
    [location] = [loc for loc in _blocks(conf, "location ~ ^/v1/quotes")]
    assert "limit_req zone=resets burst=7 nodelay;" in location
    assert "zone=public_writes" in location and "zone=token_writes" in location


@pytest.mark.parametrize("rates", RATE_FILES)
def test_every_zone_a_generated_config_uses_is_defined_in_each_rate_limits_file(rates):
    text = (declaration.ROOT / rates).read_text()
    defined = set(re.findall(r"limit_req_zone \S+ zone=(\w+):", text))
    for path in CONFIGS:
        assert _zones(FILES[path]) <= defined, (path, _zones(FILES[path]) - defined)
    assert "$public_write_key zone=public_writes:" in text and "$token_write_key zone=token_writes:" in text


def test_production_limits_unauthenticated_writes_to_two_a_second_and_the_local_stack_is_looser():
    production = (declaration.ROOT / "deploy/gateway/rate-limits.conf").read_text()
    local = (declaration.ROOT / "deploy/gateway/rate-limits.local.conf").read_text()
    assert _rate(production, "public_writes") == 2 and _rate(production, "token_writes") == 20
    assert _rate(local, "public_writes") > _rate(production, "public_writes")
    image = (declaration.ROOT / "deploy/docker/gateway.Dockerfile").read_text()
    assert "COPY deploy/gateway/rate-limits.conf /etc/nginx/rate-limits.conf" in image
    run = (declaration.ROOT / "deploy/local/bin/gateway-run").read_text()
    assert "${GATEWAY_RATE_LIMITS:-$GATEWAY_DIR/rate-limits.local.conf}" in run


# ---- 6: the client does not pick its own address ---------------------------------------------

@pytest.mark.parametrize("path", CONFIGS)
def test_the_gateway_sets_x_forwarded_for_to_the_address_it_trusts_in_every_config(path):
    conf = FILES[path]
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_set_header X-Real-IP $remote_addr;" in conf
    assert "proxy_add_x_forwarded_for" not in conf and "$http_x_forwarded_for" not in conf


@pytest.mark.parametrize("path", (LOCAL, COMPOSE))
def test_where_clients_reach_the_gateway_directly_it_never_takes_their_x_forwarded_for(path):
    assert "real_ip_header" not in FILES[path] and "set_real_ip_from" not in FILES[path]


def test_on_kubernetes_the_client_address_is_the_last_one_the_ingress_put_in_x_forwarded_for():
    conf = FILES[KUBERNETES]
    assert "real_ip_header X-Forwarded-For;" in conf and "real_ip_recursive off;" in conf
    # Trusting any peer is right only because the Ingress controller is the only one that may
    # connect: the gateway's NetworkPolicy admits the ingress-nginx namespace alone.
    [policy] = [d for d in gateway_documents(PLATFORM) if d["kind"] == "NetworkPolicy"]
    [rule] = policy["spec"]["ingress"]
    assert rule["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]


# ---- 7: security headers ---------------------------------------------------------------------

@pytest.mark.parametrize("path", CONFIGS)
def test_every_server_and_every_location_with_its_own_headers_sends_the_security_headers(path):
    conf = FILES[path]
    for server in _blocks(conf, "server"):
        head = _head(server)
        for header in SECURITY_HEADERS:
            assert header in head, (path, header)
        for location in _locations(server):
            if "add_header" in location:
                for header in SECURITY_HEADERS:
                    assert header in location or _web_client_variant(location, header), (path, location[:60], header)
    for name in ("X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy", "Cache-Control"):
        assert f"proxy_hide_header {name};" in conf  # the service's copy: sent once, not twice


def _web_client_variant(location: str, header: str) -> bool:
    """The web client's files (ADR 0014) send their own stricter policy, still never framed,
    and their own cache policy (pages no-store, hashed assets immutable)."""
    if "/web/dist;" not in location and "/nginx/web;" not in location:
        return False
    if header.startswith("add_header Content-Security-Policy"):
        return bool(re.search(r'add_header Content-Security-Policy "default-src \'self\';[^"]*frame-ancestors \'none\'" always;',
                              location))
    if header.startswith("add_header Cache-Control"):
        return bool(re.search(r'add_header Cache-Control "(no-store|public, max-age=31536000, immutable)" always;', location))
    return False


@pytest.mark.parametrize("path", CONFIGS)
def test_an_answer_without_a_cache_policy_of_its_service_is_no_store(path):
    [cache_map] = _blocks(FILES[path], "map $upstream_http_cache_control $gateway_cache_control")
    assert re.search(r'""\s+"no-store";', cache_map)
    assert re.search(r"default\s+\$upstream_http_cache_control;", cache_map)


def test_hsts_is_sent_only_where_tls_ends_in_front_of_the_gateway():
    assert HSTS in FILES[KUBERNETES]
    for server in _blocks(FILES[KUBERNETES], "server"):
        assert HSTS in _head(server)
    assert "Strict-Transport-Security" not in FILES[LOCAL].replace("proxy_hide_header Strict-Transport-Security;", "")
    assert "Strict-Transport-Security" not in FILES[COMPOSE].replace("proxy_hide_header Strict-Transport-Security;", "")


# ---- 8: no redirect, unknown hosts refused, large headers handled ----------------------------

@pytest.mark.parametrize("path", CONFIGS)
def test_the_gateway_never_redirects_and_has_room_for_headers_that_echo_a_long_request_line(path):
    conf = FILES[path]
    assert "absolute_redirect off;" in conf
    assert not re.search(r"return 30\d|rewrite .* (redirect|permanent);", conf)
    assert "large_client_header_buffers 4 8k;" in conf
    assert "proxy_buffer_size 32k;" in conf  # > the 8k request line a redirect or problem may echo


def test_on_kubernetes_a_host_the_environment_does_not_serve_is_a_421_problem():
    conf = FILES[KUBERNETES]
    default, served = _blocks(conf, "server")
    assert "default_server" in default and "return 421" in default
    assert "default_type application/problem+json;" in default
    assert "location = /health/gateway/live" in default  # the pods' probes ask by address
    assert "include /etc/nginx/gateway/hosts.conf;" in served and "default_server" not in served


def test_each_overlay_gives_its_gateway_its_own_api_host_and_the_pods_run_the_kubernetes_config():
    for env in PLATFORM.environments:
        overlay = yaml.safe_load(FILES[f"deploy/k8s/overlays/{env}/kustomization.yaml"])
        [generator] = overlay["configMapGenerator"]
        host = environment_values(PLATFORM, env)["api_host"]
        assert generator == {"name": GATEWAY_NGINX, "behavior": "merge",
                             "literals": [f"hosts.conf=server_name {host};"]}
    base = yaml.safe_load(FILES["deploy/k8s/base/kustomization.yaml"])
    assert base["configMapGenerator"] == [{"name": GATEWAY_NGINX, "files": ["nginx.conf=gateway-nginx.conf"]}]
    [deployment] = [d for d in gateway_documents(PLATFORM) if d["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["args"][:3] == ["nginx", "-c", "/etc/nginx/gateway/nginx.conf"]
    assert {"name": "config", "mountPath": "/etc/nginx/gateway", "readOnly": True} in container["volumeMounts"]
    assert {"name": "config", "configMap": {"name": GATEWAY_NGINX}} in pod["volumes"]


# ---- 9: every error nginx answers itself is problem+json --------------------------------------

@pytest.mark.parametrize("path", CONFIGS)
def test_every_error_nginx_produces_is_sent_to_a_problem_json_page_in_every_server(path):
    conf = FILES[path]
    for server in _blocks(conf, "server"):
        for status, page in ((400, 400), (404, 404), (405, 405), (413, 413), (414, 414), (429, 429),
                             (494, 431), (500, 500), (502, 502), (503, 503), (504, 504)):
            assert re.search(rf"error_page {status} (=\d+ )?/_problem/{page};", server), (path, status)
            [page_block] = _blocks(server, f"location = /_problem/{page}")
            assert "internal;" in page_block and "default_type application/problem+json;" in page_block
            assert f"return {page} '{{" in page_block and f'"status":{page}' in page_block


@pytest.mark.parametrize("path", CONFIGS)
def test_a_method_the_apis_do_not_use_is_refused_by_the_gateway_with_a_405(path):
    [server] = [s for s in _blocks(FILES[path], "server") if "proxy_pass" in s]
    [refusal] = _blocks(server, "if ($request_method !~")
    assert "^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$" in refusal and "return 405;" in refusal


# ---- 11: what the gateway publishes ----------------------------------------------------------

@pytest.mark.parametrize("path", CONFIGS)
def test_through_the_gateway_a_services_health_says_up_or_down_only_and_no_internal_route_is_routed(path):
    conf = FILES[path]
    for svc in PLATFORM.services:
        assert f"location = /health/{svc.name}/ready {{ proxy_pass http://{svc.name}/health/public; }}" in conf
    assert "/health/ready" not in conf
    assert "/internal" not in conf


@pytest.mark.parametrize("path", (COMPOSE, KUBERNETES))
def test_the_bench_route_is_absent_from_the_compose_and_kubernetes_gateways(path):
    assert "/bench/hello" not in FILES[path] and "upstream hello" not in FILES[path]


# ---- every variant is a configuration nginx accepts ------------------------------------------

@pytest.mark.parametrize("path", CONFIGS)
@pytest.mark.parametrize("rates", RATE_FILES)
def test_nginx_accepts_every_generated_gateway_configuration_with_each_rate_limits_file(path, rates, tmp_path):
    """nginx -t on each variant (the local stack's nginx, deploy/local/bin/install), with the
    container paths and upstream names pointed at this machine."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert os.access(nginx, os.X_OK), "nginx is missing: run deploy/local/bin/install"
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "tmp" / sub).mkdir(parents=True)
    (tmp_path / "rate-limits.conf").write_text((declaration.ROOT / rates).read_text())
    (tmp_path / "hosts.conf").write_text("server_name api.memberspace.example;\n")
    conf = (FILES[path]
            .replace(" /tmp/nginx.pid", " @PREFIX@/nginx.pid").replace(" /tmp/", " @PREFIX@/tmp/")
            .replace("/etc/nginx/rate-limits.conf", "@RATE_LIMITS@")
            .replace("/etc/nginx/gateway/hosts.conf", str(tmp_path / "hosts.conf"))
            .replace("@USER@", pwd.getpwuid(os.getuid()).pw_name).replace("@PREFIX@", str(tmp_path))
            .replace("@RATE_LIMITS@", str(tmp_path / "rate-limits.conf")))
    conf = re.sub(r"server [a-z]+-api:", "server 127.0.0.1:", conf)
    (tmp_path / "nginx.conf").write_text(conf)
    result = subprocess.run([nginx, "-t", "-q", "-p", f"{tmp_path}/", "-e", str(tmp_path / "error.log"),
                             "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr + (tmp_path / "error.log").read_text()
