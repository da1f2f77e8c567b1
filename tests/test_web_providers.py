"""Web providers through the real gathering path, against a local HTTP server answering like each service.

The recorded shapes in tests/fixtures/web/ follow each API's documented JSON
(MediaWiki action=query formatversion=2, SearxNG /search?format=json, Google
Fact Check Tools v1alpha1 claims:search).
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from claims.models import Article, Candidate, Claim, ProviderRun, SourceDocument
from claims.providers import ProviderError, enabled_providers
from claims.providers.web import _Throttle
from claims.services.gathering import claim_gathering_start, provider_run_execute

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures" / "web"
CLAIM = "Kim Jong Un's September 2023 trip to Russia was his first foreign trip since the Covid-19 pandemic."
WEB = ("mediawiki", "searxng", "google_factcheck")


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class _Service(BaseHTTPRequestHandler):
    # answer: callable(path, query) -> (status, body bytes, delay seconds); requests: what arrived
    state = SimpleNamespace(answer=None, requests=[])

    def do_GET(self):  # noqa: N802 (http.server's naming)
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.state.requests.append((parts.path, query))
        status, body, delay = self.state.answer(parts.path, query)
        time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout test)

    def log_message(self, *args):
        pass


@pytest.fixture
def service():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    _Service.state = SimpleNamespace(answer=lambda path, query: (404, b"{}", 0), requests=[])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Service.state
    httpd.shutdown()
    httpd.server_close()


def mediawiki_answer(path, query):
    if query.get("list") == "search":
        return 200, _fixture("mediawiki_search.json"), 0
    if query.get("prop") == "extracts|info":
        return 200, _fixture("mediawiki_extracts.json"), 0
    return 400, b'{"error": {"code": "badparams"}}', 0


@pytest.fixture
def claim(db):
    article = Article.objects.create(headline="Kim", body=CLAIM, status=Article.Status.PROCESSED)
    return Claim.objects.create(article=article, text=CLAIM, normalized_text=CLAIM, span_start=0, span_end=len(CLAIM), score=0.9)


@pytest.fixture
def enable(settings, service):
    base, _ = service

    def turn_on(name: str):
        settings.FACTDESK_PROVIDERS = ["previously_verified", "reference_corpus", name]
        if name == "mediawiki":
            settings.FACTDESK_MEDIAWIKI_URL = f"{base}/w/api.php"
        elif name == "searxng":
            settings.FACTDESK_SEARXNG_URL = f"{base}/"
        else:
            settings.FACTDESK_FACTCHECK_URL = f"{base}/v1alpha1/claims:search"
            settings.FACTDESK_FACTCHECK_API_KEY = "test-key-123"

    return turn_on


def _gather(claim, captured):
    with captured(execute=True):
        claim_gathering_start(claim_id=claim.pk)
    claim.refresh_from_db()
    return claim


def _assert_passages_slice_their_documents(candidates):
    for c in candidates:
        assert c.passage, f"candidate {c.pk} has a passage"
        assert c.document.body[c.passage_start : c.passage_end] == c.passage


def test_it_sends_nothing_to_any_web_service_by_default(claim, service, django_capture_on_commit_callbacks):
    _, server = service
    assert not set(WEB) & set(enabled_providers())
    claim = _gather(claim, django_capture_on_commit_callbacks)
    assert claim.status == Claim.Status.READY_FOR_REVIEW
    assert set(ProviderRun.objects.filter(claim=claim).values_list("provider", flat=True)) == {"previously_verified", "reference_corpus"}
    assert server.requests == []


def test_it_fails_only_its_own_run_without_a_request_when_listed_but_not_configured(
    claim, service, settings, django_capture_on_commit_callbacks
):
    _, server = service
    settings.FACTDESK_PROVIDERS = ["previously_verified", "reference_corpus", "google_factcheck"]
    settings.FACTDESK_FACTCHECK_URL = f"{service[0]}/v1alpha1/claims:search"
    settings.FACTDESK_FACTCHECK_API_KEY = ""
    claim = _gather(claim, django_capture_on_commit_callbacks)
    run = ProviderRun.objects.get(claim=claim, provider="google_factcheck")
    assert run.status == ProviderRun.Status.FAILED
    assert "FACTDESK_FACTCHECK_API_KEY" in run.error and "no request was sent" in run.error
    assert claim.status == Claim.Status.READY_FOR_REVIEW
    assert server.requests == []


def test_it_turns_wikipedia_search_results_into_candidates_with_passages(
    claim, service, enable, django_capture_on_commit_callbacks
):
    _, server = service
    server.answer = mediawiki_answer
    enable("mediawiki")
    claim = _gather(claim, django_capture_on_commit_callbacks)
    assert claim.status == Claim.Status.READY_FOR_REVIEW
    search, extracts = server.requests
    assert search[0] == "/w/api.php" and search[1]["list"] == "search" and search[1]["srsearch"] == CLAIM
    assert extracts[1]["pageids"] == "74811512|1182548|63280513" and extracts[1]["explaintext"] == "1"
    candidates = list(Candidate.objects.filter(claim=claim, provider="mediawiki").select_related("document").order_by("score").reverse())
    assert [c.document.title for c in candidates] == ["2023 Russia–North Korea summit", "Kim Jong Un", "COVID-19 pandemic in North Korea"]
    summit = candidates[0]
    assert summit.document.kind == SourceDocument.Kind.WEB
    assert summit.document.url == "https://en.wikipedia.org/wiki/2023_Russia%E2%80%93North_Korea_summit"
    assert summit.passage.startswith("Kim Jong Un travelled to Russia by armoured train"), "the sentence worth quoting"
    _assert_passages_slice_their_documents(candidates)
    assert ProviderRun.objects.get(claim=claim, provider="mediawiki").candidates_found == 3


def test_it_turns_searxng_results_into_candidates_by_canonical_url(claim, service, enable, django_capture_on_commit_callbacks):
    _, server = service
    server.answer = lambda path, query: (200, _fixture("searxng_search.json"), 0) if path == "/search" else (404, b"{}", 0)
    enable("searxng")
    claim = _gather(claim, django_capture_on_commit_callbacks)
    ((path, query),) = server.requests
    assert path == "/search" and query["format"] == "json" and query["q"] == CLAIM
    candidates = list(Candidate.objects.filter(claim=claim, provider="searxng").select_related("document"))
    urls = {c.document.url for c in candidates}
    assert urls == {"https://www.reuters.com/world/asia-pacific/kim-jong-un-arrives-russia-2023-09-12/",
                    "https://apnews.com/article/north-korea-russia-kim-putin-summit"}, "tracking parameter dropped, magnet: link skipped"
    reuters = next(c for c in candidates if "reuters" in c.document.url)
    assert reuters.document.publisher == "www.reuters.com" and reuters.document.published_at.year == 2023
    assert "first trip abroad since the COVID-19 pandemic" in reuters.passage
    _assert_passages_slice_their_documents(candidates)


def test_it_turns_fact_check_tools_reviews_into_rated_fact_checks(claim, service, enable, django_capture_on_commit_callbacks):
    _, server = service
    server.answer = lambda path, query: (200, _fixture("factcheck_claims_search.json"), 0)
    enable("google_factcheck")
    claim = _gather(claim, django_capture_on_commit_callbacks)
    ((path, query),) = server.requests
    assert path == "/v1alpha1/claims:search" and query["key"] == "test-key-123" and query["query"] == CLAIM
    candidates = {c.document.url: c for c in Candidate.objects.filter(claim=claim, provider="google_factcheck").select_related("document")}
    assert set(candidates) == {"https://factcheck.example.org/2023/09/kim-first-trip", "https://proverka.example.ru/kim-trip",
                               "https://checks.example.net/kim-plane"}
    first = candidates["https://factcheck.example.org/2023/09/kim-first-trip"]
    assert first.document.kind == SourceDocument.Kind.FACTCHECK
    assert (first.document.rating_label, first.document.publisher) == ("True", "Example Fact Check")
    assert first.passage == "Kim Jong Un's trip to Russia in September 2023 was his first foreign trip since the pandemic."
    assert candidates["https://proverka.example.ru/kim-trip"].document.language == "ru"
    assert candidates["https://checks.example.net/kim-plane"].document.rating_label == "False"
    _assert_passages_slice_their_documents(candidates.values())


def test_a_rerun_stores_each_page_once(claim, service, enable, django_capture_on_commit_callbacks):
    _, server = service
    server.answer = mediawiki_answer
    enable("mediawiki")
    _gather(claim, django_capture_on_commit_callbacks)
    documents = SourceDocument.objects.filter(kind=SourceDocument.Kind.WEB).count()
    with django_capture_on_commit_callbacks(execute=True):
        claim_gathering_start(claim_id=claim.pk, rerun=True)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.READY_FOR_REVIEW
    assert len(server.requests) == 4, "the re-run asked the service again"
    assert SourceDocument.objects.filter(kind=SourceDocument.Kind.WEB).count() == documents == 3
    assert Candidate.objects.filter(claim=claim, provider="mediawiki").count() == 3


def test_a_failing_service_fails_only_its_own_run(claim, service, enable, settings, django_capture_on_commit_callbacks):
    _, server = service
    server.answer = lambda path, query: (500, b'{"error": "internal"}', 0)
    enable("searxng")
    settings.FACTDESK_PROVIDER_MAX_ATTEMPTS = 1
    claim = _gather(claim, django_capture_on_commit_callbacks)
    run = ProviderRun.objects.get(claim=claim, provider="searxng")
    assert run.status == ProviderRun.Status.FAILED and "HTTP 500" in run.error
    assert len(server.requests) == 1
    assert claim.status == Claim.Status.READY_FOR_REVIEW
    others = ProviderRun.objects.filter(claim=claim).exclude(provider="searxng")
    assert {r.status for r in others} == {ProviderRun.Status.SUCCEEDED}


def test_a_500_is_retried_a_bounded_number_of_times(claim, service, enable, settings, django_capture_on_commit_callbacks):
    """Each call is what one delivery of run_provider does (the task retries with backoff on the raise)."""
    _, server = service
    server.answer = lambda path, query: (503, b'{"error": "busy"}', 0)
    enable("searxng")
    settings.FACTDESK_PROVIDER_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=False):
        claim_gathering_start(claim_id=claim.pk)
    run = ProviderRun.objects.get(claim=claim, provider="searxng")
    for _ in range(2):
        with pytest.raises(ProviderError) as retry:
            provider_run_execute(run_id=run.pk)
        assert retry.value.retryable
        run.refresh_from_db()
        assert run.status == ProviderRun.Status.PENDING and "HTTP 503" in run.error
    for other in ProviderRun.objects.filter(claim=claim).exclude(pk=run.pk):
        assert provider_run_execute(run_id=other.pk) == ProviderRun.Status.SUCCEEDED
    assert provider_run_execute(run_id=run.pk) == ProviderRun.Status.FAILED
    assert len(server.requests) == 3
    claim.refresh_from_db()
    assert claim.status == Claim.Status.READY_FOR_REVIEW


def test_a_service_that_does_not_answer_in_time_fails_its_run(claim, service, enable, settings, django_capture_on_commit_callbacks):
    _, server = service
    server.answer = lambda path, query: (200, _fixture("factcheck_claims_search.json"), 3)
    enable("google_factcheck")
    settings.FACTDESK_FACTCHECK_TIMEOUT = 1
    settings.FACTDESK_PROVIDER_MAX_ATTEMPTS = 1
    claim = _gather(claim, django_capture_on_commit_callbacks)
    run = ProviderRun.objects.get(claim=claim, provider="google_factcheck")
    assert run.status == ProviderRun.Status.FAILED and "no answer within 1 s" in run.error
    assert "test-key-123" not in run.error, "the API key never reaches the error shown to reviewers"
    assert claim.status == Claim.Status.READY_FOR_REVIEW
    assert not Candidate.objects.filter(claim=claim, provider="google_factcheck").exists()


def test_the_rate_limit_spaces_requests_and_asks_for_a_retry_beyond_the_budget():
    throttle = _Throttle()
    started = time.monotonic()
    throttle.wait("svc", 600, budget=5)  # one request every 0.1 s
    throttle.wait("svc", 600, budget=5)
    assert time.monotonic() - started >= 0.09
    throttle.wait("slow", 1, budget=5)
    with pytest.raises(ProviderError) as refused:
        throttle.wait("slow", 1, budget=5)  # the next slot is 60 s away
    assert refused.value.retryable and "rate limit" in str(refused.value)
