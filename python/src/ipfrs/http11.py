"""A lean HTTP/1.1 GET over one keep-alive socket, for reads of signed links.

http.client parses every answer's headers with the email package and builds each request through several layers;
for a 4 KiB slice that is most of the client's time. This sends a GET in one write and reads the status line and
headers with a buffered reader; bodies go straight into the caller's memory (readinto). Content-Length and
chunked bodies, Connection: close and HTTP/1.0 are understood; anything else is a ProtocolError. GraphQL POSTs
and uploads stay on http.client.
"""
from __future__ import annotations

import socket
from typing import Dict, List, Optional, Tuple

MAX_LINE = 65536
MAX_HEADERS = 200


class BadResponse(ConnectionError):
    """The bytes on the socket are not an HTTP/1.x answer (treated like a broken connection: retried)."""


class GetResponse:
    __slots__ = ("status", "headers", "length", "will_close", "_reader", "_chunked", "_chunk_left", "_done")

    def __init__(self, reader, status: int, headers: Dict[str, str], will_close: bool, head: bool = False) -> None:  # type: ignore[no-untyped-def]
        self._reader = reader
        self.status = status
        self.headers = headers
        self.will_close = will_close
        encoding = headers.get("transfer-encoding", "").lower()
        self._chunked = "chunked" in encoding
        self._chunk_left = 0
        self._done = False
        length: Optional[int] = None
        if not self._chunked and "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                raise BadResponse(f"invalid Content-Length {headers['content-length']!r}") from None
        elif not self._chunked:
            self.will_close = True  # the body runs to the end of the connection
        if head or status in (204, 304) or 100 <= status < 200:
            length = 0
        self.length = length

    def getheader(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.headers.get(name.lower(), default)

    def getheaders(self) -> List[Tuple[str, str]]:
        return list(self.headers.items())

    def readinto(self, view: memoryview) -> int:
        """Up to len(view) bytes of the body; 0 at its end (or when the connection ended early)."""
        if self._done or not len(view):
            return 0
        if self._chunked:
            return self._readinto_chunked(view)
        if self.length is not None:
            if self.length == 0:
                self._done = True
                return 0
            view = view[:self.length]
        got = self._reader.readinto(view)
        if self.length is not None:
            self.length -= got
            if not got:
                raise BadResponse(f"connection closed with {self.length} bytes of the body missing")
        elif not got:
            self._done = True
        return got

    def _readinto_chunked(self, view: memoryview) -> int:
        if self._chunk_left == 0:
            line = self._reader.readline(MAX_LINE)
            if not line:
                raise BadResponse("connection closed inside a chunked body")
            try:
                self._chunk_left = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadResponse(f"invalid chunk size line {line[:40]!r}") from None
            if self._chunk_left == 0:
                while self._reader.readline(MAX_LINE) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                self._done = True
                return 0
        got = self._reader.readinto(view[:self._chunk_left])
        if not got:
            raise BadResponse("connection closed inside a chunk")
        self._chunk_left -= got
        if self._chunk_left == 0:
            self._reader.readline(MAX_LINE)  # the CRLF after the chunk
        return got

    def read(self) -> bytes:
        """The rest of the body."""
        out = bytearray()
        buffer = memoryview(bytearray(65536))
        while True:
            got = self.readinto(buffer)
            if not got:
                return bytes(out)
            out += buffer[:got]


class GetConnection:
    """One keep-alive connection that sends GETs; `close()` is idempotent."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.sock: Optional[socket.socket] = None
        self._reader = None
        shown = f"[{host}]" if ":" in host else host  # an IPv6 literal
        self._host_header = (shown if port == 80 else f"{shown}:{port}").encode("idna")

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        self._reader = sock.makefile("rb", buffering=65536)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def get(self, target: str, headers: bytes = b"") -> GetResponse:
        """Sends `GET target` with `headers` (complete "Name: value\\r\\n" lines) and reads the answer's head."""
        if self.sock is None:
            self.connect()
        assert self.sock is not None and self._reader is not None
        self.sock.sendall(b"GET " + target.encode("ascii") + b" HTTP/1.1\r\nHost: " + self._host_header + b"\r\n" + headers + b"\r\n")
        reader = self._reader
        while True:
            line = reader.readline(MAX_LINE)
            if not line:
                raise BadResponse("the server closed the connection before answering")
            parts = line.split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
                raise BadResponse(f"not an HTTP/1.x status line: {line[:60]!r}")
            try:
                status = int(parts[1])
            except ValueError:
                raise BadResponse(f"invalid status line {line[:60]!r}") from None
            fields: Dict[str, str] = {}
            for _ in range(MAX_HEADERS):
                header = reader.readline(MAX_LINE)
                if header in (b"\r\n", b"\n"):
                    break
                if not header:
                    raise BadResponse("connection closed inside the response headers")
                name, sep, value = header.partition(b":")
                if not sep:
                    raise BadResponse(f"invalid header line {header[:60]!r}")
                key = name.strip().lower().decode("latin-1")
                text = value.strip().decode("latin-1")
                fields[key] = f"{fields[key]}, {text}" if key in fields else text
            else:
                raise BadResponse("too many response headers")
            if status == 100:
                continue  # an interim answer: the real one follows
            connection = fields.get("connection", "").lower()
            will_close = "close" in connection or (parts[0] == b"HTTP/1.0" and "keep-alive" not in connection)
            return GetResponse(reader, status, fields, will_close)
