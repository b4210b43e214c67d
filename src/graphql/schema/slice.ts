// Tensor.slice and Tensor.downloadLink: numpy basic indexing, answered inline up to the inline limit, else as a link.
import { contentTypeFor } from '../../http/headers.ts';
import { MAX_SLICE_LENGTH } from '../../http/paths.ts';
import { planSlice, type SlicePlan } from '../../tensor/slice.ts';
import { decodeValues } from '../../tensor/values.ts';
import type { TensorRecord } from '../../store/types.ts';
import { formattedPayload, partBuffers, type FormattedFormat } from '../../store/format-payload.ts';
import { cOrderSpec, npyHeaderOf, planPayload } from '../../store/tensor-payload.ts';
import { builder } from '../builder.ts';
import { downloadLink, expiresIn, inlineCost, inlineLimit, selectedInlineFields, yieldIfLarge, type InlineSliceRecord } from '../delivery.ts';
import { inlineWork } from '../inline-budget.ts';
import type { GraphQLContext } from '../context.ts';
import { InvalidArgumentError, InvalidSliceError, NotFoundError, StoreUnavailableError, TooLargeError } from '../errors.ts';
import { guard } from '../translate.ts';
import { DownloadLink } from './download-link.ts';
import { DTypeEnum } from './tensor.ts';
import { TensorRef } from './refs.ts';

export const SliceFormatEnum = builder.enumType('SliceFormat', {
  values: {
    RAW: { value: 'raw', description: 'The elements in C order, in the tensor\'s byte order.' },
    NPY: { value: 'npy', description: 'A NumPy .npy file (header + data) that numpy.load reads.' },
    ARROW: {
      value: 'arrow',
      description:
        'An Arrow IPC stream: one non-null column `data` of the elements in C order; the schema metadata holds `shape` (JSON) and `dtype`. BF16 and F8 travel as uint16 and uint8.',
    },
    SAFETENSORS: { value: 'safetensors', description: 'A standalone .safetensors file holding the one tensor (C order, little-endian).' },
  } as const,
});

const InlineSlice = builder.objectRef<InlineSliceRecord>('InlineSlice').implement({
  description: 'A slice small enough to come inside the response.',
  isTypeOf: (value) => (value as { kind?: string }).kind === 'InlineSlice',
  fields: (t) => ({
    dtype: t.expose('dtype', { type: DTypeEnum }),
    shape: t.expose('shape', { type: ['SafeInt'], description: 'Of the slice: an integer index drops its axis.' }),
    elementCount: t.expose('elementCount', { type: 'SafeInt' }),
    format: t.expose('format', { type: SliceFormatEnum }),
    byteLength: t.field({
      type: 'SafeInt',
      description: 'Bytes that base64 decodes to (the .npy header included for NPY; the whole file for ARROW and SAFETENSORS).',
      resolve: (slice) => slice.body?.byteLength ?? (slice.header?.byteLength ?? 0) + slice.data.byteLength,
    }),
    base64: t.string({
      description: 'The bytes, base64 (RFC 4648, padded).',
      resolve: (slice) => (slice.body ?? (slice.header ? Buffer.concat([slice.header, slice.data]) : slice.data)).toString('base64'),
    }),
    values: t.field({
      type: ['Float'],
      nullable: { list: false, items: true },
      description:
        'The elements as numbers in C order, whatever the dtype (F16, BF16 and F8 included; BOOL as 0 and 1). ' +
        'NaN and infinities are null, since JSON cannot carry them; I64 and U64 beyond 2^53 lose precision (use base64).',
      resolve: async (slice) => {
        // The list graphql-js completes next is the costly part: in a turn of its own when large.
        await yieldIfLarge(inlineWork({ byteLength: 0, elementCount: slice.elementCount, dtype: slice.dtype }, { base64: false, values: true }));
        return decodeValues(slice.data, slice.dtype, slice.littleEndian);
      },
    }),
  }),
});

const SliceResult = builder.errorUnion('SliceResult', {
  types: [InlineSlice, DownloadLink, InvalidSliceError, TooLargeError, InvalidArgumentError, NotFoundError, StoreUnavailableError],
  omitDefaultTypes: true,
});


builder.objectFields(TensorRef, (t) => ({
  slice: t.field({
    type: SliceResult,
    description:
      'A numpy basic-indexing slice, written as between brackets: `0:10, :, 5`, negative indices, steps ' +
      '(`::-1`), `...`; an integer drops its axis; an empty spec is the whole tensor. Up to the inline limit the ' +
      'answer is an InlineSlice, above it a DownloadLink to `/v1/tensor/<cid>/<name>?slice=..&format=..`.',
    args: {
      spec: t.arg.string({ required: true }),
      format: t.arg({ type: SliceFormatEnum, defaultValue: 'raw', required: true }),
      inlineLimit: t.arg({
        type: 'SafeInt',
        description: 'Largest answer, in bytes, to inline for this request (default: the server\'s, 64 KiB unless configured; at most the server maximum). 0 always gives a link.',
      }),
    },
    complexity: (args, ctx) => inlineCost(args, ctx),
    resolve: async (tensor, args, ctx, info) => {
      const limit = inlineLimit(args.inlineLimit, ctx.config);
      const spec = args.spec;
      if (spec.length > MAX_SLICE_LENGTH) throw new InvalidSliceError(`the slice spec is longer than ${MAX_SLICE_LENGTH} characters`, spec.slice(0, 80));
      const plan = guard(() => planSlice(tensor, spec), { spec });
      const formatted = args.format === 'arrow' || args.format === 'safetensors' ? guard(() => formattedPayload(readerOf(ctx), tensor, { slice: spec, format: args.format as FormattedFormat }), { spec }) : null;
      const header = args.format === 'npy' ? guard(() => npyHeaderOf(tensor, plan.shape), { argument: 'format' }) : null;
      const byteLength = formatted?.byteLength ?? (header?.byteLength ?? 0) + plan.byteLength;
      if (byteLength <= limit) {
        const work = inlineWork({ byteLength, elementCount: plan.elementCount, dtype: tensor.dtype }, selectedInlineFields(info));
        const refusal = ctx.inline.charge(work);
        if (refusal) throw refusal;
        await yieldIfLarge(work);
        const body = formatted ? guard(() => Buffer.concat(partBuffers(readerOf(ctx), tensor.cid, formatted.parts()))) : null;
        const data = guard(() => ctx.reader.readSlice(tensor, plan));
        return {
          kind: 'InlineSlice' as const,
          dtype: tensor.dtype,
          littleEndian: tensor.littleEndian,
          shape: plan.shape,
          elementCount: plan.elementCount,
          format: args.format,
          header,
          body,
          data,
        };
      }
      const signed = ctx.links.tensor(tensor.cid, tensor.name, { slice: cOrderSpec(tensor, spec), format: args.format, expiresIn: ctx.config.linkExpiresIn });
      return downloadLink(ctx, signed, { byteLength, contentType: contentTypeFor(args.format) });
    },
  }),
  downloadLink: t.field({
    type: DownloadLink,
    description:
      'A signed link to the whole tensor (`/v1/tensor/<cid>/<name>`): RAW is the stored bytes (column-major when ' +
      'fortranOrder), NPY a .npy file that numpy.load reads as the tensor. A bad expiresIn, or NPY for a dtype NumPy ' +
      'lacks, is an InvalidArgumentError in the result (the tensor itself still answers).',
    errors: { types: [InvalidArgumentError], directResult: true, union: { name: 'DownloadLinkResult' } },
    args: {
      format: t.arg({ type: SliceFormatEnum, defaultValue: 'raw', required: true }),
      expiresIn: t.arg.int({ description: 'Seconds the link stays valid; the server default when left out.' }),
    },
    resolve: (tensor, args, ctx) => {
      const seconds = expiresIn(args.expiresIn, ctx.config);
      const formatted = args.format === 'arrow' || args.format === 'safetensors' ? guard(() => formattedPayload(readerOf(ctx), tensor, { format: args.format as FormattedFormat })) : null;
      const byteLength = formatted?.byteLength ?? guard(() => planPayload(tensor, { format: args.format as 'raw' | 'npy' }), { argument: 'format' }).byteLength;
      const signed = ctx.links.tensor(tensor.cid, tensor.name, { format: args.format, expiresIn: seconds });
      return downloadLink(ctx, signed, { byteLength, contentType: contentTypeFor(args.format) });
    },
  }),
}));

/** The context's reader in the shape format-payload.ts reads through (slices planned here). */
function readerOf(ctx: GraphQLContext) {
  return {
    plan: (tensor: TensorRecord, spec: string) => planSlice(tensor, spec),
    sliceBytes: (tensor: TensorRecord, plan: SlicePlan) => ctx.reader.readSlice(tensor, plan),
    range: (cid: string, start: number, end: number) => ctx.reader.readRange(cid, start, end),
  };
}
