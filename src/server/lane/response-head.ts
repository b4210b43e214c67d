// Response heads for the download lane (src/server/lane/download-lane.ts), written the way node:http writes them: the
// status line, the route's headers, Date, then Connection (and Keep-Alive). Pure, apart from the clock for Date.
//
// node:http checks every header it writes; so does this, since a CR or LF in a value would split the response.
// The headers a representation always carries are serialised once (the lane keeps them by identity).
import { STATUS_CODES } from 'node:http';

const TOKEN = /^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/;
// Visible characters, spaces, tabs and obs-text: what node:http's checkInvalidHeaderChar lets through.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const statusLines: string[] = [];

export function statusLine(status: number): string {
  let line = statusLines[status];
  if (line === undefined) {
    if (!(Number.isInteger(status) && status >= 100 && status <= 999)) throw new RangeError(`invalid status ${status}`);
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    statusLines[status] = line;
  }
  return line;
}

/** `Name: value\r\n` for each pair of a flat [name, value, ...] list. Throws TypeError on a name or value node:http would refuse. */
export function headerLines(list: readonly string[]): string {
  let out = '';
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    const value = list[i + 1]!;
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    if (!FIELD_VALUE.test(value)) throw new TypeError(`invalid value for header ${name}: ${JSON.stringify(value)}`);
    out += `${name}: ${value}\r\n`;
  }
  return out;
}

export interface ConnectionState {
  /** false: the connection closes after this response. */
  keepAlive: boolean;
  /** Seconds an idle connection is kept open (for Keep-Alive: timeout=), as node:http advertises it. */
  keepAliveSeconds: number;
}

/**
 * The whole head: status line, `fixedLines` (headerLines of the representation's fixed list), `headers`, Date,
 * Connection. `headers` are the ones made per response (lengths, ranges, the clock): their names are the route's
 * own constants, and their values are checked for what could split the response (CR, LF, NUL), by a scan cheaper
 * than headerLines' full check (this runs for every request).
 */
export function responseHead(status: number, fixedLines: string, headers: readonly string[], connection: ConnectionState, now = Date.now()): string {
  let lines = '';
  for (let i = 0; i < headers.length; i += 2) {
    const value = headers[i + 1]!;
    if (SPLITTING.test(value)) throw new TypeError(`invalid value for header ${headers[i]}: ${JSON.stringify(value)}`);
    lines += `${headers[i]}: ${value}\r\n`;
  }
  return `${statusLine(status)}${fixedLines}${lines}Date: ${httpDate(now)}\r\n${connection.keepAlive ? keepAliveLines(connection.keepAliveSeconds) : 'Connection: close\r\n\r\n'}`;
}

let keepAliveFor = -1;
let keepAliveText = '';

/** The Connection and Keep-Alive lines and the blank line that ends the head, made once. */
function keepAliveLines(seconds: number): string {
  if (seconds !== keepAliveFor) {
    keepAliveFor = seconds;
    keepAliveText = `Connection: keep-alive\r\nKeep-Alive: timeout=${seconds}\r\n\r\n`;
  }
  return keepAliveText;
}

const SPLITTING = /[\r\n\0]/;

let dateSecond = -1;
let dateText = '';

/** IMF-fixdate of `now` (ms), made once a second. */
export function httpDate(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}
