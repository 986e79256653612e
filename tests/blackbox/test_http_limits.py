"""What anyone on the internet can send before signing in: a request's headers are limited
in size, as shipped. Past the limit the request is refused and the process stays small."""

from __future__ import annotations

import socket

from tests.blackbox.conftest import ServiceFactory
from tests.blackbox.service import Service

MIB = 1024 * 1024
HEADER = b"X-Filler: " + b"a" * 8000 + b"\r\n"


def get_healthz_with_headers(helpdesk: Service, size: int) -> bytes:
    """GET /healthz with about `size` bytes of headers, over a raw socket; what came back
    (empty if the connection was closed without an answer)."""
    with socket.create_connection(("127.0.0.1", helpdesk.port), timeout=30) as connection:
        try:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: helpdesk\r\n")
            for _ in range(size // len(HEADER)):
                connection.sendall(HEADER)
            connection.sendall(b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before it was all sent
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer:
                    break
        except (ConnectionResetError, TimeoutError):
            pass
        return answer


def test_a_request_with_a_megabyte_of_headers_is_refused(service: ServiceFactory) -> None:
    helpdesk = service().start()

    answer = get_healthz_with_headers(helpdesk, MIB)

    assert answer == b"" or answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert helpdesk.http.get("/healthz").status_code == 200


def test_huge_headers_do_not_grow_the_process(service: ServiceFactory) -> None:
    helpdesk = service().start()
    assert helpdesk.http.get("/healthz").status_code == 200
    before = helpdesk.rss_kib()

    for _ in range(3):
        answer = get_healthz_with_headers(helpdesk, 64 * MIB)
        assert not answer.startswith(b"HTTP/1.1 200"), answer[:200]

    assert helpdesk.rss_kib() - before < 16 * 1024  # KiB
    assert helpdesk.http.get("/healthz").status_code == 200
