// session.connections / session.streams: OT's collection with get(id), forEach, find, where
// and length.

export class ObjectCollection<T extends object> {
  private readonly items = new Map<string, T>();

  constructor(private readonly idOf: (item: T) => string) {}

  get length(): number {
    return this.items.size;
  }

  get(id: string): T | undefined {
    return this.items.get(id);
  }

  has(id: string): boolean {
    return this.items.has(id);
  }

  forEach(fn: (item: T, id: string) => void, context?: unknown): void {
    for (const [id, item] of [...this.items]) fn.call(context, item, id);
  }

  find(predicate: ((item: T) => boolean) | Partial<T>): T | undefined {
    return this.where(predicate)[0];
  }

  /** Items matching a predicate or every key/value of an attribute object. */
  where(predicate: ((item: T) => boolean) | Partial<T>): T[] {
    const test = typeof predicate === 'function'
      ? predicate
      : (item: T) => Object.entries(predicate).every(([k, v]) => (item as Record<string, unknown>)[k] === v);
    return [...this.items.values()].filter(test);
  }

  map<U>(fn: (item: T) => U): U[] {
    return [...this.items.values()].map(fn);
  }

  toArray(): T[] {
    return [...this.items.values()];
  }

  /** @internal */
  add(item: T): void {
    this.items.set(this.idOf(item), item);
  }

  /** @internal */
  remove(id: string): T | undefined {
    const item = this.items.get(id);
    this.items.delete(id);
    return item;
  }

  /** @internal */
  clear(): void {
    this.items.clear();
  }
}
