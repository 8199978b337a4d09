// Which video codec a publisher sends (docs/media.md#video-codecs). The app's
// `preferredVideoCodecs` wins; without it the session's `priorityVideoCodec` (set per server,
// project or session) leads; VP8 always follows as the fallback every browser has. The order
// goes into the offer through setCodecPreferences, and the SFU answers in the offer's order.

import { ErrorNames, ExceptionCodes, OTError } from './OTError.js';

export type VideoCodec = 'vp8' | 'vp9' | 'h264';
export type PreferredVideoCodecs = 'automatic' | VideoCodec[];

const KNOWN = /^(vp8|vp9|h264)$/i;

/** The app's option as a lower-case list; undefined when absent; throws when invalid. */
export function normalisePreferredVideoCodecs(value: unknown): VideoCodec[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.toLowerCase() === 'automatic') return ['vp8', 'vp9', 'h264'];
  if (Array.isArray(value) && value.length > 0 && value.every((c) => typeof c === 'string' && KNOWN.test(c))) {
    return value.map((c) => String(c).toLowerCase() as VideoCodec);
  }
  throw new OTError(
    ErrorNames.INVALID_PARAMETER,
    'preferredVideoCodecs must be "automatic" or a non-empty array of valid codec strings',
    ExceptionCodes.INVALID_PARAMETER,
  );
}

/** The codec names in the order the offer should list them. */
export function codecOrder(preferred: VideoCodec[] | undefined, sessionPriority: string): string[] {
  const wanted = preferred ?? (KNOWN.test(sessionPriority) ? [sessionPriority.toLowerCase()] : []);
  const order = [...wanted, 'vp8'].map((c) => c.toUpperCase());
  return order.filter((c, i) => order.indexOf(c) === i);
}

/**
 * Orders the sender's codecs on a video transceiver: the wanted ones first (every profile of
 * each, as the browser lists them), then all the rest (RTX, RED, FEC, other codecs), so
 * nothing the browser could fall back to is lost. Does nothing where the browser cannot.
 */
export function applyCodecOrder(transceiver: RTCRtpTransceiver, order: string[]): void {
  if (typeof transceiver.setCodecPreferences !== 'function') return;
  const caps = typeof RTCRtpSender !== 'undefined' ? RTCRtpSender.getCapabilities?.('video') : null;
  if (!caps?.codecs?.length) return;
  const nameOf = (c: RTCRtpCodec): string => c.mimeType.split('/').pop()!.toUpperCase();
  const first: RTCRtpCodec[][] = order.map(() => []);
  const rest: RTCRtpCodec[] = [];
  for (const c of caps.codecs) {
    const i = order.indexOf(nameOf(c));
    if (i >= 0) first[i]!.push(c);
    else rest.push(c);
  }
  transceiver.setCodecPreferences([...first.flat(), ...rest]);
}
