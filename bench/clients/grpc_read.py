"""ReadSlice load from grpcio (Debian's python3-grpcio, gRPC's C core: it grows its flow-control window to the
bandwidth-delay product and takes large frames, as production clients do). Whole-tensor streams one after another
for SECONDS (the last one finishes); prints {"bytesPerSecond", "streams"} as JSON.
argv: ADDRESS GENERATED_DIR CID NAME SECONDS EXPECTED_BYTES
"""
import json, sys, time

sys.path.insert(0, sys.argv[2])
import grpc  # noqa: E402
from ipfrs.v1 import tensor_service_pb2 as pb  # noqa: E402

address, _, cid, name, seconds, expected = sys.argv[1:7]
channel = grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", 8 << 20)])
read_slice = channel.unary_stream("/ipfrs.v1.TensorService/ReadSlice", request_serializer=pb.ReadSliceRequest.SerializeToString, response_deserializer=pb.ReadSliceResponse.FromString)
start = time.perf_counter()
until = start + float(seconds)
total = streams = 0
while True:
    got = 0
    for message in read_slice(pb.ReadSliceRequest(cid=cid, name=name), timeout=120):
        got += len(message.data)
    if got != int(expected):
        raise SystemExit(f"ReadSlice sent {got} bytes, expected {expected}")
    total += got
    streams += 1
    if time.perf_counter() >= until:
        break
json.dump({"bytesPerSecond": total / (time.perf_counter() - start), "streams": streams}, sys.stdout)
