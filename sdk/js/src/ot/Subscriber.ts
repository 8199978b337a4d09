// OT.Subscriber: one remote stream shown in an element. Sends subscriber create, answers
// the offer that follows (from the SFU in routed sessions, from the publisher in relayed
// ones, docs/protocol.md §8.3/§8.4), and completes once the media plays.

import { subscriberChannelUpdate, subscriberCreate, subscriberDelete, jsep, type SubscriberChannel } from '../raptor/RaptorMessage.js';
import type { JsonObject } from '../util/json.js';
import { uuid } from '../util/uuid.js';
import { AudioLevelMeter } from './AudioLevelMeter.js';
import { EventDispatcher } from './EventDispatcher.js';
import { log } from './Log.js';
import { ErrorNames, ExceptionCodes, OTError, complete, type CompletionHandler } from './OTError.js';
import type { OTStream } from './OTStream.js';
import { PeerLink, passiveSetup } from './PeerLink.js';
import type { SessionPort } from './SessionPort.js';
import { Widget } from './Widget.js';
import { decryptReceiver, type DecryptOutcome } from './e2ee/MediaEncryption.js';
import { withPromiseForm } from './PromiseForm.js';

/** How soon after an audio-fallback hint a hasVideo change counts as the same event (ms). */
const QUALITY_HINT_WINDOW_MS = 1000;

export interface SubscriberProperties {
  insertMode?: 'replace' | 'after' | 'before' | 'append';
  insertDefaultUI?: boolean;
  width?: number | string;
  height?: number | string;
  subscribeToAudio?: boolean;
  subscribeToVideo?: boolean;
  fitMode?: 'cover' | 'contain';
  preferredResolution?: { width: number; height: number };
  preferredFrameRate?: number;
  audioVolume?: number;
  /** Show the stream's name on the element (default true). */
  showControls?: boolean;
  style?: { nameDisplayMode?: 'on' | 'off' | 'auto'; [key: string]: unknown };
}

const SUBSCRIBE_TIMEOUT_MS = 30000;

/** How long a routed subscriber's ICE may stay `disconnected` before it restarts ICE. */
const ICE_RESTART_AFTER_MS = 2000;

export class Subscriber extends EventDispatcher {
  readonly id: string;
  readonly element: HTMLElement | null;
  readonly stream: OTStream;
  /** The subscriber id used on the wire (docs/protocol.md §1.4). */
  readonly subscriberId: string = uuid();
  session: SessionPort | null;

  private readonly widget: Widget;
  private readonly properties: SubscriberProperties;
  private audioWanted: boolean;
  private videoWanted: boolean;
  /** What the previous getStats saw, for bitrates. */
  private lastInbound: InboundMark | undefined;
  /** The SFU stopped this subscriber's video for bandwidth (audio fallback). */
  private videoOffForQuality = false;
  /** When the last such hint came (ms): the stream's hasVideo change that follows is its echo. */
  private qualityHintAt = 0;
  private volume: number;
  private link: PeerLink | undefined;
  /** While moving to another server (migrate()): the old peer connection, playing on. */
  private replacing: PeerLink | undefined;
  /** …and the new one's tracks, shown once it decodes. */
  private incoming: MediaStream | undefined;
  private remote: MediaStream | undefined;
  private connected = false;
  private destroyed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private iceRestartTimer: ReturnType<typeof setTimeout> | undefined;
  private done: CompletionHandler | undefined;
  private meter: AudioLevelMeter | undefined;
  private readonly local: boolean;
  private preferredFrameRate: number | undefined;
  private audioBlocked = false;
  /** End-to-end encryption: frames stopped decrypting (encryptionSecretMismatch was fired). */
  private secretMismatch = false;

  /** Subscribers not torn down yet, for OT.unblockAudio. */
  private static readonly live = new Set<Subscriber>();

  /** @internal OT.unblockAudio: every subscriber whose audio autoplay rules held back plays it. */
  static unblockAll(): Promise<void> {
    return Promise.all([...Subscriber.live].map((s) => s.unblockAudio().catch(() => undefined))).then(() => undefined);
  }

  constructor(session: SessionPort, stream: OTStream, target: HTMLElement | string | null | undefined, properties: SubscriberProperties = {}, handler?: CompletionHandler, localStream?: MediaStream) {
    super();
    Subscriber.live.add(this);
    this.session = session;
    this.stream = stream;
    this.properties = { ...properties };
    this.audioWanted = properties.subscribeToAudio !== false;
    this.videoWanted = properties.subscribeToVideo !== false;
    // OpenTok.js's `.promise` forms: resolved once the change is made.
    withPromiseForm(this, 'subscribeToAudio', (value?: boolean) => Promise.resolve().then(() => {
      this.subscribeToAudio(value);
    }));
    withPromiseForm(this, 'subscribeToVideo', (value?: boolean) => Promise.resolve().then(() => {
      this.subscribeToVideo(value);
    }));
    withPromiseForm(this, 'setAudioVolume', (value: number) => Promise.resolve().then(() => {
      this.setAudioVolume(value);
    }));
    withPromiseForm(this, 'restrictFrameRate', (value: boolean) => Promise.resolve().then(() => {
      if (typeof value !== 'boolean') throw new Error(`OT.Subscriber.restrictFrameRate: expected a boolean value got a ${typeof value}`);
      this.restrictFrameRate(value);
    }));
    this.volume = typeof properties.audioVolume === 'number' ? properties.audioVolume : 50;
    this.widget = new Widget({
      kind: 'subscriber',
      target,
      insertMode: properties.insertMode,
      width: properties.width,
      height: properties.height,
      name: properties.style?.nameDisplayMode === 'off' ? '' : stream.name,
      fitMode: properties.fitMode ?? stream.defaultFitMode,
      insertDefaultUI: properties.insertDefaultUI,
      muted: !!localStream,
    });
    this.id = this.widget.id;
    this.element = this.widget.element;
    this.done = handler;
    this.local = !!localStream;
    this.applyVolume();
    this.widget.setFlag('OT_audio-disabled', !stream.hasAudio);
    this.widget.setFlag('OT_video-disabled', !stream.hasVideo || !this.videoWanted);
    if (localStream) {
      // A subscriber to one's own stream shows the publisher's media; nothing goes on the wire (docs/protocol.md §7.9).
      this.remote = localStream;
      this.widget.setStream(localStream);
      this.trigger('videoElementCreated', { element: this.widget.video });
      setTimeout(() => this.finish(), 0);
      return;
    }
    this.timer = setTimeout(() => {
      this.fail(new OTError(ErrorNames.TIMEOUT, `The subscriber did not connect within ${SUBSCRIBE_TIMEOUT_MS / 1000} s`, ExceptionCodes.UNABLE_TO_SUBSCRIBE));
    }, SUBSCRIBE_TIMEOUT_MS);
    this.sendCreate();
  }

  // ---------------------------------------------------------------------------------------
  // OT API

  subscribeToAudio(value = true): this {
    this.audioWanted = !!value;
    this.applyVolume();
    this.sendChannel('audio1', { active: this.audioWanted });
    return this;
  }

  subscribeToVideo(value = true): this {
    const was = this.videoWanted;
    this.videoWanted = !!value;
    for (const t of this.remote?.getVideoTracks() ?? []) if (!this.local) t.enabled = this.videoWanted;
    this.sendChannel('video1', { active: this.videoWanted });
    this.widget.setFlag('OT_video-disabled', !this.videoWanted || !this.stream.hasVideo);
    if (was !== this.videoWanted && this.stream.hasVideo) this.trigger(this.videoWanted ? 'videoEnabled' : 'videoDisabled', { reason: 'subscribeToVideo' });
    return this;
  }

  isSubscribedToAudio(): boolean {
    return this.audioWanted;
  }

  isSubscribedToVideo(): boolean {
    return this.videoWanted;
  }

  /** Asks the SFU for the simulcast layer closest to this size (routed sessions). */
  setPreferredResolution(resolution: { width: number; height: number } | null): Promise<void> {
    if (resolution && resolution.width > 0 && resolution.height > 0) {
      this.sendChannel('video1', { preferredWidth: Math.round(resolution.width), preferredHeight: Math.round(resolution.height) });
    }
    return Promise.resolve();
  }

  /**
   * Sends the preferred frame rate to the SFU as OpenTok.js does (routed sessions only; a relayed
   * session rejects, as in OpenTok.js). parleyd records it but forwards whole simulcast layers, so
   * it does not lower the frame rate today (docs/migration.md).
   */
  setPreferredFrameRate(frameRate: number | null): Promise<void> {
    if (this.destroyed || (!this.link && !this.done)) return Promise.reject(new Error('Cannot set the max frameRate when not subscribing to a publisher'));
    if (!this.session?.routed) return Promise.reject(new Error('OT.Subscriber.setPreferredFrameRate will not work in a P2P Session'));
    if (frameRate === this.preferredFrameRate || (!frameRate && !this.preferredFrameRate)) return Promise.resolve();
    this.preferredFrameRate = frameRate && frameRate > 0 ? frameRate : undefined;
    this.sendChannel('video1', { preferredFrameRate: this.preferredFrameRate ?? null });
    return Promise.resolve();
  }

  /**
   * Restricts (true) or frees the video's frame rate, as in OpenTok.js: in routed sessions the
   * SFU then sends only the base temporal layer (a quarter of the frame rate or less). Also
   * `restrictFrameRate.promise(value)`.
   */
  restrictFrameRate(value: boolean): this {
    if (typeof value !== 'boolean') {
      log.error(`OT.Subscriber.restrictFrameRate: expected a boolean value got a ${typeof value}`);
      return this;
    }
    if (!this.session?.routed) log.warn('OT.Subscriber.restrictFrameRate: Cannot restrictFrameRate on a P2P session');
    this.sendChannel('video1', { restrictFrameRate: value });
    return this;
  }

  /** True while the browser's autoplay policy keeps this subscriber's audio muted (see `audioBlocked`). */
  isAudioBlocked(): boolean {
    return this.audioBlocked;
  }

  /**
   * @internal Plays the audio after a user gesture (OT.unblockAudio, or a click on the element);
   * fires `audioUnblocked`. Rejects when the browser still refuses.
   */
  async unblockAudio(): Promise<void> {
    if (!this.audioBlocked) return;
    this.audioBlocked = false;
    this.applyVolume();
    try {
      await this.widget.video.play();
    } catch (err) {
      this.audioBlocked = true;
      this.widget.video.muted = true;
      throw err;
    }
    this.widget.setFlag('OT_audio-blocked', false);
    this.trigger('audioUnblocked');
  }

  setAudioVolume(value: number): this {
    this.volume = Math.max(0, Math.min(100, Number(value) || 0));
    this.applyVolume();
    return this;
  }

  /** 0 while not subscribed to audio, as in OpenTok.js; the set volume comes back with it. */
  getAudioVolume(): number {
    return this.audioWanted ? this.volume : 0;
  }

  videoWidth(): number | undefined {
    return this.widget.video.videoWidth || undefined;
  }

  videoHeight(): number | undefined {
    return this.widget.video.videoHeight || undefined;
  }

  /** The current frame as base64 JPEG (no data: prefix), as OpenTok.js returns it. */
  getImgData(): string | null {
    return this.widget.snapshot();
  }

  /** `{audio: {bytesReceived, packetsLost, packetsReceived}, video: {… frameRate}, timestamp}`. */
  /**
   * OpenTok.js's SubscriberStats: audio and video bytes, packets and losses, and for video the
   * codec, size, frame rates, freezes and pauses, and the bitrate since the previous call. To
   * `handler` when given, and as a Promise either way (one a handler was given for never counts
   * as an unhandled rejection), as in OpenTok.js 2.35.
   */
  getStats(handler?: (error?: OTError, stats?: SubscriberStats) => void): Promise<SubscriberStats> {
    const link = this.link;
    const got = link
      ? link.pc.getStats().catch((err) => {
        throw new OTError(ErrorNames.NOT_CONNECTED, String(err), ExceptionCodes.PEER_CONNECTION_NOT_CONNECTED);
      })
      : Promise.reject(new OTError(ErrorNames.NOT_CONNECTED, 'The subscriber is not connected', ExceptionCodes.PEER_CONNECTION_NOT_CONNECTED));
    const promise = got.then(
      (report) => {
        const stats = summariseInbound(report, this.lastInbound);
        this.lastInbound = inboundMark(report, stats);
        complete(handler, undefined, stats);
        return stats;
      },
      (err: OTError) => {
        complete(handler, err);
        throw err;
      },
    );
    if (handler) promise.catch(() => {});
    return promise;
  }

  getRtcStatsReport(): Promise<RTCStatsReport> {
    if (!this.link) return Promise.reject(new OTError(ErrorNames.NOT_CONNECTED, 'The subscriber is not connected', ExceptionCodes.PEER_CONNECTION_NOT_CONNECTED));
    return this.link.pc.getStats();
  }

  protected override listenersChanged(): void {
    this.updateMeter();
  }

  // ---------------------------------------------------------------------------------------
  // Session side (@internal)

  /** @internal JSEP on `…/stream/{sid}/subscriber/{this}`. */
  onJsep(method: string, content: JsonObject): void {
    const session = this.session;
    if (!session || this.destroyed) return;
    const sourceStreamId = typeof content.sourceStreamId === 'string' ? content.sourceStreamId : undefined;
    if (method === 'offer' && (!this.link || (sourceStreamId !== undefined && this.link.sourceStreamId !== sourceStreamId))) {
      this.link?.close();
      this.link = this.createLink(session, content);
    }
    if (!this.link) {
      log.debug(`subscriber ${this.subscriberId}: ${method} before any offer`);
      return;
    }
    const mantis = (this.link.sourceStreamId ?? sourceStreamId) !== 'P2P';
    this.link.handle(method, content, mantis ? { rewriteOffer: passiveSetup } : {});
  }

  /** @internal The stream's properties changed (channel updates). */
  onStreamPropertyChanged(changedProperty: string, newValue: unknown): void {
    if (changedProperty === 'hasVideo') {
      this.widget.setFlag('OT_video-disabled', !newValue || !this.videoWanted || this.videoOffForQuality);
      // Right after the SFU's hint (publisher audio fallback): reason 'quality', and when going
      // off it was already told at the hint.
      const byQuality = Date.now() - this.qualityHintAt < QUALITY_HINT_WINDOW_MS && !!newValue === !this.videoOffForQuality;
      if (!this.videoWanted || (byQuality && !newValue)) return;
      this.trigger(newValue ? 'videoEnabled' : 'videoDisabled', { reason: byQuality ? 'quality' : 'publishVideo' });
    } else if (changedProperty === 'hasAudio') {
      this.widget.setFlag('OT_audio-disabled', !newValue);
    } else if (changedProperty === 'name') {
      this.widget.setName(String(newValue ?? ''));
    }
  }

  /**
   * @internal The SFU stopped or resumed this subscriber's video for bandwidth (audio fallback:
   * subscriber_channel update, docs/protocol.md §8.6). Fires on changes only, and not while the
   * app itself has the video off.
   */
  onChannelHint(channelId: string, changes: JsonObject): void {
    if (!channelId.startsWith('video') || typeof changes.active !== 'boolean') return;
    const off = !changes.active;
    if (off === this.videoOffForQuality) return;
    this.videoOffForQuality = off;
    // A publisher's own fallback: the stream's hasVideo follows right after this hint, and that
    // change is the same event, for the same reason.
    this.qualityHintAt = Date.now();
    if (!this.videoWanted) return;
    this.widget.setFlag('OT_video-disabled', off || !this.stream.hasVideo);
    if (this.stream.hasVideo) this.trigger(off ? 'videoDisabled' : 'videoEnabled', { reason: 'quality' });
  }

  /**
   * @internal session.setIceConfig: the peer connection takes `config`; a routed subscriber
   * restarts ICE itself (docs/protocol.md §8.5), a relayed one when its publisher re-offers.
   */
  applyIceConfig(config: RTCConfiguration, routed: boolean): void {
    if (!this.link || this.link.isClosed) return;
    try {
      this.link.pc.setConfiguration(config);
    } catch (err) {
      log.warn(`${this.link.name}: ICE configuration not applied: ${String(err)}`);
      return;
    }
    if (routed) void this.link.negotiate({ iceRestart: true });
  }

  private restartIceSoon(link: PeerLink, afterMs: number): void {
    if (!this.session?.routed || link.isClosed) return;
    clearTimeout(this.iceRestartTimer);
    this.iceRestartTimer = setTimeout(() => {
      if (link !== this.link || link.isClosed || link.iceConnected || this.destroyed) return;
      log.warn(`${link.name}: ICE ${link.pc.iceConnectionState}; restarting`);
      void link.negotiate({ iceRestart: true });
    }, afterMs);
  }

  /** @internal After a signaling reconnection, a routed subscriber re-offers if ICE is down (docs/protocol.md §8.5). */
  onReconnected(): void {
    if (this.link && !this.link.iceConnected && this.session?.routed) void this.link.negotiate({ iceRestart: true });
  }

  /**
   * @internal The session moved to another server and the stream is there (session migration,
   * docs/cluster.md): subscribe again there. The old peer connection plays on until the new one
   * has decoded media, then the element switches to the new tracks.
   */
  migrate(): void {
    if (!this.session || this.destroyed || this.local || this.replacing) return;
    this.replacing = this.link;
    this.link = undefined;
    this.sendCreate();
  }

  /** @internal Tears down without telling the server (the stream or session is gone). */
  teardown(reason: string, { removeElement = true }: { removeElement?: boolean } = {}): void {
    if (this.destroyed) return;
    this.destroyed = true;
    Subscriber.live.delete(this);
    clearTimeout(this.timer);
    clearTimeout(this.iceRestartTimer);
    this.meter?.stop();
    this.link?.close();
    this.link = undefined;
    this.replacing?.close();
    this.replacing = undefined;
    this.session = null;
    if (removeElement) this.widget.destroy();
    else this.widget.setStream(null);
    if (this.connected) this.trigger('disconnected', { reason });
    this.trigger('destroyed', { reason });
    if (this.done) this.fail(new OTError(ErrorNames.STREAM_DESTROYED, `The stream was destroyed before it could be subscribed to (${reason})`, ExceptionCodes.UNABLE_TO_SUBSCRIBE));
  }

  /** @internal session.unsubscribe(). */
  unsubscribe(): void {
    const session = this.session;
    if (session && !this.local) session.post(subscriberDelete(session.ref, this.stream.streamId, this.subscriberId));
    this.done = undefined;
    this.teardown('clientDisconnected');
  }

  /** Same as session.unsubscribe(subscriber). */
  destroy(): this {
    this.unsubscribe();
    return this;
  }

  // ---------------------------------------------------------------------------------------

  private sendCreate(): void {
    const session = this.session!;
    const video: SubscriberChannel = { id: 'video1', type: 'video', active: this.videoWanted, restrictFrameRate: false };
    if (this.properties.preferredResolution) {
      video.preferredWidth = this.properties.preferredResolution.width;
      video.preferredHeight = this.properties.preferredResolution.height;
    }
    if (this.properties.preferredFrameRate) video.preferredFrameRate = this.properties.preferredFrameRate;
    const channels: SubscriberChannel[] = [
      { id: 'audio1', type: 'audio', active: this.audioWanted },
      video,
      { id: 'caption1', type: 'data', active: false },
    ];
    const e2ee = session.encryption !== undefined;
    session.request(subscriberCreate(session.ref, { streamId: this.stream.streamId, subscriberId: this.subscriberId, connectionId: session.ownConnectionId ?? '', channels, e2ee })).then(
      (reply) => {
        if (reply.ok) return;
        const reason = reply.reason ?? `status ${reply.status}`;
        if (reply.status === 405 && reason === 'IncompatibleEncryptionSettings') {
          this.fail(new OTError(ErrorNames.UNABLE_TO_SUBSCRIBE, 'Tried to subscribe to an encrypted stream without enabling encryption', ExceptionCodes.UNABLE_TO_SUBSCRIBE));
          return;
        }
        if (reply.status === 404) this.fail(new OTError(ErrorNames.STREAM_NOT_FOUND, `Stream not found: ${reason}`, ExceptionCodes.UNABLE_TO_SUBSCRIBE));
        else if (reply.status === 409 && reason === 'streamLimitExceeded') this.fail(new OTError(ErrorNames.STREAM_LIMIT_EXCEEDED, 'The session has reached its stream limit', ExceptionCodes.STREAM_LIMIT_EXCEEDED));
        else if (reply.status === 403) this.fail(new OTError(ErrorNames.PERMISSION_DENIED, `Subscribing is not allowed: ${reason}`, ExceptionCodes.UNABLE_TO_SUBSCRIBE));
        else this.fail(new OTError(ErrorNames.UNABLE_TO_SUBSCRIBE, `Unexpected server response to subscriber create: ${reason}`, ExceptionCodes.UNEXPECTED_SERVER_RESPONSE));
      },
      (err) => this.fail(new OTError(ErrorNames.NOT_CONNECTED, `Subscriber create could not be sent: ${String(err?.message ?? err)}`, ExceptionCodes.NOT_CONNECTED)),
    );
  }

  private createLink(session: SessionPort, content: JsonObject): PeerLink {
    const streamId = this.stream.streamId;
    const subscriberId = this.subscriberId;
    const link: PeerLink = new PeerLink({
      name: `subscriber ${subscriberId.slice(0, 8)} of ${streamId.slice(0, 8)}`,
      configuration: session.rtcConfiguration(),
      peerId: typeof content.peerId === 'string' ? content.peerId : undefined,
      sourceStreamId: typeof content.sourceStreamId === 'string' ? content.sourceStreamId : undefined,
      send: (method, c) => session.post(jsep(session.ref, { method, streamId, subscriberId, ...link.ids(), content: c })),
    });
    const encryption = session.encryption;
    link.on('track', (e) => {
      if (link !== this.link) return;
      // Chromium wants the encoded streams taken before the first frame arrives.
      if (encryption) decryptReceiver(e.receiver, encryption, this.stream.connection.connectionId, link.name, (o) => this.onDecrypt(o));
      if (this.replacing) {
        this.incoming ??= new MediaStream();
        this.incoming.addTrack(e.track);
        return;
      }
      this.onTrack(e);
    });
    link.on('state', (state) => {
      // A peer connection this subscriber moved away from says nothing to the app.
      if (link !== this.link) return;
      if ((state === 'connected' || state === 'completed') && this.replacing) void this.switchWhenDecoding(link);
      if (state === 'connected' || state === 'completed') this.maybeFinish();
      if (state === 'disconnected' && this.connected) this.trigger('disconnected', { reason: 'networkDisconnected' });
      // Media lost with the socket up: the routed subscriber restarts ICE itself, as OpenTok.js
      // does (docs/protocol.md §8.5); the server may answer from another media node.
      if ((state === 'disconnected' || state === 'failed') && !this.done) this.restartIceSoon(link, state === 'failed' ? 0 : ICE_RESTART_AFTER_MS);
      if (state === 'failed' && this.done) {
        this.fail(new OTError(ErrorNames.ICE_WORKFLOW_FAILED, 'The subscriber\'s ICE negotiation failed', ExceptionCodes.SUBSCRIBER_ICE_WORKFLOW_FAILED));
      }
    });
    link.on('error', (err) => {
      if (link !== this.link) return;
      if (this.done) this.fail(new OTError(ErrorNames.SET_REMOTE_DESCRIPTION_FAILED, err.message, ExceptionCodes.UNABLE_TO_SUBSCRIBE));
    });
    return link;
  }

  /** Shows the new peer connection's tracks once it has decoded media (or after 5 s), then closes the old one. */
  private async switchWhenDecoding(link: PeerLink): Promise<void> {
    const wantsVideo = this.stream.hasVideo && this.videoWanted;
    for (let waited = 0; waited < 5000; waited += 50) {
      if (link !== this.link || this.destroyed) return;
      if (await receiving(link.pc, wantsVideo ? 'video' : 'audio')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (link !== this.link || this.destroyed || !this.replacing) return;
    const old = this.replacing;
    this.replacing = undefined;
    const incoming = this.incoming;
    this.incoming = undefined;
    if (incoming) {
      for (const track of incoming.getVideoTracks()) track.enabled = this.videoWanted;
      // The same MediaStream, its tracks swapped: the element plays on without a reload.
      if (this.remote) {
        for (const track of this.remote.getTracks()) this.remote.removeTrack(track);
        for (const track of incoming.getTracks()) this.remote.addTrack(track);
      } else {
        this.remote = incoming;
        this.widget.setStream(incoming);
      }
      const receiver = link.pc.getReceivers().find((r) => r.track.kind === 'audio');
      if (receiver) {
        this.meter?.stop();
        this.meter = new AudioLevelMeter(AudioLevelMeter.forReceiver(receiver), (audioLevel) => this.trigger('audioLevelUpdated', { audioLevel }));
        this.updateMeter();
      }
    }
    old?.close();
    log.debug(`${link.name}: moved to the new server`);
  }

  /** OpenTok.js's events: the first frame whose tag fails, then the first that decrypts again. */
  private onDecrypt(outcome: DecryptOutcome): void {
    if (this.destroyed) return;
    if (outcome === 'authFailed' && !this.secretMismatch) {
      this.secretMismatch = true;
      log.warn('Media cannot be decrypted due to an encryption secret mismatch.');
      this.trigger('encryptionSecretMismatch');
    } else if (outcome === 'decrypted' && this.secretMismatch) {
      this.secretMismatch = false;
      this.trigger('encryptionSecretMatch');
    }
  }

  private onTrack(e: RTCTrackEvent): void {
    if (!this.remote) {
      this.remote = e.streams[0] ?? new MediaStream();
      this.widget.setStream(this.remote);
      this.startPlayback();
      this.trigger('videoElementCreated', { element: this.widget.video });
      this.widget.video.addEventListener('playing', () => this.maybeFinish());
      this.widget.video.addEventListener('resize', () => {
        this.trigger('videoDimensionsChanged', { newValue: { width: this.widget.video.videoWidth, height: this.widget.video.videoHeight } });
      });
    }
    if (!this.remote.getTracks().includes(e.track)) this.remote.addTrack(e.track);
    if (e.track.kind === 'video') e.track.enabled = this.videoWanted;
    if (e.track.kind === 'audio') {
      this.meter?.stop();
      this.meter = new AudioLevelMeter(AudioLevelMeter.forReceiver(e.receiver), (audioLevel) => this.trigger('audioLevelUpdated', { audioLevel }));
      this.updateMeter();
    }
    this.maybeFinish();
  }

  /** Complete when ICE is up and the media plays (video) or has arrived (audio only). */
  private maybeFinish(): void {
    if (this.connected || !this.link?.iceConnected || !this.remote) return;
    const wantsVideo = this.stream.hasVideo && this.videoWanted && this.remote.getVideoTracks().length > 0;
    const v = this.widget.video;
    if (wantsVideo && (v.readyState < 2 || v.videoWidth === 0)) {
      // 'playing' or 'resize' follows once the first frame decodes.
      v.addEventListener('loadeddata', () => this.maybeFinish(), { once: true });
      return;
    }
    this.finish();
  }

  private finish(): void {
    if (this.connected || this.destroyed) return;
    this.connected = true;
    clearTimeout(this.timer);
    this.trigger('connected');
    const done = this.done;
    this.done = undefined;
    complete(done);
  }

  private fail(error: OTError): void {
    const done = this.done;
    this.done = undefined;
    clearTimeout(this.timer);
    if (!done) return;
    log.error(`subscribe to ${this.stream.streamId} failed: ${error.message}`);
    if (!this.destroyed) {
      const session = this.session;
      if (session) session.post(subscriberDelete(session.ref, this.stream.streamId, this.subscriberId));
      this.teardown('subscribeFailed');
    }
    complete(done, error);
  }

  private sendChannel(channelId: string, attributes: JsonObject): void {
    const session = this.session;
    if (!session || this.destroyed || this.local) return;
    session.post(subscriberChannelUpdate(session.ref, this.stream.streamId, this.subscriberId, channelId, attributes));
  }

  private applyVolume(): void {
    this.widget.video.volume = this.volume / 100;
    if (!this.local) this.widget.video.muted = !this.audioWanted || this.audioBlocked;
  }

  /**
   * Starts the element; when the autoplay policy refuses sound, plays muted and fires
   * `audioBlocked` (OpenTok.js does the same), so video still shows and the subscribe completes.
   */
  private startPlayback(): void {
    const v = this.widget.video;
    v.play().catch((err: unknown) => {
      if (this.destroyed || (err as { name?: string })?.name !== 'NotAllowedError') return;
      const hasAudio = (this.remote?.getAudioTracks().length ?? 0) > 0 && !v.muted;
      v.muted = true;
      v.play().then(() => {
        if (!hasAudio || this.destroyed) return;
        this.audioBlocked = true;
        this.widget.setFlag('OT_audio-blocked', true);
        this.trigger('audioBlocked');
      }, () => undefined);
    });
    // A click is a user gesture: OpenTok.js's audio-blocked indicator unblocks on it too.
    this.element?.addEventListener('click', () => {
      if (this.audioBlocked) this.unblockAudio().catch(() => undefined);
    });
  }

  private updateMeter(): void {
    this.meter?.setActive(!this.destroyed && this.hasListeners('audioLevelUpdated'));
  }
}

interface InboundMark {
  videoBytes: number;
  videoWithHeaders: number;
  at: number;
}

function videoHeaderBytes(report: RTCStatsReport): number {
  let bytes = 0;
  report.forEach((s: any) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') bytes += s.headerBytesReceived ?? 0;
  });
  return bytes;
}

function inboundMark(report: RTCStatsReport, stats: SubscriberStats): InboundMark {
  return { videoBytes: stats.video.bytesReceived, videoWithHeaders: stats.video.bytesReceived + videoHeaderBytes(report), at: stats.timestamp };
}

export interface SubscriberStats {
  audio: { bytesReceived: number; packetsReceived: number; packetsLost: number };
  video: {
    bytesReceived: number; packetsReceived: number; packetsLost: number;
    codec: string; width: number; height: number;
    /** Video bits per second since the previous getStats (0 on the first call). */
    bitrate: number;
    /** The same with RTP headers. */
    totalBitrate: number;
    frameRate: number; decodedFrameRate: number;
    pauseCount: number; totalPausesDuration: number; freezeCount: number; totalFreezesDuration: number;
  };
  timestamp: number;
}

/** OpenTok.js's subscriber stats shape from an RTCStatsReport. */
function summariseInbound(report: RTCStatsReport, previous: InboundMark | undefined): SubscriberStats {
  const out: SubscriberStats = {
    audio: { bytesReceived: 0, packetsReceived: 0, packetsLost: 0 },
    video: {
      bytesReceived: 0, packetsReceived: 0, packetsLost: 0, codec: '', width: 0, height: 0, bitrate: 0, totalBitrate: 0,
      frameRate: 0, decodedFrameRate: 0, pauseCount: 0, totalPausesDuration: 0, freezeCount: 0, totalFreezesDuration: 0,
    },
    timestamp: Date.now(),
  };
  report.forEach((s: any) => {
    if (s.type !== 'inbound-rtp') return;
    const m = s.kind === 'video' ? out.video : out.audio;
    m.bytesReceived += s.bytesReceived ?? 0;
    m.packetsReceived += s.packetsReceived ?? 0;
    m.packetsLost += s.packetsLost ?? 0;
    if (s.kind !== 'video') return;
    const v = out.video;
    const codec = s.codecId ? report.get(s.codecId) : undefined;
    if (codec?.mimeType) v.codec = String(codec.mimeType).split('/').pop()!;
    v.width = s.frameWidth ?? v.width;
    v.height = s.frameHeight ?? v.height;
    v.frameRate = s.framesPerSecond ?? 0;
    v.decodedFrameRate = s.framesPerSecond ?? 0;
    v.pauseCount = s.pauseCount ?? 0;
    v.totalPausesDuration = s.totalPausesDuration ?? 0;
    v.freezeCount = s.freezeCount ?? 0;
    v.totalFreezesDuration = s.totalFreezesDuration ?? 0;
  });
  if (previous && out.timestamp > previous.at) {
    const seconds = (out.timestamp - previous.at) / 1000;
    out.video.bitrate = Math.max(0, Math.round(((out.video.bytesReceived - previous.videoBytes) * 8) / seconds));
    const withHeaders = out.video.bytesReceived + videoHeaderBytes(report);
    out.video.totalBitrate = Math.max(0, Math.round(((withHeaders - previous.videoWithHeaders) * 8) / seconds));
  }
  return out;
}

/** Whether the peer connection has decoded video (or received audio) yet. */
async function receiving(pc: RTCPeerConnection, kind: 'audio' | 'video'): Promise<boolean> {
  let yes = false;
  try {
    const report = await pc.getStats();
    report.forEach((s: any) => {
      if (s.type !== 'inbound-rtp' || s.kind !== kind) return;
      if (kind === 'video' ? (s.framesDecoded ?? 0) > 0 : (s.packetsReceived ?? 0) > 0) yes = true;
    });
  } catch {
    // closed meanwhile
  }
  return yes;
}
