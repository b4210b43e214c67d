// A small demo set for an empty store, so `npm start` shows something to browse, slice and plot.
import { npyHeader } from '../tensor/npy.ts';
import { encodeSafetensors } from '../tensor/safetensors-encode.ts';
import type { TensorStore } from './tensor-store.ts';

function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

function f16(values: number[]): Uint8Array {
  const out = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => out.writeUInt16LE(toHalf(v), i * 2));
  return out;
}

/** Float -> IEEE half, round to nearest even; enough for demo values. */
function toHalf(value: number): number {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  const half = sign | (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? half + 1 : half;
}

function bf16(values: number[]): Uint8Array {
  const words = new Uint32Array(Float32Array.from(values).buffer);
  const out = Buffer.alloc(values.length * 2);
  words.forEach((w, i) => out.writeUInt16LE(w >>> 16, i * 2));
  return out;
}

function grid(rows: number, cols: number, f: (r: number, c: number) => number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out.push(f(r, c));
  return out;
}

export function demoFiles(): Array<{ name: string; bytes: Buffer }> {
  const ripple = grid(64, 64, (r, c) => Math.sin(Math.hypot(r - 32, c - 32) / 3) / (1 + Math.hypot(r - 32, c - 32) / 16));
  const model = encodeSafetensors(
    [
      { name: 'embed.weight', dtype: 'F32', shape: [64, 64], data: f32(ripple) },
      { name: 'layers.0.attn.bias', dtype: 'F16', shape: [32], data: f16(grid(1, 32, (_, c) => Math.cos(c / 4))) },
      { name: 'layers.0.mlp.weight', dtype: 'BF16', shape: [16, 24], data: bf16(grid(16, 24, (r, c) => (r - 8) * (c - 12) / 96)) },
      { name: 'layers.0.norm.scale', dtype: 'F32', shape: [], data: f32([1.5]) },
      { name: 'wave', dtype: 'F32', shape: [256], data: f32(grid(1, 256, (_, c) => Math.sin(c / 10) + 0.3 * Math.sin(c / 3))) },
    ],
    { format: 'pt', source: 'ipfrs demo' },
  );
  const image = new Uint8Array(grid(32, 32, (r, c) => ((r * 8) ^ (c * 8)) & 0xff));
  const npy = Buffer.concat([npyHeader('|u1', [32, 32]), image]);
  return [
    { name: 'demo-model.safetensors', bytes: model },
    { name: 'checkerboard.npy', bytes: npy },
  ];
}

/** Adds the demo set when the store holds nothing; returns how many files were added. */
export async function seedDemo(store: TensorStore): Promise<number> {
  if (store.listFiles({ first: 1 }).items.length > 0) return 0;
  let added = 0;
  for (const { name, bytes } of demoFiles()) {
    const { created } = await store.add(
      (async function* () {
        yield bytes;
      })(),
      { name },
    );
    if (created) added++;
  }
  return added;
}
