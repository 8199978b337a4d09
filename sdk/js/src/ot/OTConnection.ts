// A client in the session (OT.Connection): connectionId, creationTime, data.

import type { Connection } from '../raptor/RaptorMessage.js';

export class OTConnection {
  readonly connectionId: string;
  readonly id: string;
  readonly creationTime: number;
  readonly data: string;
  /** Role-derived permissions from the server (docs/protocol.md §7.5). */
  readonly permissions: readonly string[];

  constructor(c: Connection) {
    this.connectionId = c.id;
    this.id = c.id;
    this.creationTime = c.creationTime;
    this.data = c.data;
    this.permissions = [...c.permissions];
  }

  /** Hidden backend pseudo-clients (docs/protocol.md §7.3): ids starting with `symphony.`, or auriga agents. */
  static isHidden(c: Connection): boolean {
    return c.id.startsWith('symphony.') || (c.userAgent ?? '').includes('auriga');
  }
}
