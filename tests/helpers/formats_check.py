"""Checks the formats other tools read, with those tools (or numpy alone), against the source files.

stdin: JSON {"mode": "zarr" | "safetensors", ...}; stdout: JSON list of {"ok": bool, "detail": str}, one per case.
- zarr: {"url": prefix, "consolidated": bool, "headers": {..} (optional), "cases": [{"array", "source": {"path", "name"}, "specs": [..]}]}
  opens the prefix with zarr-python over fsspec's HTTP store and compares arr[spec] with numpy's source[spec].
- safetensors: {"cases": [{"output": path, "expect": [{"name", "source": {"path", "name"}, "spec"}], "metadata"}]}
  reads the output with the numpy reader below and compares each tensor with source[spec].
Sources: .npy through np.load, .safetensors through the numpy reader below. BF16 and F8 compare as their bits.
"""
import json
import struct
import sys

import numpy as np

DTYPES = {
    "BOOL": "|b1", "U8": "|u1", "I8": "|i1", "F8_E5M2": "|u1", "F8_E4M3": "|u1", "I16": "<i2", "U16": "<u2",
    "F16": "<f2", "BF16": "<u2", "I32": "<i4", "U32": "<u4", "F32": "<f4", "F64": "<f8", "I64": "<i8", "U64": "<u8",
}


def read_safetensors(path):
    """A safetensors reader in numpy alone: {name: array}, and the __metadata__."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    metadata = header.pop("__metadata__", None)
    base = 8 + n
    out = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        dtype = np.dtype(DTYPES[info["dtype"]])
        count = int(np.prod(info["shape"], dtype=np.int64)) if info["shape"] else 1
        assert end - start == count * dtype.itemsize, f"{name}: {end - start} bytes for {count} elements"
        out[name] = np.frombuffer(data, dtype=dtype, count=count, offset=base + start).reshape(info["shape"])
    assert base + max([0] + [i["data_offsets"][1] for i in header.values()]) == len(data), "trailing or missing bytes"
    return out, metadata


def load(source):
    path = source["path"]
    if path.endswith(".npy"):
        return np.load(path)
    tensors, _ = read_safetensors(path)
    return tensors[source["name"]]


def index_of(spec):
    return eval(f"np.s_[{spec}]", {"np": np}) if spec.strip() else ()


def same(got, want):
    got = np.asarray(got)
    want = np.asarray(want)
    if got.shape != want.shape:
        return f"shape {got.shape} != {want.shape}"
    if got.dtype.itemsize != want.dtype.itemsize or got.dtype.kind != want.dtype.kind:
        return f"dtype {got.dtype} != {want.dtype}"
    if got.tobytes() != np.ascontiguousarray(want).astype(got.dtype).tobytes():
        return "values differ"
    return None


def read_zarr(arr, index):
    """arr[index] where zarr-python (2.x) refuses negative steps: read the same elements with positive steps, then
    reverse those axes with numpy. Integers and Ellipsis pass through."""
    items = list(index if isinstance(index, tuple) else (index,))
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at : at + 1] = [slice(None)] * (arr.ndim - len(items) + 1)
    items += [slice(None)] * (arr.ndim - len(items))
    flips = []
    out_axis = 0
    for axis, item in enumerate(items):
        if isinstance(item, slice):
            start, stop, step = item.indices(arr.shape[axis])
            if step < 0:
                r = range(start, stop, step)
                items[axis] = slice(r[-1], r[0] + 1, -step) if len(r) else slice(0, 0)
                flips.append(out_axis)
            out_axis += 1
    got = arr[tuple(items)]
    for axis in flips:
        got = np.flip(got, axis)
    return got


def check_zarr(job):
    import fsspec
    import zarr

    # headers: e.g. a bearer read token for the plain /zarr/<cid>/ path, sent with every request of the session.
    store = fsspec.get_mapper(job["url"], client_kwargs={"headers": job.get("headers") or {}})
    group = zarr.open_consolidated(store, mode="r") if job.get("consolidated") else zarr.open(store, mode="r")
    results = []
    for case in job["cases"]:
        arr = group[case["array"]]
        ref = load(case["source"])
        for spec in case["specs"]:
            try:
                problem = same(read_zarr(arr, index_of(spec)), ref[index_of(spec)])
                results.append({"ok": problem is None, "detail": f"{case['array']}[{spec}]: {problem or 'equal'}"})
            except Exception as error:  # noqa: BLE001 - reported as a failed case
                results.append({"ok": False, "detail": f"{case['array']}[{spec}]: {type(error).__name__}: {error}"})
    return results


def check_safetensors(job):
    results = []
    for case in job["cases"]:
        try:
            tensors, metadata = read_safetensors(case["output"])
            problems = []
            if list(tensors) != [e["name"] for e in case["expect"]]:
                problems.append(f"names {list(tensors)}")
            if "metadata" in case and metadata != case["metadata"]:
                problems.append(f"metadata {metadata}")
            for e in case["expect"]:
                problem = same(tensors.get(e["name"]), load(e["source"])[index_of(e.get("spec", ""))])
                if problem:
                    problems.append(f"{e['name']}: {problem}")
            results.append({"ok": not problems, "detail": f"{case['output']}: {'; '.join(problems) or 'equal'}"})
        except Exception as error:  # noqa: BLE001
            results.append({"ok": False, "detail": f"{case['output']}: {type(error).__name__}: {error}"})
    return results


if __name__ == "__main__":
    job = json.load(sys.stdin)
    print(json.dumps(check_zarr(job) if job["mode"] == "zarr" else check_safetensors(job)))
