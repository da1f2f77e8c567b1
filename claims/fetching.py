"""Safe URL capture: fetch a page for evidence without letting a URL reach inside our network.

``fetch(url)`` returns a :class:`Capture` (main text extracted with trafilatura,
its sha256, the time, the final URL after redirects) or raises
:class:`FetchError` whose ``code`` names the refusal:

- ``bad_url`` / ``bad_scheme`` / ``bad_port``: not an http(s) URL on an allowed port;
- ``blocked_address``: the name resolves to a loopback, private, link-local,
  multicast, reserved, shared (CGNAT) or cloud-metadata address. Every address
  the name resolves to is checked, and the connection is then made to the
  vetted address itself (the Host header and TLS SNI carry the name), so a DNS
  answer cannot change between the check and the connection;
- ``too_many_redirects``: each redirect is followed by hand and vetted again;
- ``too_large`` / ``bad_content_type`` / ``timeout`` / ``unreachable`` / ``http_error``.

Plain Python; :func:`policy_from_settings` is the only Django touch point.
"""
from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urljoin, urlsplit

import urllib3

METADATA_HOSTS = {"metadata.google.internal", "metadata", "metadata.azure.internal", "instance-data", "localhost"}
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
    ipaddress.ip_address("fd00:ec2::254"),  # AWS IMDS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
}
TEXT_TYPES = {"text/html", "application/xhtml+xml", "text/plain"}
USER_AGENT = "Factdesk evidence capture (+https://factdesk.example.org/bot)"


class FetchError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int = 5 * 1024 * 1024
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 20.0
    max_redirects: int = 5
    ports: frozenset[int] = frozenset({80, 443})
    # host:port pairs allowed even on internal addresses. For tests against a local server only.
    allow_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Capture:
    url: str  # as asked
    final_url: str  # after redirects
    status: int
    content_type: str
    title: str
    text: str  # the main text, extracted
    sha256: str  # of ``text``
    fetched_at: datetime
    redirects: tuple[str, ...] = field(default=())


Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError("unreachable", f"{host} does not resolve ({exc.strerror}).") from exc
    return sorted({info[4][0] for info in infos})


def policy_from_settings() -> FetchPolicy:
    from django.conf import settings

    return FetchPolicy(
        max_bytes=settings.FACTDESK_FETCH_MAX_BYTES,
        total_timeout=settings.FACTDESK_FETCH_TIMEOUT,
        read_timeout=min(settings.FACTDESK_FETCH_TIMEOUT, 10.0),
        max_redirects=settings.FACTDESK_FETCH_MAX_REDIRECTS,
        allow_hosts=frozenset(settings.FACTDESK_FETCH_ALLOW_HOSTS),
    )


def check_address(address: str) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        raise FetchError("blocked_address", f"{address} is a cloud metadata address: refused.")
    for kind, flag in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                       ("multicast", ip.is_multicast), ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if flag:
            raise FetchError("blocked_address", f"{address} is a {kind} address: refused.")
    if not ip.is_global:
        raise FetchError("blocked_address", f"{address} is not a public address: refused.")


def vet_url(url: str, policy: FetchPolicy, resolve: Resolver) -> tuple[str, str, int, str]:
    """Vet ``url``; return (scheme, host, port, the address to connect to).

    Connect to that address (:func:`pinned_pool`), not to the name: a second DNS
    answer could point inside.
    """
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError("bad_url", f"Not a valid URL: {exc}.") from exc
    if parts.scheme not in ("http", "https"):
        raise FetchError("bad_scheme", f"Only http and https URLs can be captured, not {parts.scheme or 'this'!r}.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise FetchError("bad_url", "The URL has no host.")
    if parts.username or parts.password:
        raise FetchError("bad_url", "URLs with credentials are refused.")
    allowed = f"{host}:{port}" in policy.allow_hosts
    if not allowed and port not in policy.ports:
        raise FetchError("bad_port", f"Port {port} is not allowed (allowed: {sorted(policy.ports)}).")
    if not allowed and (host in METADATA_HOSTS or host.endswith((".internal", ".local", ".localhost"))):
        raise FetchError("blocked_address", f"{host} is an internal name: refused.")
    addresses = resolve(host, port)
    if not addresses:
        raise FetchError("unreachable", f"{host} does not resolve.")
    if not allowed:
        for address in addresses:  # all of them: a name with one private answer is refused outright
            check_address(address)
    return parts.scheme, host, port, addresses[0]


def check_url(url: str, *, policy: FetchPolicy | None = None, resolve: Resolver = system_resolver) -> None:
    """Raise :class:`FetchError` unless ``url`` passes the checks ``fetch`` makes before connecting.

    For URLs stored now and requested later (webhook endpoints): http(s), an allowed
    port, no credentials, no internal name, and every address the name resolves to public.
    """
    vet_url(url, policy or policy_from_settings(), resolve)


def fetch(url: str, *, policy: FetchPolicy | None = None, resolve: Resolver = system_resolver) -> Capture:
    policy = policy or policy_from_settings()
    deadline = time.monotonic() + policy.total_timeout
    current, redirects = url, []
    for _ in range(policy.max_redirects + 1):
        scheme, host, port, address = vet_url(current, policy, resolve)
        response = _request(scheme, host, port, address, current, policy, deadline)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise FetchError("http_error", f"{current} redirected without a Location.")
                current = urljoin(current, location)
                redirects.append(current)
                continue
            if response.status >= 400:
                raise FetchError("http_error", f"{current} answered HTTP {response.status}.")
            content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type not in TEXT_TYPES:
                raise FetchError("bad_content_type", f"{content_type or 'No content type'} is not a page we can quote from.")
            body = _read_capped(response, policy, deadline)
            charset = response.headers.get_content_charset() if hasattr(response.headers, "get_content_charset") else None
            raw = body.decode(charset or _charset(response.headers.get("Content-Type", "")) or "utf-8", errors="replace")
            title, text = _main_text(raw, content_type, current)
            return Capture(
                url=url, final_url=current, status=response.status, content_type=content_type, title=title,
                text=text, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                fetched_at=datetime.now(timezone.utc), redirects=tuple(redirects),
            )
        finally:
            response.release_conn()
    raise FetchError("too_many_redirects", f"More than {policy.max_redirects} redirects from {url}.")


def _request(scheme, host, port, address, url, policy, deadline):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError("timeout", "The capture took too long.")
    timeout = urllib3.Timeout(connect=min(policy.connect_timeout, remaining), read=min(policy.read_timeout, remaining))
    headers = {"Host": host_header(host, port), "User-Agent": USER_AGENT,
               "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9"}
    pool = pinned_pool(scheme, host, port, address, timeout)
    path = request_target(url)
    try:
        return pool.urlopen("GET", path, headers=headers, redirect=False, preload_content=False, assert_same_host=False)
    except urllib3.exceptions.TimeoutError as exc:
        raise FetchError("timeout", f"{host} did not answer in time.") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise FetchError("unreachable", f"{host} could not be reached ({type(exc).__name__}).") from exc


def pinned_pool(scheme: str, host: str, port: int, address: str, timeout) -> urllib3.HTTPConnectionPool:
    """A connection pool to the vetted ``address``, speaking to ``host`` (TLS name checked against it)."""
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(address, port, timeout=timeout, retries=False, server_hostname=host,
                                           assert_hostname=host, cert_reqs="CERT_REQUIRED")
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)


def host_header(host: str, port: int) -> str:
    return host if port in (80, 443) else f"{host}:{port}"


def request_target(url: str) -> str:
    split = urlsplit(url)
    return (split.path or "/") + (f"?{split.query}" if split.query else "")


def _read_capped(response, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchError("too_large", f"The page is {declared} bytes; the limit is {policy.max_bytes}.")
    chunks, size = [], 0
    try:
        for chunk in response.stream(64 * 1024):
            size += len(chunk)
            if size > policy.max_bytes:
                raise FetchError("too_large", f"The page is over the {policy.max_bytes}-byte limit.")
            if time.monotonic() > deadline:
                raise FetchError("timeout", "The capture took too long.")
            chunks.append(chunk)
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise FetchError("timeout", "The page stopped arriving.") from exc
    return b"".join(chunks)


def _charset(content_type: str) -> str | None:
    for piece in content_type.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return None


def _main_text(raw: str, content_type: str, url: str) -> tuple[str, str]:
    if content_type == "text/plain":
        return "", raw.strip()
    import trafilatura

    text = trafilatura.extract(raw, url=url, include_comments=False, include_tables=True, favor_precision=True) or ""
    metadata = trafilatura.extract_metadata(raw)
    title = (metadata.title if metadata and metadata.title else "") or ""
    return title, text.strip()
