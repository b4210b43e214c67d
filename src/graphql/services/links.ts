// The LinksPort over a key ring: signed paths to the download route (src/http/paths.ts, src/http/sign.ts). Pure.
import { downloadPath } from '../../http/paths.ts';
import { signPath, type KeyRing } from '../../http/sign.ts';
import type { LinksPort, SignedPath } from './ports.ts';
import { InvalidArgumentError } from '../errors.ts';
import { signZarrPrefix } from '../../http/zarr.ts';

/** `ring` may be a function so that a rotated ring is picked up without rebuilding the server. */
export function signedLinks(ring: KeyRing | (() => KeyRing), options: { publicMode?: boolean } = {}): LinksPort {
  const currentRing = typeof ring === 'function' ? ring : () => ring;
  const sign = (path: string, params: Array<[string, string]>, expiresIn?: number): SignedPath => {
    const { url, expiresAt } = signPath(path, params, { ring: currentRing(), expiresIn });
    return { url, expiresAt };
  };
  return {
    blob(cid, options) {
      return sign(downloadPath({ kind: 'blob', cid }), [], options.expiresIn);
    },
    tensor(cid, name, options) {
      let path: string;
      try {
        path = downloadPath({ kind: 'tensor', cid, name });
      } catch (error) {
        // Names come from file headers; the route refuses a few (a '..' part, control characters) as unsafe.
        throw new InvalidArgumentError(
          `the tensor name ${JSON.stringify(name.slice(0, 80))} cannot be served by the download route (${(error as Error).message}): raise inlineLimit to get it inline`,
          'name',
        );
      }
      const params: Array<[string, string]> = [];
      if (options.slice !== undefined && options.slice !== null) params.push(['slice', options.slice]);
      if (options.format !== undefined) params.push(['format', options.format]);
      return sign(path, params, options.expiresIn);
    },
    subset(cid, names, linkOptions) {
      // Commas inside a name would split it: such a list goes as JSON, which the route reads too (paths.ts).
      const list = names.some((n) => n.includes(',') || n.startsWith('[')) ? JSON.stringify(names) : names.join(',');
      return sign(downloadPath({ kind: 'file', cid }), [['tensors', list]], linkOptions.expiresIn);
    },
    zarr(cid, linkOptions) {
      if (options.publicMode) return { url: `/zarr/${cid}/`, expiresAt: Math.floor(Date.now() / 1000) + (linkOptions.expiresIn ?? 900) };
      return signZarrPrefix(cid, { ring: currentRing(), expiresIn: linkOptions.expiresIn });
    },
  };
}
