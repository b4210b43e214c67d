// safetensorsHeader (the header apart from the data, for subsets served as views) and toLittleEndian.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toLittleEndian } from '../../src/tensor/byte-order.ts';
import { encodeSafetensors, safetensorsHeader } from '../../src/tensor/safetensors-encode.ts';
import { parseSafetensors } from '../../src/tensor/safetensors.ts';

test('the header is 8-byte aligned, __metadata__ first, offsets in the order given', () => {
  const head = safetensorsHeader(
    [
      { name: 'b', dtype: 'F32', shape: [2], byteLength: 8 },
      { name: 'a', dtype: 'U8', shape: [], byteLength: 1 },
      { name: 'e', dtype: 'F16', shape: [0, 3], byteLength: 0 },
    ],
    { format: 'pt' },
  );
  assert.is(head.byteLength % 8, 0);
  const json = JSON.parse(head.subarray(8).toString());
  assert.equal(Object.keys(json), ['__metadata__', 'b', 'a', 'e']);
  assert.equal(json.b.data_offsets, [0, 8]);
  assert.equal(json.a.data_offsets, [8, 9]);
  assert.equal(json.e.data_offsets, [9, 9]);
  const file = Buffer.concat([head, Buffer.alloc(9)]);
  const parsed = parseSafetensors(file, file.byteLength);
  assert.equal(parsed.metadata, { format: 'pt' });
  assert.equal(parsed.tensors.map((t) => t.name), ['b', 'a', 'e']);
});

test('a repeated or reserved name is refused; encodeSafetensors is the header plus the data', () => {
  assert.throws(() => safetensorsHeader([{ name: 'a', dtype: 'U8', shape: [1], byteLength: 1 }, { name: 'a', dtype: 'U8', shape: [1], byteLength: 1 }]), /repeated/);
  assert.throws(() => safetensorsHeader([{ name: '__metadata__', dtype: 'U8', shape: [1], byteLength: 1 }]), /reserved/);
  const data = Uint8Array.from([1, 2, 3]);
  const whole = encodeSafetensors([{ name: 'x', dtype: 'U8', shape: [3], data }]);
  assert.equal(whole.subarray(whole.byteLength - 3), Buffer.from(data));
  assert.equal(whole.subarray(0, whole.byteLength - 3), safetensorsHeader([{ name: 'x', dtype: 'U8', shape: [3], byteLength: 3 }]));
});

test('toLittleEndian swaps each element, leaves single bytes alone', () => {
  assert.equal([...toLittleEndian(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 4)], [4, 3, 2, 1, 8, 7, 6, 5]);
  assert.equal([...toLittleEndian(Uint8Array.from([1, 2, 3, 4]), 2)], [2, 1, 4, 3]);
  const bytes = Uint8Array.from([9, 8]);
  assert.is(toLittleEndian(bytes, 1), bytes);
});

test.run();
