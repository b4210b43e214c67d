// TensorFile.byteRange: bytes [start, end) of a file, inline up to the inline limit, else a link plus a Range header.
import { CONTENT_TYPE_RAW } from '../../http/headers.ts';
import { builder } from '../builder.ts';
import { downloadLink, inlineCost, inlineLimit, selectedInlineFields, yieldIfLarge, type InlineBytesRecord } from '../delivery.ts';
import { inlineWork } from '../inline-budget.ts';
import { InvalidArgumentError, InvalidRangeError, NotFoundError, StoreUnavailableError, TooLargeError } from '../errors.ts';
import { guard } from '../translate.ts';
import { DownloadLink } from './download-link.ts';
import { TensorFileRef } from './refs.ts';

const InlineBytes = builder.objectRef<InlineBytesRecord>('InlineBytes').implement({
  description: 'Bytes small enough to come inside the response.',
  isTypeOf: (value) => (value as { kind?: string }).kind === 'InlineBytes',
  fields: (t) => ({
    start: t.expose('start', { type: 'SafeInt' }),
    end: t.expose('end', { type: 'SafeInt', description: 'Exclusive.' }),
    byteLength: t.field({ type: 'SafeInt', resolve: (bytes) => bytes.data.byteLength }),
    base64: t.string({ description: 'The bytes, base64 (RFC 4648, padded).', resolve: (bytes) => bytes.data.toString('base64') }),
  }),
});

const RangeResult = builder.errorUnion('RangeResult', {
  types: [InlineBytes, DownloadLink, InvalidRangeError, TooLargeError, InvalidArgumentError, NotFoundError, StoreUnavailableError],
  omitDefaultTypes: true,
});


builder.objectFields(TensorFileRef, (t) => ({
  byteRange: t.field({
    type: RangeResult,
    description:
      'Bytes [start, end) of the file (end exclusive; left out, the end of the file). Up to the inline limit ' +
      'they come inline; above it the answer is a DownloadLink to the whole file (`/v1/blob/<cid>`) whose ' +
      '`rangeHeader` the client sends as its `Range` header to receive just these bytes.',
    args: {
      start: t.arg({ type: 'SafeInt', required: true }),
      end: t.arg({ type: 'SafeInt' }),
      inlineLimit: t.arg({ type: 'SafeInt', description: 'As for Tensor.slice.' }),
    },
    complexity: (args, ctx) => inlineCost(args, ctx),
    resolve: async (file, args, ctx, info) => {
      const limit = inlineLimit(args.inlineLimit, ctx.config);
      const start = args.start;
      const end = args.end ?? file.size;
      if (start < 0 || end < start || end > file.size) {
        throw new InvalidRangeError(`the range ${start}-${end} is not within the file: 0 <= start <= end <= ${file.size}`, file.size);
      }
      if (end - start <= limit) {
        const work = inlineWork({ byteLength: end - start }, selectedInlineFields(info));
        const refusal = ctx.inline.charge(work);
        if (refusal) throw refusal;
        await yieldIfLarge(work);
        const data = guard(() => ctx.reader.readRange(file.cid, start, end));
        return { kind: 'InlineBytes' as const, start, end, data };
      }
      const signed = ctx.links.blob(file.cid, { expiresIn: ctx.config.linkExpiresIn });
      const whole = start === 0 && end === file.size;
      return downloadLink(ctx, signed, {
        byteLength: end - start,
        contentType: CONTENT_TYPE_RAW,
        rangeHeader: whole ? null : `bytes=${start}-${end - 1}`,
      });
    },
  }),
}));
