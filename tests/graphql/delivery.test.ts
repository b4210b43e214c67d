// Inline or link (src/graphql/delivery.ts): the inline limit and link lifetime a request may ask for, the cost of
// an inline answer in the complexity budget, and the link record, by table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downloadLink, expiresIn, inlineCost, inlineLimit } from '../../src/graphql/delivery.ts';
import { DEFAULT_CONFIG, type GraphQLContext } from '../../src/graphql/context.ts';
import { InvalidArgumentError, TooLargeError } from '../../src/graphql/errors.ts';

const config = { ...DEFAULT_CONFIG, inlineLimit: 1000, maxInlineLimit: 4000, linkExpiresIn: 900, maxLinkExpiresIn: 3600 };
const ctx = { config, baseUrl: 'https://tensors.example/' } as GraphQLContext;

test('inlineLimit: the server\'s by default, the argument up to the maximum', () => {
  const rows: Array<[number | null | undefined, number]> = [[undefined, 1000], [null, 1000], [0, 0], [10, 10], [4000, 4000]];
  for (const [arg, want] of rows) assert.is(inlineLimit(arg, config), want, String(arg));
  assert.throws(() => inlineLimit(-1, config), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'inlineLimit');
  assert.throws(() => inlineLimit(4001, config), (e: unknown) => e instanceof TooLargeError && e.requested === 4001 && e.limit === 4000);
});

test('inlineCost: a point per 256 bytes that may come inline, bounded by the maximum', () => {
  const rows: Array<[number | null | undefined, number]> = [[undefined, 1 + 4], [null, 5], [0, 1], [1, 2], [256, 2], [257, 3], [-5, 1], [10 ** 9, 17]];
  for (const [arg, want] of rows) assert.is(inlineCost({ inlineLimit: arg }, ctx), Math.ceil(want), String(arg));
});

test('expiresIn: the server\'s default, or a whole number of seconds between 1 and the maximum', () => {
  const rows: Array<[number | null | undefined, number]> = [[undefined, 900], [null, 900], [1, 1], [3600, 3600]];
  for (const [arg, want] of rows) assert.is(expiresIn(arg, config), want, String(arg));
  for (const bad of [0, -1, 3601, 1.5]) assert.throws(() => expiresIn(bad, config), (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'expiresIn', String(bad));
});

test('downloadLink: the signed path made absolute against the base, expiry as a date, the range header or null', () => {
  const link = downloadLink(ctx, { url: '/v1/blob/x?exp=10&kid=k&sig=s', expiresAt: 1_700_000_000 }, { byteLength: 5, contentType: 'application/octet-stream' });
  assert.equal(link, {
    kind: 'DownloadLink',
    url: 'https://tensors.example/v1/blob/x?exp=10&kid=k&sig=s',
    expiresAt: new Date(1_700_000_000_000),
    byteLength: 5,
    contentType: 'application/octet-stream',
    rangeHeader: null,
  });
  const ranged = downloadLink({ ...ctx, baseUrl: 'http://127.0.0.1:8080/prefix/' } as GraphQLContext, { url: '/v1/blob/x', expiresAt: 0 }, { byteLength: 2, contentType: 'x', rangeHeader: 'bytes=0-1' });
  assert.is(ranged.url, 'http://127.0.0.1:8080/v1/blob/x');
  assert.is(ranged.rangeHeader, 'bytes=0-1');
});

test.run();
