// Slice specs the page proposes and the names it gives downloads. Pure; the server parses and validates specs.

/** Elements a preview asks for at most, so a first look at a big tensor stays small. */
export const PREVIEW_ELEMENTS = 1 << 18;
const MAX_SIDE = 512;

/**
 * A spec that shows something drawable at once: the whole tensor when small; else the leading axes at index 0 and
 * at most MAX_SIDE along the last two. An empty spec is the whole tensor (a 0-d tensor is a scalar).
 */
export function defaultSpec(shape: readonly number[]): string {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 0) return '';
  if (shape.length === 1) return count <= PREVIEW_ELEMENTS ? ':' : `:${PREVIEW_ELEMENTS}`;
  const lead = shape.slice(0, -2).map(() => '0');
  const [rows, cols] = shape.slice(-2) as [number, number];
  const tail = rows * cols <= PREVIEW_ELEMENTS ? [':', ':'] : [`:${Math.min(rows, MAX_SIDE)}`, `:${Math.min(cols, MAX_SIDE)}`];
  return [...lead, ...tail].join(', ');
}

/** `mel_80[0:40, ::2].npy` -> a name every file system takes: `mel_80_0-40_--2.npy`. */
const EXTENSIONS = { RAW: 'bin', NPY: 'npy', ARROW: 'arrow', SAFETENSORS: 'safetensors' } as const;

export function downloadName(tensorName: string, spec: string | null, format: keyof typeof EXTENSIONS): string {
  const base = tensorName.replace(/[^\w.-]+/g, '_') || 'tensor';
  const compact = (spec ?? '').replace(/\s+/g, '');
  // A spec that selects everything (`:, :`, `...`) names the whole tensor, as the server's Content-Disposition does.
  const whole = compact.split(',').every((part) => part === '' || part === ':' || part === '::' || part === '...');
  const suffix = whole ? '' : `_${compact.replace(/:/g, '-').replace(/[^\w.,-]+/g, '_').replace(/,/g, '_')}`;
  return `${base}${suffix}.${EXTENSIONS[format]}`;
}
