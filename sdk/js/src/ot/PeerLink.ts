// One RTCPeerConnection and its JSEP exchange over Raptor (docs/protocol.md §8.1): trickled candidates
// (sent as gathered; incoming ones buffered until the remote description is set), one
// offer/answer exchange at a time, and the ids the server gave copied into every message.

import { Emitter } from '../util/Emitter.js';
import type { JsonObject } from '../util/json.js';
import { log } from './Log.js';

export type JsepSend = (method: 'offer' | 'answer' | 'candidate', content: JsonObject) => void;

export interface PeerLinkOptions {
  /** For logs: e.g. "publisher 753d… → symphony.sfu". */
  name: string;
  configuration: RTCConfiguration;
  send: JsepSend;
  peerId?: string | undefined;
  sourceStreamId?: string | undefined;
  /** How long an offer waits for its answer before the next exchange may start. */
  answerTimeoutMs?: number;
  /** Offerer side: rewrites the own offer before it is applied and sent (publisher audio options). */
  rewriteLocalOffer?: ((sdp: string) => string) | undefined;
  /** Offerer side: rewrites the remote answer before it is applied. */
  rewriteRemoteAnswer?: ((sdp: string) => string) | undefined;
}

export type PeerLinkEvents = {
  track: [event: RTCTrackEvent];
  /** iceConnectionState changes. */
  state: [state: RTCIceConnectionState];
  /** setRemoteDescription or createAnswer failed: the link cannot carry media. */
  error: [error: Error];
};

export class PeerLink extends Emitter<PeerLinkEvents> {
  readonly pc: RTCPeerConnection;
  readonly name: string;
  peerId: string | undefined;
  sourceStreamId: string | undefined;
  private readonly send: JsepSend;
  private readonly answerTimeoutMs: number;
  private chain: Promise<void> = Promise.resolve();
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private waitingAnswer: ((sdp: string | undefined) => void) | undefined;
  private closed = false;
  private readonly rewriteLocalOffer: ((sdp: string) => string) | undefined;
  private readonly rewriteRemoteAnswer: ((sdp: string) => string) | undefined;

  constructor(o: PeerLinkOptions) {
    super();
    this.rewriteLocalOffer = o.rewriteLocalOffer;
    this.rewriteRemoteAnswer = o.rewriteRemoteAnswer;
    this.name = o.name;
    this.send = o.send;
    this.peerId = o.peerId;
    this.sourceStreamId = o.sourceStreamId;
    this.answerTimeoutMs = o.answerTimeoutMs ?? 20000;
    this.pc = new RTCPeerConnection(o.configuration);
    this.pc.addEventListener('icecandidate', (e) => {
      if (!e.candidate || !e.candidate.candidate) return; // the client never signals end-of-candidates
      this.send('candidate', { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid ?? '0', sdpMLineIndex: e.candidate.sdpMLineIndex ?? 0 });
    });
    this.pc.addEventListener('track', (e) => this.emit('track', e));
    this.pc.addEventListener('iceconnectionstatechange', () => {
      log.debug(`${this.name}: ICE ${this.pc.iceConnectionState}`);
      this.emit('state', this.pc.iceConnectionState);
    });
  }

  get iceConnected(): boolean {
    const s = this.pc.iceConnectionState;
    return s === 'connected' || s === 'completed';
  }

  /** Offerer side: queues an offer (with an ICE restart if asked) and waits for its answer. */
  negotiate({ iceRestart = false }: { iceRestart?: boolean } = {}): Promise<void> {
    return this.enqueue(async () => {
      const created = await this.pc.createOffer({ iceRestart });
      const offer = this.rewriteLocalOffer && created.sdp ? { type: created.type, sdp: this.rewriteLocalOffer(created.sdp) } : created;
      await this.pc.setLocalDescription(offer);
      const answered = new Promise<string | undefined>((resolve) => {
        this.waitingAnswer = resolve;
        setTimeout(() => resolve(undefined), this.answerTimeoutMs);
      });
      log.debug(`${this.name}: offer\n${this.pc.localDescription?.sdp ?? ''}`);
      this.send('offer', { type: 'offer', sdp: this.pc.localDescription?.sdp ?? offer.sdp ?? '' });
      const sdp = await answered;
      this.waitingAnswer = undefined;
      if (sdp === undefined) {
        log.warn(`${this.name}: no answer within ${this.answerTimeoutMs} ms`);
        return;
      }
      log.debug(`${this.name}: answer\n${sdp}`);
      await this.pc.setRemoteDescription({ type: 'answer', sdp: this.rewriteRemoteAnswer ? this.rewriteRemoteAnswer(sdp) : sdp });
      await this.flushCandidates();
    });
  }

  /** A JSEP message from the server for this link: answer, pranswer, offer or candidate. */
  handle(method: string, content: JsonObject, { rewriteOffer }: { rewriteOffer?: (sdp: string) => string } = {}): void {
    if (this.closed) return;
    if (this.peerId === undefined && typeof content.peerId === 'string') this.peerId = content.peerId;
    if (this.sourceStreamId === undefined && typeof content.sourceStreamId === 'string') this.sourceStreamId = content.sourceStreamId;
    switch (method) {
      case 'answer':
      case 'pranswer': {
        const sdp = typeof content.sdp === 'string' ? content.sdp : undefined;
        if (!sdp) {
          this.fail(new Error('an answer without sdp'));
          return;
        }
        if (this.waitingAnswer) this.waitingAnswer(sdp);
        else log.warn(`${this.name}: an answer nobody waits for`);
        return;
      }
      case 'offer': {
        const raw = typeof content.sdp === 'string' ? content.sdp : undefined;
        if (!raw) {
          this.fail(new Error('an offer without sdp'));
          return;
        }
        const sdp = rewriteOffer ? rewriteOffer(raw) : raw;
        void this.enqueue(async () => {
          await this.pc.setRemoteDescription({ type: 'offer', sdp });
          await this.flushCandidates();
          const answer = await this.pc.createAnswer();
          await this.pc.setLocalDescription(answer);
          this.send('answer', { type: 'answer', sdp: this.pc.localDescription?.sdp ?? answer.sdp ?? '' });
        });
        return;
      }
      case 'candidate': {
        if (typeof content.candidate !== 'string') return;
        const init: RTCIceCandidateInit = {
          candidate: content.candidate,
          sdpMid: typeof content.sdpMid === 'string' ? content.sdpMid : String(content.sdpMid ?? '0'),
          sdpMLineIndex: typeof content.sdpMLineIndex === 'number' ? content.sdpMLineIndex : Number(content.sdpMLineIndex ?? 0),
        };
        if (this.pc.remoteDescription && !this.waitingAnswer) {
          this.pc.addIceCandidate(init).catch((err) => log.debug(`${this.name}: candidate refused: ${String(err)}`));
        } else {
          this.pendingCandidates.push(init);
        }
        return;
      }
      default:
        log.debug(`${this.name}: ignoring ${method}`);
    }
  }

  /** The JSEP ids to put into every message of this link (docs/protocol.md §8.1). */
  ids(): JsonObject {
    const ids: JsonObject = {};
    if (this.peerId !== undefined) ids.peerId = this.peerId;
    if (this.sourceStreamId !== undefined) ids.sourceStreamId = this.sourceStreamId;
    return ids;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waitingAnswer?.(undefined);
    try {
      this.pc.close();
    } catch {
      // already closed
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async flushCandidates(): Promise<void> {
    const list = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const c of list) {
      try {
        await this.pc.addIceCandidate(c);
      } catch (err) {
        log.debug(`${this.name}: candidate refused: ${String(err)}`);
      }
    }
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await task();
      } catch (err) {
        this.fail(err as Error);
      }
    });
    this.chain = run;
    return run;
  }

  private fail(err: Error): void {
    log.error(`${this.name}: ${err.message ?? String(err)}`);
    this.emit('error', err);
  }
}

/** Routed subscribers answer as DTLS client: every a=setup in the SFU's offer becomes passive (docs/protocol.md §8.1). */
export const passiveSetup = (sdp: string): string => sdp.replace(/^a=setup:(actpass|active)\r?$/gm, (line) => line.replace(/setup:\w+/, 'setup:passive'));
