"""The Python rows of `npm run bench`: the ipfrs client against plain Python reading the same bytes from nginx,
alternated round by round in this one process. Prints one JSON object: samples per measurement.

usage: client_bench.py IPFRS_URL CID TENSOR NGINX_FILE_URL DATA_OFFSET ROUNDS SECONDS
"""
from __future__ import annotations

import http.client
import json
import random
import sys
import time
import urllib.request
from urllib.parse import urlsplit

import numpy as np

import ipfrs

ipfrs_url, cid, tensor, nginx_url, offset_text, rounds_text, seconds_text = sys.argv[1:8]
data_offset = int(offset_text)
rounds = int(rounds_text)
seconds = float(seconds_text)


def settle() -> None:
    """Touches and frees 256 MiB, so that each timed read starts from the same memory state. On these VMs the
    first touch of fresh pages costs more than the transfer, and pages just freed come back cheaply: without
    this, whichever subject runs right after the other's big free gets cheaper memory."""
    scratch = np.ones(256 << 20, np.uint8)
    del scratch


def ipfrs_get_tensor() -> float:
    settle()
    start = time.perf_counter()
    with ipfrs.Client(ipfrs_url) as client:  # everything a fresh user pays: metadata, link, transfer
        array = client.open(cid).get_tensor(tensor)
    elapsed = time.perf_counter() - start
    assert array.dtype == np.float32 and array.nbytes == 256 << 20
    return array.nbytes / elapsed / 1e9


def nginx_get_tensor() -> float:
    settle()
    start = time.perf_counter()
    with urllib.request.urlopen(nginx_url) as response:
        data = response.read()
    array = np.frombuffer(data, dtype="<f4", offset=data_offset)
    elapsed = time.perf_counter() - start
    assert array.nbytes == 256 << 20
    return array.nbytes / elapsed / 1e9


def rate(step) -> float:
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(50):
            step()
        n += 50
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


client = ipfrs.Client(ipfrs_url)
piece = client.open(cid).get_slice(tensor)
rows, cols = piece.get_shape()
rng = random.Random(16)


def ipfrs_row_slice() -> None:
    i = rng.randrange(rows)
    j = rng.randrange(cols // 1024) * 1024
    assert piece[i, j:j + 1024].nbytes == 4096


def ipfrs_strided_slice() -> None:
    i = rng.randrange(rows // 1024) * 1024
    assert piece[i:i + 1024, rng.randrange(cols)].nbytes == 4096


parts = urlsplit(nginx_url)
nginx = http.client.HTTPConnection(parts.hostname, parts.port)


def nginx_range() -> None:
    element = rng.randrange(rows) * cols + rng.randrange(cols // 1024) * 1024
    start = data_offset + element * 4
    nginx.request("GET", parts.path, headers={"Range": f"bytes={start}-{start + 4095}"})
    response = nginx.getresponse()
    assert response.status == 206
    assert np.frombuffer(response.read(), dtype="<f4").nbytes == 4096


# Same bytes from both before timing anything.
probe = piece[3, 1024:2048]
with urllib.request.urlopen(urllib.request.Request(nginx_url, headers={"Range": f"bytes={data_offset + (3 * cols + 1024) * 4}-{data_offset + (3 * cols + 2048) * 4 - 1}"})) as r:
    assert np.array_equal(np.frombuffer(r.read(), "<f4"), probe, equal_nan=True), "ipfrs and nginx disagree"

samples = {k: [] for k in ("get_ipfrs", "get_nginx", "r4k_ipfrs", "r4k_strided_ipfrs", "r4k_nginx")}
for _ in range(rounds):
    samples["get_ipfrs"].append(ipfrs_get_tensor())
    samples["get_nginx"].append(nginx_get_tensor())
    samples["r4k_ipfrs"].append(rate(ipfrs_row_slice))
    samples["r4k_nginx"].append(rate(nginx_range))
    samples["r4k_strided_ipfrs"].append(rate(ipfrs_strided_slice))
json.dump(samples, sys.stdout)
