// Preloaded into server children by tests (node --expose-gc --import <this>): SIGUSR2 runs a full garbage
// collection, so a test can tell "no longer referenced" from "not yet collected" when it watches mappings go.
// Test-only; the server itself never forces a collection.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  // A second pass collects what the first pass's finalizers released (external Buffers over mappings).
  setImmediate(() => globalThis.gc?.());
});
