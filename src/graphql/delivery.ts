// Inline or link: the limits that decide, and the records the InlineSlice, InlineBytes and DownloadLink types show.
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { DownloadFormat } from '../http/paths.ts';
import type { DType } from '../tensor/dtype.ts';
import type { GraphQLConfig, GraphQLContext } from './context.ts';
import type { SignedPath } from './services/ports.ts';
import { InvalidArgumentError, TooLargeError } from './errors.ts';

export interface InlineSliceRecord {
  kind: 'InlineSlice';
  dtype: DType;
  littleEndian: boolean;
  shape: number[];
  elementCount: number;
  format: DownloadFormat;
  /** The .npy header for format npy, else null. */
  header: Buffer | null;
  /** For ARROW and SAFETENSORS: the whole answer (base64 carries it), else null. */
  body: Buffer | null;
  /** The slice's data in C order (a view of the mapping when contiguous). */
  data: Buffer;
}

export interface InlineBytesRecord {
  kind: 'InlineBytes';
  start: number;
  end: number;
  data: Buffer;
}

export interface DownloadLinkRecord {
  kind: 'DownloadLink';
  url: string;
  expiresAt: Date;
  byteLength: number;
  contentType: string;
  /** For a byte range of a blob: the Range header to send; null when the link is the whole answer. */
  rangeHeader: string | null;
}

/** The inline limit of one request: the server's, or the argument's when given, never above the maximum. */
export function inlineLimit(arg: number | null | undefined, config: GraphQLConfig): number {
  if (arg === null || arg === undefined) return config.inlineLimit;
  if (arg < 0) throw new InvalidArgumentError(`inlineLimit must be 0 or more bytes, not ${arg}`, 'inlineLimit');
  if (arg > config.maxInlineLimit) {
    throw new TooLargeError(
      `inlineLimit ${arg} is above the server's maximum of ${config.maxInlineLimit} bytes: use a download link for more`,
      arg,
      config.maxInlineLimit,
    );
  }
  return arg;
}

/**
 * Cost of one inline answer in the complexity budget: a point per 256 bytes it may carry, so that with the
 * defaults (64 KiB inline, a budget of 50,000) one operation inlines at most about 12 MiB, and a page of 1000
 * rows with every scalar field still fits.
 */
export function inlineCost(args: { inlineLimit?: number | null }, ctx: GraphQLContext): number {
  const limit = Math.min(Math.max(args.inlineLimit ?? ctx.config.inlineLimit, 0), ctx.config.maxInlineLimit);
  return 1 + Math.ceil(limit / 256);
}

/** Answers costing more work bytes than this are built in a turn of the event loop of their own. */
const YIELD_ABOVE_WORK = 256 * 1024;

/** Lets waiting I/O (another request, /healthz) run before a large inline answer is built. */
export function yieldIfLarge(work: number): Promise<void> | null {
  return work > YIELD_ABOVE_WORK ? new Promise((resolve) => setImmediate(resolve)) : null;
}

/** Which of the costly inline fields (`base64`, `values`) the client selected under this field, fragments included. */
export function selectedInlineFields(info: GraphQLResolveInfo): { base64: boolean; values: boolean } {
  const found = { base64: false, values: false };
  const visit = (set: SelectionSetNode | undefined, depth: number): void => {
    if (!set || depth > 4) return;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === 'base64') found.base64 = true;
        if (selection.name.value === 'values') found.values = true;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, depth + 1);
      } else {
        visit(info.fragments[selection.name.value]?.selectionSet, depth + 1);
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, 0);
  return found;
}

export function expiresIn(arg: number | null | undefined, config: GraphQLConfig): number {
  const seconds = arg ?? config.linkExpiresIn;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > config.maxLinkExpiresIn) {
    throw new InvalidArgumentError(`expiresIn must be between 1 and ${config.maxLinkExpiresIn} seconds, not ${seconds}`, 'expiresIn');
  }
  return seconds;
}

export function downloadLink(
  ctx: GraphQLContext,
  signed: SignedPath,
  fields: { byteLength: number; contentType: string; rangeHeader?: string | null },
): DownloadLinkRecord {
  return {
    kind: 'DownloadLink',
    url: new URL(signed.url, ctx.baseUrl).href,
    expiresAt: new Date(signed.expiresAt * 1000),
    byteLength: fields.byteLength,
    contentType: fields.contentType,
    rangeHeader: fields.rangeHeader ?? null,
  };
}
