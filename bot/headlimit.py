"""A limit on the size of a request's head (request line and headers) for uvicorn's
httptools protocol, which sets none: without it one request with hundreds of megabytes of
headers is read whole into memory and answered.

The bytes of a request are counted as they arrive until its headers end; past the limit the
request is answered 431 (Request Header Fields Too Large) and the connection closed, before
the parser has buffered more. After the head nothing is counted, so bodies (and the speed of
ordinary requests) are untouched. uvicorn's h11 protocol has the same limit through its
`h11_max_incomplete_event_size` option (`bot.server`).
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bot.server import MAX_HEAD_BYTES

REFUSAL = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 31\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"Request header fields too large"
)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request whose head passes `MAX_HEAD_BYTES`."""

    _in_head = True  # reading a request's line and headers (a new connection starts so)
    _head_bytes = 0
    _refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if not self._in_head:
            super().data_received(data)
            return
        room = MAX_HEAD_BYTES - self._head_bytes
        if len(data) <= room:
            self._head_bytes += len(data)
            super().data_received(data)
            return
        # This chunk may end the head and go on into the body: parse what fits, then see.
        super().data_received(data[:room])
        if self._in_head:
            self._refuse()
        elif not self._refused and not self.transport.is_closing():
            self.data_received(data[room:])

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0  # the next request on this connection

    def _refuse(self) -> None:
        self._refused = True
        self.logger.warning("request refused: its headers passed %d bytes", MAX_HEAD_BYTES)
        self.transport.write(REFUSAL)
        self.transport.close()
