// The Rumor transport over one WebSocket at a time (docs/protocol.md §6): CONNECT and SUBSCRIBE on open,
// requests answered by STATUS frames with the same TRANSACTION-ID, acknowledgements of
// server MESSAGEs with duplicate suppression, keepalive, and — when the session allows it —
// reconnection under the same socketId with every unanswered request re-sent.
//
// Works with the browser's WebSocket and with any constructor of the same shape (the `ws`
// package's WebSocket in Node), passed as `WebSocket`.

import { Emitter } from '../util/Emitter.js';
import { uuid } from '../util/uuid.js';
import { CloseCode, closeCodeAllowsReconnect } from './closeCodes.js';
import {
  RumorFrameError,
  RumorHeader,
  RumorType,
  ackFrame,
  connectFrame,
  decodeRumorFrame,
  disconnectFrame,
  encodeRumorFrame,
  isKnownRumorType,
  pingFrame,
  rumorTypeName,
  subscribeFrame,
  unsubscribeFrame,
  type RumorFrame,
  type RumorFrameInit,
  type RumorHeaders,
} from './RumorFrame.js';

/** The part of the WebSocket interface this transport uses. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
}

export interface WebSocketConstructor {
  new (url: string): WebSocketLike;
}

const WS_OPEN = 1;

export type RumorSocketState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

export interface RumorSocketOptions {
  /** messaging_url from session info, already proxied (docs/protocol.md §5.5). */
  url: string;
  /** The client's connection id: CONNECT uniqueId and X-TB-FROM-ADDRESS (docs/protocol.md §1.3). */
  connectionId: string;
  /** symphony_address from session info (docs/protocol.md §1.5). */
  notifyDisconnectAddress: string;
  /** Topics SUBSCRIBEd right after CONNECT: the session topic (docs/protocol.md §6.3). */
  topics?: readonly string[];
  /** properties.reconnection from session info: socketId/attempt query and reconnection (docs/protocol.md §6.1, §6.7). */
  reconnection?: boolean;
  /** Reused across reconnections; a fresh UUID by default. */
  socketId?: string;
  /** WebSocket constructor; `globalThis.WebSocket` by default. */
  WebSocket?: WebSocketConstructor;
  /** PING after this much outbound silence (docs/protocol.md §6.6). */
  pingIntervalMs?: number;
  /** The socket is considered dead after this much inbound silence (docs/protocol.md §6.6, §9.2). */
  inboundTimeoutMs?: number;
  /** Limit for a WebSocket to open (docs/protocol.md §6.1). */
  connectTimeoutMs?: number;
  /** How long reconnection attempts go on after a drop (docs/protocol.md §6.7). */
  reconnectWindowMs?: number;
  /** Delays before successive reconnection attempts; the last one repeats. */
  reconnectDelaysMs?: readonly number[];
  /** How long received TRANSACTION-IDs are remembered to drop repeats (docs/protocol.md §6.5). */
  duplicateWindowMs?: number;
  /** Inbound frames larger than this are reported as errors and ignored. */
  maxFrameBytes?: number;
}

export interface RumorRequestOptions {
  /** Keep the request over a reconnection and re-send it (default true); false: fail it. */
  retryAfterReconnect?: boolean;
  /** Fail the request if no STATUS arrives in time (default: wait as long as the socket lives). */
  timeoutMs?: number;
  /** Use this TRANSACTION-ID instead of a fresh UUID. */
  transactionId?: string;
}

/** The STATUS frame answering a request. */
export interface RumorReply {
  transactionId: string;
  /** The STATUS header as a number (NaN if absent or not numeric). */
  status: number;
  /** True for 2xx. */
  ok: boolean;
  headers: RumorHeaders;
  payload: string;
  frame: RumorFrame;
}

export interface RumorCloseInfo {
  code: number;
  reason: string;
  /** True when disconnect() ended the socket. */
  byClient: boolean;
  /** Why the socket ended, when it was not a clean disconnect() or a 1000 close. */
  error?: RumorSocketError;
}

/**
 * Transport errors. `code` is 500 for a request that cannot be delivered ("Not connected.",
 * as OpenTok.js reports it), 408 for a request timeout, otherwise a close code (docs/protocol.md §6.8).
 */
export class RumorSocketError extends Error {
  override readonly name = 'RumorSocketError';
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export type RumorSocketEvents = {
  state: [state: RumorSocketState, previous: RumorSocketState];
  /** First open: CONNECT and SUBSCRIBE have been sent. */
  open: [];
  /** A server MESSAGE (acknowledged already; repeats are dropped). */
  message: [frame: RumorFrame];
  /** A STATUS frame that answers none of the pending requests. */
  status: [frame: RumorFrame];
  /** Every well-formed inbound frame, before it is handled. */
  frame: [frame: RumorFrame];
  reconnecting: [];
  reconnectAttempt: [attempt: number, url: string];
  /** The new socket delivered its first frame: requests flow again. */
  reconnected: [];
  close: [info: RumorCloseInfo];
  /** Malformed inbound frames, unexpected frames, socket errors. Never fatal by itself. */
  error: [error: RumorFrameError | RumorSocketError];
};

interface Pending {
  bytes: Uint8Array;
  retryAfterReconnect: boolean;
  resolve: (reply: RumorReply) => void;
  reject: (err: RumorSocketError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const notConnected = () => new RumorSocketError(500, 'Not connected.');

export class RumorSocket extends Emitter<RumorSocketEvents> {
  readonly url: string;
  readonly connectionId: string;
  readonly socketId: string;
  readonly notifyDisconnectAddress: string;
  readonly reconnection: boolean;

  private readonly topics: readonly string[];
  private readonly WS: WebSocketConstructor;
  private readonly pingIntervalMs: number;
  private readonly inboundTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly reconnectWindowMs: number;
  private readonly reconnectDelaysMs: readonly number[];
  private readonly duplicateWindowMs: number;
  private readonly maxFrameBytes: number | undefined;

  private _state: RumorSocketState = 'idle';
  private ws: WebSocketLike | null = null;
  private readonly pending = new Map<string, Pending>();
  /** Frames other than requests waiting for a reconnected socket (acknowledgements …). */
  private queued: Uint8Array[] = [];
  /** Received TRANSACTION-IDs → when to forget them. Insertion order = expiry order. */
  private readonly seen = new Map<string, number>();
  private pingTimer: ReturnType<typeof setTimeout> | undefined;
  private inboundTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private dropStartedAt: number | undefined;
  private attempts = 0;
  private awaitingRecovery = false;
  private connecting: { resolve: () => void; reject: (err: RumorSocketError) => void } | undefined;
  private closing: Promise<RumorCloseInfo> | undefined;
  private resolveClosing: ((info: RumorCloseInfo) => void) | undefined;

  constructor(options: RumorSocketOptions) {
    super();
    this.url = options.url;
    this.connectionId = options.connectionId;
    this.notifyDisconnectAddress = options.notifyDisconnectAddress;
    this.topics = options.topics ?? [];
    this.reconnection = options.reconnection ?? false;
    this.socketId = options.socketId ?? uuid();
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError('no WebSocket implementation: pass options.WebSocket');
    this.WS = WS;
    this.pingIntervalMs = options.pingIntervalMs ?? 2000;
    this.inboundTimeoutMs = options.inboundTimeoutMs ?? (this.reconnection ? 5900 : 49900);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15000;
    this.reconnectWindowMs = options.reconnectWindowMs ?? 30000;
    this.reconnectDelaysMs = options.reconnectDelaysMs?.length ? options.reconnectDelaysMs : [0, 500, 1000, 2000];
    this.duplicateWindowMs = options.duplicateWindowMs ?? 30000;
    this.maxFrameBytes = options.maxFrameBytes;
  }

  get state(): RumorSocketState {
    return this._state;
  }

  /** Requests sent and not answered yet. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Opens the socket, sends CONNECT and SUBSCRIBE; resolves once they are sent. */
  connect(): Promise<void> {
    if (this._state !== 'idle') return Promise.reject(new RumorSocketError(500, `connect() in state ${this._state}`));
    this.setState('connecting');
    return new Promise<void>((resolve, reject) => {
      this.connecting = { resolve, reject };
      this.openSocket(false);
    });
  }

  /**
   * Sends a MESSAGE with a fresh TRANSACTION-ID and X-TB-FROM-ADDRESS, and resolves with the
   * STATUS frame carrying the same id, whatever its status code. Rejects (RumorSocketError
   * 500) when the socket cannot deliver it: closed, or reconnecting with
   * retryAfterReconnect false.
   */
  request(to: readonly string[], payload: string, headers: Readonly<Record<string, string>> = {}, options: RumorRequestOptions = {}): Promise<RumorReply> {
    const retryAfterReconnect = options.retryAfterReconnect ?? true;
    if (this._state !== 'open' && this._state !== 'reconnecting') return Promise.reject(notConnected());
    if (this._state === 'reconnecting' && !retryAfterReconnect) return Promise.reject(notConnected());
    const transactionId = options.transactionId ?? uuid();
    if (this.pending.has(transactionId)) {
      return Promise.reject(new RumorSocketError(500, `TRANSACTION-ID ${transactionId} is already pending`));
    }
    let bytes: Uint8Array;
    try {
      bytes = encodeRumorFrame({
        type: RumorType.MESSAGE,
        addresses: to,
        headers: { ...headers, [RumorHeader.TRANSACTION_ID]: transactionId, [RumorHeader.FROM_ADDRESS]: this.connectionId },
        payload,
      });
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<RumorReply>((resolve, reject) => {
      const entry: Pending = { bytes, retryAfterReconnect, resolve, reject, timer: undefined };
      if (options.timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          if (this.pending.get(transactionId) !== entry) return;
          this.pending.delete(transactionId);
          reject(new RumorSocketError(408, `no STATUS for ${transactionId} within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      this.pending.set(transactionId, entry);
      // While reconnecting without a usable socket the request waits: every pending request
      // is sent when the next socket opens.
      if (this.usable()) this.write(bytes);
    });
  }

  /** Forgets a pending request: its promise never settles and it is not re-sent. */
  cancel(transactionId: string): boolean {
    const entry = this.pending.get(transactionId);
    if (!entry) return false;
    clearTimeout(entry.timer);
    this.pending.delete(transactionId);
    return true;
  }

  /**
   * Sends any frame as it is. While reconnecting it waits for the next socket when
   * `queue` is true (the default), otherwise it is dropped. Returns false if dropped.
   */
  send(frame: RumorFrameInit, { queue = true }: { queue?: boolean } = {}): boolean {
    return this.sendBytes(encodeRumorFrame(frame), queue);
  }

  subscribe(topics: readonly string[]): boolean {
    return this.send(subscribeFrame(topics));
  }

  unsubscribe(topics: readonly string[]): boolean {
    return this.send(unsubscribeFrame(topics));
  }

  /**
   * Leaves: DISCONNECT with an empty `reconnect` header, then close code 1000 (docs/protocol.md §6.3, §6.8).
   * Pending requests fail with "Not connected.". Resolves when the socket is closed.
   */
  disconnect(): Promise<RumorCloseInfo> {
    if (this.closing) return this.closing;
    this.closing = new Promise<RumorCloseInfo>((resolve) => {
      this.resolveClosing = resolve;
    });
    if (this._state === 'closed') {
      this.resolveClosing?.({ code: CloseCode.NORMAL, reason: 'already closed', byClient: true });
      return this.closing;
    }
    const ws = this.ws;
    this.setState('closing');
    this.clearTimers();
    if (ws && ws.readyState === WS_OPEN) {
      this.rawSend(ws, encodeRumorFrame(disconnectFrame('')));
      this.closeWs(ws, CloseCode.NORMAL, 'client disconnected');
      // The close event ends it; do not wait forever for a server that does not answer.
      this.closeTimer = setTimeout(() => this.finish(CloseCode.NORMAL, 'client disconnected', true), 2000);
    } else {
      this.finish(CloseCode.NORMAL, 'client disconnected', true);
    }
    return this.closing;
  }

  // -------------------------------------------------------------------------------------
  // Socket life cycle

  private socketUrl(reconnect: boolean): string {
    if (!this.reconnection) return this.url;
    const sep = this.url.includes('?') ? '&' : '?';
    return `${this.url}${sep}socketId=${this.socketId}${reconnect ? '&reconnect=true' : ''}&attempt=${uuid()}`;
  }

  private openSocket(reconnect: boolean): void {
    const url = this.socketUrl(reconnect);
    if (reconnect) this.emit('reconnectAttempt', this.attempts, url);
    let ws: WebSocketLike;
    try {
      ws = new this.WS(url);
      ws.binaryType = 'arraybuffer';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.emit('error', new RumorSocketError(CloseCode.CONNECT_EXCEPTION, `cannot create a WebSocket for ${url}: ${message}`));
      this.lost(CloseCode.CONNECT_EXCEPTION, message);
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => this.onOpen(ws));
    ws.addEventListener('message', (event: { data: unknown }) => this.onData(ws, event.data));
    ws.addEventListener('close', (event: { code?: number; reason?: string }) => this.onClose(ws, event.code ?? CloseCode.ABNORMAL, event.reason ?? ''));
    ws.addEventListener('error', (event: { message?: string; error?: unknown }) => {
      if (ws !== this.ws) return;
      const detail = event?.message ?? (event?.error instanceof Error ? event.error.message : '');
      this.emit('error', new RumorSocketError(CloseCode.ABNORMAL, `WebSocket error${detail ? `: ${detail}` : ''}`));
    });
    let timeout = this.connectTimeoutMs;
    if (reconnect && this.dropStartedAt !== undefined) {
      timeout = Math.max(1, Math.min(timeout, this.dropStartedAt + this.reconnectWindowMs - Date.now()));
    }
    this.connectTimer = setTimeout(() => {
      if (ws !== this.ws || ws.readyState === WS_OPEN) return;
      this.detach(ws, CloseCode.TIMEOUT, 'Timeout while opening connection');
      this.lost(CloseCode.TIMEOUT, 'Timeout while opening connection');
    }, timeout);
  }

  private onOpen(ws: WebSocketLike): void {
    if (ws !== this.ws) return;
    clearTimeout(this.connectTimer);
    this.armInbound();
    if (this._state === 'connecting') {
      this.write(encodeRumorFrame(connectFrame(this.connectionId, this.notifyDisconnectAddress, uuid())));
      if (this.topics.length) this.write(encodeRumorFrame(subscribeFrame(this.topics)));
      this.setState('open');
      const c = this.connecting;
      this.connecting = undefined;
      c?.resolve();
      this.emit('open');
      return;
    }
    if (this._state === 'reconnecting') {
      // No CONNECT or SUBSCRIBE again: the server re-binds the socket by socketId (docs/protocol.md §6.7).
      this.awaitingRecovery = true;
      const queued = this.queued;
      this.queued = [];
      for (const bytes of queued) this.write(bytes);
      for (const entry of this.pending.values()) this.write(entry.bytes);
      // Any frame back proves the new socket works; a PING makes sure one comes.
      this.write(encodeRumorFrame(pingFrame()));
    }
  }

  private onData(ws: WebSocketLike, data: unknown): void {
    if (ws !== this.ws) return;
    if (this._state !== 'closing') this.armInbound();
    if (typeof data === 'string') {
      this.emit('error', new RumorSocketError(CloseCode.UNSUPPORTED, 'ignored a text WebSocket message: Rumor frames are binary'));
      return;
    }
    let frame: RumorFrame;
    try {
      frame = decodeRumorFrame(data as ArrayBuffer, { maxFrameBytes: this.maxFrameBytes });
    } catch (err) {
      this.emit('error', err instanceof RumorFrameError ? err : new RumorSocketError(CloseCode.INCONSISTENT_DATA, String(err)));
      return;
    }
    if (this.awaitingRecovery && isKnownRumorType(frame.type)) {
      this.awaitingRecovery = false;
      this.dropStartedAt = undefined;
      this.attempts = 0;
      this.setState('open');
      this.emit('reconnected');
    }
    this.emit('frame', frame);
    this.dispatch(frame);
  }

  private onClose(ws: WebSocketLike, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
    clearTimeout(this.connectTimer);
    clearTimeout(this.pingTimer);
    clearTimeout(this.inboundTimer);
    if (this._state === 'closing') {
      this.finish(code, reason, true);
      return;
    }
    this.lost(code, reason);
  }

  /** The current socket is gone (or never opened): reconnect or close for good. */
  private lost(code: number, reason: string): void {
    if (this._state === 'closing' || this._state === 'closed') {
      this.finish(code, reason, true);
      return;
    }
    if (this._state === 'connecting' || this._state === 'idle') {
      // The first socket never opened: that is a failed connect attempt (docs/protocol.md §6.1).
      this.finish(code, reason || 'the WebSocket did not open', false);
      return;
    }
    if (!this.reconnection || !closeCodeAllowsReconnect(code)) {
      this.finish(code, reason, false);
      return;
    }
    const now = Date.now();
    this.dropStartedAt ??= now;
    if (now - this.dropStartedAt >= this.reconnectWindowMs) {
      this.finish(code, `not reconnected within ${this.reconnectWindowMs} ms${reason ? ` (${reason})` : ''}`, false);
      return;
    }
    this.awaitingRecovery = false;
    if (this._state !== 'reconnecting') {
      this.setState('reconnecting');
      for (const [id, entry] of this.pending) {
        if (entry.retryAfterReconnect) continue;
        this.pending.delete(id);
        clearTimeout(entry.timer);
        entry.reject(notConnected());
      }
      this.emit('reconnecting');
    }
    const delays = this.reconnectDelaysMs;
    const delay = delays[Math.min(this.attempts, delays.length - 1)]!;
    this.attempts++;
    const left = this.dropStartedAt + this.reconnectWindowMs - now;
    this.retryTimer = setTimeout(() => {
      if (this._state === 'reconnecting') this.openSocket(true);
    }, Math.min(delay, Math.max(0, left - 1)));
  }

  /** Nothing arrived for too long (docs/protocol.md §6.6). */
  private onSilence(): void {
    const ws = this.ws;
    if (!ws) return;
    if (this.reconnection && (this._state === 'open' || this._state === 'reconnecting')) {
      // Tell the server this socket is being abandoned for a new one (docs/protocol.md §6.7 step 1).
      if (ws.readyState === WS_OPEN) this.rawSend(ws, encodeRumorFrame(disconnectFrame('1')));
    }
    this.detach(ws, CloseCode.TIMEOUT, 'No activity');
    this.lost(CloseCode.TIMEOUT, 'No activity');
  }

  /** Stops listening to `ws` and closes it. */
  private detach(ws: WebSocketLike, code: number, reason: string): void {
    if (this.ws === ws) this.ws = null;
    clearTimeout(this.connectTimer);
    clearTimeout(this.pingTimer);
    clearTimeout(this.inboundTimer);
    this.closeWs(ws, code, reason);
  }

  private closeWs(ws: WebSocketLike, code: number, reason: string): void {
    try {
      ws.close(code, reason);
    } catch {
      try {
        ws.close();
      } catch {
        // already closed
      }
    }
  }

  private finish(code: number, reason: string, byClient: boolean): void {
    if (this._state === 'closed') return;
    this.clearTimers();
    const ws = this.ws;
    if (ws) this.detach(ws, CloseCode.NORMAL, reason);
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(notConnected());
    }
    this.pending.clear();
    this.queued = [];
    this.awaitingRecovery = false;
    const clean = byClient || code === CloseCode.NORMAL;
    const info: RumorCloseInfo = { code, reason, byClient };
    if (!clean) info.error = new RumorSocketError(code, reason || `socket closed with code ${code}`);
    this.setState('closed');
    const c = this.connecting;
    this.connecting = undefined;
    c?.reject(info.error ?? new RumorSocketError(code, reason || 'closed before it opened'));
    this.emit('close', info);
    this.resolveClosing?.(info);
  }

  private clearTimers(): void {
    for (const t of [this.pingTimer, this.inboundTimer, this.connectTimer, this.retryTimer, this.closeTimer]) clearTimeout(t);
    this.pingTimer = this.inboundTimer = this.connectTimer = this.retryTimer = this.closeTimer = undefined;
  }

  private setState(state: RumorSocketState): void {
    const previous = this._state;
    if (previous === state) return;
    this._state = state;
    this.emit('state', state, previous);
  }

  // -------------------------------------------------------------------------------------
  // Inbound frames

  private dispatch(frame: RumorFrame): void {
    const transactionId = frame.headers[RumorHeader.TRANSACTION_ID];
    switch (frame.type) {
      case RumorType.PONG:
        return;
      case RumorType.STATUS: {
        const entry = transactionId ? this.pending.get(transactionId) : undefined;
        if (!entry || transactionId === undefined) {
          this.emit('status', frame);
          return;
        }
        this.pending.delete(transactionId);
        clearTimeout(entry.timer);
        const raw = frame.headers[RumorHeader.STATUS];
        const status = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : NaN;
        entry.resolve({ transactionId, status, ok: status >= 200 && status < 300, headers: frame.headers, payload: frame.payload, frame });
        return;
      }
      case RumorType.MESSAGE:
        this.deliver(frame, transactionId);
        return;
      default:
        // Unknown (or client-only) types carrying a payload are handled like MESSAGEs (docs/protocol.md §6.3).
        if (frame.payload !== '') this.deliver(frame, transactionId);
        this.emit('error', new RumorSocketError(CloseCode.PROTOCOL_ERROR, `unexpected ${rumorTypeName(frame.type)} frame from the server`));
    }
  }

  private deliver(frame: RumorFrame, transactionId: string | undefined): void {
    if (transactionId) {
      // Acknowledge first, even a repeat: the server sent it again because an ack was lost.
      const from = frame.headers[RumorHeader.FROM_ADDRESS] ?? '';
      this.sendBytes(encodeRumorFrame(ackFrame(from, transactionId, this.connectionId)), true);
      if (this.remember(transactionId)) return;
    }
    this.emit('message', frame);
  }

  /** Records a received TRANSACTION-ID; true if it was seen within the window already. */
  private remember(transactionId: string): boolean {
    const now = Date.now();
    for (const [id, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(id);
    }
    if (this.seen.has(transactionId)) return true;
    this.seen.set(transactionId, now + this.duplicateWindowMs);
    return false;
  }

  // -------------------------------------------------------------------------------------
  // Outbound frames and timers

  /** A socket that frames can be written to right now. */
  private usable(): boolean {
    return this.ws !== null && this.ws.readyState === WS_OPEN && (this._state === 'open' || this._state === 'reconnecting');
  }

  private sendBytes(bytes: Uint8Array, queue: boolean): boolean {
    if (this.usable()) {
      this.write(bytes);
      return true;
    }
    if (this._state === 'reconnecting' && queue) {
      this.queued.push(bytes);
      return true;
    }
    return false;
  }

  private write(bytes: Uint8Array): void {
    const ws = this.ws;
    if (!ws) return;
    this.rawSend(ws, bytes);
    this.armPing();
  }

  private rawSend(ws: WebSocketLike, bytes: Uint8Array): void {
    try {
      ws.send(bytes);
    } catch (err) {
      this.emit('error', new RumorSocketError(CloseCode.ABNORMAL, `WebSocket send failed: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  private armPing(): void {
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      if (this.usable()) this.write(encodeRumorFrame(pingFrame()));
    }, this.pingIntervalMs);
  }

  private armInbound(): void {
    clearTimeout(this.inboundTimer);
    this.inboundTimer = setTimeout(() => this.onSilence(), this.inboundTimeoutMs);
  }
}
