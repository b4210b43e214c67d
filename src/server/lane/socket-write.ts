// A response head and a view of mapped memory sent to a socket in one system call, bypassing Node's stream
// machinery when nothing else is queued on the socket (native/src/socket_write.cc). The kernel copies straight from
// the mapping, as it does for socket.write of the same view.
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { native } from '../../mmap/binding.ts';
import { idleSocketFd } from './node-internals.ts';

/**
 * Sends `head` (latin1) and `body` on the socket if it can, and says how much went: 'all'; 'none' (the socket must
 * be written through Node as usual: something is queued on it, it has no descriptor, or its buffer is full); or a
 * number of bytes, fewer than given, after which the rest must go through Node. Throws the errno as an Error (the
 * connection is broken: reset, closed, or a page of the mapping lost) with `code` set, as Node's socket errors.
 */
export function sendDirect(socket: Socket, head: string, body: Uint8Array | null): 'all' | 'none' | number {
  const fd = idleSocketFd(socket);
  if (fd < 0 || socket.writableLength !== 0 || socket.destroyed) return 'none';
  const sent = native.writeResponse(fd, head, body ?? undefined);
  if (sent === head.length + (body?.byteLength ?? 0)) return 'all';
  if (sent >= 0) return sent === 0 ? 'none' : sent;
  if (sent === -constants.errno.EAGAIN || sent === -constants.errno.EWOULDBLOCK || sent === -constants.errno.ENOTSOCK) return 'none';
  const code = Object.entries(constants.errno).find(([, value]) => value === -sent)?.[0] ?? 'EIO';
  throw Object.assign(new Error(`${code}: the response could not be written (errno ${-sent})`), { code, errno: sent, syscall: 'sendmsg' });
}
