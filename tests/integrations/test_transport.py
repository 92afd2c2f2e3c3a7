"""The stdlib transport over real loopback HTTP: keep-alive, stale connections, decoding, errors."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from integrations.http import ApiClient, RetryPolicy, Unavailable, _transport
from integrations.transport import StdlibTransport


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    peers: list[int] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.peers.append(self.client_address[1])
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

    do_GET = do_PUT


class Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on /slow closed its end first


@pytest.fixture
def server() -> Iterator[str]:
    Handler.peers = []
    httpd = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
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
