"""The client's calls beyond reading: listing, adding, deleting, the cache, links, downloads, tokens and errors."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import numpy as np
import pytest

import ipfrs
import ipfrs.client
from conftest import FIXTURES, Server
from reference import same

MEL = FIXTURES / "candle" / "mel_filters.safetensors"


@pytest.fixture(scope="module")
def matrix(admin: ipfrs.Client, tmp_path_factory: pytest.TempPathFactory):
    """A 1 MiB float32 matrix in a .npy, stored."""
    array = np.random.default_rng(7).standard_normal((512, 512)).astype(np.float32)
    path = tmp_path_factory.mktemp("m") / "matrix.npy"
    np.save(path, array)
    return array, path, admin.add(path).cid


def test_url_and_token_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, server: Server) -> None:
    monkeypatch.setenv("IPFRS_URL", server.url + "/")
    monkeypatch.setenv("IPFRS_TOKEN", server.admin_token)
    client = ipfrs.Client()
    assert client.url == server.url and client.token == server.admin_token
    assert isinstance(client.cache.clear(), ipfrs.CacheStats)  # the token reached the server
    monkeypatch.delenv("IPFRS_URL")
    assert ipfrs.Client().url == "http://127.0.0.1:8080"


def test_files_and_tensors_walk_every_page_lazily(admin: ipfrs.Client, matrix, monkeypatch: pytest.MonkeyPatch) -> None:
    admin.add(MEL)
    everything = list(admin.files())
    every_tensor = list(admin.tensors())
    monkeypatch.setattr(ipfrs.client, "PAGE_SIZE", 2)
    calls = []
    query = admin._query
    monkeypatch.setattr(admin, "_query", lambda *a, **k: calls.append(1) or query(*a, **k))
    walk = admin.files()
    first = next(walk)
    assert len(calls) == 1 and first == everything[0]
    assert [first, *walk] == everything
    assert len(calls) == -(-len(everything) // 2)
    assert list(admin.tensors()) == every_tensor
    assert all(isinstance(f, ipfrs.FileInfo) for f in everything)


def test_filters(admin: ipfrs.Client, matrix) -> None:
    cid = admin.add(MEL).cid
    mel = list(admin.tensors(prefix="mel"))
    assert mel and all(t.name.startswith("mel") for t in mel)
    assert any(t.cid == cid and t.dtype == "F32" and t.shape == (80, 201) for t in mel)
    assert all(t.dtype == "F32" for t in admin.tensors(dtype="F32"))
    assert [t.cid for t in admin.tensors(cid=cid)] == [cid]
    assert [f.source_name for f in admin.files(prefix="mel_")] == ["mel_filters.safetensors"]
    with pytest.raises(ValueError):
        list(admin.tensors(dtype="float32"))


def test_add_is_idempotent_and_delete_removes(admin: ipfrs.Client, tmp_path: Path) -> None:
    path = tmp_path / "gone.npy"
    np.save(path, np.arange(5, dtype=np.int16))
    first = admin.add(path)
    assert admin.add(path).cid == first.cid
    assert first.format == "NPY" and first.size == path.stat().st_size and first.tensor_count == 1
    assert admin.delete(first.cid) is True
    assert admin.delete(first.cid) is False
    with pytest.raises(ipfrs.NotFoundError, match=first.cid):
        admin.open(first.cid)


def test_changes_need_a_token(server: Server, tmp_path: Path, matrix) -> None:
    _, _, cid = matrix
    anonymous = ipfrs.Client(server.url)
    wrong = ipfrs.Client(server.url, token="ipfrs_not-a-token-this-server-knows")
    path = tmp_path / "x.npy"
    np.save(path, np.zeros(2))
    for client in (anonymous, wrong):
        for call in (lambda: client.add(path), lambda: client.delete(cid), lambda: client.cache.clear(),
                     lambda: client.cache.evict(cid), lambda: client.cache.warm(cid)):
            with pytest.raises(ipfrs.UnauthenticatedError, match="scope") as caught:
                call()
            assert caught.value.code == "UNAUTHENTICATED"
    with pytest.raises(ipfrs.UnauthenticatedError, match="not one this server knows"):
        wrong.cache.clear()
    assert anonymous.open(cid).keys() == ["matrix"]  # reads are open


def test_cache(admin: ipfrs.Client, matrix, server) -> None:
    _, _, cid = matrix
    cleared = admin.cache.clear()
    assert cleared.entries == 0 and cleared.mapped_bytes == 0
    entry = admin.cache.warm(cid, access="sequential", populate=True)
    assert entry.cid == cid and entry.size > 1 << 20
    stats = admin.cache.stats()
    # warmCache maps the file in every worker: cacheStats sums the workers' entries and lists each file once.
    assert stats.entries == server.workers and [f.cid for f in stats.files] == [cid] and stats.max_entries >= 1
    assert admin.cache.evict(cid) is True
    assert admin.cache.evict(cid) is False
    with pytest.raises(ipfrs.NotFoundError):
        admin.cache.warm("bafkreidb7mnosfbrq2nsb7m377sywzrqflok4un7cc7z6v3iedlxm6aqka")


def test_errors_carry_the_servers_message(client: ipfrs.Client, matrix) -> None:
    array, _, cid = matrix
    with pytest.raises(ipfrs.NotFoundError, match="no file"):
        client.open("bafkreidb7mnosfbrq2nsb7m377sywzrqflok4un7cc7z6v3iedlxm6aqka")
    with pytest.raises(ipfrs.InvalidArgumentError, match="not a CID"):
        client.open("garbage")
    f = client.open(cid)
    with pytest.raises(ipfrs.NotFoundError, match="no tensor 'nope'"):
        f.get_tensor("nope")
    with pytest.raises(ipfrs.InvalidSliceError, match="expected an integer"):
        client.link(cid, "matrix", slice="0:x")
    with pytest.raises(ipfrs.InvalidSliceError, match="out of bounds"):
        client.link(cid, "matrix", slice="512")
    with pytest.raises(ipfrs.TooLargeError, match="maximum"):
        ipfrs.Client(client.url, inline_limit=10 ** 12).open(cid).get_slice()[::2, 0]
    piece = f.get_slice()
    for bad, message in [((0, 0, 0), "too many indices"), (512, "out of bounds"), (-513, "out of bounds"),
                         (slice(None, None, 0), "step cannot be zero"), (1.5, "only integers"),
                         ([0, 1], "only integers"), (True, "booleans"), ((..., ...), "single ellipsis")]:
        with pytest.raises(ipfrs.InvalidSliceError, match=message):
            piece[bad]
        with pytest.raises(IndexError):  # as numpy raises for these
            piece[bad]


def expired(server: Server, url: str) -> str:
    """The link re-signed with the store's own key but an expiry an hour ago (past the server's 60 s clock skew):
    the server refuses it as expired, not as tampered."""
    parts = urlsplit(url)
    ring = json.loads((server.store / "signing-keys.json").read_text())
    params = [(k, v) for k, v in parse_qsl(parts.query) if k != "sig"]
    params = [(k, str(int(time.time()) - 3600) if k == "exp" else v) for k, v in params]
    enc = lambda v: quote(v, safe="-_.!~*'()")  # noqa: E731  (encodeURIComponent)
    query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params))
    path = "/".join(enc(unquote(segment)) for segment in parts.path.split("/"))
    key = bytes.fromhex(ring["keys"][dict(params)["kid"]])
    sig = base64.urlsafe_b64encode(hmac.new(key, f"v1\n{path}\n{query}".encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    return f"{parts.scheme}://{parts.netloc}{path}?{query}&sig={sig}"


def test_links_expire_and_refuse_tampering(client: ipfrs.Client, matrix, server: Server) -> None:
    array, path, cid = matrix
    link = client.link(cid, expires_in=60)
    assert link.byte_length == path.stat().st_size
    assert client.read_url(link.url) == path.read_bytes()
    tampered = link.url.replace("exp=", "exp=9")
    with pytest.raises(ipfrs.LinkSignatureError, match="bad signature") as caught:
        client.read_url(tampered)
    assert caught.value.status == 403 and isinstance(caught.value, ipfrs.ForbiddenError)
    assert "sig=" not in str(caught.value.url)
    with pytest.raises(ipfrs.LinkExpiredError, match="expired"):
        client.read_url(expired(server, link.url))
    with pytest.raises(ipfrs.LinkExpiredError, match="expired"):
        client.read_url(expired(server, client.link(cid, "matrix", slice="1:3").url))


def test_an_expired_cached_link_is_replaced(matrix, server: Server) -> None:
    array, _, cid = matrix
    client = ipfrs.Client(server.url)
    f = client.open(cid)
    info = f.tensor_info()
    stale = client.link(cid, "matrix")
    # The client believes the link good for an hour; the server says it expired.
    forged = expired(server, stale.url)
    client._remember_link(info, ipfrs.DownloadLink(forged, stale.byte_length,
                                                   datetime.now(timezone.utc) + timedelta(hours=1), "application/octet-stream"))
    assert same(f.get_slice()[100:300], array[100:300])
    assert client._cached_link(info).url != forged


def test_download_whole_file_tensor_and_slice(client: ipfrs.Client, matrix, tmp_path: Path) -> None:
    array, path, cid = matrix
    assert client.download(cid, tmp_path / "file.npy").read_bytes() == path.read_bytes()
    client.download(cid, tmp_path / "t.npy", name="matrix")
    assert same(np.load(tmp_path / "t.npy"), array)
    client.download(cid, tmp_path / "s.npy", slice="::-3, 7")
    assert same(np.load(tmp_path / "s.npy"), np.array(array[::-3, 7]))
    client.download(cid, tmp_path / "s.raw", slice="10:20", format="raw")
    assert (tmp_path / "s.raw").read_bytes() == array[10:20].tobytes()
    assert not list(tmp_path.glob("*.part"))


def test_download_resumes_a_partial_file(client: ipfrs.Client, matrix, tmp_path: Path) -> None:
    array, path, cid = matrix
    whole = path.read_bytes()
    target = tmp_path / "resumed.npy"
    Path(str(target) + ".part").write_bytes(whole[:300_001])
    assert client.download(cid, target).read_bytes() == whole
    # A partial file that is not a prefix of the object: the CID check catches it and removes it.
    Path(str(target) + ".part").write_bytes(b"x" * 1000)
    with pytest.raises(ipfrs.IntegrityError):
        client.download(cid, target)
    assert not Path(str(target) + ".part").exists()
    # Already complete: nothing more to fetch.
    Path(str(target) + ".part").write_bytes(whole)
    assert client.download(cid, target).read_bytes() == whole


def test_an_unreachable_server_is_named(tmp_path: Path) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    client = ipfrs.Client(f"http://127.0.0.1:{port}", retries=1)
    with pytest.raises(ipfrs.IpfrsConnectionError, match=f"127.0.0.1:{port}/graphql"):
        list(client.files())


def test_a_silent_server_times_out() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    try:
        client = ipfrs.Client(f"http://127.0.0.1:{s.getsockname()[1]}", timeout=0.3)
        start = time.monotonic()
        with pytest.raises(ipfrs.IpfrsTimeoutError, match="within 0.3 s"):
            client.open("bafkreidb7mnosfbrq2nsb7m377sywzrqflok4un7cc7z6v3iedlxm6aqka")
        assert time.monotonic() - start < 5
    finally:
        s.close()


def test_open_walks_every_page_of_a_files_tensors(admin: ipfrs.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from reference import ReferenceFile

    path = FIXTURES / "hf-safetensors-pr84" / "overall.safetensors"
    cid = admin.add(path).cid
    monkeypatch.setattr(ipfrs.client, "PAGE_SIZE", 2)
    want = ReferenceFile(str(path))
    with admin.open(cid) as f:
        assert f.keys() == want.keys() and len(f.keys()) > 4
        for name in want.keys():
            assert same(f.get_tensor(name), want.get_tensor(name))
