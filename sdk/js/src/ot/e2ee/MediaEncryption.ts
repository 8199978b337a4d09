// End-to-end encryption of a session's media in the browser (docs/protocol.md §8.7): the
// session's key ring (one base key from the app's secret, replaced by setEncryptionSecret) and
// the insertable-streams transforms that encrypt a publisher's encoded frames and decrypt a
// subscriber's, in the main thread. A frame without a header of the expected publisher goes to
// the decoder as it came, as OpenTok.js does; a frame whose tag fails (the secrets differ) is
// dropped instead: decoded, it would leave a garbled picture until the next keyframe, while
// missing frames make the browser ask for a keyframe, so the picture is right once the secrets
// match again.

import { log } from '../Log.js';
import { decryptFrame, encryptFrame, frameCodecOf, type FrameCodec } from './SframeCodec.js';
import { deriveBaseKey, senderKeyId, sframeKeysFromBaseKey, type SframeKeys } from './SframeKeys.js';

/** Whether this browser can encrypt media end to end the way parley.js does it. */
export function hasInsertableStreams(): boolean {
  const g = globalThis as { RTCRtpSender?: { prototype: object }; RTCRtpReceiver?: { prototype: object }; crypto?: Crypto };
  return !!g.crypto?.subtle && !!g.RTCRtpSender && 'createEncodedStreams' in g.RTCRtpSender.prototype &&
    !!g.RTCRtpReceiver && 'createEncodedStreams' in g.RTCRtpReceiver.prototype;
}

/** The session's keys: every participant derives the same ones from the shared secret. */
export class SessionKeyRing {
  private keys: Promise<SframeKeys>;
  private readonly kids = new Map<string, Promise<number>>();

  constructor(readonly sessionId: string, secret: string) {
    this.keys = this.derive(secret);
    this.keys.catch(() => undefined);
  }

  /** Derives the keys of a new secret; frames use them once they are ready. */
  async setSecret(secret: string): Promise<void> {
    const next = this.derive(secret);
    await next;
    this.keys = next;
  }

  current(): Promise<SframeKeys> {
    return this.keys;
  }

  /** The KID of the publisher on connection `connectionId`. */
  kidOf(connectionId: string): Promise<number> {
    let kid = this.kids.get(connectionId);
    if (!kid) {
      kid = senderKeyId(connectionId, this.sessionId);
      this.kids.set(connectionId, kid);
    }
    return kid;
  }

  private async derive(secret: string): Promise<SframeKeys> {
    return sframeKeysFromBaseKey(await deriveBaseKey(secret, this.sessionId));
  }
}

interface EncodedFrame {
  data: ArrayBuffer;
  getMetadata(): { payloadType?: number; mimeType?: string };
}

interface EncodedStreams {
  readable: ReadableStream<EncodedFrame>;
  writable: WritableStream<EncodedFrame>;
}

type HasEncodedStreams = { createEncodedStreams(): EncodedStreams; getParameters(): RTCRtpParameters };

/** The codec of a frame: from its metadata's mimeType, else its payload type in the negotiated codecs. */
function codecOfFrame(frame: EncodedFrame, endpoint: HasEncodedStreams): FrameCodec | undefined {
  const meta = frame.getMetadata();
  if (meta.mimeType) return frameCodecOf(meta.mimeType);
  const codec = endpoint.getParameters().codecs?.find((c) => c.payloadType === meta.payloadType);
  return frameCodecOf(codec?.mimeType);
}

/** Pipes the endpoint's encoded frames through `each`; a frame goes on unless `each` says 'drop'. */
function transform(endpoint: HasEncodedStreams, name: string, each: (frame: EncodedFrame) => Promise<void | 'drop'>): void {
  let streams: EncodedStreams;
  try {
    streams = endpoint.createEncodedStreams();
  } catch (err) {
    log.error(`${name}: no insertable streams: ${String(err)}`);
    return;
  }
  streams.readable
    .pipeThrough(new TransformStream<EncodedFrame, EncodedFrame>({
      async transform(frame, controller) {
        try {
          if ((await each(frame)) === 'drop') return;
        } catch (err) {
          log.debug(`${name}: frame left as it was: ${String(err)}`);
        }
        controller.enqueue(frame);
      },
    }))
    .pipeTo(streams.writable)
    .catch((err) => log.debug(`${name}: transform ended: ${String(err)}`));
}

/** Frames one publisher has sent: its counter goes up by one per frame, audio and video alike. */
export interface FrameCounter {
  next: number;
}

/** Encrypts everything `sender` sends under the KID of the publishing connection. */
export function encryptSender(sender: RTCRtpSender, ring: SessionKeyRing, connectionId: string, counter: FrameCounter, name: string): void {
  const endpoint = sender as unknown as HasEncodedStreams;
  transform(endpoint, name, async (frame) => {
    const ctr = counter.next++;
    const [keys, kid] = await Promise.all([ring.current(), ring.kidOf(connectionId)]);
    const out = await encryptFrame(keys, kid, ctr, codecOfFrame(frame, endpoint), new Uint8Array(frame.data));
    if (out) frame.data = out.buffer as ArrayBuffer;
  });
}

/** What a subscriber is told about its frames: they decrypt, or their tag does not match. */
export type DecryptOutcome = 'decrypted' | 'authFailed';

/** Decrypts what `receiver` gets from the publisher on `connectionId`. */
export function decryptReceiver(receiver: RTCRtpReceiver, ring: SessionKeyRing, connectionId: string, name: string, outcome: (o: DecryptOutcome) => void): void {
  const endpoint = receiver as unknown as HasEncodedStreams;
  transform(endpoint, name, async (frame) => {
    const [keys, kid] = await Promise.all([ring.current(), ring.kidOf(connectionId)]);
    const result = await decryptFrame(keys, kid, codecOfFrame(frame, endpoint), new Uint8Array(frame.data));
    if (typeof result !== 'string') {
      frame.data = result.buffer as ArrayBuffer;
      outcome('decrypted');
    } else if (result === 'auth-failed') {
      outcome('authFailed');
      return 'drop';
    }
    return undefined;
  });
}
