// A small bounded map for per-process memos: when full, the oldest entry goes (first in, first out). Enough for
// what it holds (parsed request targets, verified signatures, index records): a miss only costs a recomputation.
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();
  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    if (!this.#map.has(key) && this.#map.size >= this.capacity) this.#map.delete(this.#map.keys().next().value as K);
    this.#map.set(key, value);
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  get size(): number {
    return this.#map.size;
  }
}
