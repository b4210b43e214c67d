"""`ipfrs.Client`: the store over GraphQL and signed links, for numpy users."""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Sequence, Set, Tuple, Union

import numpy as np

from . import queries
from .dtypes import DTYPES, from_numpy, itemsize, storage_dtype
from .errors import IntegrityError, IpfrsError, LinkExpiredError, NotFoundError, ProtocolError, error_for_refusal
from .indexing import Index, contiguous_range, resolve
from .models import CacheEntry, CacheStats, DownloadLink, FileInfo, TensorInfo
from .transport import CSRF_HEADER, Transport, check_result, parse_graphql

DEFAULT_URL = "http://127.0.0.1:8080"
PAGE_SIZE = 500
# A link is used only while it has this much life left: a read started on it must not outlive it.
LINK_MARGIN = 30.0
# The server's default inline limit: above it a slice comes as a link anyway.
SERVER_INLINE_LIMIT = 64 << 10
StrPath = Union[str, "os.PathLike[str]"]


class Client:
    """A connection to one ipfrs server.

    `url` defaults to ``$IPFRS_URL``, else http://127.0.0.1:8080; `token` (a bearer token, needed for add, delete
    and cache changes) to ``$IPFRS_TOKEN``. `timeout` is per socket operation, in seconds. Large reads go in up to
    `connections` parallel Range requests once they reach `parallel_threshold` bytes; connections are kept alive
    and reused. Reads that break are retried `retries` times, from the byte reached.
    """

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, *, timeout: float = 60.0,
                 connections: int = 4, parallel_threshold: int = 16 << 20, retries: int = 3,
                 inline_limit: Optional[int] = None) -> None:
        self.url = (url or os.environ.get("IPFRS_URL") or DEFAULT_URL).rstrip("/")
        self.token = token if token is not None else (os.environ.get("IPFRS_TOKEN") or None)
        self.inline_limit = inline_limit
        self._transport = Transport(timeout=timeout, connections=connections, retries=retries,
                                    parallel_threshold=parallel_threshold)
        self._graphql_url = f"{self.url}/graphql"
        self._links: "OrderedDict[Tuple[str, str], Tuple[DownloadLink, float]]" = OrderedDict()  # link, expiry (unix s)
        self._links_lock = threading.Lock()
        # Tensors the download route refuses to link (names such as ".."): read through GraphQL only.
        self._unlinkable: Set[Tuple[str, str]] = set()
        self._ipfs_cid: Optional[bool] = None  # does the server's schema have TensorFile.ipfsCid?
        self.cache = Cache(self)

    def __repr__(self) -> str:
        return f"ipfrs.Client({self.url!r})"

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the pooled connections (the client reconnects if used again)."""
        self._transport.close()

    # -- GraphQL ---------------------------------------------------------------------------------------------

    def _headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _query(self, query: str, variables: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        return self._transport.graphql(self._graphql_url, query, variables, self._headers())

    def _query_file_fields(self, build: Callable[[bool], str], variables: Dict[str, Any]) -> Dict[str, Any]:
        """Asks for TensorFile.ipfsCid when the server has it (servers before the IPFS work do not)."""
        if self._ipfs_cid is not False:
            try:
                data = self._query(build(True), variables)
                self._ipfs_cid = True
                return data
            except IpfrsError as error:
                if self._ipfs_cid or "ipfsCid" not in str(error):
                    raise
                self._ipfs_cid = False
        return self._query(build(False), variables)

    # -- listing ---------------------------------------------------------------------------------------------

    def files(self, prefix: Optional[str] = None) -> Iterator[FileInfo]:
        """Every file of the store, in the order they were added, fetched a page at a time as you iterate.
        With `prefix`, only files whose source name (the name given when added) starts with it."""
        after: Optional[str] = None
        while True:
            data = self._query_file_fields(queries.files_page, {"first": PAGE_SIZE, "after": after})
            page = data["tensorFiles"]
            for edge in page["edges"]:
                info = FileInfo.from_graphql(edge["node"])
                if prefix is None or (info.source_name or "").startswith(prefix):
                    yield info
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def tensors(self, prefix: Optional[str] = None, dtype: Optional[str] = None, *, cid: Optional[str] = None) -> Iterator[TensorInfo]:
        """Every tensor of the store (ordered by name, then file CID), a page at a time as you iterate; filtered
        by name `prefix`, `dtype` ("F32", ...) and the file `cid` when given."""
        if dtype is not None and dtype not in DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}: expected one of {', '.join(DTYPES)}")
        filter_: Dict[str, Any] = {}
        if prefix is not None:
            filter_["namePrefix"] = prefix
        if dtype is not None:
            filter_["dtype"] = dtype
        if cid is not None:
            filter_["cid"] = cid
        after: Optional[str] = None
        while True:
            data = self._query(queries.TENSORS_PAGE, {"first": PAGE_SIZE, "after": after, "filter": filter_ or None})
            page = data["tensors"]
            for edge in page["edges"]:
                yield TensorInfo.from_graphql(edge["node"])
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def file(self, cid: str) -> Tuple[FileInfo, Dict[str, TensorInfo]]:
        """The file and its tensors by name; NotFoundError when the store has no such file."""
        tensors: Dict[str, TensorInfo] = {}
        after: Optional[str] = None
        info: Optional[FileInfo] = None
        links = True
        while True:
            variables = {"cid": cid, "first": PAGE_SIZE, "after": after}
            try:
                data = self._query_file_fields(lambda ipfs: queries.file_with_tensors(ipfs, links), variables)
            except IpfrsError as error:
                if not (links and _about_links(error)):
                    raise
                # A tensor the download route cannot serve (a name such as ".."): read this file through GraphQL.
                links = False
                data = self._query_file_fields(lambda ipfs: queries.file_with_tensors(ipfs, False), variables)
            node = data["tensorFile"]
            if node is None:
                raise NotFoundError(f"no file {cid} in the store at {self.url}", code="NOT_FOUND")
            info = info or FileInfo.from_graphql(node)
            page = node["tensors"]
            for edge in page["edges"]:
                tensor = TensorInfo.from_graphql(edge["node"])
                tensors[tensor.name] = tensor
                if not links:
                    self._unlinkable.add((tensor.cid, tensor.name))
                elif _is_link(edge["node"].get("downloadLink")):
                    self._remember_link(tensor, DownloadLink.from_graphql(edge["node"]["downloadLink"]))
                elif edge["node"].get("downloadLink"):
                    # A typed error for this tensor's link: its reads go through GraphQL slices.
                    self._unlinkable.add((tensor.cid, tensor.name))
            if not page["pageInfo"]["hasNextPage"]:
                return info, tensors
            after = page["pageInfo"]["endCursor"]

    def tensor(self, cid: str, name: Optional[str] = None) -> TensorInfo:
        """One tensor; `name` may be left out for a .npy or raw file. NotFoundError when there is none."""
        node = self._query(queries.TENSOR, {"cid": cid, "name": name})["tensor"]
        if node is None:
            what = f"tensor {name!r} of {cid}" if name is not None else f"a single tensor in {cid}"
            raise NotFoundError(f"no {what} in the store at {self.url}", code="NOT_FOUND")
        return TensorInfo.from_graphql(node)

    def open(self, cid: str, framework: str = "np") -> "RemoteFile":
        """The file `cid` with safetensors' `safe_open` surface (keys, metadata, get_tensor, get_slice)."""
        from .file import RemoteFile

        info, tensors = self.file(cid)
        return RemoteFile(self, info, tensors, framework)

    # -- reading ---------------------------------------------------------------------------------------------

    def read(self, tensor: TensorInfo, index: Index = ()) -> np.ndarray:
        """`tensor[index]` (numpy basic indexing) as an array of the stored bits in the tensor's byte order
        (BF16 and F8 as unsigned integers). RemoteFile.get_slice decodes those to float32."""
        resolved = resolve(index, tensor.shape)
        dtype = storage_dtype(tensor.dtype, tensor.little_endian)
        if resolved.size == 0:
            return np.empty(resolved.shape, dtype)
        run = None
        if not tensor.fortran_order and (tensor.cid, tensor.name) not in self._unlinkable:
            run = contiguous_range(resolved, tensor.shape, itemsize(tensor.dtype))
        if run is not None:
            link = self._cached_link(tensor)
            if link is None and run[1] > SERVER_INLINE_LIMIT:
                link = self._tensor_link(tensor)
            if link is not None:
                return self._read_run(tensor, link, run, dtype, resolved.shape)
        return self._read_slice(tensor, resolved.spec, resolved.shape, dtype, want_link=run is not None)

    def _read_run(self, tensor: TensorInfo, link: DownloadLink, run: Tuple[int, int], dtype: np.dtype,
                  shape: Tuple[int, ...]) -> np.ndarray:
        offset, length = run
        out = np.empty(length, np.uint8)
        try:
            self._transport.read_into(link.url, memoryview(out), offset, whole=link.byte_length)
        except LinkExpiredError:
            # Expired between our check and the server's (clock skew, a long read): one fresh link.
            with self._links_lock:
                self._links.pop((tensor.cid, tensor.name), None)
            link = self._tensor_link(tensor)
            self._transport.read_into(link.url, memoryview(out), offset, whole=link.byte_length)
        return out.view(dtype).reshape(shape)

    def _read_slice(self, tensor: TensorInfo, spec: str, shape: Tuple[int, ...], dtype: np.dtype, want_link: bool) -> np.ndarray:
        variables = {"cid": tensor.cid, "name": tensor.name, "spec": spec, "format": "RAW",
                     "inlineLimit": self.inline_limit, "link": want_link}
        try:
            node = self._query(queries.SLICE, variables)["tensor"]
        except IpfrsError as error:
            if not (want_link and _about_links(error)):
                raise
            self._unlinkable.add((tensor.cid, tensor.name))
            node = self._query(queries.SLICE, {**variables, "link": False})["tensor"]
        if node is None:
            raise NotFoundError(f"no tensor {tensor.name!r} in {tensor.cid} (deleted?)", code="NOT_FOUND")
        if want_link and _is_link(node.get("downloadLink")):
            self._remember_link(tensor, DownloadLink.from_graphql(node["downloadLink"]))
        elif want_link and node.get("downloadLink"):
            self._unlinkable.add((tensor.cid, tensor.name))
        result = check_result(node["slice"], f"slice {spec!r} of {tensor.name!r}")
        count = 1
        for d in shape:
            count *= d
        if result["__typename"] == "InlineSlice":
            data = bytearray(binascii.a2b_base64(result["base64"]))
            if len(data) != count * dtype.itemsize:
                raise ProtocolError(f"the server sent {len(data)} bytes for a slice of {count} elements of {dtype}")
            return np.frombuffer(data, dtype).reshape(shape)
        link = DownloadLink.from_graphql(result)
        if link.byte_length != count * dtype.itemsize:
            raise ProtocolError(f"the server offers {link.byte_length} bytes for a slice of {count} elements of {dtype}")
        out = np.empty(link.byte_length, np.uint8)
        self._transport.read_into(link.url, memoryview(out), 0, whole=link.byte_length)
        return out.view(dtype).reshape(shape)

    def _cached_link(self, tensor: TensorInfo) -> Optional[DownloadLink]:
        key = (tensor.cid, tensor.name)
        with self._links_lock:
            entry = self._links.get(key)
            if entry is None:
                return None
            if entry[1] - time.time() < LINK_MARGIN:
                del self._links[key]
                return None
            self._links.move_to_end(key)
            return entry[0]

    def _remember_link(self, tensor: TensorInfo, link: DownloadLink) -> None:
        with self._links_lock:
            self._links[(tensor.cid, tensor.name)] = (link, link.expires_at.timestamp())
            while len(self._links) > 4096:
                self._links.popitem(last=False)

    def _tensor_link(self, tensor: TensorInfo) -> DownloadLink:
        link = self.link(tensor.cid, tensor.name, format="raw")
        self._remember_link(tensor, link)
        return link

    # -- links and downloads -----------------------------------------------------------------------------

    def link(self, cid: str, name: Optional[str] = None, slice: Optional[str] = None, format: str = "raw",
             expires_in: Optional[int] = None) -> DownloadLink:
        """A signed link: the whole file when neither `name` nor `slice` is given, else the tensor (`name` may be
        left out for a single-tensor file) or its slice (a spec such as "0:10, ::-1"), as "raw" or "npy" bytes.
        `expires_in` (seconds) applies to file and whole-tensor links; slice links get the server's default."""
        fmt = _format(format)
        if name is None and slice is None:
            node = self._query(queries.FILE_LINK, {"cid": cid, "expiresIn": expires_in})["tensorFile"]
            if node is None:
                raise NotFoundError(f"no file {cid} in the store at {self.url}", code="NOT_FOUND")
            return DownloadLink.from_graphql(check_result(node["downloadLink"], f"link to {cid}"))
        if slice is None:
            node = self._query(queries.TENSOR_LINK, {"cid": cid, "name": name, "format": fmt, "expiresIn": expires_in})["tensor"]
            if node is None:
                raise NotFoundError(f"no tensor {name!r} in {cid}", code="NOT_FOUND")
            return DownloadLink.from_graphql(check_result(node["downloadLink"], f"link to {name!r} in {cid}"))
        if expires_in is not None:
            raise ValueError("expires_in applies to file and whole-tensor links, not to slices")
        node = self._query(queries.SLICE, {"cid": cid, "name": name, "spec": slice, "format": fmt, "inlineLimit": 0,
                                           "link": False})["tensor"]
        if node is None:
            raise NotFoundError(f"no tensor {name!r} in {cid}", code="NOT_FOUND")
        return DownloadLink.from_graphql(check_result(node["slice"], f"slice {slice!r}"))

    def read_url(self, url: str) -> bytes:
        """GETs a signed link (from link(), or shared by someone) and returns its bytes. A refused link raises
        LinkExpiredError, LinkSignatureError (changed or retired), NotFoundError..."""
        response = self._transport.request("GET", url)
        if response.status >= 300:
            try:
                body = json.loads(response.body)
            except ValueError:
                body = {"message": response.body[:200].decode("utf-8", "replace")}
            raise error_for_refusal(response.status, body if isinstance(body, dict) else {}, url, response.headers)
        return response.body

    def download(self, cid: str, path: StrPath, name: Optional[str] = None, slice: Optional[str] = None,
                 format: str = "npy") -> Path:
        """Writes to `path`: the file's bytes as stored when neither `name` nor `slice` is given (verified against
        the CID), else the tensor or its slice as .npy (default) or "raw" bytes. Resumable: bytes arrive in
        ``<path>.part``, which a later call (after a crash or a dropped connection) continues with a Range
        request; it becomes `path` when complete. Returns `path`."""
        target = Path(path)
        part = target.with_name(target.name + ".part")
        whole_file = name is None and slice is None
        link = self.link(cid, name, slice, format if not whole_file else "raw")
        with open(part, "ab") as sink:
            have = sink.tell()
            if have > link.byte_length:
                sink.truncate(0)
                have = 0
            if have < link.byte_length:
                try:
                    self._transport.stream(link.url, have, sink.write)
                except LinkExpiredError:
                    sink.flush()
                    link = self.link(cid, name, slice, format if not whole_file else "raw")
                    self._transport.stream(link.url, sink.tell(), sink.write)
            sink.flush()
            os.fsync(sink.fileno())
            size = sink.tell()
        if size != link.byte_length:
            raise ProtocolError(f"downloaded {size} bytes of {link.byte_length} from {self.url}")
        if whole_file:
            got = _file_cid(part)
            if got != cid:
                part.unlink()
                raise IntegrityError(f"the bytes downloaded for {cid} hash to {got}: deleted {part}", url=self.url)
        os.replace(part, target)
        return target

    # -- changes ---------------------------------------------------------------------------------------------

    def add(self, path: StrPath, *, name: Optional[str] = None, dtype: Optional[Any] = None,
            shape: Optional[Sequence[int]] = None) -> FileInfo:
        """Uploads a .safetensors or .npy file (or raw bytes with `dtype` and `shape`), streamed from disk; adding
        the same bytes again returns the existing file. Needs a token with the write scope."""
        source = Path(path)
        size = source.stat().st_size
        variables: Dict[str, Any] = {"file": None, "name": name}
        if dtype is not None:
            variables["dtype"] = dtype if isinstance(dtype, str) else from_numpy(np.dtype(dtype))
        if shape is not None:
            variables["shape"] = [int(d) for d in shape]
        boundary = f"ipfrs-{uuid.uuid4().hex}"
        filename = source.name.replace('"', "%22").replace("\r", "").replace("\n", "")

        def body() -> Iterable[bytes]:
            # The GraphQL multipart request spec: operations, map, then the file part.
            operations = json.dumps({"query": queries.add_file(self._ipfs_cid is True), "variables": variables})
            yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n"
                   f"--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.file\"]}}\r\n"
                   f"--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{filename}\"\r\n"
                   f"Content-Type: application/octet-stream\r\n\r\n").encode()
            with open(source, "rb") as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    yield chunk
            yield f"\r\n--{boundary}--\r\n".encode()

        head_length = sum(len(b) for b in _first(body()))
        length = head_length + size + len(f"\r\n--{boundary}--\r\n")
        response = self._transport.request("POST", self._graphql_url, body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(length),
            "Accept": "application/json", CSRF_HEADER: "1", **self._headers()})
        data = parse_graphql(response, self._graphql_url)
        return FileInfo.from_graphql(check_result(data["addTensorFile"], f"add {source}"))

    def delete(self, cid: str) -> bool:
        """Deletes a file (and its tensors and cache entry); False when there was none. Needs the admin scope."""
        result = check_result(self._query(queries.DELETE, {"cid": cid})["deleteTensorFile"], f"delete {cid}")
        with self._links_lock:
            for key in [k for k in self._links if k[0] == cid]:
                del self._links[key]
        return bool(result["deleted"])


class Cache:
    """The server's memory-mapped file cache (`client.cache`). Changes need the admin scope."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def stats(self) -> CacheStats:
        return CacheStats.from_graphql(self._client._query(queries.CACHE_STATS)["cacheStats"])

    def clear(self) -> CacheStats:
        """Unmaps every file; returns the stats after."""
        return CacheStats.from_graphql(check_result(self._client._query(queries.CLEAR_CACHE)["clearCache"], "clear cache"))

    def evict(self, cid: str) -> bool:
        """Unmaps one file; False when it was not mapped."""
        result = check_result(self._client._query(queries.EVICT, {"cid": cid})["evictFromCache"], f"evict {cid}")
        return bool(result["evicted"])

    def warm(self, cid: str, access: str = "default", populate: bool = False) -> CacheEntry:
        """Maps a file ahead of use: `access` is "default", "sequential", "random" or "hugepages" (madvise);
        `populate` pre-faults every page."""
        result = self._client._query(queries.WARM, {"cid": cid, "access": access.upper(), "populate": populate})["warmCache"]
        return CacheEntry.from_graphql(check_result(result, f"warm {cid}"))


def _is_link(result: Optional[Dict[str, Any]]) -> bool:
    return bool(result) and result.get("__typename", "DownloadLink") == "DownloadLink"


def _about_links(error: IpfrsError) -> bool:
    """Whether a GraphQL error came from a `downloadLink` field (the rest of the query is fine without it)."""
    path = error.details.get("path") if isinstance(error.details, dict) else None
    return isinstance(path, list) and "downloadLink" in path


def _format(format: str) -> str:
    value = format.upper()
    if value not in ("RAW", "NPY"):
        raise ValueError(f"format must be 'raw' or 'npy', not {format!r}")
    return value


def _first(parts: Iterable[bytes]) -> Iterator[bytes]:
    """The multipart preamble alone (the first part the body generator yields)."""
    for part in parts:
        yield part
        return


def _file_cid(path: Path) -> str:
    """The store's CID rule (CIDv1, raw codec, sha2-256, base32 lower): to check a downloaded file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            digest.update(chunk)
    return "b" + base64.b32encode(bytes([0x01, 0x55, 0x12, 0x20]) + digest.digest()).decode().lower().rstrip("=")
