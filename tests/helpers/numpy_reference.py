"""Reference reader for tests: loads fixture tensors with numpy alone and answers slice questions.

stdin: JSON list of cases {"source": {"path", "name"?}, "spec": "0:2, ::-1", "npy": path-or-null, "values": [...]|null}
stdout: JSON list of {"ok": bool, "detail": str}
"""
import json, struct, sys
import numpy as np

ST_DTYPES = {"BOOL": "?", "U8": "u1", "I8": "i1", "I16": "<i2", "U16": "<u2", "F16": "<f2", "I32": "<i4",
             "U32": "<u4", "F32": "<f4", "F64": "<f8", "I64": "<i8", "U64": "<u8"}


def load(source):
    path = source["path"]
    if path.endswith(".npy"):
        return np.load(path)
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    info = header[source["name"]]
    begin, end = info["data_offsets"]
    raw = data[8 + n + begin:8 + n + end]
    return np.frombuffer(raw, dtype=np.dtype(ST_DTYPES[info["dtype"]])).reshape(info["shape"])


def main():
    cases = json.load(sys.stdin)
    out = []
    for case in cases:
        try:
            a = load(case["source"])
            spec = case["spec"].strip()
            expected = eval("a[" + (spec if spec else "...") + "]", {"a": a})
            expected = np.array(expected, order="C")  # not ascontiguousarray: it makes a 0-d result 1-d
            if case.get("npy"):
                got = np.load(case["npy"])
                same = got.shape == expected.shape and got.dtype == expected.dtype and np.array_equal(got, expected, equal_nan=got.dtype.kind == "f")
                if not same:
                    out.append({"ok": False, "detail": f"npy {got.dtype}{got.shape} != numpy {expected.dtype}{expected.shape}"})
                    continue
            if case.get("values") is not None:
                flat = expected.astype(np.float64).ravel().tolist()
                want = [None if (v != v or v in (float("inf"), float("-inf"))) else v for v in flat]
                if want != case["values"] or list(expected.shape) != case.get("shape", list(expected.shape)):
                    out.append({"ok": False, "detail": f"values differ: numpy {want[:8]} shape {list(expected.shape)}"})
                    continue
            out.append({"ok": True, "detail": f"{expected.dtype}{expected.shape}"})
        except Exception as e:  # a failed case is reported, not raised: the test prints which one
            out.append({"ok": False, "detail": f"{type(e).__name__}: {e}"})
    json.dump(out, sys.stdout)


if __name__ == "__main__":  # also imported for load() (grpc_client.py)
    main()
