// Shapes and strides: the arithmetic every parser and the slice planner share.

/** Strides in elements of a row-major (C order) array. */
export function cStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i]!;
  }
  return strides;
}

/** Strides in elements of a column-major (Fortran order) array. */
export function fStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = 0; i < shape.length; i++) {
    strides[i] = step;
    step *= shape[i]!;
  }
  return strides;
}

/**
 * The product of the dims, or null when it is not a safe integer. A zero dim makes it 0 whatever the others are,
 * so it is checked first: [0, 2^60] is an empty array, not an overflow.
 */
export function elementCountOf(shape: readonly number[]): number | null {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const dim of shape) {
    count *= dim;
    if (!Number.isSafeInteger(count)) return null;
  }
  return count;
}

/** `[2, 3]` as people write shapes in messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function isDim(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
