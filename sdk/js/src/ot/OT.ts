// The global `OT` object of parley.js: the entry points of the OpenTok.js API
// (initSession, initPublisher, getDevices, getUserMedia, checkSystemRequirements, setProxyUrl,
// setLogLevel, the audio output device …). Only the server it is configured for is ever contacted: the origin that
// served this script unless window.OTProperties.apiURL or OT.setProxyUrl say otherwise.

import { activeAudioOutputDevice, listAudioOutputDevices, setAudioOutputDevice } from './AudioOutput.js';
import { EventDispatcher } from './EventDispatcher.js';
import { LogLevel, getLogLevel, log, setLogLevel } from './Log.js';
import { ErrorNames, ExceptionCodes, OTError, complete, type CompletionHandler } from './OTError.js';
import { OTEvent } from './OTEvent.js';
import { OTConnection } from './OTConnection.js';
import { OTStream } from './OTStream.js';
import { captureMedia, type CaptureOptions } from './MediaCapture.js';
import { Publisher, type PublisherProperties } from './Publisher.js';
import { Session, type SessionOptions } from './Session.js';
import { Subscriber } from './Subscriber.js';
import { uuid } from '../util/uuid.js';
import { hasInsertableStreams } from './e2ee/MediaEncryption.js';

export const SDK_VERSION = '0.1.0';
const CLIENT_VERSION = `js-parley-${SDK_VERSION}`;

/** The script's own URL, captured while it runs (classic script); undefined for the ES module. */
const scriptUrl: string | undefined = (() => {
  if (typeof document === 'undefined') return undefined;
  const s = document.currentScript as HTMLScriptElement | null;
  return s && s.src ? s.src : undefined;
})();

function defaultApiUrl(): string {
  const props = (globalThis as { OTProperties?: { apiURL?: unknown } }).OTProperties;
  if (props && typeof props.apiURL === 'string' && props.apiURL !== '') return props.apiURL.replace(/\/$/, '');
  if (scriptUrl) return new URL(scriptUrl).origin;
  if (typeof location !== 'undefined' && location.origin && location.origin !== 'null') return location.origin;
  return 'http://127.0.0.1:5080';
}

class OTStatic extends EventDispatcher {
  readonly version = SDK_VERSION;
  readonly NONE = LogLevel.NONE;
  readonly ERROR = LogLevel.ERROR;
  readonly WARN = LogLevel.WARN;
  readonly INFO = LogLevel.INFO;
  readonly LOG = LogLevel.LOG;
  readonly DEBUG = LogLevel.DEBUG;
  readonly ExceptionCodes = ExceptionCodes;
  readonly ErrorNames = ErrorNames;
  readonly Session = Session;
  readonly Publisher = Publisher;
  readonly Subscriber = Subscriber;
  readonly Stream = OTStream;
  readonly Connection = OTConnection;
  readonly Event = OTEvent;
  readonly OTError = OTError;

  private proxyUrl: string | null = null;
  private started = false;
  private readonly sessions = new Map<string, Session>();

  /** The server parley.js talks to (before any proxy URL is applied). */
  get apiUrl(): string {
    return defaultApiUrl();
  }

  get properties() {
    return { version: SDK_VERSION, apiURL: this.apiUrl, proxyUrl: this.proxyUrl };
  }

  /**
   * Reports an issue to the server, as OpenTok.js does: resolves with (and hands `callback`) a
   * new report id that parleyd logs with the session and connection of each connected session
   * ("client reported an issue"), so an operator can find it. Rejects with
   * OT_REPORT_ISSUE_FAILED (2011) when the server cannot be reached.
   */
  reportIssue(callback?: (error?: OTError, reportIssueId?: string) => void): Promise<string> {
    const reportIssueId = uuid();
    const base = (this.proxyUrl ?? this.apiUrl).replace(/\/$/, '');
    const connected = [...this.sessions.values()].filter((s) => s.connection);
    const bodies = (connected.length ? connected : [undefined]).map((s) => ({
      action: 'ReportIssue',
      variation: 'Event',
      payload: { reportIssueId },
      clientVersion: CLIENT_VERSION,
      ...(s ? { sessionId: s.sessionId, connectionId: s.connection!.connectionId, partnerId: s.apiKey } : {}),
    }));
    const sent = Promise.all(bodies.map((body) => fetch(`${base}/logging/ClientEvent`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then((res) => {
      if (!res.ok) throw new Error(`status ${res.status}`);
    })));
    const promise = sent.then(
      () => {
        complete(callback, undefined, reportIssueId);
        return reportIssueId;
      },
      () => {
        const error = new OTError(ErrorNames.REPORT_ISSUE_FAILED, "Error calling OT.reportIssue(). Check the client's network connection.", ExceptionCodes.REPORT_ISSUE_ERROR);
        complete(callback, error);
        throw error;
      },
    );
    // With a callback the rejection is the callback's to handle.
    if (callback) promise.catch(() => {});
    return promise;
  }

  /** Same session id → the same Session object, as in OpenTok.js. */
  initSession(apiKey: string | number, sessionId: string, options: SessionOptions = {}): Session {
    if (typeof sessionId !== 'string' || sessionId === '') {
      throw new OTError(ErrorNames.INVALID_SESSION_ID, 'initSession() needs a session id', ExceptionCodes.INVALID_SESSION_ID);
    }
    this.started = true;
    const known = this.sessions.get(sessionId);
    if (known) return known;
    const session = new Session(String(apiKey ?? ''), sessionId, options ?? {}, {
      apiUrl: () => this.apiUrl,
      proxyUrl: () => this.proxyUrl,
      clientVersion: CLIENT_VERSION,
    });
    session.on('exception', (e: OTEvent) => this.dispatch(new OTEvent('exception', { ...e, target: session })));
    this.sessions.set(sessionId, session);
    return session;
  }

  /**
   * Also `OT.initPublisher.promise(targetElement?, properties?)`, which resolves with the
   * Publisher once it has its media (or rejects with the error the handler would get), as in
   * OpenTok.js.
   */
  initPublisher(targetElement?: HTMLElement | string | PublisherProperties | null, properties?: PublisherProperties | CompletionHandler, completionHandler?: CompletionHandler): Publisher {
    this.started = true;
    let target = targetElement as HTMLElement | string | null | undefined;
    let props: PublisherProperties = {};
    let handler = completionHandler;
    if (targetElement !== null && typeof targetElement === 'object' && typeof (targetElement as HTMLElement).appendChild !== 'function') {
      props = targetElement as PublisherProperties;
      target = undefined;
      if (typeof properties === 'function') handler = properties;
    } else if (typeof properties === 'function') {
      handler = properties;
    } else if (properties) {
      props = properties;
    }
    try {
      return new Publisher(target, props, handler);
    } catch (err) {
      const error = err instanceof OTError ? err : new OTError(ErrorNames.INVALID_PARAMETER, String(err), ExceptionCodes.INVALID_PARAMETER);
      complete(handler, error);
      throw error;
    }
  }

  /**
   * The cameras and microphones, `{kind: 'audioInput'|'videoInput', deviceId, label}`: to
   * `callback(error, devices)` when given, and as a Promise either way (one a callback was given
   * for never counts as an unhandled rejection), as in OpenTok.js.
   */
  getDevices(callback?: (error?: OTError, devices?: Array<{ kind: string; deviceId: string; label: string }>) => void): Promise<Array<{ kind: 'audioInput' | 'videoInput'; deviceId: string; label: string }>> {
    const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
    const listed = !md || typeof md.enumerateDevices !== 'function'
      ? Promise.reject(new OTError(ErrorNames.NOT_SUPPORTED, 'enumerateDevices is not supported in this browser'))
      : md.enumerateDevices().then(
        (list) => list
          .filter((d) => d.kind === 'audioinput' || d.kind === 'videoinput')
          .map((d) => ({ kind: d.kind === 'audioinput' ? ('audioInput' as const) : ('videoInput' as const), deviceId: d.deviceId, label: d.label })),
        (err) => {
          throw new OTError(ErrorNames.NOT_SUPPORTED, String(err));
        },
      );
    const promise = listed.then(
      (devices) => {
        complete(callback, undefined, devices);
        return devices;
      },
      (err: OTError) => {
        complete(callback, err);
        throw err;
      },
    );
    if (typeof callback === 'function') promise.catch(() => undefined);
    return promise;
  }

  /** Resolves with the audio output devices `{deviceId, label}` (speakers). */
  getAudioOutputDevices(): Promise<AudioOutputDevice[]> {
    return listAudioOutputDevices();
  }

  /**
   * Plays every subscriber's audio (present and future) on the speaker `deviceId`, one of
   * getAudioOutputDevices(). Rejects with OT_UNSUPPORTED_BROWSER where media elements cannot
   * choose their output, OT_INVALID_AUDIO_OUTPUT_SOURCE for an unknown id, and
   * OT_REQUESTED_DEVICE_PERMISSION_DENIED when the browser refuses the device.
   */
  setAudioOutputDevice(deviceId: string): Promise<void> {
    return setAudioOutputDevice(deviceId);
  }

  /** The speaker subscribers play on: the one set, else the browser's default; `{deviceId: null, label: null}` when the browser lists none. */
  getActiveAudioOutputDevice(): Promise<AudioOutputDevice> {
    return activeAudioOutputDevice();
  }

  /**
   * A MediaStream from the camera and microphone, for the videoSource/audioSource of
   * initPublisher (e.g. after drawing the video through a canvas). Takes initPublisher's
   * capture properties (audioSource, videoSource, resolution, frameRate, maxResolution …);
   * rejects with the error initPublisher would report.
   */
  getUserMedia(properties: PublisherProperties = {}): Promise<MediaStream> {
    return captureMedia({ ...(properties ?? {}) } as CaptureOptions).then(
      (media) => media.stream,
      (err) => {
        log.error(`OT.getUserMedia failed to getUserMedia: ${String((err as Error)?.message ?? err)}`);
        throw err;
      },
    );
  }

  /**
   * The video codecs this browser encodes and decodes (`{videoEncoders, videoDecoders}`, e.g.
   * `['VP8', 'VP9', 'H264']`), read from RTCRtpSender.getCapabilities like OpenTok.js does, without
   * the entries that are not codecs an app chooses (rtx, red, ulpfec …) and without AV1 and
   * H.265, which OpenTok.js leaves out too.
   */
  async getSupportedCodecs(): Promise<{ videoEncoders: string[]; videoDecoders: string[] }> {
    const sender = (globalThis as { RTCRtpSender?: { getCapabilities?: (kind: string) => { codecs: Array<{ mimeType: string }> } | null } }).RTCRtpSender;
    if (!sender || typeof sender.getCapabilities !== 'function') return { videoEncoders: [], videoDecoders: [] };
    const codecs = supportedVideoCodecs((sender.getCapabilities('video')?.codecs ?? []).map((c) => c.mimeType));
    return { videoEncoders: codecs, videoDecoders: [...codecs] };
  }

  /**
   * Whether this browser can encrypt media end to end (WebCrypto and insertable streams, as in
   * Chromium): what an app checks before setting an `encryptionSecret`.
   */
  hasEndToEndEncryptionSupport(): boolean {
    return hasInsertableStreams();
  }

  /**
   * false: parley.js has no media processors (applyVideoFilter, MediaProcessorConnector), so an
   * app that checks first leaves its filters off. Also `OT.hasMediaProcessorSupport.promise()`,
   * as in OpenTok.js (which answers whether the browser has insertable streams for tracks).
   */
  hasMediaProcessorSupport(_mediaType?: 'audio' | 'video' | 'both'): boolean {
    return false;
  }

  /** 1 when this browser has what parley.js needs (WebRTC, WebSocket, getUserMedia), else 0. */
  checkSystemRequirements(): 0 | 1 {
    const g = globalThis as { RTCPeerConnection?: unknown; WebSocket?: unknown; navigator?: Navigator };
    return g.RTCPeerConnection && g.WebSocket && g.navigator?.mediaDevices ? 1 : 0;
  }

  upgradeSystemRequirements(): void {
    log.error('This browser lacks WebRTC support that parley.js needs');
  }

  /** `{supported, extensionRequired?: undefined, supportedSources}`, to the callback (when given) and as a Promise. */
  checkScreenSharingCapability(callback?: (response: ScreenSharingCapability) => void): Promise<ScreenSharingCapability> {
    const supported = typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';
    const sources = { screen: supported, application: false, window: supported, browser: supported };
    const response: ScreenSharingCapability = { supported, supportedSources: sources };
    if (typeof callback === 'function') setTimeout(() => callback(response), 0);
    return Promise.resolve(response);
  }

  /** Must come before initSession/initPublisher (docs/protocol.md §5.5); a second call is refused. */
  setProxyUrl(url: string): void {
    if (this.proxyUrl !== null) {
      this.dispatch(new OTEvent('exception', { code: ExceptionCodes.PROXY_URL_ALREADY_SET_ERROR, title: ErrorNames.PROXY_URL_ALREADY_SET_ERROR, message: 'The proxy URL was already set' }));
      return;
    }
    if (this.started) {
      this.dispatch(new OTEvent('exception', { code: ExceptionCodes.SET_PROXY_URL_TIMING_ERROR, title: ErrorNames.SET_PROXY_URL_TIMING_ERROR, message: 'setProxyUrl must be called before initSession or initPublisher' }));
      return;
    }
    this.proxyUrl = String(url);
  }

  setLogLevel(level: number): void {
    setLogLevel(level);
  }

  getLogLevel(): number {
    return getLogLevel();
  }

  log(...args: unknown[]): void {
    log.log(...args);
  }

  /** Plays audio that autoplay rules held back (a no-op when nothing is blocked). */
  unblockAudio(): Promise<void> {
    return Subscriber.unblockAll();
  }

  /** Kept for apps written for old OpenTok.js versions; screen sharing needs no extension. */
  registerScreenSharingExtension(): void {}
}

/** A speaker, as OpenTok.js reports it: `{deviceId: null, label: null}` when the browser lists none. */
export interface AudioOutputDevice {
  deviceId: string | null | undefined;
  label: string | null;
}

export interface ScreenSharingCapability {
  supported: boolean;
  extensionRequired?: string;
  extensionInstalled?: boolean;
  supportedSources: Record<string, boolean>;
}

/** Video codec names from RTCRtpSender capabilities (`video/VP8` …), as OpenTok.js lists them. */
export function supportedVideoCodecs(mimeTypes: readonly string[]): string[] {
  const notListed = new Set(['AV1X', 'AV1', 'rtx', 'red', 'ulpfec', 'H265', 'X-H264UC', 'x-ulpfecuc']);
  const names = mimeTypes.map((m) => m.replace(/^video\//, '')).filter((n) => !notListed.has(n));
  return [...new Set(names)];
}

export type { OTStatic };
export const OT = new OTStatic();

Object.defineProperty(OT.hasMediaProcessorSupport, 'promise', {
  value: (mediaType?: 'audio' | 'video' | 'both') => Promise.resolve(OT.hasMediaProcessorSupport(mediaType)),
});

// `OT.initPublisher.promise(…)`: the callback form's outcome as a Promise of the Publisher.
Object.defineProperty(OT.initPublisher, 'promise', {
  value: (targetElement?: HTMLElement | string | PublisherProperties | null, properties?: PublisherProperties) =>
    new Promise<Publisher>((resolve, reject) => {
      let settled: { error?: OTError } | undefined;
      let publisher: Publisher | undefined;
      const done = (error?: OTError) => {
        settled = { ...(error ? { error } : {}) };
        if (error) reject(error);
        else if (publisher) resolve(publisher);
      };
      try {
        publisher = OT.initPublisher(targetElement, properties ?? {}, done);
      } catch (err) {
        reject(err);
        return;
      }
      // The handler may have run before initPublisher returned.
      if (settled && !settled.error) resolve(publisher);
    }),
});
