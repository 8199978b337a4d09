// The global `OT` object of parley.js: the entry points of the OpenTok.js API
// (initSession, initPublisher, getDevices, checkSystemRequirements, setProxyUrl,
// setLogLevel …). Only the server it is configured for is ever contacted: the origin that
// served this script unless window.OTProperties.apiURL or OT.setProxyUrl say otherwise.

import { EventDispatcher } from './EventDispatcher.js';
import { LogLevel, getLogLevel, log, setLogLevel } from './Log.js';
import { ErrorNames, ExceptionCodes, OTError, complete, type CompletionHandler } from './OTError.js';
import { OTEvent } from './OTEvent.js';
import { OTConnection } from './OTConnection.js';
import { OTStream } from './OTStream.js';
import { Publisher, type PublisherProperties } from './Publisher.js';
import { Session, type SessionOptions } from './Session.js';
import { Subscriber } from './Subscriber.js';

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

  /** `callback(error, devices)` with `{kind: 'audioInput'|'videoInput', deviceId, label}`. */
  getDevices(callback: (error?: OTError, devices?: Array<{ kind: string; deviceId: string; label: string }>) => void): void {
    const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
    if (!md || typeof md.enumerateDevices !== 'function') {
      complete(callback, new OTError(ErrorNames.NOT_SUPPORTED, 'enumerateDevices is not supported in this browser'));
      return;
    }
    md.enumerateDevices().then(
      (list) => complete(callback, undefined, list
        .filter((d) => d.kind === 'audioinput' || d.kind === 'videoinput')
        .map((d) => ({ kind: d.kind === 'audioinput' ? 'audioInput' : 'videoInput', deviceId: d.deviceId, label: d.label }))),
      (err) => complete(callback, new OTError(ErrorNames.NOT_SUPPORTED, String(err))),
    );
  }

  /** Resolves with the audio output devices `{deviceId, label}` (speakers). */
  async getAudioOutputDevices(): Promise<Array<{ deviceId: string; label: string }>> {
    const list = await navigator.mediaDevices.enumerateDevices();
    return list.filter((d) => d.kind === 'audiooutput').map((d) => ({ deviceId: d.deviceId, label: d.label }));
  }

  /** 1 when this browser has what parley.js needs (WebRTC, WebSocket, getUserMedia), else 0. */
  checkSystemRequirements(): 0 | 1 {
    const g = globalThis as { RTCPeerConnection?: unknown; WebSocket?: unknown; navigator?: Navigator };
    return g.RTCPeerConnection && g.WebSocket && g.navigator?.mediaDevices ? 1 : 0;
  }

  upgradeSystemRequirements(): void {
    log.error('This browser lacks WebRTC support that parley.js needs');
  }

  /** `callback({supported, extensionRequired?: undefined, supportedSources})`. */
  checkScreenSharingCapability(callback: (response: { supported: boolean; extensionRequired?: string; extensionInstalled?: boolean; supportedSources: Record<string, boolean> }) => void): void {
    const supported = typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';
    const sources = { screen: supported, application: false, window: supported, browser: supported };
    setTimeout(() => callback({ supported, supportedSources: sources }), 0);
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
    const videos = typeof document !== 'undefined' ? [...document.querySelectorAll<HTMLVideoElement>('.OT_subscriber video')] : [];
    return Promise.all(videos.map((v) => v.play().catch(() => undefined))).then(() => undefined);
  }

  /** Kept for apps written for old OpenTok.js versions; screen sharing needs no extension. */
  registerScreenSharingExtension(): void {}
}

export type { OTStatic };
export const OT = new OTStatic();
