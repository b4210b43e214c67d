"""A small reader of local tensor files with numpy alone, shaped like `safetensors.safe_open(path, framework="np")`
(safetensors is not installed here): what the client's answers are compared with.

It shares no code with the client. BF16 and F8 are decoded to float32 element by element from their bit fields
(math.ldexp), a different road from the client's vectorised one.
"""
from __future__ import annotations

import json
import math
import struct
from typing import Any, Dict, List, Optional

import numpy as np

ST_DTYPES = {"BOOL": "?", "U8": "u1", "I8": "i1", "I16": "<i2", "U16": "<u2", "F16": "<f2", "I32": "<i4",
             "U32": "<u4", "F32": "<f4", "F64": "<f8", "I64": "<i8", "U64": "<u8",
             "BF16": "<u2", "F8_E5M2": "u1", "F8_E4M3": "u1"}


def _bf16(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits << 16))[0]


def _f8(bits: int, exponent_bits: int, finite: bool) -> float:
    mantissa_bits = 7 - exponent_bits
    bias = (1 << (exponent_bits - 1)) - 1
    sign = -1.0 if bits & 0x80 else 1.0
    exponent = (bits >> mantissa_bits) & ((1 << exponent_bits) - 1)
    mantissa = bits & ((1 << mantissa_bits) - 1)
    top = (1 << exponent_bits) - 1
    if finite and exponent == top and mantissa == (1 << mantissa_bits) - 1:
        return math.nan
    if not finite and exponent == top:
        return math.nan if mantissa else sign * math.inf
    if exponent == 0:
        return sign * math.ldexp(mantissa, 1 - bias - mantissa_bits)
    return sign * math.ldexp((1 << mantissa_bits) + mantissa, exponent - bias - mantissa_bits)


def decode_reference(bits: np.ndarray, dtype: str) -> np.ndarray:
    flat = [int(b) for b in bits.ravel()]
    if dtype == "BF16":
        values = [_bf16(b) for b in flat]
    elif dtype == "F8_E5M2":
        values = [_f8(b, 5, finite=False) for b in flat]
    else:
        values = [_f8(b, 4, finite=True) for b in flat]
    return np.array(values, dtype=np.float32).reshape(bits.shape)


class ReferenceSlice:
    def __init__(self, array: np.ndarray, dtype: str) -> None:
        self._array = array
        self._dtype = dtype

    def get_shape(self) -> List[int]:
        return list(self._array.shape)

    def get_dtype(self) -> str:
        return self._dtype

    def __getitem__(self, index: Any) -> np.ndarray:
        return np.array(self._array[index], order="C")


class ReferenceFile:
    """safe_open's surface for a local .safetensors file (also .npy: one tensor named `npy_name`)."""

    def __init__(self, path: str, npy_name: Optional[str] = None) -> None:
        self._tensors: Dict[str, np.ndarray] = {}
        self._dtypes: Dict[str, str] = {}
        self._metadata: Optional[Dict[str, str]] = None
        if path.endswith(".npy"):
            array = np.load(path)
            name = npy_name or path.rsplit("/", 1)[-1][:-4]
            self._tensors[name] = array
            return
        with open(path, "rb") as f:
            data = f.read()
        (n,) = struct.unpack("<Q", data[:8])
        if n > len(data) - 8:
            raise ValueError("invalid header length")
        header = json.loads(data[8:8 + n])
        self._metadata = header.pop("__metadata__", None)
        for name, info in header.items():
            begin, end = info["data_offsets"]
            raw = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=np.dtype(ST_DTYPES[info["dtype"]]))
            array = raw.reshape(info["shape"])
            if info["dtype"] in ("BF16", "F8_E5M2", "F8_E4M3"):
                array = decode_reference(array, info["dtype"])
            self._tensors[name] = array
            self._dtypes[name] = info["dtype"]

    def __enter__(self) -> "ReferenceFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def keys(self) -> List[str]:
        return sorted(self._tensors)

    def metadata(self) -> Optional[Dict[str, str]]:
        return self._metadata

    def get_tensor(self, name: str) -> np.ndarray:
        return np.array(self._tensors[name], order="C")

    def get_slice(self, name: str) -> ReferenceSlice:
        return ReferenceSlice(self._tensors[name], self._dtypes.get(name, ""))


def safe_open(path: str, framework: str = "np") -> ReferenceFile:
    assert framework == "np"
    return ReferenceFile(path)


def write_safetensors(path: str, tensors: Dict[str, "tuple[str, List[int], bytes]"], metadata: Optional[Dict[str, str]] = None) -> None:
    """Writes a .safetensors file: name -> (dtype, shape, little-endian bytes), in name order."""
    header: Dict[str, Any] = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for name in sorted(tensors):
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def same(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal shape, dtype and elements (NaN equal to NaN; otherwise the same bits, so -0.0 is not 0.0)."""
    got = np.asarray(got)
    want = np.asarray(want)
    # Byte order aside: numpy itself gives a native scalar for a[()] of a big-endian array.
    if got.shape != want.shape or got.dtype.newbyteorder("=") != want.dtype.newbyteorder("="):
        return False
    got = got.astype(got.dtype.newbyteorder("="))
    want = want.astype(want.dtype.newbyteorder("="))
    if want.dtype.kind == "f":
        bits = f"u{want.dtype.itemsize}"
        nan = np.isnan(want)
        return bool(np.array_equal(nan, np.isnan(got)) and np.array_equal(got.view(bits)[~nan], want.view(bits)[~nan]))
    return bool(np.array_equal(got, want))
