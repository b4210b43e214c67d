"""Reads a whole tensor over HTTP, timed: `zarr URL_PREFIX NAME` with zarr-python over fsspec's HTTP store (aiohttp),
`zarr-http URL_PREFIX NAME` with zarr-python over the small http.client store below (kept-alive connections, chunks
fetched 2 at a time, one per core here: 4 threads measured slower; reading chunks into numpy buffers, or handing zarr
futures so that its copies overlap the fetches, measured no better), or `raw URL BYTES` with http.client straight
into one numpy buffer. Prints the seconds (open and read included)."""
import http.client
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from zarr.storage import BaseStore


def read_zarr(prefix, name):
    import fsspec
    import zarr

    t0 = time.perf_counter()
    array = zarr.open(fsspec.get_mapper(prefix), mode="r")[name]
    data = array[...]
    seconds = time.perf_counter() - t0
    assert data.size == int(np.prod(array.shape))
    return seconds


class HttpStore(BaseStore):
    """A read-only Zarr store over plain HTTP GETs: keys appended to the prefix, 404 is a missing key."""

    _readable = True
    _writeable = False

    def __init__(self, prefix, threads=2):
        self.parts = urllib.parse.urlsplit(prefix)
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(threads)

    def _get(self, key):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(self.parts.hostname, self.parts.port)
        connection.request("GET", self.parts.path + key)
        response = connection.getresponse()
        body = response.read()
        if response.status == 404:
            raise KeyError(key)
        if response.status != 200:
            raise OSError(f"{key}: HTTP {response.status}")
        return body

    def __getitem__(self, key):
        return self._get(key)

    def __contains__(self, key):
        try:
            self._get(key)
            return True
        except KeyError:
            return False

    def getitems(self, keys, on_error="omit"):
        def one(key):
            try:
                return key, self._get(key)
            except KeyError:
                return key, None

        return {k: v for k, v in self.pool.map(one, keys) if v is not None}

    def __setitem__(self, key, value):
        raise PermissionError("read-only")

    def __delitem__(self, key):
        raise PermissionError("read-only")

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0


def read_zarr_http(prefix, name):
    import zarr

    t0 = time.perf_counter()
    array = zarr.open(HttpStore(prefix), mode="r")[name]
    data = array[...]
    seconds = time.perf_counter() - t0
    assert data.size == int(np.prod(array.shape))
    return seconds


def read_raw(url, size):
    parts = urllib.parse.urlsplit(url)
    t0 = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname, parts.port)
    connection.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
    response = connection.getresponse()
    assert response.status == 200, response.status
    buffer = np.empty(size, dtype=np.uint8)
    view = memoryview(buffer)
    done = 0
    while done < size:
        n = response.readinto(view[done:])
        if not n:
            break
        done += n
    seconds = time.perf_counter() - t0
    assert done == size, (done, size)
    buffer.view(np.float32)
    return seconds


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "zarr":
        print(read_zarr(sys.argv[2], sys.argv[3]))
    elif mode == "zarr-http":
        print(read_zarr_http(sys.argv[2], sys.argv[3]))
    else:
        print(read_raw(sys.argv[2], int(sys.argv[3])))
