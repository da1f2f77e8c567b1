"""Capturing a page as a web source: the safe fetcher, the evidence snapshot, one row per canonical URL."""
from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from claims.fetching import FetchError
from claims.models import SourceDocument
from claims.services.capture import canonical_url, source_capture_url
from claims.tasks import capture_source_url

pytestmark = pytest.mark.django_db

PAGE = b"""<!doctype html><html><head><title>Kim arrives in Russia</title></head><body><nav>Home | World</nav>
<article><h1>Kim arrives in Russia</h1>
<p>North Korean leader Kim Jong Un arrived in Russia on 12 September 2023 aboard his armoured train, the first time he
had left his country since the start of the Covid-19 pandemic, officials in Moscow said.</p>
<p>He is expected to meet Vladimir Putin at the Vostochny Cosmodrome in the Amur region on Wednesday afternoon.</p>
</article><footer>Copyright</footer></body></html>"""


class _Site(BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802
        self.hits.append(self.path)
        if self.path.startswith("/old"):
            self.send_response(302)
            self.send_header("Location", "/world/kim-russia")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    _Site.hits = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], _Site.hits
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def allowed(settings, site):
    settings.FACTDESK_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{site[0]}"]
    return site


def test_it_stores_the_main_text_with_its_hash_time_and_final_url(allowed):
    port, hits = allowed
    document = source_capture_url(url=f"http://127.0.0.1:{port}/old?utm_source=x#top", by=None)
    assert document.kind == SourceDocument.Kind.WEB
    assert "first time he\nhad left his country" in document.body or "first time he had left his country" in document.body
    assert "Copyright" not in document.body and "Home | World" not in document.body
    assert document.captured_sha256 == hashlib.sha256(document.body.encode("utf-8")).hexdigest()
    assert document.final_url == f"http://127.0.0.1:{port}/world/kim-russia"
    assert document.url == f"http://127.0.0.1:{port}/old" and document.fetched_at is not None
    assert document.title == "Kim arrives in Russia"
    assert hits == ["/old?utm_source=x", "/world/kim-russia"]


def test_capturing_the_same_page_again_keeps_one_document(allowed):
    port, _ = allowed
    first = source_capture_url(url=f"http://127.0.0.1:{port}/world/kim-russia")
    again = source_capture_url(url=f"HTTP://127.0.0.1:{port}/world/kim-russia?utm_medium=mail&fbclid=1")
    assert again.pk == first.pk
    assert SourceDocument.objects.count() == 1


def test_a_refused_address_writes_nothing(site):
    port, hits = site
    with pytest.raises(FetchError) as refused:
        source_capture_url(url=f"http://127.0.0.1:{port}/world/kim-russia")
    assert refused.value.code in ("blocked_address", "bad_port")
    assert hits == [] and SourceDocument.objects.count() == 0


def test_a_non_http_url_is_refused_with_its_code(db):
    with pytest.raises(FetchError) as refused:
        source_capture_url(url="file:///etc/passwd")
    assert refused.value.code == "bad_scheme"
    assert SourceDocument.objects.count() == 0


def test_the_task_returns_the_document_and_drops_a_refused_url(allowed, editor):
    port, _ = allowed
    document_id = capture_source_url.apply(args=(f"http://127.0.0.1:{port}/world/kim-russia", editor.pk)).get()
    assert SourceDocument.objects.get(pk=document_id).final_url.endswith("/world/kim-russia")
    assert capture_source_url.apply(args=("http://169.254.169.254/latest/meta-data/",)).get() is None
    assert SourceDocument.objects.count() == 1


def test_canonical_urls_ignore_case_default_ports_fragments_and_tracking():
    assert canonical_url("HTTPS://Example.ORG:443/a?b=1&utm_source=x#frag") == "https://example.org/a?b=1"
    assert canonical_url("http://example.org") == "http://example.org/"
    assert canonical_url("http://example.org:8080/x") == "http://example.org:8080/x"
