"""Adding a source by URL on the claim page: captured through the safe fetcher from a local HTTP server, then cited."""
from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from claims.models import Article, Candidate, Claim
from claims.services.lifecycle import claim_transition
from reviewers.models import Citation

pytestmark = pytest.mark.django_db

PAGE = b"""<!doctype html><html><head><title>Kim arrives in Russia</title></head><body><nav>Home</nav>
<article><h1>Kim arrives in Russia</h1><p>North Korean leader Kim Jong Un arrived in Russia on 12 September 2023 aboard
his armoured train, the first time he had left his country since the start of the Covid-19 pandemic, officials said.</p>
<p>He is expected to meet Vladimir Putin at the Vostochny Cosmodrome in the Amur region on Wednesday afternoon.</p>
</article></body></html>"""


class _Site(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def site(settings):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    settings.FACTDESK_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{port}"]
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def claim():
    article = Article.objects.create(headline="Kim", body="Kim went to Russia by train.")
    claim = Claim.objects.create(article=article, text="Kim went to Russia by train", normalized_text="Kim went to Russia",
                                 span_start=0, span_end=27)
    for action in ("start_gathering", "finish_gathering"):
        claim_transition(claim=claim, action=action)
    return claim


def test_a_source_added_by_url_is_captured_and_its_selection_cited(client, reviewer, claim, site):
    client.force_login(reviewer)
    response = client.post(reverse("reviewers:source-add", args=[claim.pk]), {"url": f"{site}/kim"}, follow=True)
    assert b"Source captured" in response.content
    candidate = Candidate.objects.get(claim=claim)
    body = candidate.document.body
    assert "armoured train" in body and b"armoured train" in response.content  # shown for selection
    start = body.index("aboard")
    end = body.index("train", start) + len("train")
    client.post(reverse("reviewers:candidate-cite", args=[claim.pk, candidate.pk]), {"start": start, "end": end})
    citation = Citation.objects.get()
    assert citation.quoted_passage.startswith("aboard") and citation.quoted_passage.endswith("train")
    assert citation.captured_sha256 == hashlib.sha256(body.encode()).hexdigest()
    assert citation.final_url.startswith(site)


def test_an_internal_address_is_refused_with_the_reason_and_nothing_is_stored(client, reviewer, claim):
    client.force_login(reviewer)
    for url in ("http://127.0.0.1:9/admin", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", ""):
        response = client.post(reverse("reviewers:source-add", args=[claim.pk]), {"url": url}, follow=True)
        assert response.status_code == 200
        assert b"could not be captured" in response.content or b"Give the URL" in response.content, url
    assert not Candidate.objects.exists()
