"""`/docs` and `/redoc` work on an isolated network: every URL their pages load is the service's own.

The pages come from `build_app`, with Swagger UI's and ReDoc's files shipped by the `fastapi-offline`
package; no CDN, no font service, no public validator. No servers are needed: the pages and their
assets are served before and without the runtime.
"""

import importlib
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from jingzhang.shared.service import ServiceSpec, build_app
from jingzhang.shared.settings import ServiceSettings

SERVICES = ("assignment", "appeals", "patrols", "evaluation", "notifications")
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".json": "application/json"}
ABSOLUTE = re.compile(r"(?i)\b(?:https?:)?//[a-z0-9.-]+")


class Links(HTMLParser):
    """Every URL an element loads (`src`, `href`, `spec-url`) and the text of inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value for name, value in attrs if name in ("src", "href", "spec-url") and value)
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def _kernel_app() -> FastAPI:
    return build_app(ServiceSpec("docs", "jingzhang docs", ServiceSettings()))


@pytest.fixture(params=("kernel", *SERVICES))
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    name = str(request.param)
    app = _kernel_app() if name == "kernel" else importlib.import_module(f"jingzhang.{name}.bootstrap").create_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as http:
        yield http


async def _page(client: httpx.AsyncClient, path: str) -> Links:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    links = Links()
    links.feed(page.text)
    return links


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_docs_pages_load_only_same_origin_urls_that_answer(client: httpx.AsyncClient, path: str) -> None:
    links = await _page(client, path)

    assert links.urls, "the page loads nothing: not the page we expect"
    for url in links.urls:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", ""), f"{path} loads {url} from elsewhere"
        assert url.startswith("/")
        answer = await client.get(url)
        assert answer.status_code == 200, url
        suffix = parts.path[parts.path.rfind(".") :]
        assert answer.headers["content-type"].startswith(CONTENT_TYPES[suffix]), (url, answer.headers)
        assert len(answer.content) > 1000 or suffix == ".png", f"{url} is too small to be the real asset"
    for script in links.scripts:
        assert not ABSOLUTE.search(script), f"{path}'s inline script names another origin: {script}"


async def test_swagger_ui_loads_the_service_s_own_document_and_no_public_validator(client: httpx.AsyncClient) -> None:
    script = "".join((await _page(client, "/docs")).scripts)

    assert "url: '/openapi.json'" in script
    assert '"validatorUrl": null' in script
    document = await client.get("/openapi.json")
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/json"
