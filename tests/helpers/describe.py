"""Independent description of tensor files for tests: names, dtypes, shapes and absolute data offsets.

argv: paths. stdout: JSON {path: [{"name", "dtype", "shape", "byteOffset", "byteLength"}]}.
safetensors headers are read with struct + json; .npy with numpy's own memmap loader.
"""
import json, struct, sys
import numpy as np

NP_TO_ST = {"b1": "BOOL", "u1": "U8", "i1": "I8", "i2": "I16", "u2": "U16", "f2": "F16", "i4": "I32",
            "u4": "U32", "f4": "F32", "f8": "F64", "i8": "I64", "u8": "U64"}


def describe(path):
    if path.endswith(".npy"):
        m = np.load(path, mmap_mode="r")
        return [{"dtype": NP_TO_ST[m.dtype.str[1:]], "shape": list(m.shape), "byteOffset": m.offset, "byteLength": m.nbytes}]
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    out = [{"name": k, "dtype": v["dtype"], "shape": v["shape"], "byteOffset": 8 + n + v["data_offsets"][0],
            "byteLength": v["data_offsets"][1] - v["data_offsets"][0]} for k, v in header.items()]
    return sorted(out, key=lambda t: (t["byteOffset"], t["name"]))


print(json.dumps({p: describe(p) for p in sys.argv[1:]}))
