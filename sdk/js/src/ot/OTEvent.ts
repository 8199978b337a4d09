// The event object OT handlers receive. Event-specific members (stream, connection, reason,
// data, from …) are set as own properties, the way OpenTok.js's event objects carry them.

export class OTEvent {
  readonly type: string;
  readonly cancelable: boolean;
  target: unknown = null;
  private defaultPrevented = false;
  [key: string]: unknown;

  constructor(type: string, properties: Record<string, unknown> = {}, cancelable = false) {
    this.type = type;
    this.cancelable = cancelable;
    Object.assign(this, properties);
  }

  /** Cancels the default action (e.g. removing a subscriber's element) where OT has one. */
  preventDefault(): void {
    if (this.cancelable) this.defaultPrevented = true;
  }

  isDefaultPrevented(): boolean {
    return this.defaultPrevented;
  }
}
