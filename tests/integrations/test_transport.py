"""The stdlib transport over real loopback HTTP: keep-alive, stale connections, decoding, errors."""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from integrations.http import ApiClient, RetryPolicy, Unavailable, _transport
from integrations.transport import StdlibTransport


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    peers: list[int] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.peers.append(self.client_address[1])
        if "/echo" in self.path:
            return self._echo(body)
        if self.path == "/slow":
            time.sleep(1)
        answer = b"%s %s %s" % (self.command.encode(), self.path.encode(), body)
        headers = {"X-Seen-Accept": self.headers.get("Accept", "")}
        if self.path == "/gzip":
            answer, headers["Content-Encoding"] = gzip.compress(answer), "gzip"
        self.send_response(201)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        # Close without saying so, as a server does when a keep-alive connection times out.
        self.close_connection = self.path == "/then-close"

    do_GET = do_POST = do_DELETE = do_PUT

    def _echo(self, body: bytes) -> None:
        """The request as received: method, target, headers (in order) and body."""
        seen = {
            "method": self.command,
            "target": self.path,
            "headers": self.headers.items(),
            "body": body.decode(),
        }
        answer = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on /slow closed its end first


@pytest.fixture
def server() -> Iterator[str]:
    with _serving() as port:
        yield f"http://127.0.0.1:{port}"


@contextmanager
def _serving(tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """The test server on a free loopback port (over TLS when given a context), for the duration."""
    Handler.peers = []
    httpd = Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def send(transport: StdlibTransport, url: str, *, timeout: float = 5.0) -> httpx.Response:
    timeouts = {"connect": timeout, "read": timeout}
    request = httpx.Request(
        "PUT", url, content=b"body", headers={"Accept": "x/y"}, extensions={"timeout": timeouts}
    )
    response = transport.handle_request(request)
    response.read()
    return response


def test_requests_share_one_kept_alive_connection(server: str) -> None:
    with StdlibTransport() as transport:
        answers = [send(transport, f"{server}/a?x=1") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[0].content == b"PUT /a?x=1 body"
    assert answers[0].headers["X-Seen-Accept"] == "x/y"
    assert len(set(Handler.peers)) == 1


def test_a_connection_the_server_closed_while_idle_is_replaced(server: str) -> None:
    with StdlibTransport() as transport:
        send(transport, f"{server}/then-close")
        time.sleep(0.1)
        again = send(transport, f"{server}/next")
    assert again.content == b"PUT /next body"
    assert len(set(Handler.peers)) == 2


def test_a_gzip_answer_is_decoded(server: str) -> None:
    with StdlibTransport() as transport:
        assert send(transport, f"{server}/gzip").content == b"PUT /gzip body"


def test_a_refused_connection_is_httpx_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with StdlibTransport() as transport, pytest.raises(httpx.ConnectError):
        send(transport, f"http://127.0.0.1:{port}/")


def test_a_slow_answer_is_httpx_read_timeout_and_the_connection_dropped(server: str) -> None:
    with StdlibTransport() as transport:
        with pytest.raises(httpx.ReadTimeout):
            send(transport, f"{server}/slow", timeout=0.2)
        assert send(transport, f"{server}/after").content == b"PUT /after body"


def test_api_client_retries_a_timeout_through_the_transport(server: str) -> None:
    client = ApiClient(server, timeout=0.2, retry=RetryPolicy(attempts=2, sleep=lambda s: None))
    with client, pytest.raises(Unavailable, match="gave up after 2 tries: ReadTimeout on PUT slow"):
        client.request("PUT", "slow", content=b"x")
    assert len(Handler.peers) == len(set(Handler.peers)) == 2  # each attempt on a fresh connection


def test_a_proxy_in_the_environment_is_left_to_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert isinstance(_transport("https://register.example/", 4), httpx.HTTPTransport)
    assert isinstance(_transport("http://127.0.0.1:8000/", 4), StdlibTransport)


def test_an_unsupported_scheme_is_refused() -> None:
    with StdlibTransport() as transport, pytest.raises(httpx.UnsupportedProtocol):
        send(transport, "ftp://127.0.0.1/")


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, ssl.SSLContext]]:
    """The same server over TLS with a self-signed certificate for 127.0.0.1, and a client context
    that trusts it."""
    cert, key = _self_signed(tmp_path)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert, key)
    with _serving(served) as port:
        yield f"https://127.0.0.1:{port}", ssl.create_default_context(cafile=str(cert))


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, key_file = directory / "cert.pem", directory / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert, key_file


def test_https_with_a_trusted_certificate_keeps_its_connection(
    tls_server: tuple[str, ssl.SSLContext],
) -> None:
    url, trusted = tls_server
    with StdlibTransport(ssl_context=trusted) as transport:
        answers = [send(transport, f"{url}/tls") for _ in range(2)]
    assert [a.content for a in answers] == [b"PUT /tls body"] * 2
    assert len(set(Handler.peers)) == 1


def test_https_with_an_untrusted_certificate_is_a_connect_error(
    tls_server: tuple[str, ssl.SSLContext],
) -> None:
    url, _ = tls_server
    with StdlibTransport() as transport, pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        send(transport, f"{url}/tls")


@pytest.mark.parametrize(
    ("call", "target"),
    [
        (
            dict(
                method="PUT", path="echo/a b", json={"å": 1.5}, headers={"Content-Type": "application/x+json"}
            ),
            "/base/echo/a%20b",
        ),
        (
            dict(method="GET", path="/echo/q", params={"externalTestID": "a b&c"}),
            "/base/echo/q?externalTestID=a%20b%26c",
        ),
        (dict(method="POST", path="echo/empty"), "/base/echo/empty"),
        (dict(method="DELETE", path="echo/x", content=b"raw"), "/base/echo/x"),
        (dict(method="GET", path="{server}/echo/abs?signature=s1"), "/echo/abs?signature=s1"),
    ],
)
def test_api_client_sends_the_same_request_through_either_transport(
    server: str, call: dict[str, object], target: str
) -> None:
    """The stdlib transport gets a request as its parts, httpx's own as an httpx.Request: the
    server sees the same method, target, headers and body from both."""
    call = {**call, "path": str(call["path"]).format(server=server), "idempotency_key": "k"}
    seen = []
    for transport in (None, httpx.HTTPTransport()):
        with ApiClient(f"{server}/base/", transport=transport) as client:
            assert isinstance(client.transport, StdlibTransport) == (transport is None)
            seen.append(client.request(**call).json())  # type: ignore[arg-type]
    assert seen[0] == seen[1]
    assert seen[0]["target"] == target


def test_a_nan_in_a_json_body_is_refused_before_sending(server: str) -> None:
    with ApiClient(server) as client, pytest.raises(ValueError, match="not JSON compliant"):
        client.request("PUT", "echo", json={"score": float("nan")})
    assert Handler.peers == []
