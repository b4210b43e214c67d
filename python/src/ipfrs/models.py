"""What the client returns besides arrays: plain, immutable records of the server's answers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple


def parse_time(value: Optional[str]) -> Optional[datetime]:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class TensorInfo:
    """A named tensor inside a stored file; `dtype` is safetensors' spelling ("F32", "BF16", ...)."""

    cid: str
    name: str
    dtype: str
    shape: Tuple[int, ...]
    byte_length: int
    byte_offset: int
    element_count: int
    little_endian: bool = True
    fortran_order: bool = False

    @classmethod
    def from_graphql(cls, node: Dict[str, Any]) -> "TensorInfo":
        return cls(cid=node["cid"], name=node["name"], dtype=node["dtype"], shape=tuple(int(d) for d in node["shape"]),
                   byte_length=int(node["byteLength"]), byte_offset=int(node["byteOffset"]),
                   element_count=int(node["elementCount"]), little_endian=bool(node["littleEndian"]),
                   fortran_order=bool(node["fortranOrder"]))


@dataclass(frozen=True)
class FileInfo:
    """A file in the store: `format` is "SAFETENSORS", "NPY" or "RAW"; `metadata` the safetensors `__metadata__`.
    `ipfs_cid` is the file's UnixFS root when the server reports one, else None."""

    cid: str
    size: int
    format: str
    tensor_count: int
    metadata: Optional[Dict[str, str]] = None
    added_at: Optional[datetime] = None
    source_name: Optional[str] = None
    ipfs_cid: Optional[str] = None

    @classmethod
    def from_graphql(cls, node: Dict[str, Any]) -> "FileInfo":
        return cls(cid=node["cid"], size=int(node["size"]), format=node["format"], tensor_count=int(node["tensorCount"]),
                   metadata=node.get("metadata"), added_at=parse_time(node.get("addedAt")),
                   source_name=node.get("sourceName"), ipfs_cid=node.get("ipfsCid"))


@dataclass(frozen=True)
class DownloadLink:
    """A signed link: GET it (Range works) until `expires_at`."""

    url: str
    byte_length: int
    expires_at: datetime
    content_type: str

    @classmethod
    def from_graphql(cls, node: Dict[str, Any]) -> "DownloadLink":
        expires = parse_time(node["expiresAt"])
        assert expires is not None
        return cls(url=node["url"], byte_length=int(node["byteLength"]), expires_at=expires,
                   content_type=node.get("contentType") or "application/octet-stream")


@dataclass(frozen=True)
class CacheEntry:
    cid: str
    size: int
    hits: int
    last_access: Optional[datetime] = None
    path: Optional[str] = None

    @classmethod
    def from_graphql(cls, node: Dict[str, Any]) -> "CacheEntry":
        return cls(cid=node["cid"], size=int(node["size"]), hits=int(node["hits"]),
                   last_access=parse_time(node.get("lastAccess")), path=node.get("path"))


@dataclass(frozen=True)
class CacheStats:
    """The server's memory-mapped file cache."""

    entries: int
    max_entries: int
    mapped_bytes: int
    max_bytes: int
    hits: int
    misses: int
    evictions: int
    hit_ratio: float
    files: List[CacheEntry] = field(default_factory=list)

    @classmethod
    def from_graphql(cls, node: Dict[str, Any]) -> "CacheStats":
        return cls(entries=int(node["entries"]), max_entries=int(node["maxEntries"]),
                   mapped_bytes=int(node["mappedBytes"]), max_bytes=int(node["maxBytes"]), hits=int(node["hits"]),
                   misses=int(node["misses"]), evictions=int(node["evictions"]), hit_ratio=float(node["hitRatio"]),
                   files=[CacheEntry.from_graphql(f) for f in node.get("files") or []])
