"""The store's dtypes (safetensors' spelling: "F32", "BF16", ...) as numpy dtypes, and the decoding of the
three that numpy lacks: BF16, F8_E5M2 and F8_E4M3 come back as float32 unless raw bits are asked for."""
from __future__ import annotations

from typing import Dict

import numpy as np

# The numpy type of each dtype's bytes, without byte order.
_CODES: Dict[str, str] = {
    "BOOL": "b1", "U8": "u1", "I8": "i1", "I16": "i2", "U16": "u2", "F16": "f2", "I32": "i4", "U32": "u4",
    "F32": "f4", "F64": "f8", "I64": "i8", "U64": "u8",
    # No numpy equivalent: the bits, as unsigned integers of the same width.
    "BF16": "u2", "F8_E5M2": "u1", "F8_E4M3": "u1",
}
DTYPES = tuple(_CODES)
DECODED = ("BF16", "F8_E5M2", "F8_E4M3")
_FROM_NUMPY = {v: k for k, v in _CODES.items() if k not in DECODED}


def itemsize(dtype: str) -> int:
    return int(_CODES[dtype][1:])


def storage_dtype(dtype: str, little_endian: bool = True) -> np.dtype:
    """The numpy dtype of the bytes as the server sends them (the tensor's own byte order)."""
    try:
        code = _CODES[dtype]
    except KeyError:
        raise ValueError(f"unknown dtype {dtype!r}: expected one of {', '.join(DTYPES)}") from None
    if code[1] == "1":
        return np.dtype("|" + code)
    return np.dtype(("<" if little_endian else ">") + code)


def from_numpy(dtype: np.dtype) -> str:
    """The store's name for a numpy dtype ("F32" for float32), for raw uploads."""
    dtype = np.dtype(dtype)
    name = _FROM_NUMPY.get(dtype.kind + str(dtype.itemsize))
    if name is None:
        raise ValueError(f"numpy dtype {dtype} has no ipfrs equivalent (supported: {', '.join(sorted(_FROM_NUMPY.values()))})")
    return name


def _e4m3fn_table() -> np.ndarray:
    # OCP E4M3FN, as safetensors means F8_E4M3: bias 7, no infinities, S.1111.111 is NaN, largest 448.
    bits = np.arange(256, dtype=np.uint32)
    sign = np.where(bits & 0x80, -1.0, 1.0)
    exponent = (bits >> 3) & 0xF
    mantissa = (bits & 0x7).astype(np.float64)
    value = np.where(exponent == 0, mantissa * 2.0 ** -9, (1 + mantissa / 8) * 2.0 ** (exponent.astype(np.float64) - 7))
    value = np.where((exponent == 0xF) & ((bits & 0x7) == 0x7), np.nan, value)
    return (sign * value).astype(np.float32)


_E4M3FN = _e4m3fn_table()


def decode(bits: np.ndarray, dtype: str) -> np.ndarray:
    """float32 values of BF16 / F8 bits (an array of uint16 / uint8), same shape."""
    flat = bits.reshape(-1)  # 1-d: numpy's scalar casting rules would widen a 0-d array's shift
    if dtype == "BF16":
        out = flat.astype(np.uint32)
        out <<= np.uint32(16)
        return out.view(np.float32).reshape(bits.shape)
    if dtype == "F8_E5M2":
        # E5M2 is the top byte of an IEEE binary16.
        wide = flat.astype(np.uint16)
        wide <<= np.uint16(8)
        return wide.view(np.float16).astype(np.float32).reshape(bits.shape)
    if dtype == "F8_E4M3":
        return _E4M3FN[bits]
    raise ValueError(f"{dtype} needs no decoding")
