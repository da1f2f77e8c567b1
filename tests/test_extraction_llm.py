"""The optional LLM extractor against a local server that answers like an OpenAI-compatible endpoint.

Good answers become claims whose offsets slice the article exactly; every kind
of failure (bad JSON, a schema violation, HTTP 500, a timeout, a refused
connection, spans not in the article) falls back to the built-in extractor and
says why. The article text is made up for these tests.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from claims import extraction
from claims.extraction import llm

PUBLISHED = datetime(2024, 3, 14, 9, tzinfo=timezone.utc)
ARTICLE = ("The Harbour Authority said cargo volumes at Port Elmsby rose 12% in 2023. "
           "The new quay, which opened in March, is the largest on the coast. "
           "Critics think the expansion should have waited.")
GOOD_CLAIMS = [
    {"span": "The new quay, which opened in March, is the largest on the coast.",
     "text": "The new quay at Port Elmsby is the largest on the coast.", "checkworthiness": 0.8,
     "reason": "superlative about infrastructure"},
    {"span": "cargo volumes at Port Elmsby rose 12% in 2023",
     "text": "Cargo volumes at Port Elmsby rose 12% in 2023, according to the Harbour Authority.",
     "checkworthiness": 0.93, "reason": "a statistic with a source"},
    {"span": "Critics think the expansion should have waited.", "text": "Critics think the expansion should have waited.",
     "checkworthiness": 0.1, "reason": "opinion"},
    {"span": "cargo volumes fell by half", "text": "Cargo volumes fell by half.", "checkworthiness": 0.9,
     "reason": "not in the article: must be dropped"},
]


def completion(content: str) -> bytes:
    return json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": "test-model",
                       "choices": [{"index": 0, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": content}}]}).encode()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        status, payload, delay, *drip = self.server.answer
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            if drip:  # a byte at a time, each well within the read timeout, the whole far beyond it
                for byte in payload[:40]:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(drip[0])
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up waiting (the timeout tests)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads, server.block_on_close = True, False
    server.requests = []
    server.answer = (200, completion(json.dumps({"claims": GOOD_CLAIMS})), 0)
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _settings(endpoint, **extra) -> llm.LLMSettings:
    return llm.LLMSettings(**{"url": endpoint.url, "model": "test-model", "api_key": "sk-test", "timeout": 5, **extra})


def _run(endpoint, **extra):
    return llm.extract_with_fallback(ARTICLE, PUBLISHED, "en", settings=_settings(endpoint, **extra),
                                     fallback=extraction.extract)


def test_a_good_answer_becomes_claims_with_exact_offsets_in_article_order(endpoint):
    claims = _run(endpoint)
    assert [c.source_text for c in claims] == [
        "cargo volumes at Port Elmsby rose 12% in 2023",
        "The new quay, which opened in March, is the largest on the coast.",
        "Critics think the expansion should have waited.",
    ]  # the span that is not in the article is dropped
    assert all(ARTICLE[c.start:c.end] == c.source_text for c in claims)
    assert claims[0].text == "Cargo volumes at Port Elmsby rose 12% in 2023, according to the Harbour Authority."
    assert [c.checkworthy for c in claims] == [True, True, False]
    assert claims[0].score == 0.93 and claims[0].reason == "LLM (test-model): a statistic with a source"
    assert claims[0].fingerprint == extraction.engine.fingerprint(claims[0].text)
    # Tags, entities and dates come from the same rules as the built-in engine's.
    assert {"number", "date"} <= set(claims[0].tags) and "comparison" in claims[1].tags
    assert [(d.text, d.value) for d in claims[1].dates] == [("March", "2024-03")]
    assert all(ARTICLE[e.start:e.end] == e.text for c in claims for e in c.entities)


def test_the_request_is_a_chat_completion_asking_for_schema_checked_json(endpoint):
    _run(endpoint)
    (request,) = endpoint.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    body = request["body"]
    assert body["model"] == "test-model" and body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == llm.CLAIMS_SCHEMA
    assert ARTICLE in body["messages"][-1]["content"] and "Publication date: 2024-03-14" in body["messages"][-1]["content"]


def test_a_server_without_schema_support_can_be_asked_for_a_json_object(endpoint):
    fenced = "```json\n" + json.dumps({"claims": GOOD_CLAIMS[:1]}) + "\n```"  # a Markdown fence is tolerated
    endpoint.answer = (200, completion(fenced), 0)
    claims = llm.extract(ARTICLE, PUBLISHED, settings=_settings(endpoint, response_format="json_object", api_key=""))
    assert [c.source_text for c in claims] == [GOOD_CLAIMS[0]["span"]]
    request = endpoint.requests[0]
    assert request["body"]["response_format"] == {"type": "json_object"} and "Authorization" not in request["headers"]


def test_a_repeated_span_takes_the_next_occurrence_and_a_third_copy_is_dropped():
    text = "Tolls rose. Fares rose. Tolls rose."
    item = {"span": "Tolls rose.", "text": "Tolls rose.", "checkworthiness": 0.7, "reason": "r"}
    claims = llm._locate(text, [item, item, item], None, "")
    assert [(c.start, c.end) for c in claims] == [(0, 11), (24, 35)]


@pytest.mark.parametrize("answer, why", [
    ((200, completion('{"claims": [{"span": "cargo volumes'), 0), "not valid JSON"),
    ((200, completion(json.dumps({"claims": [{**GOOD_CLAIMS[1], "checkworthiness": 7}]})), 0),
     "does not match the schema at claims/0/checkworthiness"),
    ((200, completion(json.dumps({"claims": [{"span": "x", "text": "y", "checkworthiness": 0.5}]})), 0),
     "does not match the schema"),
    ((200, completion(json.dumps({"claims": "__import__('os').system('true')"})), 0), "does not match the schema"),
    ((200, b'{"error": "overloaded"}', 0), "not a chat completion"),
    ((500, b'{"error": {"message": "internal error"}}', 0), "the endpoint answered HTTP 500"),
    ((200, completion(json.dumps({"claims": [GOOD_CLAIMS[3]]})), 0), "none of the 1 spans returned is in the article"),
    ((200, completion(json.dumps({"claims": GOOD_CLAIMS})), 2.0), "no answer within 0.5 s"),
    ((200, completion(json.dumps({"claims": GOOD_CLAIMS})), 0, 0.1), "no complete answer within 0.5 s"),
])
def test_any_failure_falls_back_to_the_built_in_extractor_and_says_why(endpoint, answer, why):
    endpoint.answer = answer
    started = time.monotonic()
    claims = _run(endpoint, timeout=0.5)
    assert time.monotonic() - started < 5
    builtin = extraction.extract(ARTICLE, published_at=PUBLISHED)
    assert [(c.start, c.end, c.text, c.score) for c in claims] == [(c.start, c.end, c.text, c.score) for c in builtin]
    for claim, plain in zip(claims, builtin):
        assert claim.reason.startswith("LLM extractor failed (") and why in claim.reason
        assert claim.reason.endswith(plain.reason) and claim.extras["extractor"] == "builtin"
        assert "sk-test" not in claim.reason and "127.0.0.1" not in claim.reason


def test_a_refused_connection_and_an_over_long_article_fall_back_too(endpoint):
    with socket.socket() as unused:  # a port that was free a moment ago: nothing listens on it
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    closed = llm.LLMSettings(url=f"http://127.0.0.1:{port}/v1", timeout=2)
    claims = llm.extract_with_fallback(ARTICLE, PUBLISHED, settings=closed, fallback=extraction.extract)
    assert claims and all("could not connect" in c.reason for c in claims)
    claims = llm.extract_with_fallback(ARTICLE, PUBLISHED, settings=_settings(endpoint, max_chars=50),
                                       fallback=extraction.extract)
    assert claims and all("over the limit of 50" in c.reason for c in claims) and not endpoint.requests


# --- through the Django service ------------------------------------------------------


@pytest.fixture
def article(db):
    from claims.models import Article

    return Article.objects.create(headline="Port Elmsby", body=ARTICLE, published_at=PUBLISHED)


def test_the_service_stores_the_llm_claims_when_the_operator_configured_an_endpoint(endpoint, article, settings):
    from claims.models import Claim
    from claims.services.extraction import article_extract_claims

    settings.FACTDESK_LLM_URL, settings.FACTDESK_LLM_MODEL, settings.FACTDESK_LLM_TIMEOUT = endpoint.url, "test-model", 5
    article_extract_claims(article_id=article.pk)
    claims = list(article.claims.order_by("span_start"))
    assert [ARTICLE[c.span_start:c.span_end] for c in claims] == [c.text for c in claims]
    assert [c.status for c in claims] == [Claim.Status.NEW, Claim.Status.NEW, Claim.Status.REJECTED]
    assert claims[0].score_reason.startswith("LLM (test-model)") and "number" in claims[0].tags
    assert claims[1].resolved_dates[0]["value"] == "2024-03"
    assert {"text": "March", "label": "DATE", "start": ARTICLE.index("March"), "end": ARTICLE.index("March") + 5} \
        in claims[1].entities


def test_the_service_falls_back_and_keeps_the_reason_when_the_endpoint_fails(endpoint, article, settings):
    from claims.services.extraction import article_extract_claims

    settings.FACTDESK_LLM_URL, settings.FACTDESK_LLM_TIMEOUT = endpoint.url, 5
    endpoint.answer = (500, b"{}", 0)
    article_extract_claims(article_id=article.pk)
    claims = list(article.claims.all())
    assert claims and all("LLM extractor failed (the endpoint answered HTTP 500)" in c.score_reason for c in claims)
    assert all(ARTICLE[c.span_start:c.span_end] == c.text for c in claims)


def test_the_llm_extractor_is_off_by_default(endpoint, article, settings):
    from claims.services.extraction import article_extract_claims

    assert settings.FACTDESK_LLM_URL == ""
    article_extract_claims(article_id=article.pk)
    assert article.claims.exists() and not endpoint.requests
    assert not any("LLM" in c.score_reason for c in article.claims.all())


def test_the_llm_client_imports_no_django():
    import subprocess
    import sys

    code = "import sys, claims.extraction.llm; assert not any(m.startswith('django') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parent.parent))
