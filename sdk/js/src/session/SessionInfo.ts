// Session info ("GSI", docs/protocol.md §5.4): the HTTP call that tells a client where its session's
// Rumor WebSocket and Symphony address are, and which session properties apply.

import type { JsonObject } from '../util/json.js';
import { proxiedUrl, sessionInfoUrl } from './ProxyUrl.js';

/** OpenTok error codes that session info can end in (docs/protocol.md §5.4.2, §9.1). */
export const SessionInfoErrorCode = {
  AUTHENTICATION_ERROR: 1004,
  INVALID_SESSION_ID: 1005,
  CONNECT_FAILED: 1006,
  TERMS_OF_SERVICE_FAILURE: 1026,
  UNEXPECTED_SERVER_RESPONSE: 2001,
} as const;

const ERROR_NAMES: Record<number, string> = {
  1004: 'OT_AUTHENTICATION_ERROR',
  1005: 'OT_INVALID_SESSION_ID',
  1006: 'OT_CONNECT_FAILED',
  1026: 'OT_TERMS_OF_SERVICE_FAILURE',
  2001: 'OT_UNEXPECTED_SERVER_RESPONSE',
};

/**
 * Transport-level failures (OpenTok.js's internal codes 3001–3007): these are retried, then
 * reported as 1006 (no answer, empty answer) or 2001 (anything else).
 */
export const SessionInfoTransportCode = {
  BADLY_FORMED_RESPONSE: 3001,
  INVALID_HTTP_STATUS: 3002,
  PARSING_ERROR: 3003,
  UNEXPECTED_ERROR_CODE: 3005,
  EMPTY_RESPONSE_BODY: 3006,
  CONNECT_FAILED: 3007,
} as const;

export class SessionInfoError extends Error {
  /** OT error name, e.g. `OT_AUTHENTICATION_ERROR`. */
  override readonly name: string;
  /** OT error code, e.g. 1004. */
  readonly code: number;
  /** The 3001–3007 cause of a transport failure. */
  readonly transportCode: number | undefined;
  /** HTTP status of the last attempt, when there was one. */
  readonly httpStatus: number | undefined;

  constructor(code: number, message: string, { transportCode, httpStatus }: { transportCode?: number; httpStatus?: number } = {}) {
    super(message);
    this.code = code;
    this.name = ERROR_NAMES[code] ?? 'OT_UNEXPECTED_SERVER_RESPONSE';
    this.transportCode = transportCode;
    this.httpStatus = httpStatus;
  }
}

/** Internal: a failure worth another attempt (3001–3007). */
class TransportFailure extends Error {
  constructor(readonly transportCode: number, message: string, readonly httpStatus?: number) {
    super(message);
  }
}

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** A GSI answer element (docs/protocol.md §5.4.1) with the property defaults OpenTok.js applies. */
export class SessionInfo {
  readonly raw: JsonObject;
  /** The Rumor WebSocket URL after the proxy rule (docs/protocol.md §5.5): what to connect to. */
  readonly webSocketUrl: string;

  constructor(raw: JsonObject, { proxyUrl }: { proxyUrl?: string | null } = {}) {
    this.raw = raw;
    this.webSocketUrl = proxiedUrl(this.messagingUrl, proxyUrl);
  }

  private prop(path: string[]): unknown {
    let v: unknown = this.raw.properties;
    for (const key of path) {
      if (typeof v !== 'object' || v === null) return undefined;
      v = (v as JsonObject)[key];
    }
    return v;
  }

  private bool(path: string[], fallback: boolean): boolean {
    const v = this.prop(path);
    return typeof v === 'boolean' ? v : fallback;
  }

  get sessionId(): string {
    return String(this.raw.session_id ?? '');
  }

  get partnerId(): string | undefined {
    return typeof this.raw.partner_id === 'string' ? this.raw.partner_id : undefined;
  }

  /** messaging_url as the server sent it. */
  get messagingUrl(): string {
    return String(this.raw.messaging_url ?? '');
  }

  get symphonyAddress(): string {
    return String(this.raw.symphony_address ?? '');
  }

  get messagingServerUrl(): string | undefined {
    return typeof this.raw.messaging_server_url === 'string' ? this.raw.messaging_server_url : undefined;
  }

  get mediaServerHostname(): string | undefined {
    return typeof this.raw.media_server_hostname === 'string' ? this.raw.media_server_hostname : undefined;
  }

  /** `{urls, username?, credential?}` entries (`url` alone becomes `urls: [url]`); undefined if absent. */
  get iceServers(): IceServer[] | undefined {
    const list = this.raw.ice_servers;
    if (!Array.isArray(list)) return undefined;
    const out: IceServer[] = [];
    for (const entry of list) {
      if (typeof entry !== 'object' || entry === null) continue;
      const e = entry as JsonObject;
      const urls = e.urls ?? (e.url !== undefined ? [e.url] : []);
      const server: IceServer = { urls: (Array.isArray(urls) ? urls : [urls]).filter((u): u is string => typeof u === 'string') };
      if (typeof e.username === 'string') server.username = e.username;
      if (typeof e.credential === 'string') server.credential = e.credential;
      if (server.urls.length) out.push(server);
    }
    return out;
  }

  /** `"enabled"`: relayed (peer-to-peer) session. */
  get p2pEnabled(): boolean {
    return this.prop(['p2p', 'preference', 'value']) === 'enabled';
  }

  /** `"adaptive"`: Adaptive Media Routing. */
  get adaptiveMediaRouting(): boolean {
    return this.prop(['p2p', 'preference', 'value']) === 'adaptive';
  }

  /** Routed through the server's media router. */
  get routed(): boolean {
    return !this.p2pEnabled && !this.adaptiveMediaRouting;
  }

  get reconnection(): boolean {
    return this.bool(['reconnection'], false);
  }

  get renegotiation(): boolean {
    return this.bool(['renegotiation'], false);
  }

  get e2ee(): boolean {
    return this.bool(['e2ee'], false);
  }

  /** true / false, or undefined when the page may choose. */
  get simulcast(): boolean | undefined {
    const v = this.prop(['simulcast']);
    return typeof v === 'boolean' ? v : undefined;
  }

  get ridSimulcast(): boolean {
    return this.bool(['streamSimulcastRidEnabled'], false);
  }

  get h264(): boolean {
    return this.bool(['h264'], true);
  }

  get vp8(): boolean {
    return this.bool(['vp8'], true);
  }

  get vp9(): boolean {
    return this.bool(['vp9'], true);
  }

  get priorityVideoCodec(): string {
    const v = this.prop(['priorityVideoCodec']);
    return typeof v === 'string' ? v : '';
  }

  /** `'relay'` when the server asks for TURN-only (`"relayed"`), else what it sent. */
  get clientCandidates(): string | undefined {
    const v = this.prop(['clientCandidates']);
    if (v === 'relayed') return 'relay';
    return typeof v === 'string' ? v : undefined;
  }

  get singlePeerConnection(): boolean {
    return this.bool(['singlePeerConnection'], false);
  }

  get hybridSession(): boolean {
    return this.bool(['hybridSession'], false);
  }
}

type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; signal?: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

export interface GetSessionInfoOptions {
  /** Base URL of the session-info service (OpenTok's apiURL). */
  apiUrl: string;
  sessionId: string;
  token: string;
  /** The connection id the client will use (sent as X-TB-CONNECTIONID). */
  connectionId: string;
  /** OT.setProxyUrl value (docs/protocol.md §5.5), applied to this request and to `webSocketUrl`. */
  proxyUrl?: string | null;
  /** The page's API key: a different `partner_id` in the answer fails with 1004 (docs/protocol.md §1.1). */
  apiKey?: string | number;
  /** X-TB-CLIENT-VERSION. */
  clientVersion?: string;
  /** Delays before the second, third … attempt of a transport failure (docs/protocol.md §5.4: 600, 1200). */
  retryDelaysMs?: readonly number[];
  /** Limit per attempt; a timeout counts as "no response". */
  timeoutMs?: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
}

export const DEFAULT_CLIENT_VERSION = 'js-parley-0.1.0';

const GSI_ERROR_CODES: Record<string, number> = {
  400: SessionInfoErrorCode.INVALID_SESSION_ID,
  403: SessionInfoErrorCode.AUTHENTICATION_ERROR,
  404: SessionInfoErrorCode.INVALID_SESSION_ID,
  409: SessionInfoErrorCode.TERMS_OF_SERVICE_FAILURE,
  500: SessionInfoErrorCode.UNEXPECTED_SERVER_RESPONSE,
};

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal?.aborted) {
    reject(signal.reason ?? new Error('aborted'));
    return;
  }
  const t = setTimeout(() => {
    signal?.removeEventListener('abort', onAbort);
    resolve();
  }, ms);
  const onAbort = () => {
    clearTimeout(t);
    reject(signal?.reason ?? new Error('aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
});

/**
 * Fetches session info with the headers OpenTok.js sends (docs/protocol.md §5.4). Transport failures
 * (no answer, non-2xx, empty or unparsable body) are retried; an `error` element in the
 * answer is not (unless its code is unknown). Rejects with SessionInfoError.
 */
export async function getSessionInfo(options: GetSessionInfoOptions): Promise<SessionInfo> {
  const doFetch = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (!doFetch) throw new TypeError('no fetch implementation: pass options.fetch');
  const url = proxiedUrl(sessionInfoUrl(options.apiUrl, options.sessionId), options.proxyUrl);
  const headers: Record<string, string> = {
    'X-OPENTOK-AUTH': options.token,
    'X-TB-VERSION': '1',
    'X-TB-CLIENT-VERSION': options.clientVersion ?? DEFAULT_CLIENT_VERSION,
    'X-TB-CONNECTIONID': options.connectionId,
    Accept: 'application/json',
  };
  const delays = options.retryDelaysMs ?? [600, 1200];
  for (let attempt = 0; ; attempt++) {
    try {
      const element = await attemptOnce(doFetch, url, headers, options);
      return checked(element, options);
    } catch (err) {
      if (!(err instanceof TransportFailure)) throw err;
      if (attempt >= delays.length) {
        const code = err.transportCode === SessionInfoTransportCode.EMPTY_RESPONSE_BODY || err.transportCode === SessionInfoTransportCode.CONNECT_FAILED
          ? SessionInfoErrorCode.CONNECT_FAILED
          : SessionInfoErrorCode.UNEXPECTED_SERVER_RESPONSE;
        throw new SessionInfoError(code, err.message, { transportCode: err.transportCode, httpStatus: err.httpStatus });
      }
      await sleep(delays[attempt]!, options.signal);
    }
  }
}

async function attemptOnce(doFetch: FetchLike, url: string, headers: Record<string, string>, options: GetSessionInfoOptions): Promise<JsonObject> {
  const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
  const outer = options.signal;
  const onAbort = () => controller?.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = options.timeoutMs !== undefined && controller
    ? setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs)
    : undefined;
  let status: number;
  let text: string;
  try {
    let res;
    try {
      res = await doFetch(url, { method: 'GET', headers, signal: controller?.signal ?? outer });
    } catch (err) {
      if (outer?.aborted) throw err;
      const why = timedOut ? `no answer within ${options.timeoutMs} ms` : (err as Error)?.message ?? String(err);
      throw new TransportFailure(SessionInfoTransportCode.CONNECT_FAILED, `Failed to connect to the session info service (${url}): ${why}`);
    }
    status = res.status;
    if (!res.ok) {
      throw new TransportFailure(SessionInfoTransportCode.INVALID_HTTP_STATUS, `Unexpected server response (HTTP ${res.status}). Try this operation again later.`, res.status);
    }
    try {
      text = await res.text();
    } catch (err) {
      if (outer?.aborted) throw err;
      throw new TransportFailure(SessionInfoTransportCode.CONNECT_FAILED, `The session info answer was cut off: ${(err as Error)?.message ?? String(err)}`, res.status);
    }
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }

  if (text.trim() === '') {
    throw new TransportFailure(SessionInfoTransportCode.EMPTY_RESPONSE_BODY, 'Response body was empty, probably due to connectivity loss', status);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new TransportFailure(SessionInfoTransportCode.PARSING_ERROR, `Unexpected server response (${(err as Error).message}). Try this operation again later.`, status);
  }
  if (!Array.isArray(data)) {
    throw new TransportFailure(SessionInfoTransportCode.BADLY_FORMED_RESPONSE, 'Unknown error: JSON response was badly formed', status);
  }
  if (data.length === 0) {
    throw new TransportFailure(SessionInfoTransportCode.EMPTY_RESPONSE_BODY, 'Response body was empty, probably due to connectivity loss', status);
  }
  const errorNode = data.find((n) => typeof n === 'object' && n !== null && (n as JsonObject).error != null) as JsonObject | undefined;
  if (errorNode) {
    const e = errorNode.error as JsonObject;
    const raw = typeof e === 'object' && e !== null ? e.code : undefined;
    const mapped = GSI_ERROR_CODES[String(raw ?? '500')];
    const msgNode = typeof e === 'object' && e !== null ? (e.errorMessage as JsonObject | undefined) : undefined;
    let message = typeof msgNode?.message === 'string' ? msgNode.message : mapped === undefined ? `Unknown error: ${String(raw)}` : 'No error message';
    if (message === 'Invalid token format') message += ` Token: ${options.token}`;
    if (mapped === undefined) throw new TransportFailure(SessionInfoTransportCode.UNEXPECTED_ERROR_CODE, message, status);
    throw new SessionInfoError(mapped, message, { httpStatus: status });
  }
  const first = data[0];
  if (typeof first !== 'object' || first === null || Array.isArray(first)) {
    throw new TransportFailure(SessionInfoTransportCode.BADLY_FORMED_RESPONSE, 'Unknown error: JSON response was badly formed', status);
  }
  return first as JsonObject;
}

function checked(element: JsonObject, options: GetSessionInfoOptions): SessionInfo {
  const info = new SessionInfo(element, { proxyUrl: options.proxyUrl });
  const partner = element.partner_id;
  if (options.apiKey !== undefined && partner !== undefined && partner !== null && partner !== '' && partner !== String(options.apiKey)) {
    throw new SessionInfoError(SessionInfoErrorCode.AUTHENTICATION_ERROR, `The session belongs to API key ${String(partner)}, not ${String(options.apiKey)}`);
  }
  if (!info.messagingUrl || !info.symphonyAddress) {
    throw new SessionInfoError(SessionInfoErrorCode.UNEXPECTED_SERVER_RESPONSE, 'Session info without messaging_url or symphony_address');
  }
  return info;
}
