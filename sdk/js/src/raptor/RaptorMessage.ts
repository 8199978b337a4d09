// Raptor v2 messages (docs/protocol.md §7): the JSON carried in Rumor MESSAGE frames,
// `{"method", "uri", "content"}` plus an optional top-level `reason` from the server.
//
// Builders for what a client sends (docs/protocol.md §7.2) and parsers for what the server sends (docs/protocol.md §7.3),
// including the session state of the connect reply (docs/protocol.md §7.4).

import type { JsonObject } from '../util/json.js';
import { uuid } from '../util/uuid.js';
import { RaptorError } from './RaptorError.js';
import {
  connectionUri,
  parseRaptorUri,
  signalUri,
  streamChannelUri,
  streamDataUri,
  streamUri,
  subscriberChannelUri,
  subscriberUri,
  sessionUri,
  type ParsedRaptorUri,
  type RaptorSessionRef,
} from './RaptorUri.js';

/** Rumor Content-Type of client MESSAGEs (docs/protocol.md §6.4). */
export const RAPTOR_CONTENT_TYPE = 'application/x-raptor+v2';

export interface RaptorMessage<C extends JsonObject = JsonObject> {
  method: string;
  uri: string;
  content: C;
  /** Server messages only (e.g. `deleted`). */
  reason?: string;
}

export function serializeRaptorMessage(message: RaptorMessage): string {
  return JSON.stringify(message);
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------
// Client → server (docs/protocol.md §7.2)

export interface ConnectionCreateOptions {
  connectionId: string;
  userAgent: string;
  clientVersion: string;
  /** `forceMute` always; `renegotiation`, `e2ee` … when supported (docs/protocol.md §7.4). */
  capabilities?: readonly string[];
  connectionEventsSuppressed?: boolean;
}

/** connect: `create …/connection/{cid}`; send it with the X-TB-TOKEN-AUTH header. */
export function connectionCreate(session: RaptorSessionRef, o: ConnectionCreateOptions): RaptorMessage {
  const content: JsonObject = { userAgent: o.userAgent, clientVersion: o.clientVersion, capabilities: [...(o.capabilities ?? ['forceMute'])] };
  if (o.connectionEventsSuppressed) content.connectionEventsSuppressed = true;
  return { method: 'create', uri: connectionUri(session, o.connectionId), content };
}

/** forceDisconnect: `delete …/connection/{other}` (docs/protocol.md §7.8.1). */
export function connectionDelete(session: RaptorSessionRef, connectionId: string): RaptorMessage {
  return { method: 'delete', uri: connectionUri(session, connectionId), content: {} };
}

export type ChannelType = 'audio' | 'video' | 'data';

/** A stream channel as publishers describe it and servers echo it (docs/protocol.md §7.6.1, §7.6.2). */
export interface StreamChannel {
  id: string;
  type: ChannelType | (string & {});
  active: boolean;
  width?: number;
  height?: number;
  orientation?: number;
  frameRate?: number;
  /** Omitted for the default source. */
  source?: 'camera' | 'screen' | 'custom' | (string & {});
  fitMode?: 'cover' | 'contain' | (string & {});
  [key: string]: unknown;
}

export interface PublisherChannelOptions {
  /** Omit for a stream without audio. */
  audio?: { active: boolean };
  /** Omit for an audio-only stream. */
  video?: {
    active: boolean;
    width: number;
    height: number;
    orientation?: number;
    frameRate?: number;
    source?: 'camera' | 'screen' | 'custom';
    fitMode?: 'cover' | 'contain';
  };
  /** Adds `downlinkStats1` (sender-side stats). */
  senderStats?: boolean;
}

/** The channel list of a stream create: `video1`, `audio1` + `caption1`, `downlinkStats1`. */
export function publisherChannels(o: PublisherChannelOptions): StreamChannel[] {
  const list: StreamChannel[] = [];
  if (o.video) {
    const v = o.video;
    const ch: StreamChannel = { id: 'video1', type: 'video', active: v.active, width: v.width, height: v.height, orientation: v.orientation ?? 0 };
    if (v.frameRate !== undefined) ch.frameRate = v.frameRate;
    if (v.source !== undefined) ch.source = v.source;
    ch.fitMode = v.fitMode ?? 'cover';
    list.push(ch);
  }
  if (o.audio) {
    list.push({ id: 'audio1', type: 'audio', active: o.audio.active });
    list.push({ id: 'caption1', type: 'data', active: false });
  }
  if (o.senderStats) list.push({ id: 'downlinkStats1', type: 'data', active: true });
  return list;
}

export interface StreamCreateOptions {
  streamId: string;
  name?: string;
  channels: readonly StreamChannel[];
  publisherAudioFallbackEnabled?: boolean;
  subscriberAudioFallbackEnabled?: boolean;
  e2ee?: boolean;
  customProperties?: JsonObject;
  minBitrate?: number;
  maxBitrate?: number;
  sourceStreamId?: string;
}

/** publish: `create …/stream/{sid}` with the stream description (docs/protocol.md §7.6.1). */
export function streamCreate(session: RaptorSessionRef, o: StreamCreateOptions): RaptorMessage {
  const content: JsonObject = {
    id: o.streamId,
    name: o.name ?? '',
    publisherAudioFallbackEnabled: o.publisherAudioFallbackEnabled ?? false,
    subscriberAudioFallbackEnabled: o.subscriberAudioFallbackEnabled ?? true,
    channel: o.channels.map((c) => ({ ...c })),
    e2ee: o.e2ee ?? false,
    customProperties: { ...(o.customProperties ?? {}) },
  };
  if (o.minBitrate) content.minBitrate = Math.round(o.minBitrate);
  if (o.maxBitrate) content.maxBitrate = Math.round(o.maxBitrate);
  if (o.sourceStreamId) content.sourceStreamId = o.sourceStreamId;
  return { method: 'create', uri: streamUri(session, o.streamId), content };
}

/** unpublish / forceUnpublish: `delete …/stream/{sid}` (docs/protocol.md §7.6.5, §7.8.2). */
export function streamDelete(session: RaptorSessionRef, streamId: string, sourceStreamId?: string): RaptorMessage {
  return { method: 'delete', uri: streamUri(session, streamId), content: sourceStreamId ? { sourceStreamId } : {} };
}

/** Publisher channel change: `update …/stream/{sid}/channel/{ch}` (docs/protocol.md §7.6.4). */
export function streamChannelUpdate(session: RaptorSessionRef, streamId: string, channelId: string, attributes: JsonObject): RaptorMessage {
  return { method: 'update', uri: streamChannelUri(session, streamId, channelId), content: { ...attributes } };
}

/** Sender-side stats: `data …/stream/{sid}/channel/{ch}/data/{uuid}` (docs/protocol.md §7.11). */
export function streamChannelData(session: RaptorSessionRef, streamId: string, channelId: string, data: unknown): RaptorMessage {
  return { method: 'data', uri: streamDataUri(session, streamId, channelId, uuid()), content: { data: JSON.stringify(data), type: 'data' } };
}

export interface SubscriberChannel {
  id: string;
  type: ChannelType | (string & {});
  active: boolean;
  restrictFrameRate?: boolean;
  preferredWidth?: number;
  preferredHeight?: number;
  preferredFrameRate?: number;
  [key: string]: unknown;
}

export interface SubscriberCreateOptions {
  streamId: string;
  subscriberId: string;
  /** The subscribing client's own connection id. */
  connectionId: string;
  channels?: readonly SubscriberChannel[];
  e2ee?: boolean;
  sourceStreamId?: string;
}

/** subscribe: `create …/stream/{sid}/subscriber/{sub}` (docs/protocol.md §7.9). */
export function subscriberCreate(session: RaptorSessionRef, o: SubscriberCreateOptions): RaptorMessage {
  const content: JsonObject = {
    id: o.subscriberId,
    connection: o.connectionId,
    keyManagementMethod: 'DTLS_SRTP',
    bundleSupport: true,
    rtcpMuxSupport: true,
    e2ee: o.e2ee ?? false,
  };
  if (o.channels) content.channel = o.channels.map((c) => ({ ...c }));
  if (o.sourceStreamId) content.sourceStreamId = o.sourceStreamId;
  return { method: 'create', uri: subscriberUri(session, o.streamId, o.subscriberId), content };
}

/** unsubscribe: `delete …/stream/{sid}/subscriber/{sub}` (docs/protocol.md §7.9). */
export function subscriberDelete(session: RaptorSessionRef, streamId: string, subscriberId: string, sourceStreamId?: string): RaptorMessage {
  return { method: 'delete', uri: subscriberUri(session, streamId, subscriberId), content: sourceStreamId ? { sourceStreamId } : {} };
}

/** Subscriber channel change: `update …/subscriber/{sub}/channel/{ch}` (docs/protocol.md §7.2). */
export function subscriberChannelUpdate(session: RaptorSessionRef, streamId: string, subscriberId: string, channelId: string, attributes: JsonObject): RaptorMessage {
  return { method: 'update', uri: subscriberChannelUri(session, streamId, subscriberId, channelId), content: { ...attributes } };
}

export const SIGNAL_LIMITS = { maxTypeLength: 128, maxDataLength: 8192, typePattern: /^[A-Za-z0-9\-._~]+$/ } as const;

export interface SignalOptions {
  /** Target connection id; omitted = every connection (docs/protocol.md §7.7.1). */
  to?: string;
  type?: string;
  data?: unknown;
  signalId?: string;
}

/**
 * signal: `signal …/signal/{uuid}` or `…/connection/{to}/signal/{uuid}`. Validates like
 * OpenTok.js (docs/protocol.md §7.7.1, §9.3): RaptorError('invalid-parameter') with status 400 or 413.
 */
export function signal(session: RaptorSessionRef, o: SignalOptions = {}): RaptorMessage {
  const content: JsonObject = {};
  if ('type' in o && o.type !== undefined) {
    if (typeof o.type !== 'string') throw new RaptorError('invalid-parameter', 'the signal type must be a string', 400);
    if (o.type.length > SIGNAL_LIMITS.maxTypeLength) {
      throw new RaptorError('invalid-parameter', `the signal type is longer than ${SIGNAL_LIMITS.maxTypeLength} characters`, 413);
    }
    if (!SIGNAL_LIMITS.typePattern.test(o.type)) {
      throw new RaptorError('invalid-parameter', "the signal type may only contain letters, digits, '-', '.', '_' and '~'", 400);
    }
    content.type = o.type;
  }
  if ('data' in o && o.data !== undefined) {
    let json: string | undefined;
    try {
      json = JSON.stringify(o.data);
    } catch {
      throw new RaptorError('invalid-parameter', 'the signal data is not serialisable as JSON', 400);
    }
    if (json === undefined) throw new RaptorError('invalid-parameter', 'the signal data is not serialisable as JSON', 400);
    if (json.length > SIGNAL_LIMITS.maxDataLength) {
      throw new RaptorError('invalid-parameter', `the signal data is longer than ${SIGNAL_LIMITS.maxDataLength} characters as JSON`, 413);
    }
    content.data = o.data;
  }
  return { method: 'signal', uri: signalUri(session, o.signalId ?? uuid(), o.to), content };
}

export type JsepMethod = 'offer' | 'answer' | 'pranswer' | 'candidate';

export interface JsepOptions {
  method: JsepMethod;
  streamId: string;
  /** Present for a subscriber's peer connection: `…/stream/{sid}/subscriber/{sub}`. */
  subscriberId?: string;
  /** Copied from the server's first message of the peer connection (docs/protocol.md §8.1). */
  peerId?: string;
  sourceStreamId?: string;
  /** offer/answer: `{type, sdp}`; candidate: `{candidate, sdpMid, sdpMLineIndex}`. */
  content: JsonObject;
}

/** JSEP: offer / answer / pranswer / candidate on the stream or subscriber URI (docs/protocol.md §8.1). */
export function jsep(session: RaptorSessionRef, o: JsepOptions): RaptorMessage {
  const content: JsonObject = {};
  if (o.peerId !== undefined) content.peerId = o.peerId;
  if (o.sourceStreamId !== undefined) content.sourceStreamId = o.sourceStreamId;
  Object.assign(content, o.content);
  const uri = o.subscriberId === undefined ? streamUri(session, o.streamId) : subscriberUri(session, o.streamId, o.subscriberId);
  return { method: o.method, uri, content };
}

/** forceMuteStream (streamId) or forceMuteAll / disableForceMute (no streamId) (docs/protocol.md §7.8.3). */
export function forceMute(session: RaptorSessionRef, o: { streamId?: string; active: boolean; excludedStreamIds?: readonly string[] }): RaptorMessage {
  const content: JsonObject = { reason: 'mute', channels: ['audio'], active: o.active, locked: false };
  if (o.excludedStreamIds) content.exclusion = [...o.excludedStreamIds];
  return { method: 'update', uri: o.streamId ? streamUri(session, o.streamId) : sessionUri(session), content };
}

// ---------------------------------------------------------------------------------------
// Server → client (docs/protocol.md §7.3)

export interface ParsedRaptorMessage extends RaptorMessage, ParsedRaptorUri {}

/**
 * Parses a MESSAGE payload. Throws RaptorError for non-JSON, a non-object, a missing method
 * or a malformed URI. A missing or null `content` becomes `{}`; any other non-object
 * content is an error (the client destructures it, docs/protocol.md §7.1).
 */
export function parseRaptorMessage(payload: string): ParsedRaptorMessage {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (err) {
    throw new RaptorError('invalid-json', `Raptor payload is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(json)) throw new RaptorError('invalid-message', 'a Raptor message is a JSON object');
  if (typeof json.method !== 'string' || json.method === '') throw new RaptorError('invalid-message', 'a Raptor message needs a method');
  const parsedUri = parseRaptorUri(json.uri);
  let content = json.content;
  if (content === undefined || content === null) content = {};
  if (!isObject(content)) throw new RaptorError('invalid-content', `content of ${json.method} ${parsedUri.uri} is not an object`);
  const out: ParsedRaptorMessage = { ...parsedUri, method: json.method, content };
  if (typeof json.reason === 'string') out.reason = json.reason;
  return out;
}

export interface Connection {
  id: string;
  /** Milliseconds since the epoch (NaN if the server sent none). */
  creationTime: number;
  data: string;
  permissions: string[];
  userAgent?: string;
  raw: JsonObject;
}

/** A connection object (docs/protocol.md §7.5). Throws RaptorError('invalid-content') without an id. */
export function parseConnection(value: unknown): Connection {
  if (!isObject(value) || typeof value.id !== 'string' || value.id === '') {
    throw new RaptorError('invalid-content', `a connection object needs an id: ${JSON.stringify(value)}`);
  }
  const conn: Connection = {
    id: value.id,
    creationTime: Number(value.creationTime ?? NaN),
    data: typeof value.data === 'string' ? value.data : '',
    permissions: Array.isArray(value.permissions) ? value.permissions.filter((p): p is string => typeof p === 'string') : [],
    raw: value,
  };
  if (typeof value.userAgent === 'string') conn.userAgent = value.userAgent;
  return conn;
}

export interface Stream {
  id: string;
  name: string;
  creationTime: number;
  connectionId: string;
  /** Present when the server embedded the full connection object. */
  connection?: Connection;
  channel: StreamChannel[];
  raw: JsonObject;
}

/** `true` or `"true"` (docs/protocol.md §7.6.2). */
export const isActive = (v: unknown): boolean => v === true || v === 'true';

function parseChannel(value: unknown): StreamChannel {
  if (!isObject(value) || typeof value.id !== 'string') {
    throw new RaptorError('invalid-content', `a stream channel needs an id: ${JSON.stringify(value)}`);
  }
  return { ...value, id: value.id, type: typeof value.type === 'string' ? value.type : '', active: isActive(value.active) } as StreamChannel;
}

/** A stream object (docs/protocol.md §7.6.2): `connection` (object with an id) or `connectionId` is required. */
export function parseStream(value: unknown): Stream {
  if (!isObject(value) || typeof value.id !== 'string' || value.id === '') {
    throw new RaptorError('invalid-content', `a stream object needs an id: ${JSON.stringify(value)}`);
  }
  let connection: Connection | undefined;
  let connectionId: string | undefined;
  if (isObject(value.connection) && typeof value.connection.id === 'string') {
    connectionId = value.connection.id;
    if (Object.keys(value.connection).length > 1) connection = parseConnection(value.connection);
  } else if (typeof value.connectionId === 'string') {
    connectionId = value.connectionId;
  }
  if (!connectionId) throw new RaptorError('invalid-content', `stream ${value.id} names no connection`);
  if (value.channel !== undefined && !Array.isArray(value.channel)) {
    throw new RaptorError('invalid-content', `the channels of stream ${value.id} are not an array`);
  }
  const stream: Stream = {
    id: value.id,
    name: typeof value.name === 'string' ? value.name : '',
    creationTime: Number(value.creationTime ?? NaN),
    connectionId,
    channel: ((value.channel as unknown[] | undefined) ?? []).map(parseChannel),
    raw: value,
  };
  if (connection) stream.connection = connection;
  return stream;
}

export interface Archive {
  id: string;
  name: string;
  status: string;
  raw: JsonObject;
}

function parseArchive(value: unknown): Archive {
  if (!isObject(value) || typeof value.id !== 'string') throw new RaptorError('invalid-content', `an archive needs an id: ${JSON.stringify(value)}`);
  return { id: value.id, name: typeof value.name === 'string' ? value.name : '', status: typeof value.status === 'string' ? value.status : '', raw: value };
}

export interface SessionState {
  connections: Connection[];
  streams: Stream[];
  archives: Archive[];
  /** Present (true) while the session is in force-mute state (docs/protocol.md §7.8.3). */
  muteActive: boolean;
}

/**
 * The payload of the STATUS 200 answering connection create (docs/protocol.md §7.4): `connection`, `stream`
 * and `archive` (or `archives`) arrays. Like OpenTok.js, a missing or empty `connection`
 * list is rebuilt from the streams' connections.
 */
export function parseSessionState(payload: string | JsonObject): SessionState {
  let body: unknown = payload;
  if (typeof payload === 'string') {
    if (payload === '') throw new RaptorError('invalid-content', 'the connect reply carries no session state');
    try {
      body = JSON.parse(payload);
    } catch (err) {
      throw new RaptorError('invalid-json', `session state is not JSON: ${(err as Error).message}`);
    }
  }
  if (!isObject(body)) throw new RaptorError('invalid-content', 'session state is not a JSON object');
  if (!Array.isArray(body.stream)) throw new RaptorError('invalid-content', 'session state without a stream array');
  const archives = body.archive ?? body.archives;
  if (!Array.isArray(archives)) throw new RaptorError('invalid-content', 'session state without an archive array');
  if (body.connection !== undefined && !Array.isArray(body.connection)) throw new RaptorError('invalid-content', 'session state: connection is not an array');
  const streams = body.stream.map(parseStream);
  let connections = ((body.connection as unknown[] | undefined) ?? []).map(parseConnection);
  if (connections.length === 0) {
    connections = streams.flatMap((s) => (s.connection ? [s.connection] : []));
  }
  const mute = body.mute;
  return { connections, streams, archives: archives.map(parseArchive), muteActive: isObject(mute) && mute.active === true };
}

/**
 * The payload of any STATUS reply: `null` when empty, else a JSON object (docs/protocol.md §6.5). Error
 * replies carry `{"reason": …}`.
 */
export function parseStatusPayload(payload: string): { body: JsonObject | null; reason: string | undefined } {
  if (payload === '') return { body: null, reason: undefined };
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch (err) {
    throw new RaptorError('invalid-json', `STATUS payload is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(body)) throw new RaptorError('invalid-content', 'a STATUS payload is a JSON object');
  return { body, reason: typeof body.reason === 'string' ? body.reason : undefined };
}

/** What a server message means for the client (docs/protocol.md §7.3), with the ids from its URI. */
export type ServerEvent =
  | { kind: 'connectionCreated'; connection: Connection }
  | { kind: 'connectionDeleted'; connectionId: string; reason: string }
  | { kind: 'streamCreated'; stream: Stream }
  | { kind: 'streamDeleted'; streamId: string; reason: string; sourceStreamId?: string }
  | { kind: 'streamUpdated'; streamId: string; changes: JsonObject }
  | { kind: 'streamMuteForced'; streamId: string; active: boolean; channels: string[] }
  | { kind: 'streamChannelUpdated'; streamId: string; channelId: string; changes: JsonObject }
  | { kind: 'jsep'; method: 'generateoffer' | 'offer' | 'answer' | 'pranswer' | 'candidate'; streamId: string; subscriberId?: string; content: JsonObject }
  | { kind: 'subscriberCreated' | 'subscriberDeleted'; streamId: string; subscriberId: string }
  | { kind: 'subscriberChannelUpdated' | 'subscriberChannelUpdate'; streamId: string; subscriberId: string; channelId: string; changes: JsonObject }
  | { kind: 'signal'; signalId: string; toConnectionId?: string; type?: string; data?: unknown }
  | { kind: 'sessionMuteForced'; active: boolean }
  | { kind: 'archiveCreated' | 'archiveUpdated'; archive: Archive }
  | { kind: 'data'; streamId: string; channelId: string; content: JsonObject }
  | { kind: 'notification'; content: JsonObject; reason?: string }
  | { kind: 'source'; method: string; streamId: string; sourceId: string; reason?: string }
  | { kind: 'unknown' };

const JSEP_METHODS = new Set(['generateoffer', 'offer', 'answer', 'pranswer', 'candidate']);

/**
 * Classifies a parsed server message. Throws RaptorError('invalid-content') when the
 * content of a known message lacks what the client needs (e.g. a stream without channels).
 */
export function interpretServerMessage(m: ParsedRaptorMessage): ServerEvent {
  const p = m.params;
  const c = m.content;
  switch (m.resource) {
    case 'connection':
      if (m.method === 'created') return { kind: 'connectionCreated', connection: parseConnection(c) };
      if (m.method === 'deleted') return { kind: 'connectionDeleted', connectionId: p.connection!, reason: m.reason ?? 'clientDisconnected' };
      break;
    case 'stream':
      if (m.method === 'created') return { kind: 'streamCreated', stream: parseStream(c) };
      if (m.method === 'deleted') {
        const ev: ServerEvent = { kind: 'streamDeleted', streamId: p.stream!, reason: m.reason ?? 'clientDisconnected' };
        if (typeof c.sourceStreamId === 'string') ev.sourceStreamId = c.sourceStreamId;
        return ev;
      }
      if (m.method === 'updated') return { kind: 'streamUpdated', streamId: p.stream!, changes: c };
      if (m.method === 'update' && c.reason === 'mute') {
        return { kind: 'streamMuteForced', streamId: p.stream!, active: c.active === true, channels: Array.isArray(c.channels) ? c.channels.filter((x): x is string => typeof x === 'string') : [] };
      }
      if (JSEP_METHODS.has(m.method)) return { kind: 'jsep', method: m.method as 'offer', streamId: p.stream!, content: c };
      break;
    case 'stream_channel':
      if (m.method === 'updated') return { kind: 'streamChannelUpdated', streamId: p.stream!, channelId: p.channel!, changes: c };
      break;
    case 'subscriber':
      if (JSEP_METHODS.has(m.method)) return { kind: 'jsep', method: m.method as 'offer', streamId: p.stream!, subscriberId: p.subscriber!, content: c };
      if (m.method === 'created') return { kind: 'subscriberCreated', streamId: p.stream!, subscriberId: p.subscriber! };
      if (m.method === 'deleted') return { kind: 'subscriberDeleted', streamId: p.stream!, subscriberId: p.subscriber! };
      break;
    case 'subscriber_channel':
      if (m.method === 'updated' || m.method === 'update') {
        return { kind: m.method === 'updated' ? 'subscriberChannelUpdated' : 'subscriberChannelUpdate', streamId: p.stream!, subscriberId: p.subscriber!, channelId: p.channel!, changes: c };
      }
      break;
    case 'signal': {
      const ev: ServerEvent = { kind: 'signal', signalId: p.signal! };
      if (p.connection !== undefined) ev.toConnectionId = p.connection;
      if (typeof c.type === 'string') ev.type = c.type;
      if ('data' in c) ev.data = c.data;
      return ev;
    }
    case 'session':
      if (m.method === 'update' && c.reason === 'mute') return { kind: 'sessionMuteForced', active: c.active === true };
      break;
    case 'archive':
      if (m.method === 'created' || m.method === 'updated') {
        const archive = parseArchive({ id: p.archive, ...c });
        return { kind: m.method === 'created' ? 'archiveCreated' : 'archiveUpdated', archive };
      }
      break;
    case 'data':
      if (p.stream !== undefined && p.channel !== undefined) return { kind: 'data', streamId: p.stream, channelId: p.channel, content: c };
      break;
    case 'notification': {
      const ev: ServerEvent = { kind: 'notification', content: c };
      const reason = typeof c.reason === 'string' ? c.reason : m.reason;
      if (reason !== undefined) ev.reason = reason;
      return ev;
    }
    case 'source': {
      if (p.stream === undefined || p.source === undefined) break;
      const ev: ServerEvent = { kind: 'source', method: m.method, streamId: p.stream, sourceId: p.source };
      if (m.reason !== undefined) ev.reason = m.reason;
      return ev;
    }
  }
  return { kind: 'unknown' };
}
