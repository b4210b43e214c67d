// The .proto is the contract: the services and methods it declares are exactly the ones the server implements,
// and they carry the names of ARCHITECTURE.md section 10.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { cacheService } from '../../src/grpc/cache-service.ts';
import { loadDefinition } from '../../src/grpc/proto.ts';
import { CACHE_SERVICE, TENSOR_SERVICE } from '../../src/grpc/server.ts';
import { tensorServiceHandlers, type TensorServiceDeps } from '../../src/grpc/tensor-service.ts';

const definition = loadDefinition();
// Building the handlers touches none of these: a stand-in is enough to list what is implemented.
const deps = { config: {} } as TensorServiceDeps;
const implemented: Record<string, string[]> = {
  [TENSOR_SERVICE]: Object.keys(tensorServiceHandlers(deps)).sort(),
  [CACHE_SERVICE]: Object.keys(cacheService(deps).handlers).sort(),
};

test('the .proto declares exactly the services the server implements', () => {
  const declared = Object.keys(definition).filter((name) => 'format' in (definition[name] as object) === false).sort();
  assert.equal(declared, Object.keys(implemented).sort());
});

for (const [service, methods] of Object.entries(implemented)) {
  test(`${service}: the methods of the .proto are the methods implemented`, () => {
    const declared = Object.keys(definition[service] as ServiceDefinition).sort();
    assert.equal(methods, declared);
  });
}

test('names and streaming kinds are those of ARCHITECTURE.md section 10', () => {
  const kinds = (service: string) =>
    Object.fromEntries(
      Object.entries(definition[service] as ServiceDefinition).map(([name, m]) => [name, `${m.requestStream ? 'stream ' : ''}${(m as unknown as { requestType: { type: { name: string } } }).requestType.type.name} -> ${m.responseStream ? 'stream ' : ''}${(m as unknown as { responseType: { type: { name: string } } }).responseType.type.name}`]),
    );
  assert.equal(kinds(TENSOR_SERVICE), {
    ListFiles: 'ListFilesRequest -> ListFilesResponse',
    GetFile: 'GetFileRequest -> TensorFile',
    ListTensors: 'ListTensorsRequest -> ListTensorsResponse',
    GetTensor: 'GetTensorRequest -> Tensor',
    ReadSlice: 'ReadSliceRequest -> stream ReadSliceResponse',
    ReadRange: 'ReadRangeRequest -> stream ReadRangeResponse',
    AddFile: 'stream AddFileRequest -> TensorFile',
    DeleteFile: 'DeleteFileRequest -> DeleteFileResponse',
  });
  assert.equal(kinds(CACHE_SERVICE), {
    GetStats: 'GetStatsRequest -> CacheStats',
    Clear: 'ClearRequest -> CacheStats',
    Evict: 'EvictRequest -> EvictResponse',
    Warm: 'WarmRequest -> CacheEntry',
    WatchStats: 'WatchStatsRequest -> stream CacheStats',
  });
});

test('message fields of section 10', () => {
  const fields = (message: string) => {
    const type = (definition[`ipfrs.v1.${message}`] as { type: { field: Array<{ name: string }> } }).type;
    return type.field.map((f) => f.name);
  };
  assert.equal(fields('ReadSliceRequest'), ['cid', 'name', 'spec', 'format', 'offset', 'chunk_size']);
  assert.equal(fields('ReadSliceResponse'), ['header', 'data']);
  assert.equal(fields('SliceHeader').slice(0, 4), ['dtype', 'shape', 'byte_length', 'format']);
  assert.equal(fields('ListFilesRequest'), ['page_size', 'page_token']);
  assert.equal(fields('ListFilesResponse'), ['files', 'next_page_token']);
  assert.equal(fields('ListTensorsRequest').slice(0, 4), ['name_prefix', 'dtype', 'page_size', 'page_token']);
  assert.equal(fields('GetTensorRequest'), ['cid', 'name']);
  assert.equal(fields('ReadRangeRequest').slice(0, 3), ['cid', 'start', 'end']);
  for (const field of ['cid', 'name', 'dtype', 'shape', 'byte_length']) assert.ok(fields('Tensor').includes(field), field);
  for (const field of ['entries', 'mapped_bytes', 'hits', 'misses', 'evictions']) assert.ok(fields('CacheStats').includes(field), field);
});

test.run();
