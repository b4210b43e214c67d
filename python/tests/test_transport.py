"""Connections that break: mid-answer, while idle in the pool, and for good; parallel Range reads."""
from __future__ import annotations

import numpy as np
import pytest

import ipfrs
from conftest import DroppingProxy
from reference import same


@pytest.fixture(scope="module")
def big(admin: ipfrs.Client, tmp_path_factory: pytest.TempPathFactory):
    """6 MiB of float64 in a .npy, stored."""
    array = np.random.default_rng(3).standard_normal((768, 1024))
    path = tmp_path_factory.mktemp("big") / "big.npy"
    np.save(path, array)
    return array, path, admin.add(path).cid


def test_a_connection_cut_mid_answer_is_resumed(proxy: DroppingProxy, big) -> None:
    array, _, cid = big
    client = ipfrs.Client(proxy.url, connections=1)
    f = client.open(cid)
    proxy.cut_after(1_000_000)  # the next connection (the tensor read) breaks after ~1 MB
    assert same(f.get_tensor(), array)
    assert proxy.cut == 1
    proxy.cut_after(300_000)
    assert same(f.get_slice()[::-1, 5], np.array(array[::-1, 5]))  # non-contiguous: GraphQL, then the link


def test_parallel_range_reads_survive_cuts(proxy: DroppingProxy, big) -> None:
    array, _, cid = big
    client = ipfrs.Client(proxy.url, connections=4, parallel_threshold=1 << 20)
    f = client.open(cid)
    proxy.cut_after(200_000, times=3)
    assert same(f.get_tensor(), array)
    assert same(f.get_slice()[100:700], array[100:700])
    assert proxy.cut == 3


def test_connections_the_server_closed_while_idle_are_replaced(proxy: DroppingProxy, big) -> None:
    array, _, cid = big
    client = ipfrs.Client(proxy.url, retries=0)  # not even one retry: a stale pooled socket is not a failure
    f = client.open(cid)
    assert same(f.get_slice()[3], array[3])
    proxy.drop_idle()
    assert same(f.get_slice()[4], array[4])
    proxy.drop_idle()
    assert f.keys() == client.open(cid).keys()


def test_a_server_that_keeps_cutting_is_an_error_naming_the_url(proxy: DroppingProxy, big) -> None:
    _, _, cid = big
    client = ipfrs.Client(proxy.url, retries=2)
    f = client.open(cid)
    proxy.cut_after(50_000, times=10)
    with pytest.raises(ipfrs.IpfrsConnectionError, match=rf"{proxy.url}/v1/tensor/{cid}.*after 3 attempts"):
        f.get_tensor()


def test_downloads_resume_across_cuts(proxy: DroppingProxy, big, tmp_path) -> None:
    _, path, cid = big
    client = ipfrs.Client(proxy.url)
    proxy.cut_after(2_000_000, times=2)
    assert client.download(cid, tmp_path / "big.npy").read_bytes() == path.read_bytes()
    assert proxy.cut == 2


def test_keep_alive_reuses_one_connection(proxy: DroppingProxy, big) -> None:
    array, _, cid = big
    client = ipfrs.Client(proxy.url)
    f = client.open(cid)
    assert same(f.get_slice()[0], array[0])  # GraphQL (which also hands over the tensor's link)
    assert same(f.get_slice()[1], array[1])  # a Range of that link
    opened = proxy.connections  # one for GraphQL, one for link reads
    assert opened <= 2
    for i in range(1, 40):
        assert same(f.get_slice()[i], array[i])
        assert same(f.get_slice()[i, ::-2], array[i, ::-2])
    assert proxy.connections == opened
