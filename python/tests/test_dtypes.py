"""Files numpy writes, for every dtype numpy has: the supported ones read back exactly as numpy indexes them
(both byte orders, C and Fortran order, 0-d and empty arrays); the others are refused with a clear reason.
safetensors files with every dtype of the spec, BF16 and F8 decoded to float32 (raw=True: the bits)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Tuple

import numpy as np
import pytest

import ipfrs
from conftest import random_index
from reference import ReferenceFile, decode_reference, same, write_safetensors

SUPPORTED = [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
             np.float16, np.float32, np.float64]
SHAPES = [(), (0,), (7,), (3, 0, 2), (4, 5, 6), (2, 3, 1, 5)]


def _values(rng: np.random.Generator, dtype: np.dtype, shape: Tuple[int, ...]) -> np.ndarray:
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    # Any bit pattern: NaNs, infinities, -0.0, subnormals and the integer extremes all appear.
    bits = rng.integers(0, 256, size=int(np.prod(shape)) * dtype.itemsize, dtype=np.uint8)
    return bits.view(dtype.newbyteorder("=")).reshape(shape).astype(dtype)


def _cases():
    for scalar in SUPPORTED:
        orders = ["|"] if np.dtype(scalar).itemsize == 1 else ["<", ">"]
        for order in orders:
            for shape in SHAPES:
                yield np.dtype(scalar).newbyteorder(order), shape, False
            yield np.dtype(scalar).newbyteorder(order), (3, 4, 5), True


CASES = list(_cases())


@pytest.fixture(scope="session")
def npy_files(admin: ipfrs.Client, tmp_path_factory: pytest.TempPathFactory) -> Dict[int, Tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("npy")
    rng = np.random.default_rng(16)
    out = {}
    for i, (dtype, shape, fortran) in enumerate(CASES):
        array = _values(rng, dtype, shape)
        if fortran:
            array = np.asfortranarray(array)
        path = folder / f"t{i}_{dtype.str.replace('<', 'le').replace('>', 'be').replace('|', '')}.npy"
        np.save(path, array)
        out[i] = (path, admin.add(path).cid)
    return out


@pytest.mark.parametrize("case", range(len(CASES)),
                         ids=[f"{d.str}{list(s)}{'F' if f else ''}" for d, s, f in CASES])
def test_npy_reads_as_numpy_indexes_it(client: ipfrs.Client, npy_files, case: int, rng) -> None:
    path, cid = npy_files[case]
    want = np.load(path)
    with client.open(cid) as f:
        (name,) = f.keys()
        assert f.metadata() is None
        got = f.get_tensor()
        assert same(got, np.array(want, order="C")), path.name
        assert got.flags.writeable and got.flags.c_contiguous
        assert same(f.get_tensor(name), got)
        piece = f.get_slice()
        assert piece.get_shape() == list(want.shape)
        for _ in range(12):
            index = random_index(rng, want.shape)
            assert same(piece[index], np.array(want[index], order="C")), f"{path.name}[{index!r}]"


UNSUPPORTED = [np.complex64, np.complex128, np.longdouble, "datetime64[s]", "timedelta64[ms]", "U5", "S3",
               [("a", "<i4"), ("b", "<f8")]]


@pytest.mark.parametrize("dtype", UNSUPPORTED, ids=str)
def test_dtypes_the_store_lacks_are_refused(admin: ipfrs.Client, tmp_path: Path, dtype) -> None:
    path = tmp_path / "x.npy"
    np.save(path, np.zeros(3, dtype=dtype))
    with pytest.raises(ipfrs.InvalidFileError) as caught:
        admin.add(path)
    assert "not supported" in str(caught.value) or "dtype" in str(caught.value)


def test_object_arrays_are_refused(admin: ipfrs.Client, tmp_path: Path) -> None:
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(ipfrs.InvalidFileError, match="pickle"):
        admin.add(path)


ST_DTYPES = {"BOOL": "?", "U8": "u1", "I8": "i1", "I16": "<i2", "U16": "<u2", "F16": "<f2", "I32": "<i4",
             "U32": "<u4", "F32": "<f4", "F64": "<f8", "I64": "<i8", "U64": "<u8",
             "BF16": "<u2", "F8_E5M2": "u1", "F8_E4M3": "u1"}


@pytest.fixture(scope="session")
def every_dtype(admin: ipfrs.Client, tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, str]:
    rng = np.random.default_rng(1616)
    tensors = {}
    for dtype, code in ST_DTYPES.items():
        shape = [3, 5, 4]
        if dtype == "BOOL":
            data = rng.integers(0, 2, size=60).astype(np.uint8).tobytes()
        elif dtype in ("F8_E5M2", "F8_E4M3"):
            # every one of the 256 bit patterns, then some
            data = np.concatenate([np.arange(256, dtype=np.uint8), rng.integers(0, 256, 44, dtype=np.uint8)]).tobytes()
            shape = [4, 75]
        else:
            data = rng.integers(0, 256, size=60 * np.dtype(code).itemsize, dtype=np.uint8).tobytes()
        tensors[f"t.{dtype.lower()}"] = (dtype, shape, data)
    tensors["scalar"] = ("F32", [], np.float32(3.5).tobytes())
    tensors["empty"] = ("I64", [2, 0], b"")
    path = tmp_path_factory.mktemp("st") / "every.safetensors"
    write_safetensors(str(path), tensors, metadata={"format": "pt", "note": "every dtype"})
    return path, admin.add(path).cid


def test_every_safetensors_dtype(client: ipfrs.Client, every_dtype, rng) -> None:
    path, cid = every_dtype
    want = ReferenceFile(str(path))
    with client.open(cid) as f:
        assert f.keys() == want.keys()
        assert f.metadata() == {"format": "pt", "note": "every dtype"}
        for name in want.keys():
            piece = f.get_slice(name)
            assert piece.get_dtype() == (want.get_slice(name).get_dtype())
            assert same(f.get_tensor(name), want.get_tensor(name)), name
            for _ in range(15):
                index = random_index(rng, tuple(piece.get_shape()))
                assert same(piece[index], want.get_slice(name)[index]), f"{name}[{index!r}]"


@pytest.mark.parametrize("dtype", ["BF16", "F8_E5M2", "F8_E4M3"])
def test_raw_gives_the_bits(client: ipfrs.Client, every_dtype, dtype: str) -> None:
    path, cid = every_dtype
    with client.open(cid) as f:
        bits = f.get_tensor(f"t.{dtype.lower()}", raw=True)
        assert bits.dtype == (np.uint16 if dtype == "BF16" else np.uint8)
        decoded = f.get_tensor(f"t.{dtype.lower()}")
        assert decoded.dtype == np.float32
        assert same(decoded, decode_reference(bits, dtype))
        assert same(f.get_slice(f"t.{dtype.lower()}", raw=True)[1, ::-2], bits[1, ::-2])


def test_e4m3_and_e5m2_landmarks(client: ipfrs.Client, every_dtype) -> None:
    _, cid = every_dtype
    with client.open(cid) as f:
        e4m3 = f.get_tensor("t.f8_e4m3").ravel()[:256]
        e5m2 = f.get_tensor("t.f8_e5m2").ravel()[:256]
    assert e4m3[0x7E] == 448 and np.isnan(e4m3[0x7F]) and e4m3[0x01] == 2.0 ** -9 and e4m3[0x38] == 1.0
    assert e5m2[0x7B] == 57344 and e5m2[0x7C] == np.inf and np.isnan(e5m2[0x7D]) and e5m2[0x3C] == 1.0


def test_raw_files_with_a_declared_dtype(admin: ipfrs.Client, client: ipfrs.Client, tmp_path: Path) -> None:
    array = np.arange(24, dtype="<f4").reshape(2, 3, 4) / 7
    path = tmp_path / "weights.bin"
    path.write_bytes(array.tobytes())
    info = admin.add(path, dtype=np.float32, shape=array.shape, name="w")
    assert info.format == "RAW" and info.tensor_count == 1
    with client.open(info.cid) as f:
        assert f.keys() == ["w"]
        assert same(f.get_tensor(), array)
        assert same(f.get_slice("w")[..., ::-3], array[..., ::-3])


def test_int64_extremes_are_exact(admin: ipfrs.Client, client: ipfrs.Client, tmp_path: Path) -> None:
    array = np.array([2 ** 63 - 1, -2 ** 63, 2 ** 53 + 1, -1], dtype="<i8")
    path = tmp_path / "big.npy"
    np.save(path, array)
    cid = admin.add(path).cid
    with client.open(cid) as f:
        assert f.get_tensor().tolist() == array.tolist()
        assert f.get_slice()[::-1].tolist() == array[::-1].tolist()
