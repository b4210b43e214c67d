"""An independent gRPC client for tests: Debian's python3-grpcio with messages protoc generated (no TypeScript,
no proto-loader). Reads slices of fixture files into numpy and compares them with numpy's own indexing; provokes
status codes; resumes with offset; honours a deadline; adds a file with a bearer token.

argv: ADDRESS GENERATED_DIR; stdin: JSON {"cases": [{"cid", "name", "spec", "path", "tensor"}], "admin": token,
"weak": token without scopes, "missing": a CID the store lacks, "big": {"cid", "name", "size"}}
stdout: JSON list of {"what", "ok", "detail"}
"""
import json, sys, time

import numpy as np

sys.path.insert(0, sys.argv[2])
sys.path.insert(0, __file__.rsplit("/", 1)[0])
import grpc  # noqa: E402
from ipfrs.v1 import cache_service_pb2 as cache_pb  # noqa: E402
from ipfrs.v1 import tensor_service_pb2 as pb  # noqa: E402
from numpy_reference import ST_DTYPES, load  # noqa: E402

address = sys.argv[1]
job = json.load(sys.stdin)
channel = grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", 8 << 20)])
S = "/ipfrs.v1.TensorService/"
read_slice = channel.unary_stream(S + "ReadSlice", request_serializer=pb.ReadSliceRequest.SerializeToString, response_deserializer=pb.ReadSliceResponse.FromString)
read_range = channel.unary_stream(S + "ReadRange", request_serializer=pb.ReadRangeRequest.SerializeToString, response_deserializer=pb.ReadRangeResponse.FromString)
get_tensor = channel.unary_unary(S + "GetTensor", request_serializer=pb.GetTensorRequest.SerializeToString, response_deserializer=pb.Tensor.FromString)
list_files = channel.unary_unary(S + "ListFiles", request_serializer=pb.ListFilesRequest.SerializeToString, response_deserializer=pb.ListFilesResponse.FromString)
add_file = channel.stream_unary(S + "AddFile", request_serializer=pb.AddFileRequest.SerializeToString, response_deserializer=pb.TensorFile.FromString)
clear = channel.unary_unary("/ipfrs.v1.CacheService/Clear", request_serializer=cache_pb.ClearRequest.SerializeToString, response_deserializer=cache_pb.CacheStats.FromString)

out = []


def report(what, ok, detail=""):
    out.append({"what": what, "ok": bool(ok), "detail": str(detail)})


def fetch(**request):
    header, parts = None, []
    for message in read_slice(pb.ReadSliceRequest(**request), timeout=60):
        if message.WhichOneof("part") == "header":
            header = message.header
        else:
            parts.append(message.data)
    return header, b"".join(parts)


def as_array(header, data):
    dtype = np.dtype(ST_DTYPES[header.dtype])
    if not header.little_endian:
        dtype = dtype.newbyteorder(">")
    return np.frombuffer(data, dtype=dtype).reshape(tuple(header.shape), order="F" if header.fortran_order else "C")


def code_of(fn):
    try:
        fn()
    except grpc.RpcError as e:
        return e.code().name, e.details()
    return "OK", ""


for case in job["cases"]:
    what = f'{case["path"].rsplit("/", 1)[-1]}:{case["tensor"]}[{case["spec"]}]'
    try:
        header, data = fetch(cid=case["cid"], name=case["name"], spec=case["spec"])
        got = as_array(header, data)
        source = {"path": case["path"]} if case["path"].endswith(".npy") else {"path": case["path"], "name": case["tensor"]}
        a = load(source)
        spec = case["spec"].strip()
        expected = eval("a[" + (spec if spec else "...") + "]", {"a": a})
        same = got.shape == expected.shape and np.array_equal(got, expected, equal_nan=got.dtype.kind == "f")
        report(what, same and len(data) == header.byte_length, f"{got.dtype}{got.shape} vs numpy {expected.dtype}{expected.shape}")
    except Exception as e:  # reported, not raised: the test names the case
        report(what, False, f"{type(e).__name__}: {e}")

big = job["big"]
# Resume: the second half from `offset` equals the tail of the whole answer.
header, whole = fetch(cid=big["cid"], name=big["name"], format=pb.SLICE_FORMAT_NPY)
half = len(whole) // 2 + 3
_, tail = fetch(cid=big["cid"], name=big["name"], format=pb.SLICE_FORMAT_NPY, offset=half, chunk_size=65536)
report("resume from offset", tail == whole[half:] and header.byte_length == len(whole), f"{len(tail)} bytes from {half}")
chunks = [len(m.data) for m in read_range(pb.ReadRangeRequest(cid=big["cid"], start=5, end=5 + 3 * 1048576 + 1), timeout=60)]
report("ReadRange chunks of at most 1 MiB", chunks == [1048576, 1048576, 1048576, 1], chunks)

files = list_files(pb.ListFilesRequest(page_size=1000), timeout=10)
report("ListFiles", len(files.files) >= len({c["cid"] for c in job["cases"]}), len(files.files))
t = get_tensor(pb.GetTensorRequest(cid=big["cid"], name=big["name"]), timeout=10)
report("GetTensor", t.byte_length == big["size"] and list(t.shape) == [big["size"]], t)

expect = {
    "NOT_FOUND": lambda: get_tensor(pb.GetTensorRequest(cid=job["missing"]), timeout=10),
    "INVALID_ARGUMENT": lambda: fetch(cid=big["cid"], name=big["name"], spec="0:1:0"),
    "OUT_OF_RANGE": lambda: list(read_range(pb.ReadRangeRequest(cid=big["cid"], start=big["size"] + 1000), timeout=10)),
    "UNAUTHENTICATED": lambda: clear(cache_pb.ClearRequest(), timeout=10),
    "PERMISSION_DENIED": lambda: clear(cache_pb.ClearRequest(), timeout=10, metadata=[("authorization", "Bearer " + job["weak"])]),
    # A reader slower than its deadline: 0.2 s a message, 0.5 s in all.
    "DEADLINE_EXCEEDED": lambda: [time.sleep(0.2) for m in read_slice(pb.ReadSliceRequest(cid=big["cid"], name=big["name"], chunk_size=65536), timeout=0.5)],
}
for want, fn in expect.items():
    got, details = code_of(fn)
    report(want, got == want, f"{got}: {details}")

meta = pb.AddFileRequest(metadata=pb.AddFileMetadata(name="from-python", format=pb.FILE_FORMAT_RAW, dtype="F64", shape=[2, 3]))
values = np.arange(6, dtype="<f8")
parts = [meta, pb.AddFileRequest(data=values.tobytes()[:20]), pb.AddFileRequest(data=values.tobytes()[20:])]
added = add_file(iter(parts), timeout=10, metadata=[("authorization", "Bearer " + job["admin"])])
header, data = fetch(cid=added.cid)
report("AddFile then ReadSlice", np.array_equal(as_array(header, data), values.reshape(2, 3)), added.cid)
json.dump(out, sys.stdout)
