"""The clients' transport (httpx's own, under `ApiClient`) over real loopback HTTP: keep-alive,
stale connections, decoding, errors, TLS, the environment's proxy, and the request as sent."""

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

from integrations.http import ApiClient, RetryPolicy, Unavailable


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


def client(url: str, *, timeout: float = 5.0, ssl_context: ssl.SSLContext | None = None) -> ApiClient:
    """A client that tries once, so a failure shows as the transport raised it."""
    retry = RetryPolicy(attempts=1, sleep=lambda s: None)
    return ApiClient(url, timeout=timeout, retry=retry, ssl_context=ssl_context)


def send(api: ApiClient, path: str) -> httpx.Response:
    return api.request("PUT", path, content=b"body", headers={"Accept": "x/y"})


def test_requests_share_one_kept_alive_connection(server: str) -> None:
    with client(server) as api:
        answers = [send(api, "a?x=1") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[0].content == b"PUT /a%3Fx=1 body"
    assert answers[0].headers["X-Seen-Accept"] == "x/y"
    assert len(set(Handler.peers)) == 1


def test_a_connection_the_server_closed_while_idle_is_replaced(server: str) -> None:
    with client(server) as api:
        send(api, "then-close")
        time.sleep(0.1)
        again = send(api, "next")
    assert again.content == b"PUT /next body"
    assert len(set(Handler.peers)) == 2


def test_a_gzip_answer_is_decoded(server: str) -> None:
    with client(server) as api:
        assert send(api, "gzip").content == b"PUT /gzip body"


def test_a_refused_connection_is_unavailable_after_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with client(f"http://127.0.0.1:{port}") as api, pytest.raises(Unavailable, match="ConnectError"):
        send(api, "x")


def test_api_client_retries_a_timeout_each_time_on_a_fresh_connection(server: str) -> None:
    api = ApiClient(server, timeout=0.2, retry=RetryPolicy(attempts=2, sleep=lambda s: None))
    with api, pytest.raises(Unavailable, match="gave up after 2 tries: ReadTimeout on PUT slow"):
        api.request("PUT", "slow", content=b"x")
    assert len(Handler.peers) == len(set(Handler.peers)) == 2


def test_the_proxy_the_environment_names_carries_the_request(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", server)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with client("http://register.example/") as api:
        seen = api.request("GET", "echo/via-proxy").json()
    assert seen["target"] == "http://register.example/echo/via-proxy"  # absolute form: to a proxy


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
    with client(url, ssl_context=trusted) as api:
        answers = [send(api, "tls") for _ in range(2)]
    assert [a.content for a in answers] == [b"PUT /tls body"] * 2
    assert len(set(Handler.peers)) == 1


def test_https_with_an_untrusted_certificate_is_refused_as_a_connect_error(
    tls_server: tuple[str, ssl.SSLContext],
) -> None:
    url, _ = tls_server
    with client(url) as api, pytest.raises(Unavailable, match="ConnectError"):
        send(api, "tls")


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
def test_api_client_sends_the_request_as_asked(server: str, call: dict[str, object], target: str) -> None:
    """The path under the base URL, escaped (an absolute URL as it is), JSON compact in UTF-8 with
    its type, a caller's Content-Type kept, every write with its Idempotency-Key, a body's length
    (0 for an empty POST)."""
    call = {**call, "path": str(call["path"]).format(server=server), "idempotency_key": "k"}
    with ApiClient(f"{server}/base/") as api:
        seen = api.request(**call).json()  # type: ignore[arg-type]
    headers = {name.lower(): value for name, value in seen["headers"]}
    body = json.dumps(call["json"], ensure_ascii=False, separators=(",", ":")) if "json" in call else ""
    body = body or bytes(call.get("content", b"")).decode()  # type: ignore[call-overload]
    assert (seen["method"], seen["target"], seen["body"]) == (call["method"], target, body)
    assert headers.get("content-length") == (str(len(body.encode())) if call["method"] != "GET" else None)
    assert headers.get("idempotency-key") == ("k" if call["method"] != "GET" else None)
    expected_type = dict(call.get("headers", {})).get(  # type: ignore[call-overload]
        "Content-Type", "application/json" if "json" in call else None
    )
    assert headers.get("content-type") == expected_type
    assert headers["user-agent"] == "examflow/0.1"


def test_a_nan_in_a_json_body_is_refused_before_sending(server: str) -> None:
    with ApiClient(server) as client, pytest.raises(ValueError, match="not JSON compliant"):
        client.request("PUT", "echo", json={"score": float("nan")})
    assert Handler.peers == []
