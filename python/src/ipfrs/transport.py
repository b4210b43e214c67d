"""HTTP for the client: a keep-alive connection pool (http.client), GraphQL POSTs, and reads of signed links
straight into caller-owned memory (``readinto``), in parallel Range requests for large ones.

Reads are idempotent, so a connection that breaks is retried (from the byte reached, with a Range) up to
``retries`` times; a pooled connection the server closed while idle is replaced without counting as a retry.
"""
from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union
from urllib.parse import urlsplit

from .http11 import GetConnection
from .errors import (InvalidArgumentError, IpfrsConnectionError, IpfrsError, IpfrsTimeoutError, ProtocolError,
                     error_for_code, error_for_refusal, _redact)

# What a broken or refused connection raises in http.client and socket.
_CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, OSError)
USER_AGENT = "ipfrs-python/0.1.0"
CSRF_HEADER = "x-graphql-yoga-csrf"

Origin = Tuple[str, str, int]
Body = Union[bytes, Callable[[], Iterable[bytes]], None]


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: Dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


@lru_cache(maxsize=1024)
def _origin(url: str) -> Tuple[Origin, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return (parts.scheme, parts.hostname, port), target


Connection = Union[http.client.HTTPConnection, GetConnection]


class _Pooled:
    __slots__ = ("conn", "idle_since", "keep_alive")

    def __init__(self, conn: Connection, keep_alive: float) -> None:
        self.conn = conn
        self.idle_since = time.monotonic()
        self.keep_alive = keep_alive


class Transport:
    def __init__(self, *, timeout: float = 60.0, connections: int = 4, retries: int = 3,
                 parallel_threshold: int = 16 << 20, headers: Optional[Dict[str, str]] = None) -> None:
        if connections < 1:
            raise ValueError("connections must be >= 1")
        self.timeout = timeout
        self.connections = connections
        self.retries = retries
        self.parallel_threshold = parallel_threshold
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._idle: Dict[Tuple[bool, Origin], List[_Pooled]] = {}
        self._get_headers = "".join(f"{k}: {v}\r\n" for k, v in self.headers.items()).encode("latin-1")
        self._lock = threading.Lock()
        self._executor: Optional[ThreadPoolExecutor] = None

    # -- the pool --------------------------------------------------------------------------------------------

    def _acquire(self, origin: Origin, lean: bool = False) -> Tuple[Connection, bool]:
        """A pooled connection (and True), else a new one; `lean`: a GetConnection for plain-HTTP link reads."""
        now = time.monotonic()
        lean = lean and origin[0] == "http"
        with self._lock:
            idle = self._idle.get((lean, origin))
            while idle:
                pooled = idle.pop()
                # The server closes idle connections after its Keep-Alive timeout: do not race it.
                if now - pooled.idle_since < pooled.keep_alive - 0.5:
                    return pooled.conn, True
                pooled.conn.close()
        scheme, host, port = origin
        if lean:
            return GetConnection(host, port, self.timeout), False
        cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        return cls(host, port, timeout=self.timeout), False

    def _release(self, origin: Origin, conn: Connection, response: Any) -> None:
        if response.will_close:
            conn.close()
            return
        keep_alive = 5.0
        header = response.getheader("keep-alive") or ""
        for part in header.split(","):
            key, _, value = part.strip().partition("=")
            if key == "timeout":
                try:
                    keep_alive = float(value)
                except ValueError:
                    pass
        with self._lock:
            idle = self._idle.setdefault((isinstance(conn, GetConnection), origin), [])
            if len(idle) < max(self.connections, 4):
                idle.append(_Pooled(conn, keep_alive))
                return
        conn.close()

    def close(self) -> None:
        """Closes every pooled connection and the download threads (both come back if used again)."""
        with self._lock:
            for idle in self._idle.values():
                for pooled in idle:
                    pooled.conn.close()
            self._idle.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    @staticmethod
    def _connect(conn: Connection) -> None:
        if conn.sock is None and not isinstance(conn, GetConnection):
            conn.connect()
            # Requests are small and answers awaited: Nagle's delay only costs latency here.
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _failure(self, url: str, error: BaseException, attempts: int) -> IpfrsError:
        shown = _redact(url)
        if isinstance(error, (socket.timeout, TimeoutError)):
            return IpfrsTimeoutError(f"no answer from {shown} within {self.timeout:g} s", url=shown)
        tried = f" (after {attempts} attempts)" if attempts > 1 else ""
        return IpfrsConnectionError(f"cannot reach {shown}{tried}: {error}", url=shown)

    # -- one request, whole answer in memory (GraphQL, small reads) ---------------------------------------

    def request(self, method: str, url: str, *, body: Body = None, headers: Optional[Dict[str, str]] = None) -> Response:
        origin, target = _origin(url)
        all_headers = {**self.headers, **(headers or {})}
        attempt = 0
        while True:
            conn, reused = self._acquire(origin)
            try:
                self._connect(conn)
                payload = body() if callable(body) else body
                conn.request(method, target, body=payload, headers=all_headers)
                response = conn.getresponse()
                data = response.read()
            except _CONNECTION_ERRORS as error:
                conn.close()
                if reused:
                    continue  # a keep-alive connection the server had closed: not a failure of the request
                attempt += 1
                if attempt > self.retries or isinstance(error, (socket.timeout, TimeoutError)):
                    raise self._failure(url, error, attempt) from error
                time.sleep(min(0.05 * 2 ** attempt, 1.0))
                continue
            self._release(origin, conn, response)
            return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, data)

    def graphql(self, url: str, query: str, variables: Optional[Dict[str, Any]] = None,
                headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
        """POSTs one operation; returns `data`, or raises the error of the first GraphQL error."""
        body = json.dumps({"query": query, "variables": variables or {}}, separators=(",", ":")).encode()
        response = self.request("POST", url, body=body, headers={
            "Content-Type": "application/json", "Accept": "application/json", CSRF_HEADER: "1", **(headers or {})})
        return parse_graphql(response, url)

    # -- reads of signed links into caller memory -----------------------------------------------------------

    def _get(self, conn: Connection, target: str, range_header: Optional[str]) -> Any:
        if isinstance(conn, GetConnection):
            extra = self._get_headers + (f"Range: {range_header}\r\n".encode() if range_header else b"")
            return conn.get(target, extra)
        headers = dict(self.headers)
        if range_header:
            headers["Range"] = range_header
        conn.request("GET", target, headers=headers)
        return conn.getresponse()

    def _dropped(self, url: str, error: BaseException, conn: Connection, stale: bool, attempt: int) -> int:
        """A link read whose connection failed: closes it and gives the attempt count to go on with. A pooled
        connection the server had closed before answering (`stale`) is free; otherwise the attempt counts, with a
        backoff, and past ``retries`` the failure is raised."""
        conn.close()
        if stale:
            return attempt
        attempt += 1
        if attempt > self.retries:
            raise self._failure(url, error, attempt) from error
        time.sleep(min(0.05 * 2 ** attempt, 1.0))
        return attempt

    def read_into(self, url: str, out: memoryview, offset: int = 0, *, whole: Optional[int] = None) -> Dict[str, str]:
        """Fills `out` with bytes [offset, offset + len(out)) of the link; parallel Range requests when `out` is
        at least the parallel threshold. `whole` is the link's length when known (then no Range is sent for a
        read of all of it). Returns the headers of the (first) answer."""
        n = len(out)
        if n >= self.parallel_threshold and self.connections > 1:
            parts = min(self.connections, -(-n // 65536))
            if parts > 1:
                return self._read_parallel(url, out, offset, parts)
        return self._read_range(url, out, offset, ranged=not (offset == 0 and whole == n))

    def _read_parallel(self, url: str, out: memoryview, offset: int, parts: int) -> Dict[str, str]:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.connections, thread_name_prefix="ipfrs-read")
        n = len(out)
        step = -(-n // parts)
        step = -(-step // 65536) * 65536  # page-aligned pieces
        bounds = [(i, min(i + step, n)) for i in range(0, n, step)]
        futures = [self._executor.submit(self._read_range, url, out[a:b], offset + a, True) for a, b in bounds[1:]]
        first_error: Optional[BaseException] = None
        headers: Dict[str, str] = {}
        try:
            a, b = bounds[0]
            headers = self._read_range(url, out[a:b], offset + a, True)
        except BaseException as error:  # wait for the others before raising: they write into `out`
            first_error = error
        for future in futures:
            try:
                future.result()
            except BaseException as error:
                first_error = first_error or error
        if first_error is not None:
            raise first_error
        return headers

    def _read_range(self, url: str, out: memoryview, offset: int, ranged: bool) -> Dict[str, str]:
        origin, target = _origin(url)
        n = len(out)
        done = 0
        attempt = 0
        headers: Optional[Dict[str, str]] = None
        while headers is None or done < n:
            conn, reused = self._acquire(origin, lean=True)
            range_header = None
            if ranged or done:
                range_header = f"bytes={offset + done}-{offset + n - 1}" if n else "bytes=0-"
            got_status = False
            try:
                self._connect(conn)
                response = self._get(conn, target, range_header)
                got_status = True
                if response.status >= 300:
                    data = response.read()
                    self._release(origin, conn, response)
                    raise refusal(response.status, data, url, response)
                if range_header and response.status != 206 and n:
                    conn.close()
                    raise ProtocolError(f"{_redact(url)} ignored the Range header (HTTP {response.status})", url=_redact(url))
                if headers is None:
                    headers = dict((k.lower(), v) for k, v in response.getheaders())
                while done < n:
                    got = response.readinto(out[done:])
                    if not got:
                        raise http.client.IncompleteRead(b"", n - done)
                    done += got
                if n == 0:
                    response.read()
                self._release(origin, conn, response)
            except IpfrsError:
                raise
            except _CONNECTION_ERRORS as error:
                attempt = self._dropped(url, error, conn, reused and not got_status, attempt)
        return headers

    def stream(self, url: str, offset: int, sink: Callable[[memoryview], None], *, chunk: int = 1 << 20) -> Tuple[int, Dict[str, str]]:
        """GETs the link from `offset` to its end, handing each piece to `sink`, resuming after drops; returns
        (bytes received, headers). Used by downloads to files."""
        origin, target = _origin(url)
        buffer = memoryview(bytearray(chunk))
        received = 0
        attempt = 0
        total: Optional[int] = None
        headers: Dict[str, str] = {}
        while total is None or offset + received < total:
            conn, reused = self._acquire(origin, lean=True)
            start = offset + received
            got_status = False
            try:
                self._connect(conn)
                response = self._get(conn, target, f"bytes={start}-" if start else None)
                got_status = True
                if response.status == 416 and start:
                    # Nothing left past `start`: the file is already complete when start equals its length.
                    data = response.read()
                    self._release(origin, conn, response)
                    length = _content_range_total(response.getheader("content-range"))
                    if length == start:
                        return received, headers
                    raise refusal(response.status, data, url, response)
                if response.status >= 300:
                    data = response.read()
                    self._release(origin, conn, response)
                    raise refusal(response.status, data, url, response)
                if start and response.status != 206:
                    conn.close()
                    raise ProtocolError(f"{_redact(url)} ignored the Range header (HTTP {response.status})", url=_redact(url))
                headers = {k.lower(): v for k, v in response.getheaders()}
                if response.length is None:
                    conn.close()
                    raise ProtocolError(f"{_redact(url)} answered without a Content-Length", url=_redact(url))
                length = response.length
                total = start + length
                while length:
                    got = response.readinto(buffer[:min(chunk, length)])
                    if not got:
                        raise http.client.IncompleteRead(b"", length)
                    sink(buffer[:got])
                    received += got
                    length -= got
                self._release(origin, conn, response)
            except IpfrsError:
                raise
            except _CONNECTION_ERRORS as error:
                attempt = self._dropped(url, error, conn, reused and not got_status, attempt)
        return received, headers


def _content_range_total(value: Optional[str]) -> Optional[int]:
    if not value or "/" not in value:
        return None
    try:
        return int(value.rsplit("/", 1)[1])
    except ValueError:
        return None


def refusal(status: int, data: bytes, url: str, response: Any) -> IpfrsError:
    try:
        body = json.loads(data)
        if not isinstance(body, dict):
            body = {}
    except ValueError:
        body = {"message": f"HTTP {status}: {data[:200].decode('utf-8', 'replace')}"}
    return error_for_refusal(status, body, url, {k.lower(): v for k, v in response.getheaders()})


def parse_graphql(response: Response, url: str) -> Dict[str, Any]:
    try:
        body = json.loads(response.body)
    except ValueError:
        raise ProtocolError(f"{url} did not answer GraphQL JSON (HTTP {response.status}): "
                            f"{response.body[:200].decode('utf-8', 'replace')}", status=response.status, url=url) from None
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
        code = (first.get("extensions") or {}).get("code")
        message = str(first.get("message", "GraphQL error"))
        if code == "BAD_USER_INPUT":  # a variable the schema refuses (a malformed CID): the caller's argument
            raise InvalidArgumentError(message, status=response.status, url=url, details=first)
        if code in (None, "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"):
            # The server does not know what this client asks: a version mismatch, not the caller's fault.
            raise ProtocolError(message, status=response.status, url=url, details=first)
        raise error_for_code(code, message, status=response.status, url=url, details=first)
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise ProtocolError(f"{url} answered HTTP {response.status} without data", status=response.status, url=url)
    return body["data"]


def check_result(result: Optional[Dict[str, Any]], what: str) -> Dict[str, Any]:
    """A member of a result union: the value, or the typed error (anything with `code` and `message`)."""
    if result is None:
        raise error_for_code("NOT_FOUND", f"{what}: no such file or tensor")
    if "code" in result and "message" in result and str(result.get("__typename", "")).endswith("Error"):
        raise error_for_code(result["code"], result["message"], details=result)
    return result
