// OT.Publisher: captures media, publishes it as one stream, and keeps one peer connection
// per remote end — the SFU in routed sessions, each subscriber in relayed ones (docs/protocol.md §8.2, §8.4).

import { jsep, publisherChannels, streamChannelUpdate, streamCreate, streamDelete, type StreamChannel } from '../raptor/RaptorMessage.js';
import type { JsonObject } from '../util/json.js';
import { uuid } from '../util/uuid.js';
import { AudioLevelMeter } from './AudioLevelMeter.js';
import { EventDispatcher } from './EventDispatcher.js';
import { log } from './Log.js';
import { captureDeviceTrack, captureMedia, cameraConstraints, isScreenSource, type CapturedMedia, type MediaSourceOption } from './MediaCapture.js';
import { hasOpusOptions, opusAnswer, opusOffer } from './OpusSdp.js';
import { ErrorNames, ExceptionCodes, OTError, complete, type CompletionHandler } from './OTError.js';
import { OTEvent } from './OTEvent.js';
import type { OTStream } from './OTStream.js';
import { PeerLink } from './PeerLink.js';
import { PublisherAudioFallback, uplinkSample } from './PublisherAudioFallback.js';
import { withPromiseForm } from './PromiseForm.js';
import type { SessionPort } from './SessionPort.js';
import { applyCodecOrder, codecOrder, normalisePreferredVideoCodecs, type PreferredVideoCodecs, type VideoCodec } from './VideoCodecs.js';
import { Widget } from './Widget.js';
import { encryptSender, type FrameCounter } from './e2ee/MediaEncryption.js';

export interface PublisherProperties {
  insertMode?: 'replace' | 'after' | 'before' | 'append';
  insertDefaultUI?: boolean;
  width?: number | string;
  height?: number | string;
  name?: string;
  publishAudio?: boolean;
  publishVideo?: boolean;
  /** A device id, `'screen'` (also 'window', 'application', 'browser'), a MediaStreamTrack, or null/false for none. */
  videoSource?: MediaSourceOption;
  audioSource?: MediaSourceOption;
  /** 'WIDTHxHEIGHT', e.g. '1280x720'. */
  resolution?: string;
  /** Which camera of a phone or tablet: 'user' (front), 'environment' (back), 'left' or 'right'. */
  facingMode?: 'user' | 'environment' | 'left' | 'right';
  frameRate?: number;
  maxResolution?: { width: number; height: number };
  mirror?: boolean;
  fitMode?: 'cover' | 'contain';
  /**
   * Audio fallback, as in OpenTok.js: `subscriber` (default true for cameras, false for screens)
   * lets the SFU stop a subscriber's video when its bandwidth cannot carry it (the subscriber
   * fires videoDisabled/videoEnabled with reason 'quality'); `publisher` (default false) makes
   * the publisher stop sending video when its own uplink cannot carry it, with
   * videoDisableWarning, videoDisableWarningLifted and videoDisabled/videoEnabled (reason
   * 'quality') on the Publisher and reason 'quality' at its subscribers.
   */
  audioFallback?: { publisher?: boolean; subscriber?: boolean };
  /** Older name of `audioFallback.publisher`. */
  audioFallbackEnabled?: boolean;
  minVideoBitrate?: number;
  /** Opus in stereo: two microphone channels, `sprop-stereo=1` offered and `stereo=1` applied. */
  enableStereo?: boolean;
  /** Opus bitrate in bits per second (`maxaveragebitrate`, and the audio sender's maxBitrate). */
  audioBitrate?: number;
  /** Opus discontinuous transmission (`usedtx=1`): near-silent packets during silence. */
  enableDtx?: boolean;
  /** Microphone processing; each defaults to on. `disableAudioProcessing: true` turns all three off. */
  echoCancellation?: boolean;
  noiseSuppression?: boolean;
  autoGainControl?: boolean;
  disableAudioProcessing?: boolean;
  /**
   * The video codecs to send, most wanted first ('vp8', 'vp9', 'h264'), or 'automatic'; without
   * it the session's codec (the server's, the project's or the session's choice) leads.
   */
  preferredVideoCodecs?: PreferredVideoCodecs;
  /** MediaStreamTrack.contentHint of the video track: '', 'motion', 'detail' or 'text'. */
  videoContentHint?: VideoContentHint;
  /** `nameDisplayMode: 'off'` hides the name on the element. */
  style?: { nameDisplayMode?: 'on' | 'off' | 'auto'; [key: string]: unknown };
}

export type VideoContentHint = '' | 'motion' | 'detail' | 'text';
const CONTENT_HINTS: readonly string[] = ['', 'motion', 'detail', 'text'];

type PublisherState = 'capturing' | 'ready' | 'publishing' | 'published' | 'failed' | 'destroyed';

const PUBLISH_TIMEOUT_MS = 15000;
/** How long a routed publisher's ICE may stay `disconnected` before it restarts ICE. */
const ICE_RESTART_AFTER_MS = 2000;

/** Fires `streamCreated` and `streamDestroyed` for the stream it publishes; its Session does not. */
export class Publisher extends EventDispatcher {
  readonly id: string;
  /** The widget's element (null with insertDefaultUI false). */
  readonly element: HTMLElement | null;
  stream: OTStream | null = null;
  session: SessionPort | null = null;
  accessAllowed = false;

  private readonly properties: PublisherProperties;
  private readonly widget: Widget;
  private state: PublisherState = 'capturing';
  private media: CapturedMedia | undefined;
  private readonly ready: Promise<CapturedMedia>;
  private audioEnabled: boolean;
  private videoEnabled: boolean;
  private streamId: string | undefined;
  private readonly links = new Map<string, PeerLink>();
  /** Peer connections to the server this publisher's session moved away from (migrate()). */
  private retiring: PeerLink[] = [];
  /** Publisher audio fallback (`audioFallback.publisher`), and its once-a-second check. */
  private readonly fallback: PublisherAudioFallback | undefined;
  private fallbackTimer: ReturnType<typeof setInterval> | undefined;
  private videoSending = true;
  /** Bytes each outgoing RTP stream (by SSRC) had sent at the previous getStats, for bitrates. */
  private readonly lastOutbound = new Map<number, OutboundMark>();
  /** End-to-end encryption: one frame counter for all of this publisher's media, as OpenTok.js keeps it. */
  private readonly frameCounter: FrameCounter = { next: 0 };
  private publishDone: ((err?: OTError) => void) | undefined;
  private publishTimer: ReturnType<typeof setTimeout> | undefined;
  private meter: AudioLevelMeter | undefined;
  private meterClose: (() => void) | undefined;
  /** Tracks the publisher captured itself (stopped when replaced); app-supplied ones are left running. */
  private readonly ownTracks = new Set<MediaStreamTrack>();
  private contentHint: VideoContentHint;
  private readonly preferredVideoCodecs: VideoCodec[] | undefined;
  private maxVideoBitrate = 0;
  private preferredFrameRate: number | undefined;
  private preferredResolution: { width: number; height: number } | undefined;
  private videoIndex = 0;

  constructor(target: HTMLElement | string | null | undefined, properties: PublisherProperties = {}, completionHandler?: CompletionHandler) {
    super();
    this.properties = { ...properties };
    this.audioEnabled = properties.publishAudio !== false;
    this.videoEnabled = properties.publishVideo !== false;
    this.contentHint = CONTENT_HINTS.includes(properties.videoContentHint ?? '') ? properties.videoContentHint ?? '' : '';
    this.preferredVideoCodecs = normalisePreferredVideoCodecs(properties.preferredVideoCodecs);
    withPromiseForm(this, 'publishAudio', (value: boolean) => new Promise<void>((resolve) => this.publishAudio(value, () => resolve())));
    withPromiseForm(this, 'publishVideo', (value: boolean) => new Promise<void>((resolve) => this.publishVideo(value, () => resolve())));
    withPromiseForm(this, 'destroy', () => Promise.resolve().then(() => {
      this.destroy();
    }));
    if (properties.audioFallback?.publisher ?? properties.audioFallbackEnabled) this.fallback = new PublisherAudioFallback();
    const screen = isScreenSource(properties.videoSource);
    this.widget = new Widget({
      kind: 'publisher',
      target,
      insertMode: properties.insertMode,
      width: properties.width,
      height: properties.height,
      name: properties.style?.nameDisplayMode === 'off' ? '' : properties.name,
      mirror: properties.mirror ?? !screen,
      fitMode: properties.fitMode ?? (screen ? 'contain' : 'cover'),
      insertDefaultUI: properties.insertDefaultUI,
      muted: true,
    });
    this.id = this.widget.id;
    this.element = this.widget.element;
    this.ready = captureMedia(properties).then(
      (media) => {
        if (this.state === 'destroyed') {
          for (const t of media.stream.getTracks()) t.stop();
          throw new OTError(ErrorNames.CONNECT_FAILED, 'The publisher was destroyed before its media was ready', ExceptionCodes.UNABLE_TO_PUBLISH);
        }
        this.media = media;
        for (const t of media.stream.getTracks()) if (t !== properties.videoSource && t !== properties.audioSource) this.ownTracks.add(t);
        if (media.videoTrack && this.contentHint) media.videoTrack.contentHint = this.contentHint;
        this.state = 'ready';
        this.accessAllowed = true;
        if (media.audioTrack) media.audioTrack.enabled = this.audioEnabled;
        if (media.videoTrack) {
          media.videoTrack.enabled = this.videoEnabled;
          media.videoTrack.addEventListener('ended', () => this.onTrackEnded());
        }
        this.widget.setStream(media.stream);
        this.trigger('accessAllowed');
        this.trigger('videoElementCreated', { element: this.widget.video });
        this.updateMeter();
        complete(completionHandler);
        return media;
      },
      (err: unknown) => {
        const error = err instanceof OTError ? err : new OTError(ErrorNames.UNABLE_TO_CAPTURE_MEDIA, String(err), ExceptionCodes.UNABLE_TO_PUBLISH);
        if (this.state !== 'destroyed') {
          this.state = 'failed';
          if (error.name === ErrorNames.USER_MEDIA_ACCESS_DENIED) this.trigger('accessDenied', { message: error.message });
          complete(completionHandler, error);
        }
        throw error;
      },
    );
    this.ready.catch(() => undefined); // reported through the completion handler
  }

  // ---------------------------------------------------------------------------------------
  // OT API

  /** Also `publishAudio.promise(value)`, as in OpenTok.js; `callback` hears when it is done. */
  publishAudio(value: boolean, callback?: (error?: OTError) => void): this {
    this.audioEnabled = !!value;
    if (this.media?.audioTrack) this.media.audioTrack.enabled = this.audioEnabled;
    this.sendChannel('audio1', { active: this.audioEnabled });
    if (callback) queueMicrotask(() => complete(callback));
    return this;
  }

  /** Also `publishVideo.promise(value)`, as in OpenTok.js; `callback` hears when it is done. */
  publishVideo(value: boolean, callback?: (error?: OTError) => void): this {
    this.videoEnabled = !!value;
    if (this.media?.videoTrack) this.media.videoTrack.enabled = this.videoEnabled;
    // The app's choice ends any audio fallback (as in OpenTok.js): video goes out as asked.
    if (this.fallback && this.fallback.congestionLevel !== 0) {
      this.fallback.reset();
      void this.setVideoSending(true);
    }
    this.sendChannel('video1', { active: this.videoEnabled });
    if (callback) queueMicrotask(() => complete(callback));
    return this;
  }

  /** Stops publishing, releases the camera and microphone and removes the element. Also `destroy.promise()`. */
  destroy(): this {
    if (this.state === 'destroyed') return this;
    this.unpublishInternal('clientDisconnected', true);
    this.state = 'destroyed';
    this.meter?.stop();
    this.meterClose?.();
    for (const t of this.media?.stream.getTracks() ?? []) t.stop();
    this.widget.destroy();
    this.trigger('destroyed', { reason: 'clientDisconnected' });
    return this;
  }

  videoWidth(): number | undefined {
    return this.widget.video.videoWidth || undefined;
  }

  videoHeight(): number | undefined {
    return this.widget.video.videoHeight || undefined;
  }

  /** The captured MediaStream's audio/video tracks. */
  getAudioSource(): MediaStreamTrack | undefined {
    return this.media?.audioTrack;
  }

  getVideoSource(): { track: MediaStreamTrack | null; type: string | null; deviceId: string | null } {
    const t = this.media?.videoTrack;
    return { track: t ?? null, type: this.media?.videoType ?? null, deviceId: t?.getSettings().deviceId ?? null };
  }

  /**
   * Switches the camera to another video input (its deviceId from OT.getDevices), replacing the
   * track each peer connection sends in place (no renegotiation). Rejects with
   * OT_INVALID_VIDEO_SOURCE for an unknown device and OT_SET_VIDEO_SOURCE_FAILURE when the
   * publisher does not use a camera (screen, custom track, audio only).
   */
  async setVideoSource(videoSourceId: string): Promise<undefined> {
    const invalid = new OTError('OT_INVALID_VIDEO_SOURCE', 'Invalid video source. Video source must be a valid video input deviceId', 1041);
    if (typeof videoSourceId !== 'string') throw invalid;
    const media = this.media;
    if (!media?.videoTrack || media.videoType !== 'camera') {
      throw new OTError('OT_SET_VIDEO_SOURCE_FAILURE', 'You cannot reset the video source on a publisher that does not currently use a camera source.', 1040);
    }
    const devices = await videoInputs();
    if (!devices.some((d) => d.deviceId === videoSourceId)) throw invalid;
    await this.switchCamera(videoSourceId);
    return undefined;
  }

  /** Moves to the next video input in the device list; resolves with the device now in use (the same one when there is no other). */
  async cycleVideo(): Promise<{ deviceId: string }> {
    const media = this.media;
    if (!media?.videoTrack) throw new OTError(ErrorNames.NOT_SUPPORTED, 'Publisher#cycleVideo cannot cycleVideo when you have no video source.');
    if (media.videoType !== 'camera') throw new OTError(ErrorNames.NOT_SUPPORTED, 'Publisher#cycleVideo: The publisher is not using a camera video source');
    const current = media.videoTrack.getSettings().deviceId ?? '';
    const devices = await videoInputs();
    if (!devices.some((d) => d.deviceId !== current)) return { deviceId: current };
    this.videoIndex += 1;
    while (devices[this.videoIndex % devices.length]!.deviceId === current) this.videoIndex += 1;
    const next = devices[this.videoIndex % devices.length]!.deviceId;
    await this.switchCamera(next);
    return { deviceId: this.media?.videoTrack?.getSettings().deviceId ?? next };
  }

  /**
   * Replaces the microphone with another device (a deviceId) or with an audio MediaStreamTrack the
   * app made (e.g. from Web Audio), in place on every peer connection. A publisher that started
   * without audio cannot gain it this way (OT_NOT_SUPPORTED), as in OpenTok.js.
   */
  async setAudioSource(audioSource: string | MediaStreamTrack): Promise<undefined> {
    const media = this.media;
    if (!media?.audioTrack) throw new OTError(ErrorNames.NOT_SUPPORTED, 'Publisher#setAudioSource cannot add an audio source when you started without one.');
    let track: MediaStreamTrack;
    let own = false;
    if (isMediaStreamTrack(audioSource) && audioSource.kind === 'audio') {
      track = audioSource;
    } else if (typeof audioSource === 'string') {
      track = await captureDeviceTrack('audio', audioSource, this.properties);
      own = true;
    } else {
      throw new OTError(ErrorNames.INVALID_PARAMETER, 'Invalid parameter passed to OT.Publisher.setAudioSource(). Expected string or MediaStreamTrack.', ExceptionCodes.INVALID_PARAMETER);
    }
    await this.replaceTrack('audio', track, own);
    return undefined;
  }

  getVideoContentHint(): VideoContentHint {
    return this.contentHint;
  }

  /** Sets MediaStreamTrack.contentHint on the video track ('' | 'motion' | 'detail' | 'text'). */
  setVideoContentHint(hint: VideoContentHint): Promise<void> {
    if (!CONTENT_HINTS.includes(hint)) {
      const msg = 'Invalid content hint. Valid content hints are "text", "detail", "motion", or ""';
      log.warn(msg);
      return Promise.reject(new Error(msg));
    }
    this.contentHint = hint;
    if (this.media?.videoTrack) this.media.videoTrack.contentHint = hint;
    return Promise.resolve();
  }

  /** Caps each video encoding (simulcast layer) at bitrateBps; 0 removes the cap. */
  async setMaxVideoBitrate(bitrateBps: number): Promise<void> {
    const bitrate = typeof bitrateBps === 'number' ? Math.trunc(bitrateBps) : NaN;
    if (Number.isNaN(bitrate) || (bitrate !== 0 && (bitrate < 5000 || bitrate > 10000000))) {
      throw new OTError(ErrorNames.INVALID_PARAMETER, 'Invalid bitrate: it must be 0 or any number between 5000 and 10000000', ExceptionCodes.INVALID_PARAMETER);
    }
    this.maxVideoBitrate = bitrate;
    await Promise.all([...this.links.values()].map((link) => this.applySenderLimits(link)));
  }

  /** The cap set with setMaxVideoBitrate (0: none). */
  getMaxVideoBitrate(): number {
    return this.maxVideoBitrate;
  }

  /** Applies a frame rate to the camera track (MediaStreamTrack.applyConstraints). */
  async setPreferredFrameRate(frameRate: number): Promise<void> {
    const track = this.media?.videoTrack;
    if (!track || !this.videoEnabled) throw new Error('setPreferredFrameRate needs to be called on a video publisher');
    if (!Number.isInteger(frameRate) || frameRate < 1) throw new Error('Invalid frameRate: must be an integer ≥ 1');
    this.preferredFrameRate = frameRate;
    await track.applyConstraints(this.trackConstraints());
  }

  /** Applies a capture size to the camera track (MediaStreamTrack.applyConstraints). */
  async setPreferredResolution(resolution: { width: number; height: number }): Promise<void> {
    const track = this.media?.videoTrack;
    if (!track || !this.videoEnabled) throw new Error('setPreferredResolution needs to be called on a video publisher');
    if (!resolution || !(resolution.width > 0) || !(resolution.height > 0)) throw new Error('Invalid resolution: width and height must be positive');
    this.preferredResolution = { width: Math.round(resolution.width), height: Math.round(resolution.height) };
    await track.applyConstraints(this.trackConstraints());
  }

  /** The current frame as base64 JPEG (no data: prefix), as OpenTok.js returns it. */
  getImgData(): string | null {
    return this.widget.snapshot();
  }

  /** Per peer connection: `{connectionId?, subscriberId?, stats: {audio, video, timestamp}}`. */
  /**
   * OpenTok.js's PublisherStatsArr: per peer connection (routed: one, to the SFU) audio and
   * video bytes, packets and losses, the frame rate, and each simulcast layer's codec, size and
   * encoded frame rate. To `handler` when given, and as a Promise either way (one a handler was
   * given for never counts as an unhandled rejection), as in OpenTok.js 2.35.
   */
  getStats(handler?: (error?: OTError, stats?: PublisherStatsEntry[]) => void): Promise<PublisherStatsEntry[]> {
    const promise = this.collectReports().then(
      (reports) => {
        const stats = reports.map((r) => ({ ...r.ids, stats: summariseOutbound(r.rtcStatsReport, this.lastOutbound) }));
        complete(handler, undefined, stats);
        return stats;
      },
      (err) => {
        const error = new OTError(ErrorNames.NOT_CONNECTED, String(err), ExceptionCodes.PEER_CONNECTION_NOT_CONNECTED);
        complete(handler, error);
        throw error;
      },
    );
    if (handler) promise.catch(() => {});
    return promise;
  }

  /** Per peer connection: `{connectionId?, subscriberId?, rtcStatsReport}`. */
  getRtcStatsReport(): Promise<Array<{ connectionId?: string; subscriberId?: string; rtcStatsReport: RTCStatsReport }>> {
    return this.collectReports().then((reports) => reports.map((r) => ({ ...r.ids, rtcStatsReport: r.rtcStatsReport })));
  }

  protected override listenersChanged(): void {
    this.updateMeter();
  }

  // ---------------------------------------------------------------------------------------
  // Session side (@internal)

  /** @internal session.publish(): stream create, then wait for the own `stream created`. */
  async publishTo(session: SessionPort, handler?: CompletionHandler): Promise<void> {
    if (this.state === 'publishing' || this.state === 'published') {
      complete(handler, new OTError(ErrorNames.INVALID_PARAMETER, 'This publisher is already publishing', ExceptionCodes.UNABLE_TO_PUBLISH));
      return;
    }
    if (!session.canPublish) {
      complete(handler, new OTError(ErrorNames.PERMISSION_DENIED, 'This token does not allow publishing. Use a token with the publisher or moderator role.', ExceptionCodes.UNABLE_TO_PUBLISH));
      return;
    }
    let media: CapturedMedia;
    try {
      media = await this.ready;
    } catch (err) {
      complete(handler, err as OTError);
      return;
    }
    if (this.state === 'destroyed') return;
    this.session = session;
    this.state = 'publishing';
    if (session.muteOnEntry && this.audioEnabled) {
      this.audioEnabled = false;
      if (media.audioTrack) media.audioTrack.enabled = false;
    }
    const streamId = uuid();
    this.streamId = streamId;
    const done = new Promise<OTError | undefined>((resolve) => {
      this.publishDone = resolve;
    });
    this.publishTimer = setTimeout(() => {
      this.publishDone?.(new OTError(ErrorNames.TIMEOUT, `Could not publish in a reasonable amount of time (${PUBLISH_TIMEOUT_MS / 1000} s)`, ExceptionCodes.UNABLE_TO_PUBLISH));
    }, PUBLISH_TIMEOUT_MS);
    const createOptions = this.streamCreateOptions(session, media, streamId);
    session.request(streamCreate(session.ref, createOptions)).then(
      (reply) => {
        if (reply.ok) return;
        const reason = reply.reason ?? `status ${reply.status}`;
        if (reply.status === 405 && reason === 'IncompatibleEncryptionSettings') {
          this.publishDone?.(new OTError(ErrorNames.STREAM_CREATE_FAILED, 'IncompatibleEncryptionSettings: Tried to publish a stream to an encrypted session without enabling encryption', ExceptionCodes.UNABLE_TO_PUBLISH));
          return;
        }
        const known = [403, 404, 405, 409].includes(reply.status);
        this.publishDone?.(known
          ? new OTError(ErrorNames.STREAM_CREATE_FAILED, `Failed to create stream in server model: ${reason}`, ExceptionCodes.UNABLE_TO_PUBLISH)
          : new OTError(ErrorNames.UNEXPECTED_SERVER_RESPONSE, `Unexpected server response to stream create: ${reason}`, ExceptionCodes.UNEXPECTED_SERVER_RESPONSE));
      },
      (err) => this.publishDone?.(new OTError(ErrorNames.NOT_CONNECTED, `Stream create could not be sent: ${String(err?.message ?? err)}`, ExceptionCodes.NOT_CONNECTED)),
    );
    const error = await done;
    clearTimeout(this.publishTimer);
    this.publishDone = undefined;
    if (error) {
      log.error(`publish failed: ${error.message}`);
      this.unpublishInternal('clientDisconnected', true, false);
      this.state = 'ready';
      complete(handler, error);
      return;
    }
    this.state = 'published';
    this.startFallback();
    complete(handler);
  }

  /** @internal The server announced our stream (relayed: at once; routed: once media is up). */
  onOwnStreamCreated(stream: OTStream): void {
    if (stream.streamId !== this.streamId || this.stream) return;
    this.stream = stream;
    this.trigger('streamCreated', { stream });
    this.publishDone?.();
  }

  /** @internal The stream was deleted (unpublish echo, force-unpublish, disconnect). */
  onOwnStreamDeleted(reason: string): void {
    const stream = this.stream;
    if (!stream) return;
    this.closeLinks();
    this.stream = null;
    this.streamId = undefined;
    this.session = null;
    if (this.state !== 'destroyed') this.state = 'ready';
    this.dispatch(new OTEvent('streamDestroyed', { stream, reason }, true), { defaultAction: () => this.destroy() });
  }

  /** @internal session.unpublish(). */
  unpublish(): void {
    this.unpublishInternal('clientDisconnected', true, true, true);
  }

  /** @internal A JSEP message for this publisher; `remote` tells its peer connections apart (docs/protocol.md §8.1). */
  onJsep(method: string, content: JsonObject, uri: { subscriberId?: string | undefined; from: string }): void {
    const session = this.session;
    const streamId = this.streamId;
    if (!session || !streamId || !this.media) return;
    const sourceStreamId = typeof content.sourceStreamId === 'string' ? content.sourceStreamId : 'MANTIS';
    const peerId = typeof content.peerId === 'string' ? content.peerId : '';
    const key = `${uri.subscriberId ?? uri.from}~${peerId}~${sourceStreamId}`;
    let link = this.links.get(key);
    if (method === 'generateoffer') {
      if (link && !link.isClosed) {
        void link.negotiate({ iceRestart: !link.iceConnected });
        return;
      }
      const created = this.createLink(session, streamId, key, uri.subscriberId, content, content.simulcastEnabled === true);
      link = created;
      // The encodings exist once the offer is applied; bitrate caps go on them then.
      void created.negotiate().then(() => this.applySenderLimits(created));
      return;
    }
    if (!link) {
      log.debug(`publisher ${streamId}: ${method} for an unknown peer connection ${key}`);
      return;
    }
    link.handle(method, content);
  }

  /** @internal Relayed: the subscriber went away; close its peer connection. */
  onSubscriberDeleted(subscriberId: string): void {
    for (const [key, link] of this.links) {
      if (key.startsWith(`${subscriberId}~`)) {
        link.close();
        this.links.delete(key);
      }
    }
  }

  /** @internal The server forced our audio off (docs/protocol.md §7.8.3). */
  onMuteForced(): void {
    this.publishAudio(false);
    this.trigger('muteForced');
  }

  /** @internal session.setIceConfig: every peer connection takes `config` and restarts ICE (it offers). */
  applyIceConfig(config: RTCConfiguration): void {
    for (const link of this.links.values()) {
      if (link.isClosed) continue;
      try {
        link.pc.setConfiguration(config);
      } catch (err) {
        log.warn(`${link.name}: ICE configuration not applied: ${String(err)}`);
        continue;
      }
      void link.negotiate({ iceRestart: true });
    }
  }

  /** @internal After a signaling reconnection: restart ICE where it is down (docs/protocol.md §8.5). */
  onReconnected(): void {
    for (const link of this.links.values()) if (!link.iceConnected) void link.negotiate({ iceRestart: true });
  }

  /**
   * @internal The session moved to another server (session migration, docs/cluster.md): the
   * same stream is created there and the server there offers new peer connections; the old
   * ones keep sending to the servers' clients that have not moved yet until retireLinks().
   */
  migrate(): void {
    const session = this.session;
    const media = this.media;
    const streamId = this.streamId;
    // Also while its first stream create is on its way: whichever server announces the
    // stream first completes the publish.
    if (!session || !media || !streamId || (this.state !== 'published' && this.state !== 'publishing')) return;
    for (const link of this.links.values()) this.retiring.push(link);
    this.links.clear();
    session.request(streamCreate(session.ref, this.streamCreateOptions(session, media, streamId))).then(
      (reply) => {
        if (!reply.ok) log.warn(`publisher ${streamId}: the new server refused the stream (${reply.reason ?? reply.status})`);
      },
      (err) => log.warn(`publisher ${streamId}: stream create on the new server not sent: ${String(err?.message ?? err)}`),
    );
  }

  /** @internal The move is over: the peer connections to the old server close. */
  retireLinks(): void {
    for (const link of this.retiring) link.close();
    this.retiring = [];
  }

  /** @internal */
  get mediaStream(): MediaStream | undefined {
    return this.media?.stream;
  }

  /** @internal */
  get publishedStreamId(): string | undefined {
    return this.streamId;
  }

  // ---------------------------------------------------------------------------------------

  /** The `stream create` of the stream this publisher sends, with its current state. */
  private streamCreateOptions(session: SessionPort, media: CapturedMedia, streamId: string): Parameters<typeof streamCreate>[1] {
    const settings = media.videoTrack?.getSettings() ?? {};
    const channels: StreamChannel[] = publisherChannels({
      ...(media.audioTrack ? { audio: { active: this.audioEnabled } } : {}),
      ...(media.videoTrack
        ? {
          video: {
            active: this.videoEnabled,
            width: settings.width ?? 640,
            height: settings.height ?? 480,
            source: media.videoType ?? 'camera',
            fitMode: this.properties.fitMode ?? (media.videoType === 'screen' ? 'contain' : 'cover'),
            ...(this.properties.frameRate ? { frameRate: this.properties.frameRate } : {}),
          },
        }
        : {}),
    });
    const createOptions: Parameters<typeof streamCreate>[1] = { streamId, name: this.properties.name ?? '', channels };
    const fallback = this.properties.audioFallback;
    const publisherFallback = fallback?.publisher ?? this.properties.audioFallbackEnabled;
    if (publisherFallback !== undefined) createOptions.publisherAudioFallbackEnabled = publisherFallback;
    // As in OpenTok.js: subscribers of a camera may lose its video for bandwidth, of a screen not.
    createOptions.subscriberAudioFallbackEnabled = fallback?.subscriber ?? media.videoType !== 'screen';
    if (this.properties.minVideoBitrate) createOptions.minBitrate = this.properties.minVideoBitrate;
    createOptions.e2ee = session.encryption !== undefined;
    return createOptions;
  }

  private createLink(session: SessionPort, streamId: string, key: string, subscriberId: string | undefined, content: JsonObject, simulcast: boolean): PeerLink {
    const media = this.media!;
    const peerId = typeof content.peerId === 'string' ? content.peerId : undefined;
    const sourceStreamId = typeof content.sourceStreamId === 'string' ? content.sourceStreamId : undefined;
    const link: PeerLink = new PeerLink({
      name: `publisher ${streamId.slice(0, 8)} → ${key.split('~')[0]?.slice(0, 12)}`,
      configuration: session.rtcConfiguration(),
      peerId,
      sourceStreamId,
      ...(hasOpusOptions(this.properties)
        ? { rewriteLocalOffer: (sdp: string) => opusOffer(sdp, this.properties), rewriteRemoteAnswer: (sdp: string) => opusAnswer(sdp, this.properties) }
        : {}),
      send: (method, c) => {
        session.post(jsep(session.ref, { method, streamId, subscriberId, ...link.ids(), content: c }));
      },
    });
    if (media.audioTrack) link.pc.addTransceiver(media.audioTrack, { direction: 'sendonly', streams: [media.stream] });
    if (media.videoTrack) {
      const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [media.stream] };
      // Routed camera streams go out in RID simulcast when the SFU asks for it (docs/protocol.md §8.6):
      // full, half and (above 640x480) quarter resolution, highest first as Chrome lists them.
      if (simulcast && session.routed && media.videoType !== 'screen') {
        const h = media.videoTrack.getSettings().height ?? 480;
        init.sendEncodings = h > 480
          ? [{ rid: 'f' }, { rid: 'h', scaleResolutionDownBy: 2 }, { rid: 'q', scaleResolutionDownBy: 4 }]
          : [{ rid: 'f' }, { rid: 'h', scaleResolutionDownBy: 2 }];
      }
      const transceiver = link.pc.addTransceiver(media.videoTrack, init);
      try {
        applyCodecOrder(transceiver, codecOrder(this.preferredVideoCodecs, session.priorityVideoCodec));
      } catch (err) {
        log.warn(`${link.name}: codec preferences not applied: ${String(err)}`);
      }
    }
    const encryption = session.encryption;
    const ownConnectionId = session.ownConnectionId;
    if (encryption && ownConnectionId) {
      for (const t of link.pc.getTransceivers()) encryptSender(t.sender, encryption, ownConnectionId, this.frameCounter, link.name);
    }
    let restartTimer: ReturnType<typeof setTimeout> | undefined;
    link.on('state', (state) => {
      // A link to a server the session moved away from (retiring) is not restarted.
      const current = () => this.session && !link.isClosed && this.links.get(key) === link;
      if (state === 'failed' && current()) {
        clearTimeout(restartTimer);
        log.warn(`${link.name}: ICE failed; restarting`);
        void link.negotiate({ iceRestart: true });
      }
      // Media lost with the socket up: a routed publisher restarts ICE after a short wait, as
      // OpenTok.js does; the server may answer from another media node (docs/cluster.md).
      if (state === 'disconnected' && session.routed && current()) {
        clearTimeout(restartTimer);
        restartTimer = setTimeout(() => {
          if (!current() || link.iceConnected) return;
          log.warn(`${link.name}: ICE ${link.pc.iceConnectionState}; restarting`);
          void link.negotiate({ iceRestart: true });
        }, ICE_RESTART_AFTER_MS);
      }
    });
    this.links.set(key, link);
    return link;
  }

  private async switchCamera(deviceId: string): Promise<void> {
    if (this.media?.videoTrack?.getSettings().deviceId === deviceId) return;
    const track = await captureDeviceTrack('video', deviceId, { ...this.properties, ...this.overrides() });
    await this.replaceTrack('video', track, true);
  }

  private overrides(): { resolution?: string; frameRate?: number } {
    const o: { resolution?: string; frameRate?: number } = {};
    if (this.preferredResolution) o.resolution = `${this.preferredResolution.width}x${this.preferredResolution.height}`;
    if (this.preferredFrameRate) o.frameRate = this.preferredFrameRate;
    return o;
  }

  private trackConstraints(): MediaTrackConstraints {
    return cameraConstraints({ ...this.properties, ...this.overrides() });
  }

  /** Puts `track` in place of the current one of its kind: in the stream, the element and every sender. */
  private async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack, own: boolean): Promise<void> {
    const media = this.media;
    if (!media) return;
    const old = kind === 'video' ? media.videoTrack : media.audioTrack;
    if (old === track) return;
    track.enabled = kind === 'video' ? this.videoEnabled : this.audioEnabled;
    if (kind === 'video' && this.contentHint) track.contentHint = this.contentHint;
    const senders = [...this.links.values()].flatMap((link) => link.pc.getTransceivers())
      .filter((t) => (t.sender.track ?? t.receiver.track)?.kind === kind)
      .map((t) => t.sender);
    try {
      await Promise.all(senders.map((s) => s.replaceTrack(track)));
    } catch (err) {
      if (own) track.stop();
      throw new OTError(ErrorNames.NOT_SUPPORTED, `Could not replace the ${kind} track: ${String(err)}`);
    }
    if (own) this.ownTracks.add(track);
    if (old) {
      media.stream.removeTrack(old);
      if (this.ownTracks.delete(old)) old.stop();
    }
    media.stream.addTrack(track);
    if (kind === 'video') {
      media.videoTrack = track;
      track.addEventListener('ended', () => this.onTrackEnded());
    } else {
      media.audioTrack = track;
      this.meter?.stop();
      this.meterClose?.();
      this.meter = undefined;
      this.meterClose = undefined;
      this.updateMeter();
    }
    this.widget.setStream(media.stream);
  }

  /** The audio bitrate and the video cap as RTCRtpSender encodings (no renegotiation needed). */
  private async applySenderLimits(link: PeerLink): Promise<void> {
    const audioBitrate = this.properties.audioBitrate ?? 0;
    for (const t of link.pc.getTransceivers()) {
      const kind = (t.sender.track ?? t.receiver.track)?.kind;
      const cap = kind === 'audio' ? audioBitrate : kind === 'video' ? this.maxVideoBitrate : 0;
      if (!kind || (kind === 'audio' && cap === 0)) continue;
      const params = t.sender.getParameters();
      if (!params.encodings?.length) continue;
      // Every encoding (simulcast layer) gets the cap, as OpenTok.js sets it.
      for (const e of params.encodings) {
        if (cap > 0) e.maxBitrate = cap;
        else delete e.maxBitrate;
      }
      try {
        await t.sender.setParameters(params);
      } catch (err) {
        log.warn(`${link.name}: could not set the ${kind} bitrate: ${String(err)}`);
      }
    }
  }

  private sendChannel(channelId: string, attributes: JsonObject): void {
    if (!this.session || !this.streamId || (this.state !== 'published' && this.state !== 'publishing')) return;
    const hasChannel = channelId === 'audio1' ? !!this.media?.audioTrack : !!this.media?.videoTrack;
    if (hasChannel) this.session.post(streamChannelUpdate(this.session.ref, this.streamId, channelId, attributes));
  }

  private startFallback(): void {
    const fallback = this.fallback;
    if (!fallback || this.fallbackTimer) return;
    fallback.reset();
    this.fallbackTimer = setInterval(() => {
      if (!this.videoEnabled || !this.media?.videoTrack) return;
      void this.collectReports().then((reports) => {
        if (!this.fallbackTimer) return;
        const before = fallback.congestionLevel;
        const level = fallback.update(uplinkSample(reports.map((r) => r.rtcStatsReport)), Date.now());
        void this.setVideoSending(fallback.sendingVideo);
        if (level === undefined) return;
        if (level === 1) this.trigger('videoDisableWarning');
        else if (level === 2) this.trigger('videoDisabled', { reason: 'quality' });
        else this.trigger(before === 2 ? 'videoEnabled' : 'videoDisableWarningLifted', before === 2 ? { reason: 'quality' } : {});
        // What OpenTok.js tells the server: its subscribers then hear reason "quality".
        this.sendChannel('video1', { active: level < 2, activeReason: 'auto', congestionLevel: level });
      }, () => undefined);
    }, 1000);
  }

  private stopFallback(): void {
    clearInterval(this.fallbackTimer);
    this.fallbackTimer = undefined;
    void this.setVideoSending(true);
  }

  /** Turns every video encoding of every peer connection on or off (no renegotiation). */
  private async setVideoSending(on: boolean): Promise<void> {
    if (this.videoSending === on) return;
    this.videoSending = on;
    for (const link of this.links.values()) {
      for (const sender of link.pc.getSenders()) {
        if (sender.track?.kind !== 'video') continue;
        const params = sender.getParameters();
        if (!params.encodings?.length) continue;
        for (const e of params.encodings) e.active = on;
        try {
          await sender.setParameters(params);
        } catch (err) {
          log.warn(`${link.name}: video ${on ? 'resume' : 'pause'} failed: ${String(err)}`);
        }
      }
    }
  }

  private unpublishInternal(reason: string, sendDelete: boolean, notify = true, destroyByDefault = false): void {
    this.stopFallback();
    const session = this.session;
    const streamId = this.streamId;
    if (session && streamId && sendDelete) session.post(streamDelete(session.ref, streamId));
    this.closeLinks();
    if (notify && this.stream) {
      // The server's `stream deleted` echo would come too late once the socket is gone.
      const stream = this.stream;
      this.stream = null;
      this.dispatch(new OTEvent('streamDestroyed', { stream, reason }, true), destroyByDefault ? { defaultAction: () => this.destroy() } : {});
    }
    this.streamId = undefined;
    this.session = null;
    if (this.state === 'published' || this.state === 'publishing') this.state = 'ready';
  }

  private closeLinks(): void {
    for (const link of this.links.values()) link.close();
    this.links.clear();
    this.retireLinks();
  }

  private onTrackEnded(): void {
    // A screen share stopped from the browser's own UI: OpenTok.js reports mediaStopped and unpublishes.
    this.trigger('mediaStopped', { track: this.media?.videoTrack });
    if (this.media?.videoType === 'screen') this.destroy();
  }

  private updateMeter(): void {
    const track = this.media?.audioTrack;
    if (!track) return;
    if (!this.meter) {
      const { source, close } = AudioLevelMeter.forTrack(track);
      this.meterClose = close;
      this.meter = new AudioLevelMeter(source, (audioLevel) => this.trigger('audioLevelUpdated', { audioLevel }));
    }
    this.meter.setActive(this.state !== 'destroyed' && this.hasListeners('audioLevelUpdated'));
  }

  private async collectReports(): Promise<Array<{ ids: { connectionId?: string; subscriberId?: string }; rtcStatsReport: RTCStatsReport }>> {
    const out = [];
    for (const [key, link] of this.links) {
      const remote = key.split('~')[0] ?? '';
      const ids: { connectionId?: string; subscriberId?: string } = this.session?.routed ? {} : { subscriberId: remote };
      out.push({ ids, rtcStatsReport: await link.pc.getStats() });
    }
    return out;
  }
}

interface OutboundMark {
  bytes: number;
  withHeaders: number;
  at: number;
}

export interface PublisherVideoLayerStats {
  codec: string;
  /** Media bits per second since the previous getStats (0 on the first call). */
  bitrate: number;
  /** The same with RTP headers. */
  totalBitrate: number;
  width: number;
  height: number;
  encodedFrameRate: number;
  scalabilityMode?: string;
  qualityLimitationReason?: string;
}

export interface PublisherStats {
  audio: { bytesSent: number; packetsSent: number; packetsLost: number };
  video: { bytesSent: number; packetsSent: number; packetsLost: number; frameRate: number; layers: PublisherVideoLayerStats[] };
  timestamp: number;
}

export interface PublisherStatsEntry {
  connectionId?: string;
  subscriberId?: string;
  stats: PublisherStats;
}

/** OpenTok.js's publisher stats shape from an RTCStatsReport. */
function summariseOutbound(report: RTCStatsReport, previous: Map<number, OutboundMark>): PublisherStats {
  const out: PublisherStats = {
    audio: { bytesSent: 0, packetsSent: 0, packetsLost: 0 },
    video: { bytesSent: 0, packetsSent: 0, packetsLost: 0, frameRate: 0, layers: [] },
    timestamp: Date.now(),
  };
  report.forEach((s: any) => {
    if (s.type === 'outbound-rtp') {
      const m = s.kind === 'video' ? out.video : out.audio;
      m.bytesSent += s.bytesSent ?? 0;
      m.packetsSent += s.packetsSent ?? 0;
      if (s.kind === 'video') {
        out.video.frameRate = Math.max(out.video.frameRate, s.framesPerSecond ?? 0);
        const codec = s.codecId ? report.get(s.codecId) : undefined;
        const mark = { bytes: s.bytesSent ?? 0, withHeaders: (s.bytesSent ?? 0) + (s.headerBytesSent ?? 0), at: out.timestamp };
        const before = previous.get(s.ssrc);
        previous.set(s.ssrc, mark);
        const seconds = before && mark.at > before.at ? (mark.at - before.at) / 1000 : 0;
        out.video.layers.push({
          codec: codec?.mimeType ? String(codec.mimeType).split('/').pop()! : '',
          bitrate: seconds ? Math.max(0, Math.round(((mark.bytes - before!.bytes) * 8) / seconds)) : 0,
          totalBitrate: seconds ? Math.max(0, Math.round(((mark.withHeaders - before!.withHeaders) * 8) / seconds)) : 0,
          width: s.frameWidth ?? 0,
          height: s.frameHeight ?? 0,
          encodedFrameRate: s.framesPerSecond ?? 0,
          ...(s.scalabilityMode ? { scalabilityMode: s.scalabilityMode } : {}),
          ...(s.qualityLimitationReason ? { qualityLimitationReason: s.qualityLimitationReason } : {}),
        });
      }
    } else if (s.type === 'remote-inbound-rtp') {
      const m = s.kind === 'video' ? out.video : out.audio;
      m.packetsLost += s.packetsLost ?? 0;
    }
  });
  return out;
}

const isMediaStreamTrack = (v: unknown): v is MediaStreamTrack => typeof MediaStreamTrack !== 'undefined' && v instanceof MediaStreamTrack;

async function videoInputs(): Promise<MediaDeviceInfo[]> {
  const all = await navigator.mediaDevices.enumerateDevices();
  return all.filter((d) => d.kind === 'videoinput' && d.deviceId);
}
