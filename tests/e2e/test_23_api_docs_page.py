"""The gateway's /docs/ page: Swagger UI over every declared service's public document, no CDN."""

from __future__ import annotations

import re

import pytest

from ms_deploy import declaration

pytestmark = pytest.mark.e2e


async def test_the_docs_page_and_every_asset_it_loads_are_served_by_the_gateway(gateway):
    page = await gateway.get("/docs/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(not a.startswith(("http:", "https:", "//")) for a in assets)
    for asset in assets:
        assert (await gateway.get(f"/docs/{asset}")).status_code == 200, asset


async def test_every_document_the_page_offers_is_an_openapi_document_of_a_declared_service(gateway):
    initializer = (await gateway.get("/docs/swagger-initializer.js")).text
    urls = re.findall(r'url: "([^"]+)"', initializer)
    assert sorted(urls) == sorted(f"/openapi/{s.name}.json" for s in declaration.load().services)
    for url in urls:
        document = await gateway.get(url)
        assert document.status_code == 200 and document.json()["openapi"].startswith("3."), url
