// A signed, expiring link to the download route, for answers too large to inline.
import { builder } from '../builder.ts';
import type { DownloadLinkRecord } from '../delivery.ts';

export const DownloadLink = builder.objectRef<DownloadLinkRecord>('DownloadLink').implement({
  description:
    'A signed link to GET (or HEAD) the bytes over HTTP, with Range support. It stops working at expiresAt, or ' +
    'earlier if the server retires its signing key.',
  isTypeOf: (value) => (value as { kind?: string }).kind === 'DownloadLink',
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Absolute URL, signature included.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    byteLength: t.expose('byteLength', {
      type: 'SafeInt',
      description: 'Bytes the answer holds: the whole link, or the range when rangeHeader is set.',
    }),
    contentType: t.exposeString('contentType', { description: 'application/octet-stream, or application/x-npy for NPY.' }),
    rangeHeader: t.exposeString('rangeHeader', {
      nullable: true,
      description:
        'For TensorFile.byteRange: the link is to the whole file; send this value as the `Range` header to ' +
        'receive just the asked bytes (206 Partial Content). Null when the link itself is the answer.',
    }),
  }),
});
