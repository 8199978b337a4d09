// OT's event API: on/once/off with an optional context, the `{type: handler}` form, and a
// space-separated list of types. Handlers get one OTEvent; an exception in a handler is
// logged and does not stop the others.

import { log } from './Log.js';
import { OTEvent } from './OTEvent.js';

/** Event handlers get the OT event object; its members depend on the event type. */
export type Handler = (event: any) => void;
export type HandlerMap = Record<string, Handler>;

interface Entry {
  handler: Handler;
  context: unknown;
  once: boolean;
}

export class EventDispatcher {
  private readonly handlers = new Map<string, Entry[]>();

  /** Adds a handler for one or more space-separated event types, or a `{type: handler}` map. */
  on(type: string, handler: Handler, context?: unknown): this;
  on(handlers: HandlerMap, context?: unknown): this;
  on(type: string | HandlerMap, handler?: unknown, context?: unknown): this {
    return this.add(type, handler, context, false);
  }

  /** Like on(), but each handler runs once. */
  once(type: string, handler: Handler, context?: unknown): this;
  once(handlers: HandlerMap, context?: unknown): this;
  once(type: string | HandlerMap, handler?: unknown, context?: unknown): this {
    return this.add(type, handler, context, true);
  }

  /** off(): every handler; off(type): that type's; off(type, handler[, context]) one. */
  off(type?: string, handler?: Handler, context?: unknown): this;
  off(handlers: HandlerMap, context?: unknown): this;
  off(type?: string | HandlerMap, handler?: unknown, context?: unknown): this {
    this.offQuietly(type, handler, context);
    this.listenersChanged();
    return this;
  }

  /** Called after handlers were added or removed (e.g. to start work only while wanted). */
  protected listenersChanged(): void {}

  private offQuietly(type?: string | HandlerMap, handler?: unknown, context?: unknown): this {
    if (type === undefined) {
      this.handlers.clear();
      return this;
    }
    if (typeof type === 'object') {
      for (const [t, h] of Object.entries(type)) this.remove(t, h, handler);
      return this;
    }
    for (const t of type.split(/\s+/).filter(Boolean)) {
      if (handler === undefined) this.handlers.delete(t);
      else this.remove(t, handler as Handler, context);
    }
    return this;
  }

  addEventListener(type: string, handler: Handler, context?: unknown): this {
    return this.on(type, handler, context);
  }

  removeEventListener(type: string, handler: Handler, context?: unknown): this {
    return this.off(type, handler, context);
  }

  /** True when someone listens for `type` (used to start work only when it is wanted). */
  hasListeners(type: string): boolean {
    return (this.handlers.get(type)?.length ?? 0) > 0;
  }

  /**
   * Dispatches `event` to the handlers of `listenerType` (default: event.type) and then runs
   * `defaultAction` unless a handler called preventDefault().
   */
  dispatch(event: OTEvent, { listenerType, defaultAction }: { listenerType?: string; defaultAction?: () => void } = {}): boolean {
    if (event.target === null) event.target = this;
    const list = this.handlers.get(listenerType ?? event.type);
    if (list && list.length) {
      for (const entry of [...list]) {
        if (entry.once) this.remove(listenerType ?? event.type, entry.handler, entry.context);
        try {
          entry.handler.call(entry.context ?? this, event);
        } catch (err) {
          log.error(`a "${event.type}" handler threw:`, err);
        }
      }
    }
    if (defaultAction && !event.isDefaultPrevented()) defaultAction();
    return !event.isDefaultPrevented();
  }

  /** Shorthand: builds an OTEvent and dispatches it. */
  trigger(type: string, properties: Record<string, unknown> = {}, options: { cancelable?: boolean; defaultAction?: () => void } = {}): OTEvent {
    const event = new OTEvent(type, properties, options.cancelable ?? false);
    this.dispatch(event, options.defaultAction ? { defaultAction: options.defaultAction } : {});
    return event;
  }

  private add(type: string | HandlerMap, handler: unknown, context: unknown, once: boolean): this {
    this.addQuietly(type, handler, context, once);
    this.listenersChanged();
    return this;
  }

  private addQuietly(type: string | HandlerMap, handler: unknown, context: unknown, once: boolean): this {
    if (typeof type === 'object' && type !== null) {
      for (const [t, h] of Object.entries(type)) this.addQuietly(t, h, handler, once);
      return this;
    }
    if (typeof type !== 'string' || typeof handler !== 'function') {
      log.error('on()/once() need an event type and a handler function');
      return this;
    }
    for (const t of type.split(/\s+/).filter(Boolean)) {
      const list = this.handlers.get(t) ?? [];
      list.push({ handler: handler as Handler, context, once });
      this.handlers.set(t, list);
    }
    return this;
  }

  private remove(type: string, handler: Handler | undefined, context: unknown): void {
    const list = this.handlers.get(type);
    if (!list) return;
    const kept = list.filter((e) => !(e.handler === handler && (context === undefined || e.context === context)));
    if (kept.length) this.handlers.set(type, kept);
    else this.handlers.delete(type);
  }
}
