"""The safe URL fetcher against a real local HTTP server: captures pages, refuses every way into our network."""
from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from claims.fetching import FetchError, FetchPolicy, fetch

ARTICLE = """<!doctype html><html><head><title>Lavrov in Pyongyang</title></head><body>
<nav>Home | World | Sport</nav>
<article><h1>Lavrov in Pyongyang</h1>
<p>Sergey Lavrov, Russia's foreign minister, arrived in Pyongyang on 18 October 2023 for two days of talks with
Choe Son Hui, North Korea's foreign minister, according to the ministry.</p>
<p>The visit followed the September meeting of Vladimir Putin and Kim Jong Un at the Vostochny Cosmodrome in the
Amur region, the first foreign trip Kim had made since the start of the Covid-19 pandemic.</p>
<script>document.write('not evidence')</script></article>
<footer>Copyright notice</footer></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}
    hits: list = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.hits.append((self.path, self.headers.get("Host")))
        status, headers, body = self.routes.get(self.path, (404, {"Content-Type": "text/plain"}, b"missing"))
        if callable(body):
            body = body()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers and not headers.get("X-Stream"):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.routes, _Handler.hits = {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    port = httpd.server_address[1]
    yield port, _Handler.routes, _Handler.hits
    httpd.shutdown()


def _allowed(port: int, **extra) -> FetchPolicy:
    return FetchPolicy(allow_hosts=frozenset({f"127.0.0.1:{port}", f"news.test:{port}"}), **extra)


def _resolve_news(host: str, port: int) -> list[str]:
    """A resolver like the system's, for the test's own names."""
    return {"news.test": ["127.0.0.1"], "inside.example.org": ["10.0.0.7"], "mixed.example.org": ["93.184.216.34", "192.168.1.9"],
            "public.example.org": ["93.184.216.34"], "127.0.0.1": ["127.0.0.1"]}.get(host, [host])


def test_it_captures_the_main_text_with_its_hash_time_and_final_url_after_a_redirect(server):
    port, routes, hits = server
    routes["/old"] = (301, {"Location": "/world/lavrov", "Content-Type": "text/plain"}, b"")
    routes["/world/lavrov"] = (200, {"Content-Type": "text/html; charset=utf-8"}, ARTICLE.encode())
    capture = fetch(f"http://news.test:{port}/old", policy=_allowed(port), resolve=_resolve_news)
    assert capture.final_url == f"http://news.test:{port}/world/lavrov" and capture.status == 200
    assert "arrived in Pyongyang on 18 October 2023" in capture.text
    assert "not evidence" not in capture.text and "Copyright notice" not in capture.text
    assert capture.sha256 == hashlib.sha256(capture.text.encode()).hexdigest()
    assert capture.title == "Lavrov in Pyongyang" and capture.fetched_at.tzinfo is not None
    # It connected to the vetted address, naming the host in the Host header.
    assert hits == [("/old", f"news.test:{port}"), ("/world/lavrov", f"news.test:{port}")]


def test_plain_text_is_kept_as_is(server):
    port, routes, _ = server
    routes["/note.txt"] = (200, {"Content-Type": "text/plain; charset=utf-8"}, "Turnout was 41.3%.".encode())
    assert fetch(f"http://127.0.0.1:{port}/note.txt", policy=_allowed(port)).text == "Turnout was 41.3%."


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://10.1.2.3/", "private"),
    ("http://192.168.0.10/", "private"),
    ("http://172.16.5.5/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "metadata"),
    ("http://100.100.100.200/", "metadata"),
    ("http://100.64.0.1/", "not a public"),
    ("http://224.0.0.1/", "multicast"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://metadata.google.internal/computeMetadata/v1/", "internal name"),
    ("http://localhost/", "internal name"),
    ("http://inside.example.org/", "private"),
    ("http://mixed.example.org/", "private"),  # one private answer among public ones is enough to refuse
])
def test_internal_addresses_are_refused_after_resolution(url, message):
    with pytest.raises(FetchError) as refused:
        fetch(url, policy=FetchPolicy(), resolve=_resolve_news)
    assert refused.value.code == "blocked_address" and message in str(refused.value)


def test_the_local_server_itself_is_refused_without_the_test_allow_list(server):
    port, routes, hits = server
    routes["/"] = (200, {"Content-Type": "text/plain"}, b"secret admin page")
    with pytest.raises(FetchError) as refused:
        fetch(f"http://127.0.0.1:{port}/", policy=FetchPolicy(ports=frozenset({port})))
    assert refused.value.code == "blocked_address" and hits == []


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin", "http://inside.example.org/"])
def test_a_redirect_into_the_network_is_refused_before_any_request_is_sent_there(server, target):
    port, routes, hits = server
    routes["/go"] = (302, {"Location": target, "Content-Type": "text/plain"}, b"")
    with pytest.raises(FetchError) as refused:
        fetch(f"http://news.test:{port}/go", policy=_allowed(port), resolve=_resolve_news)
    assert refused.value.code == "blocked_address"
    assert [path for path, _ in hits] == ["/go"]


@pytest.mark.parametrize("url, code", [
    ("ftp://public.example.org/file", "bad_scheme"),
    ("file:///etc/passwd", "bad_scheme"),
    ("gopher://public.example.org/", "bad_scheme"),
    ("http://public.example.org:6379/", "bad_port"),
    ("http://user:pw@public.example.org/", "bad_url"),
    ("http:///nohost", "bad_url"),
])
def test_urls_that_are_not_plain_web_pages_are_refused(url, code):
    with pytest.raises(FetchError) as refused:
        fetch(url, policy=FetchPolicy(), resolve=_resolve_news)
    assert refused.value.code == code


def test_size_content_type_redirect_count_and_time_limits(server):
    port, routes, _ = server
    routes["/big"] = (200, {"Content-Type": "text/html"}, b"<p>" + b"x" * 5000 + b"</p>")
    routes["/big-undeclared"] = (200, {"Content-Type": "text/html", "X-Stream": "1", "Connection": "close"}, b"<p>" + b"x" * 5000)
    routes["/binary"] = (200, {"Content-Type": "application/octet-stream"}, b"\x00\x01")
    routes["/loop"] = (302, {"Location": "/loop", "Content-Type": "text/plain"}, b"")
    routes["/slow"] = (200, {"Content-Type": "text/plain"}, lambda: time.sleep(2) or b"late")
    routes["/gone"] = (404, {"Content-Type": "text/plain"}, b"no")
    policy = _allowed(port, max_bytes=1000, max_redirects=3, read_timeout=0.5, total_timeout=5)
    base = f"http://127.0.0.1:{port}"
    for path, code in [("/big", "too_large"), ("/big-undeclared", "too_large"), ("/binary", "bad_content_type"), ("/loop", "too_many_redirects"),
                       ("/slow", "timeout"), ("/gone", "http_error")]:
        with pytest.raises(FetchError) as refused:
            fetch(base + path, policy=policy)
        assert refused.value.code == code, path
