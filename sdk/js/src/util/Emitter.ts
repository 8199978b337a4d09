// A small typed event emitter shared by the SDK's classes. `Events` maps each event name to
// the tuple of arguments its listeners receive.
//
// A listener that throws does not stop the others; its exception is re-thrown on a fresh
// task so it surfaces as an uncaught error (console in browsers, process in Node).

export type Listener<Args extends unknown[]> = (...args: Args) => void;

type StoredListener = { fn: (...args: unknown[]) => void; once: boolean };

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private listeners = new Map<keyof Events, StoredListener[]>();

  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): this {
    return this.add(event, fn as unknown as StoredListener['fn'], false);
  }

  once<K extends keyof Events>(event: K, fn: Listener<Events[K]>): this {
    return this.add(event, fn as unknown as StoredListener['fn'], true);
  }

  /** Removes one listener, or every listener of `event` when `fn` is omitted. */
  off<K extends keyof Events>(event: K, fn?: Listener<Events[K]>): this {
    if (!fn) {
      this.listeners.delete(event);
      return this;
    }
    const list = this.listeners.get(event);
    if (!list) return this;
    const i = list.findIndex((l) => l.fn === (fn as unknown));
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(event);
    return this;
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const entry of [...list]) {
      if (entry.once) {
        const i = list.indexOf(entry);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.listeners.delete(event);
      }
      try {
        entry.fn(...args);
      } catch (err) {
        setTimeout(() => {
          throw err;
        }, 0);
      }
    }
    return true;
  }

  private add<K extends keyof Events>(event: K, fn: StoredListener['fn'], once: boolean): this {
    const list = this.listeners.get(event) ?? [];
    list.push({ fn, once });
    this.listeners.set(event, list);
    return this;
  }
}
