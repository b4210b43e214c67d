"""ipfrs.safe_open is a drop-in for safetensors.safe_open: the same code reads the local and the remote file."""
from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest

import ipfrs
import reference
from conftest import FIXTURES, Server
from reference import same

MODEL = FIXTURES / "hf-safetensors-pr84" / "overall.safetensors"


def summary(safe_open, address: str, **kwargs):
    """What a user's loading code does, written once against safetensors' API."""
    out = {}
    with safe_open(address, framework="np", **kwargs) as f:
        out["metadata"] = f.metadata()
        for name in f.keys():
            s = f.get_slice(name)
            shape = s.get_shape()
            out[name] = (s.get_dtype(), shape, f.get_tensor(name), s[0:1], s[..., ::-1], s[-1] if shape else s[...])
    return out


def test_the_same_code_reads_both(admin: ipfrs.Client, server: Server) -> None:
    cid = admin.add(MODEL).cid
    local = summary(reference.safe_open, str(MODEL))
    remote = summary(ipfrs.safe_open, f"ipfrs://{cid}", url=server.url)
    assert local.keys() == remote.keys() and local["metadata"] == remote["metadata"]
    for name in local:
        if name == "metadata":
            continue
        (ldtype, lshape, *larrays), (rdtype, rshape, *rarrays) = local[name], remote[name]
        assert (ldtype, lshape) == (rdtype, rshape)
        for a, b in zip(larrays, rarrays):
            assert same(b, a), name


def test_safe_open_takes_the_server_from_the_environment(admin: ipfrs.Client, server: Server, monkeypatch) -> None:
    cid = admin.add(MODEL).cid
    monkeypatch.setenv("IPFRS_URL", server.url)
    with ipfrs.safe_open(f"ipfrs://{cid}", framework="np") as f:
        assert f.keys() == reference.safe_open(str(MODEL)).keys()


def test_safe_open_refuses_what_it_cannot_do(server: Server) -> None:
    with pytest.raises(ValueError, match="ipfrs://"):
        ipfrs.safe_open(str(MODEL), framework="np", url=server.url)
    with pytest.raises(ValueError, match="'np'"):
        ipfrs.safe_open("ipfrs://bafkreixyz", framework="tf", url=server.url)
    with pytest.raises(ValueError, match="CPU"):
        ipfrs.safe_open("ipfrs://bafkreixyz", framework="np", device="cuda:0", url=server.url)


def test_pt_without_torch_says_so(server: Server, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    with pytest.raises(ImportError, match="needs PyTorch"):
        ipfrs.safe_open("ipfrs://bafkreixyz", framework="pt", url=server.url)


def test_pt_gives_torch_tensors(admin: ipfrs.Client, server: Server, monkeypatch, tmp_path: Path) -> None:
    # No torch here: a stand-in with the two calls the client makes, recording what it is given.
    fake = types.ModuleType("torch")

    class Tensor:
        def __init__(self, array: np.ndarray) -> None:
            self.array = array

        def view(self, dtype: str) -> "Tensor":
            self.as_dtype = dtype
            return self

    fake.from_numpy = Tensor  # type: ignore[attr-defined]
    fake.bfloat16 = "bfloat16"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", fake)
    array = np.arange(12, dtype=">i4").reshape(3, 4)
    np.save(tmp_path / "be.npy", array)
    cid = admin.add(tmp_path / "be.npy").cid
    with ipfrs.safe_open(f"ipfrs://{cid}", framework="pt", url=server.url) as f:
        t = f.get_tensor()
        assert isinstance(t, Tensor) and t.array.dtype == np.dtype("=i4") and same(t.array, array)
    bits = np.array([0x3F80, 0xC000], dtype="<u2")  # 1.0, -2.0 in bfloat16
    reference.write_safetensors(str(tmp_path / "bf.safetensors"), {"w": ("BF16", [2], bits.tobytes())})
    cid = admin.add(tmp_path / "bf.safetensors").cid
    with ipfrs.safe_open(f"ipfrs://{cid}", framework="pt", url=server.url) as f:
        t = f.get_tensor("w")
        assert t.as_dtype == "bfloat16" and t.array.view("<u2").tolist() == bits.tolist()
