"""The web client's pages (web/pages.json, ADR 0014): every link of the platform's messages opens
one, and every gateway serves the app for exactly those paths and nothing else."""

from __future__ import annotations

import json
import re

import pytest

from ms_deploy import declaration, generate

ROOT = declaration.ROOT
FILES = generate.files(declaration.load())
CONFIGS = ("deploy/gateway/nginx.conf.template", "deploy/docker/nginx.conf", "deploy/k8s/base/gateway-nginx.conf")
# A link path notify writes: a *_PATH constant, or a literal appended to the public URL.
LINK = re.compile(r'(?:_PATH = |public_url\.rstrip\("/"\) \+ )"(/[a-z0-9/-]*)"')


def _notify_link_paths() -> set[str]:
    found = set()
    for source in (ROOT / "services" / "notify" / "src" / "notify" / "domain").glob("*.py"):
        found.update(LINK.findall(source.read_text(encoding="utf-8")))
    return found


def test_every_link_path_of_the_platforms_messages_is_a_page_of_the_web_client():
    links = _notify_link_paths()
    assert {"/confirmer-mon-compte", "/reinitialiser-mon-mot-de-passe", "/connexion"} <= links  # the parser finds them
    assert links <= set(generate.web_pages()), links - set(generate.web_pages())


def test_the_sign_up_and_password_journeys_pages_are_built_not_placeholders():
    pages = {p["path"]: p for p in json.loads((ROOT / "web" / "pages.json").read_text(encoding="utf-8"))["pages"]}
    for path in ("/", "/inscription", "/confirmer-mon-compte", "/connexion", "/mot-de-passe-oublie",
                 "/reinitialiser-mon-mot-de-passe", "/mon-compte"):
        assert pages[path]["built"] is True, path
        assert pages[path]["title"], path


@pytest.mark.parametrize("path", CONFIGS)
def test_every_gateway_serves_the_app_for_exactly_the_declared_pages_and_its_hashed_assets(path):
    conf = FILES[path]
    [pattern] = re.findall(r"location ~ \^\(([^)]*)\)\$ \{\n\s*types \{ text/html html; \}", conf)
    assert pattern.split("|") == generate.web_pages()
    assert "location ^~ /assets/ {" in conf
    assert 'add_header Cache-Control "public, max-age=31536000, immutable" always;' in conf
    web = generate.LOCAL_WEB if path.endswith(".template") else generate.IMAGE_WEB
    assert conf.count(f"root {web};") == 2
    # The app's fallback never swallows the API, the docs or the schemas: an unknown path is still 404.
    regex = re.compile(f"^({pattern})$")
    for other in ("/v1/me", "/docs/", "/schemas/envelope.json", "/nothing/here", "/connexion/", "/v1"):
        assert not regex.match(other), other


def test_a_page_path_that_is_not_plain_lower_case_words_is_refused(tmp_path):
    for bad in ("/Connexion", "/a b", "/x$", "/a|b", "relative", "/trailing/"):
        declared = tmp_path / "pages.json"
        declared.write_text(json.dumps({"pages": [{"path": bad, "title": "t", "built": False}]}), encoding="utf-8")
        with pytest.raises(ValueError):
            generate.web_pages(declared)


def test_the_apps_page_loads_nothing_from_another_origin():
    page = (ROOT / "web" / "index.html").read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert 'lang="fr"' in page


def test_the_gateway_image_carries_the_built_web_client():
    dockerfile = (ROOT / "deploy" / "docker" / "gateway.Dockerfile").read_text(encoding="utf-8")
    assert f"COPY web/dist/ {generate.IMAGE_WEB}/" in dockerfile
