// The request heads the download lane (src/server/lane/download-lane.ts) answers itself: HTTP/1.1 GET, HEAD or OPTIONS of
// a download path (/v1, /zarr for the Zarr view, whose clients fetch one key after another, and /ipfs, the gateway's
// blocks, CARs and files), with no body. Pure.
//
// The rule is to be stricter than node:http, never looser: whatever is not plainly such a request (another method
// or path, HTTP/1.0, a body, Upgrade, Expect, an unusual Connection, a missing Host, a character llhttp would
// refuse, obs-fold, bare LF, a head over MAX_HEAD_BYTES) is 'handoff', and node:http then answers it from the same
// bytes, as it would have without the lane: a 400, 431 or 505 for what is malformed, GraphQL for the rest. So the
// lane never accepts a request node:http would refuse, and never reads one differently.

import { addRequestHeader, nameLengthTable, noRequestHeaders, ROUTE_HEADERS, type DownloadRequest } from '../../http/request.ts';

/** Longer heads go to node:http (which allows 16 KiB, and answers 431 past it). A signed link's head is ~300 bytes. */
export const MAX_HEAD_BYTES = 8192;
/** Heads with more header lines go to node:http (which keeps about the first thousand and drops the rest). */
export const MAX_HEADER_LINES = 100;

export type HeadParse =
  /** More bytes are needed (and may still make a lane request). */
  | { kind: 'incomplete' }
  /** Not the lane's: node:http takes the connection from this request on. */
  | { kind: 'handoff' }
  /** `length`: characters of the head, its final CRLF included. `close`: the client sent `Connection: close`. */
  | { kind: 'request'; request: DownloadRequest; close: boolean; length: number };

const INCOMPLETE: HeadParse = { kind: 'incomplete' };
const HANDOFF: HeadParse = { kind: 'handoff' };

// The whole head at once: the request line, then `name: value` lines (a token, a colon right after it, a value of
// visible characters, spaces, tabs and obs-text, as llhttp allows), then the blank line. One pass of a compiled
// regular expression; the lines are then cut out with indexOf, knowing they are well formed.
const HEAD =
  /^(?:GET|HEAD|OPTIONS) \/(?:v1|zarr|ipfs)(?:[/?][-A-Za-z0-9._~!$&'()*+,;=:@/?%]*)? HTTP\/1\.1\r\n(?:[-!#$%&'*+.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*\r\n)*\r\n$/;
/** The end of a head as llhttp also accepts it: a blank line after LF or CRLF line ends (CRLF CRLF is found before). */
const LENIENT_END = /\n\r?\n/;
const CONNECTION = /^ *(close|keep-alive) *$/i;
const ZERO_LENGTH = /^ *0 *$/;
/** Names the lane reads itself (below), and the route's: only lines with a name of one of their lengths are read. */
const LANE_HEADERS = ['host', 'expect', 'upgrade', 'transfer-encoding', 'proxy-connection', 'connection', 'content-length'];
const READ_NAME_LENGTHS = nameLengthTable([...LANE_HEADERS, ...ROUTE_HEADERS]);

/** Parses the head at the start of `text` (bytes as latin1, one character per byte). */
export function parseRequestHead(text: string): HeadParse {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) {
    if (text.length > MAX_HEAD_BYTES) return HANDOFF;
    // A head that is not the lane's still waits here until it ends (a blank line, with or without CR): the lane's
    // head timeout (10 s, swept every second) then covers every first request, while node:http checks its own only
    // every 30 s, so a slow head handed over early could hold a socket for 40 s. A head that ended with bare LFs
    // (no CRLF CRLF) is node:http's to read.
    return LENIENT_END.test(text) ? HANDOFF : INCOMPLETE;
  }
  const length = end + 4;
  if (length > MAX_HEAD_BYTES) return HANDOFF;
  const head = text.length === length ? text : text.slice(0, length);
  if (!HEAD.test(head)) return HANDOFF;
  const firstSpace = head.indexOf(' ');
  const lineEnd = head.indexOf('\r\n');
  const method = head.slice(0, firstSpace);
  const url = head.slice(firstSpace + 1, lineEnd - 9); // before ' HTTP/1.1'
  const headers = noRequestHeaders();
  let host = false;
  let close = false;
  let contentLength = false;
  let lines = 0;
  for (let at = lineEnd + 2; at < end + 2; ) {
    if (++lines > MAX_HEADER_LINES) return HANDOFF;
    const next = head.indexOf('\r\n', at);
    const colon = head.indexOf(':', at);
    const nameLength = colon - at;
    // Only the names the lane reads are cut out and lower-cased.
    if (READ_NAME_LENGTHS[nameLength] === 1) {
      const name = head.slice(at, colon).toLowerCase();
      switch (name) {
        case 'host':
          host = true;
          break;
        case 'expect':
        case 'upgrade':
        case 'transfer-encoding':
        case 'proxy-connection':
          return HANDOFF;
        case 'connection': {
          // One option, spaces around it: what llhttp and the lane read alike. Lists and other spellings: node:http.
          const option = CONNECTION.exec(head.slice(colon + 1, next));
          if (option === null) return HANDOFF;
          close ||= option[1]!.length === 5;
          break;
        }
        case 'content-length':
          // Once, and 0 with spaces around it at most (llhttp refuses a tab there, and a repeat).
          if (contentLength || !ZERO_LENGTH.test(head.slice(colon + 1, next))) return HANDOFF;
          contentLength = true;
          break;
        default:
          addRequestHeader(headers, name, fieldValue(head, colon + 1, next));
      }
    }
    at = next + 2;
  }
  if (!host) return HANDOFF;
  return { kind: 'request', request: { method, url, headers }, close, length };
}

/** The value between `from` and `to`, without the spaces and tabs around it (as llhttp and node:http drop them). */
function fieldValue(head: string, from: number, to: number): string {
  while (from < to && (head.charCodeAt(from) === 0x20 || head.charCodeAt(from) === 0x09)) from++;
  while (to > from && (head.charCodeAt(to - 1) === 0x20 || head.charCodeAt(to - 1) === 0x09)) to--;
  return head.slice(from, to);
}
