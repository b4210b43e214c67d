// Plans a numpy basic-indexing slice of a stored tensor: the result's shape and the source byte ranges that hold
// its elements in C order, contiguous runs coalesced. Pure arithmetic; the readers copy or view the ranges.
import { dtypeSize, type DType } from './dtype.ts';
import { SliceSpecError } from './errors.ts';
import { cStrides, fStrides } from './layout.ts';
import { parseSliceSpec, type SliceItem } from './slice-spec.ts';

export { parseSliceSpec, type SliceItem } from './slice-spec.ts';

export interface SlicePlan {
  /** Of the result: an integer index drops its axis. */
  shape: number[];
  elementCount: number;
  byteLength: number;
  /** Ranges after coalescing; 0 for an empty result, 1 when the result is one contiguous run. */
  rangeCount: number;
  /**
   * Flat pairs [s0, e0, s1, e1, ...] of byte offsets relative to the tensor's first byte, in the C order of the
   * result. Adjacent ranges are always merged, so no range ends where the next starts.
   */
  ranges: number[];
}

/** What the planner needs of a tensor (a TensorRecord or ParsedTensor will do). */
export interface SliceSource {
  shape: readonly number[];
  dtype: DType;
  /** In elements; derived from shape and fortranOrder when absent. */
  strides?: readonly number[];
  fortranOrder?: boolean;
}

export interface PlanOptions {
  /** The most ranges a plan may have before it is refused as TOO_LARGE (default MAX_SLICE_RANGES). */
  maxRanges?: number;
}

/**
 * 16M ranges: 256 MB of offsets, the largest gather worth doing in one go (a reversed 64 MB float32 tensor).
 * Beyond that a client should ask for fewer elements or a layout that coalesces.
 */
export const MAX_SLICE_RANGES = 1 << 24;

/** One source axis after resolution: a fixed index, or `count` elements from `start` by `step`. */
type Resolved = { kind: 'index'; at: number } | { kind: 'range'; start: number; step: number; count: number };

/**
 * The plan of `spec` on `tensor`. Fortran-order tensors are read in their logical layout: the ranges still give
 * the result in C order (each output element mapped to its column-major source offset), so a whole-tensor spec
 * on such a tensor is not one range; callers who want the stored bytes as they are read them directly.
 * Throws SliceSpecError: INVALID_SLICE for a bad or ill-fitting spec, TOO_LARGE over the range limit.
 */
export function planSlice(tensor: SliceSource, spec: string, options: PlanOptions = {}): SlicePlan {
  const shape = [...tensor.shape];
  const resolved = resolveItems(parseSliceSpec(spec), shape);
  const strides = stridesOf(tensor);
  const itemSize = dtypeSize(tensor.dtype);

  // Offset (in elements) of the first output element, and each output axis's count and step through the source.
  let base = 0;
  const axes: Array<{ count: number; step: number }> = [];
  resolved.forEach((r, i) => {
    if (r.kind === 'index') {
      base += r.at * strides[i]!;
    } else {
      base += r.start * strides[i]!;
      axes.push({ count: r.count, step: r.step * strides[i]! });
    }
  });
  const outShape = axes.map((a) => a.count);
  const elementCount = outShape.reduce((n, d) => n * d, 1);
  const byteLength = elementCount * itemSize;
  if (elementCount === 0) return { shape: outShape, elementCount, byteLength, rangeCount: 0, ranges: [] };

  // Axes of one element move nothing. The innermost axes whose steps nest exactly (1, then the run so far) form
  // one contiguous run; every combination of the outer axes starts another.
  const moving = axes.filter((a) => a.count > 1);
  let run = 1;
  let inner = moving.length;
  while (inner > 0 && moving[inner - 1]!.step === run) {
    inner--;
    run *= moving[inner]!.count;
  }
  const outer = moving.slice(0, inner);
  const runs = elementCount / run;
  const maxRanges = options.maxRanges ?? MAX_SLICE_RANGES;
  if (runs > maxRanges) {
    throw new SliceSpecError(
      'TOO_LARGE',
      `the slice would be read as ${runs} separate ranges (at most ${maxRanges}): ask for fewer elements, or steps that keep the innermost axis contiguous`,
    );
  }
  if (outer.length === 0) {
    return { shape: outShape, elementCount, byteLength, rangeCount: 1, ranges: [base * itemSize, (base + run) * itemSize] };
  }
  // Many ranges: built when first asked for, so that a caller who only needs the size (to answer with a link)
  // does not pay for millions of offsets.
  let ranges: number[] | null = null;
  const build = () => (ranges ??= buildRanges(base, outer, run, runs, itemSize));
  return {
    shape: outShape,
    elementCount,
    byteLength,
    get rangeCount() {
      return build().length / 2;
    },
    get ranges() {
      return build();
    },
  };
}

/** Walks the outer axes like an odometer, one run each, merging a run that starts where the last ended. */
function buildRanges(base: number, outer: Array<{ count: number; step: number }>, run: number, runs: number, itemSize: number): number[] {
  // Preallocated: pushing 30M numbers one by one is several times slower and leaves a larger heap.
  const out = new Array<number>(2 * runs);
  const counts = outer.map((a) => a.count);
  const steps = outer.map((a) => a.step * itemSize);
  const index = new Array<number>(outer.length).fill(0);
  const last = outer.length - 1;
  const runBytes = run * itemSize;
  let start = base * itemSize;
  let n = 0;
  for (let r = 0; r < runs; r++) {
    if (n > 0 && out[n - 1] === start) {
      out[n - 1] = start + runBytes;
    } else {
      out[n++] = start;
      out[n++] = start + runBytes;
    }
    for (let k = last; k >= 0; k--) {
      start += steps[k]!;
      if (++index[k]! < counts[k]!) break;
      start -= steps[k]! * counts[k]!;
      index[k] = 0;
    }
  }
  out.length = n;
  return out;
}

function stridesOf(tensor: SliceSource): readonly number[] {
  const { strides, shape } = tensor;
  if (strides && strides.length === shape.length && strides.every((s) => Number.isSafeInteger(s) && s >= 0)) return strides;
  return tensor.fortranOrder ? fStrides(shape) : cStrides(shape);
}

/** Expands `...` (or the implicit trailing one) and resolves each item against its axis, Python style. */
function resolveItems(items: SliceItem[], shape: readonly number[]): Resolved[] {
  const ellipses = items.filter((i) => i.kind === 'ellipsis');
  if (ellipses.length > 1) {
    throw new SliceSpecError('INVALID_SLICE', `an index can only have a single ellipsis ('...'): another at character ${ellipses[1]!.position + 1}`, ellipses[1]!.position);
  }
  const indexing = items.length - ellipses.length;
  if (indexing > shape.length) {
    throw new SliceSpecError('INVALID_SLICE', `too many indices for a ${shape.length}-dimensional tensor: ${indexing} were given`);
  }
  const full: SliceItem = { kind: 'slice', start: null, stop: null, step: null, position: -1 };
  const fill = new Array<SliceItem>(shape.length - indexing).fill(full);
  const at = items.findIndex((i) => i.kind === 'ellipsis');
  const expanded = at < 0 ? [...items, ...fill] : [...items.slice(0, at), ...fill, ...items.slice(at + 1)];
  return expanded.map((item, axis) => resolveOne(item, axis, shape[axis]!));
}

function resolveOne(item: SliceItem, axis: number, size: number): Resolved {
  if (item.kind === 'index') {
    if (item.index < -size || item.index >= size) {
      throw new SliceSpecError('INVALID_SLICE', `index ${item.text} is out of bounds for axis ${axis} with size ${size}`, item.position);
    }
    return { kind: 'index', at: item.index < 0 ? item.index + size : item.index };
  }
  if (item.kind === 'ellipsis') throw new Error('unreachable: ellipsis expanded');
  const [start, stop, step] = sliceIndices(item.start, item.stop, item.step ?? 1, size);
  const count = step > 0 ? ceilDiv(stop - start, step) : ceilDiv(start - stop, -step);
  return { kind: 'range', start: count === 0 ? 0 : start, step, count };
}

/** Python's slice.indices(size): defaults, negative bounds counted from the end, then clamping. */
function sliceIndices(start: number | null, stop: number | null, step: number, size: number): [number, number, number] {
  const lower = step < 0 ? -1 : 0;
  const upper = step < 0 ? size - 1 : size;
  const bound = (value: number | null, fallback: number) => {
    if (value === null) return fallback;
    const v = value < 0 ? value + size : value;
    return Math.min(upper, Math.max(lower, v));
  };
  return [bound(start, step < 0 ? upper : lower), bound(stop, step < 0 ? lower : upper), step];
}

/** ceil(a / b) for b > 0, 0 when a <= 0; exact for every safe integer (fmod is exact, a division of floats is not). */
function ceilDiv(a: number, b: number): number {
  if (a <= 0) return 0;
  const rest = a % b;
  return (a - rest) / b + (rest > 0 ? 1 : 0);
}
