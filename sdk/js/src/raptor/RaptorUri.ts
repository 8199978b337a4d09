// Raptor v2 URIs (docs/protocol.md §7.1): `/v2/partner/{apiKey}/session/{sessionId}` followed by
// `name/value` pairs (connection, stream, subscriber, channel, signal, archive …). The
// resource a URI names is the name of its last pair, or a trailing single name; a `channel`
// pair under a stream gives `stream_channel`, under a subscriber `subscriber_channel`.

import { RaptorError } from './RaptorError.js';

/** The session a URI belongs to. */
export interface RaptorSessionRef {
  apiKey: string;
  sessionId: string;
}

export type RaptorResource =
  | 'session'
  | 'connection'
  | 'stream'
  | 'stream_channel'
  | 'subscriber'
  | 'subscriber_channel'
  | 'signal'
  | 'data'
  | 'archive'
  | 'source'
  | 'notification'
  | 'migrate'
  | (string & {});

export interface ParsedRaptorUri {
  uri: string;
  /** The segments after `/v2`, without a trailing empty one. */
  segments: string[];
  /** name → value of every pair (a repeated name: the last one). */
  params: Record<string, string>;
  resource: RaptorResource;
  apiKey: string;
  sessionId: string;
}

/** Parses a URI the way OpenTok.js does; throws RaptorError('invalid-uri') otherwise. */
export function parseRaptorUri(uri: unknown): ParsedRaptorUri {
  if (typeof uri !== 'string') throw new RaptorError('invalid-uri', `a Raptor URI is a string, got ${typeof uri}`);
  if (!uri.startsWith('/v2/')) throw new RaptorError('invalid-uri', `not a Raptor v2 URI: ${uri}`);
  const segments = uri.slice(4).split('/');
  if (segments[segments.length - 1] === '') segments.pop();
  if (segments.some((s) => s === '')) throw new RaptorError('invalid-uri', `empty segment in ${uri}`);
  if (segments.length < 4 || segments[0] !== 'partner' || segments[2] !== 'session') {
    throw new RaptorError('invalid-uri', `a Raptor URI starts with /v2/partner/{apiKey}/session/{sessionId}: ${uri}`);
  }
  const params = Object.create(null) as Record<string, string>;
  for (let i = 0; i + 1 < segments.length; i += 2) params[segments[i]!] = segments[i + 1]!;

  const n = segments.length;
  let resource: string;
  if (n % 2 === 0) {
    resource = segments[n - 2] === 'channel' && n > 6 ? `${segments[n - 4]}_channel` : segments[n - 2]!;
  } else {
    resource = segments[n - 1] === 'channel' && n > 5 ? `${segments[n - 3]}_channel` : segments[n - 1]!;
  }
  return { uri, segments, params, resource, apiKey: segments[1]!, sessionId: segments[3]! };
}

function segment(value: string, what: string): string {
  if (typeof value !== 'string' || value === '' || value.includes('/')) {
    throw new RaptorError('invalid-parameter', `${what} must be a non-empty string without '/': ${JSON.stringify(value)}`, 400);
  }
  return value;
}

/** Builds `/v2/partner/{k}/session/{s}` followed by the given name/value pairs. */
export function raptorUri(session: RaptorSessionRef, ...pairs: Array<readonly [string, string]>): string {
  let uri = `/v2/partner/${segment(session.apiKey, 'apiKey')}/session/${segment(session.sessionId, 'sessionId')}`;
  for (const [name, value] of pairs) uri += `/${segment(name, 'a URI name')}/${segment(value, name)}`;
  return uri;
}

export const sessionUri = (s: RaptorSessionRef): string => raptorUri(s);

/** Also the topic a client SUBSCRIBEs to (docs/protocol.md §1.5). */
export const sessionTopic = sessionUri;

export const connectionUri = (s: RaptorSessionRef, connectionId: string): string =>
  raptorUri(s, ['connection', connectionId]);

export const streamUri = (s: RaptorSessionRef, streamId: string): string => raptorUri(s, ['stream', streamId]);

export const streamChannelUri = (s: RaptorSessionRef, streamId: string, channelId: string): string =>
  raptorUri(s, ['stream', streamId], ['channel', channelId]);

export const streamDataUri = (s: RaptorSessionRef, streamId: string, channelId: string, dataId: string): string =>
  raptorUri(s, ['stream', streamId], ['channel', channelId], ['data', dataId]);

export const subscriberUri = (s: RaptorSessionRef, streamId: string, subscriberId: string): string =>
  raptorUri(s, ['stream', streamId], ['subscriber', subscriberId]);

export const subscriberChannelUri = (s: RaptorSessionRef, streamId: string, subscriberId: string, channelId: string): string =>
  raptorUri(s, ['stream', streamId], ['subscriber', subscriberId], ['channel', channelId]);

/** `…/signal/{id}` (to everyone) or `…/connection/{to}/signal/{id}`. */
export const signalUri = (s: RaptorSessionRef, signalId: string, toConnectionId?: string): string =>
  toConnectionId === undefined
    ? raptorUri(s, ['signal', signalId])
    : raptorUri(s, ['connection', toConnectionId], ['signal', signalId]);

export const archiveUri = (s: RaptorSessionRef, archiveId: string): string => raptorUri(s, ['archive', archiveId]);
