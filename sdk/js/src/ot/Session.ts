// OT.Session: connects over session info + Rumor (docs/protocol.md §5, §6, §7.4), keeps the session's
// connections and streams, turns server messages into OT events, and carries publishers'
// and subscribers' requests and JSEP messages.

import {
  connectionCreate,
  connectionDelete,
  forceMute,
  interpretServerMessage,

  parseRaptorMessage,
  parseSessionState,
  signal as signalMessage,
  streamDelete,
  type Connection,
  type RaptorMessage,
  type ServerEvent,
  type Stream,
} from '../raptor/RaptorMessage.js';
import { RaptorError } from '../raptor/RaptorError.js';
import { requestRaptor, tokenHeader, type RaptorReply } from '../raptor/RaptorRequest.js';
import { sessionTopic, type RaptorSessionRef } from '../raptor/RaptorUri.js';
import { RumorHeader, type RumorFrame } from '../rumor/RumorFrame.js';
import { RumorSocket, type RumorCloseInfo } from '../rumor/RumorSocket.js';
import { SessionInfoError, getSessionInfo, type SessionInfo } from '../session/SessionInfo.js';
import { uuid } from '../util/uuid.js';
import { trackAudioOutputElement, untrackAudioOutputElement } from './AudioOutput.js';
import { EventDispatcher } from './EventDispatcher.js';
import { log } from './Log.js';
import { ObjectCollection } from './ObjectCollection.js';
import { OTConnection } from './OTConnection.js';
import { ErrorNames, ExceptionCodes, OTError, complete, type CompletionHandler } from './OTError.js';
import { OTEvent } from './OTEvent.js';
import { OTStream } from './OTStream.js';
import { Publisher, type PublisherProperties } from './Publisher.js';
import type { SessionPort } from './SessionPort.js';
import { Subscriber, type SubscriberProperties } from './Subscriber.js';
import { SessionKeyRing, hasInsertableStreams } from './e2ee/MediaEncryption.js';
import { encryptionSecretProblem } from './e2ee/SframeKeys.js';
import { withPromiseForm } from './PromiseForm.js';

/** ICE servers: 'all' adds customServers to the server's, 'custom' uses only them. */
export interface IceConfig {
  includeServers?: 'all' | 'custom';
  transportPolicy?: 'all' | 'relay';
  customServers?: RTCIceServer[];
}

export interface SessionOptions {
  /** Do not receive other clients' connectionCreated/Destroyed events (large sessions). */
  connectionEventsSuppressed?: boolean;
  iceConfig?: IceConfig;
  /**
   * The shared secret of an end-to-end encrypted session (8 to 256 characters): media is
   * encrypted only when the session was created with `e2ee` and a secret is set.
   */
  encryptionSecret?: string;
  /**
   * Move to another server without a disconnection when the server asks (a Parley cluster
   * node draining: `notification` with reason serverRotation, docs/cluster.md). On unless
   * false; OpenTok.js needs `sessionMigration: true` for the same.
   */
  sessionMigration?: boolean;
}

/** What is wrong with an iceConfig by OpenTok.js's rules, or undefined when nothing is. */
function iceConfigProblem(c: IceConfig | null | undefined): string | undefined {
  if (!c || typeof c !== 'object') return undefined;
  if ('includeServers' in c && !['all', 'custom'].includes(c.includeServers as string)) return '.includeServers must be all or custom';
  if ('transportPolicy' in c && !['all', 'relay'].includes(c.transportPolicy as string)) return '.transportPolicy must be all or relay';
  if (!Array.isArray(c.customServers)) return '.customServers must be an array';
  if (c.includeServers === 'custom' && c.transportPolicy === 'relay' && c.customServers.length === 0) {
    return '.customServers must be a non empty array if .includeServers=custom and .transportPolicy=relay';
  }
  for (const server of c.customServers as Array<RTCIceServer & { url?: unknown }>) {
    if (!server.urls && 'url' in server) return 'ice servers need .urls, not .url';
    if (typeof server.urls !== 'string' && !Array.isArray(server.urls)) return 'ice server .urls must be a string or an array';
    if (server.username && typeof server.username !== 'string') return 'ice server .username must be a string if present';
    if (server.credential && typeof server.credential !== 'string') return 'ice server .credential must be a string if present';
  }
  return undefined;
}

export interface SessionEnvironment {
  apiUrl(): string;
  proxyUrl(): string | null;
  clientVersion: string;
}

export interface Capabilities {
  publish: 0 | 1;
  subscribe: 0 | 1;
  forceUnpublish: 0 | 1;
  forceDisconnect: 0 | 1;
  forceMute: 0 | 1;
  supportsWebRTC: 0 | 1;
  permittedTo(action: string): boolean;
}

type State = 'disconnected' | 'connecting' | 'connected' | 'disconnecting';

const CONNECT_ATTEMPTS = 3;
/** How long after moving to a new server the socket to the old one stays open (its clients move too). */
const MIGRATION_GRACE_MS = 10000;
/** How long a client whose socket dropped looks for another server naming its session. */
const SEEK_SERVER_MS = 30000;
const CONNECT_RETRY_MS = 3000;

const noCapabilities = (): Capabilities => capabilitiesFrom([]);

function capabilitiesFrom(permissions: readonly string[]): Capabilities {
  const has = (p: string): 0 | 1 => (permissions.includes(p) ? 1 : 0);
  const caps = {
    publish: has('publish'),
    subscribe: has('subscribe'),
    forceUnpublish: has('forceunpublish'),
    forceDisconnect: has('forcedisconnect'),
    forceMute: has('forcemute'),
    supportsWebRTC: 1 as const,
  };
  return { ...caps, permittedTo: (action: string) => (caps as Record<string, number>)[action] === 1 };
}

/** An error that ends one connect attempt; `retry` when another attempt may succeed. */
class ConnectFailure extends Error {
  constructor(readonly error: OTError, readonly retry: boolean) {
    super(error.message);
  }
}

/**
 * `streamCreated` and `streamDestroyed` are about other clients' streams, as in OpenTok.js: a
 * stream this client publishes is announced by its Publisher's own `streamCreated` and
 * `streamDestroyed` only, so an app that subscribes on `streamCreated` never subscribes to itself.
 */
export class Session extends EventDispatcher implements SessionPort {
  readonly apiKey: string;
  readonly id: string;
  readonly sessionId: string;
  readonly connections = new ObjectCollection<OTConnection>((c) => c.connectionId);
  readonly streams = new ObjectCollection<OTStream>((s) => s.streamId);
  connection: OTConnection | undefined;
  capabilities: Capabilities = noCapabilities();
  currentState: State = 'disconnected';

  private readonly options: SessionOptions;
  private readonly env: SessionEnvironment;
  private token = '';
  private info: SessionInfo | undefined;
  private socket: RumorSocket | undefined;
  private readonly publishers = new Set<Publisher>();
  private readonly subscribers = new Map<string, Subscriber>(); // subscriberId → subscriber
  /** Streams whose connection is not known yet (docs/protocol.md §7.6.2). */
  private heldStreams: Stream[] = [];
  /** Signals from connections not known yet (docs/protocol.md §7.7.2). */
  private heldSignals: Array<{ from: string; type?: string; data?: unknown }> = [];
  private early: RumorFrame[] | null = null;
  private ownCreated: (() => void) | undefined;
  /** While moving to another server: the socket to the old one (migrate()). */
  private rotating: RumorSocket | undefined;
  /** The dropped socket for which another server is being looked for (seekNewServer()). */
  private seeking: RumorSocket | undefined;
  /** …and, once moved, the connections and streams the new server has shown. */
  private confirmed: Set<string> | undefined;
  private sessionMuted = false;
  private keyRing: SessionKeyRing | undefined;

  constructor(apiKey: string, sessionId: string, options: SessionOptions, env: SessionEnvironment) {
    super();
    this.apiKey = String(apiKey);
    this.id = sessionId;
    this.sessionId = sessionId;
    this.options = { ...options };
    this.env = env;
    withPromiseForm(this, 'connect', (token: string) => new Promise<Session>((resolve, reject) => {
      this.connect(token, (error) => (error ? reject(error) : resolve(this)));
    }));
    withPromiseForm(this, 'publish', (publisherOrTarget?: Publisher | HTMLElement | string | PublisherProperties | null, properties?: PublisherProperties) => settledWith<Publisher>((done) => this.publish(publisherOrTarget, properties ?? {}, done)));
    withPromiseForm(this, 'subscribe', (stream: OTStream, target?: HTMLElement | string | null, properties?: SubscriberProperties) => settledWith<Subscriber | undefined>((done) => this.subscribe(stream, target, properties ?? {}, done)));
  }

  // ---------------------------------------------------------------------------------------
  // SessionPort

  get ref(): RaptorSessionRef {
    return { apiKey: this.apiKey, sessionId: this.sessionId };
  }

  get ownConnectionId(): string | undefined {
    return this.connection?.connectionId;
  }

  get routed(): boolean {
    return this.info ? !this.info.p2pEnabled : true;
  }

  get muteOnEntry(): boolean {
    return this.sessionMuted;
  }

  get canPublish(): boolean {
    return this.capabilities.publish === 1;
  }

  get canSubscribe(): boolean {
    return this.capabilities.subscribe === 1;
  }

  get priorityVideoCodec(): string {
    return this.info?.priorityVideoCodec ?? '';
  }

  /** The keys when media is end-to-end encrypted: an `e2ee` session, a secret, a capable browser. */
  get encryption(): SessionKeyRing | undefined {
    return this.info?.e2ee && hasInsertableStreams() ? this.keyRing : undefined;
  }

  /**
   * Replaces the end-to-end encryption secret for everything this client publishes and
   * subscribes to; resolves once the new keys are in use. Rejects with
   * OT_INVALID_ENCRYPTION_SECRET unless the secret has 8 to 256 characters. As in OpenTok.js,
   * it only applies when initSession was given an `encryptionSecret`.
   */
  setEncryptionSecret(secret: string): Promise<void> {
    const problem = encryptionSecretProblem(secret);
    if (problem) return Promise.reject(new OTError(ErrorNames.INVALID_ENCRYPTION_SECRET, `setEncryptionSecret: ${problem}`));
    if (this.options.encryptionSecret === undefined) {
      log.error('Encryption secret must first be set in initSession.');
      return Promise.resolve();
    }
    this.options.encryptionSecret = secret;
    if (!this.keyRing) return Promise.resolve();
    return this.keyRing.setSecret(secret);
  }

  rtcConfiguration(): RTCConfiguration {
    const fromServer = (this.info?.iceServers ?? []).map((s) => ({ ...s })) as RTCIceServer[];
    const ice = this.options.iceConfig;
    const custom = ice?.customServers ?? [];
    const iceServers = ice?.includeServers === 'custom' ? custom : [...fromServer, ...custom];
    const relay = ice?.transportPolicy === 'relay' || this.info?.clientCandidates === 'relay';
    const config: RTCConfiguration = { iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
    if (relay) config.iceTransportPolicy = 'relay';
    // Encoded frames pass through the page before packetization (Chromium's insertable streams).
    if (this.encryption) (config as RTCConfiguration & { encodedInsertableStreams?: boolean }).encodedInsertableStreams = true;
    return config;
  }

  request(message: RaptorMessage): Promise<RaptorReply> {
    if (!this.socket || !this.info) return Promise.reject(new OTError(ErrorNames.NOT_CONNECTED, 'Not connected.', ExceptionCodes.NOT_CONNECTED));
    return requestRaptor(this.socket, this.info.symphonyAddress, message);
  }

  post(message: RaptorMessage): void {
    this.request(message).then(
      (r) => {
        if (!r.ok) log.warn(`${message.method} ${message.uri}: STATUS ${r.status} ${r.reason ?? ''}`);
      },
      (err) => log.debug(`${message.method} ${message.uri} not sent: ${String(err?.message ?? err)}`),
    );
  }

  streamById(streamId: string): OTStream | undefined {
    return this.streams.get(streamId);
  }

  // ---------------------------------------------------------------------------------------
  // OT API

  isConnected(): boolean {
    return this.currentState === 'connected';
  }

  /** Also `session.connect.promise(token)`, resolving with the Session when connected, as in OpenTok.js. */
  connect(token: string, completionHandler?: CompletionHandler): this {
    if (this.currentState === 'connected' || this.currentState === 'connecting') {
      log.warn('connect() called while already connected or connecting');
      if (this.currentState === 'connected') complete(completionHandler);
      else this.once('sessionConnected', () => complete(completionHandler));
      return this;
    }
    if (typeof token !== 'string' || token === '') {
      complete(completionHandler, new OTError(ErrorNames.INVALID_PARAMETER, 'connect() needs a token', ExceptionCodes.INVALID_PARAMETER));
      return this;
    }
    this.token = token;
    this.currentState = 'connecting';
    void this.connectWithRetries(completionHandler);
    return this;
  }

  /** Resolves once `sessionDisconnected` has fired (at once when there was no connection), as in OpenTok.js. */
  disconnect(): Promise<void> {
    if (this.currentState === 'disconnected' || this.currentState === 'disconnecting') return Promise.resolve();
    this.currentState = 'disconnecting';
    const socket = this.socket;
    for (const p of [...this.publishers]) p.unpublish();
    if (socket) {
      void socket.disconnect().then(() => undefined, () => undefined);
    }
    this.ended('clientDisconnected');
    return Promise.resolve();
  }

  /** Also `session.publish.promise(publisher)` or `(targetElement, properties)`, resolving with the Publisher once it publishes, as in OpenTok.js. */
  publish(publisherOrTarget?: Publisher | HTMLElement | string | PublisherProperties | null, propertiesOrHandler?: PublisherProperties | CompletionHandler, completionHandler?: CompletionHandler): Publisher {
    let publisher: Publisher;
    let handler = completionHandler;
    if (publisherOrTarget instanceof Publisher) {
      publisher = publisherOrTarget;
      if (typeof propertiesOrHandler === 'function') handler = propertiesOrHandler;
    } else {
      const isProps = publisherOrTarget !== null && typeof publisherOrTarget === 'object' && !(typeof (publisherOrTarget as HTMLElement).appendChild === 'function');
      const target = isProps ? undefined : (publisherOrTarget as HTMLElement | string | null | undefined);
      const props = (isProps ? publisherOrTarget : typeof propertiesOrHandler === 'object' ? propertiesOrHandler : {}) as PublisherProperties;
      if (typeof propertiesOrHandler === 'function') handler = propertiesOrHandler;
      publisher = new Publisher(target, props);
    }
    if (!this.isConnected()) {
      complete(handler, new OTError(ErrorNames.NOT_CONNECTED, 'We need to be connected before you can publish', ExceptionCodes.NOT_CONNECTED));
      return publisher;
    }
    this.publishers.add(publisher);
    publisher.once('destroyed', () => this.publishers.delete(publisher));
    void publisher.publishTo(this, handler);
    return publisher;
  }

  unpublish(publisher: Publisher): void {
    if (!(publisher instanceof Publisher)) {
      log.error('unpublish() needs a Publisher');
      return;
    }
    this.publishers.delete(publisher);
    publisher.unpublish();
  }

  /** Also `session.subscribe.promise(stream, targetElement?, properties?)`, resolving with the Subscriber once it plays, as in OpenTok.js. */
  subscribe(stream: OTStream, targetOrProps?: HTMLElement | string | SubscriberProperties | null, propertiesOrHandler?: SubscriberProperties | CompletionHandler, completionHandler?: CompletionHandler): Subscriber | undefined {
    let target: HTMLElement | string | null | undefined;
    let props: SubscriberProperties = {};
    let handler = completionHandler;
    if (targetOrProps !== null && typeof targetOrProps === 'object' && typeof (targetOrProps as HTMLElement).appendChild !== 'function') {
      props = targetOrProps as SubscriberProperties;
      if (typeof propertiesOrHandler === 'function') handler = propertiesOrHandler;
    } else {
      target = targetOrProps as HTMLElement | string | null | undefined;
      if (typeof propertiesOrHandler === 'function') handler = propertiesOrHandler;
      else if (propertiesOrHandler) props = propertiesOrHandler;
    }
    if (!stream || typeof (stream as OTStream).streamId !== 'string') {
      complete(handler, new OTError(ErrorNames.INVALID_PARAMETER, 'subscribe() needs a Stream', ExceptionCodes.INVALID_PARAMETER));
      return undefined;
    }
    if (!this.isConnected()) {
      complete(handler, new OTError(ErrorNames.NOT_CONNECTED, 'We need to be connected before you can subscribe', ExceptionCodes.NOT_CONNECTED));
      return undefined;
    }
    const own = [...this.publishers].find((p) => p.publishedStreamId === stream.streamId);
    if (!own && !this.canSubscribe) {
      complete(handler, new OTError(ErrorNames.PERMISSION_DENIED, 'This token does not allow subscribing', ExceptionCodes.UNABLE_TO_SUBSCRIBE));
      return undefined;
    }
    let subscriber: Subscriber;
    try {
      subscriber = new Subscriber(this, stream, target, props, handler, own?.mediaStream);
    } catch (err) {
      complete(handler, err instanceof OTError ? err : new OTError(ErrorNames.INVALID_PARAMETER, String(err), ExceptionCodes.INVALID_PARAMETER));
      return undefined;
    }
    this.subscribers.set(subscriber.subscriberId, subscriber);
    // Its <video> plays the audio too: it follows OT.setAudioOutputDevice (AudioOutput.ts).
    let mediaElement: HTMLMediaElement | undefined;
    subscriber.on('videoElementCreated', (e: OTEvent) => {
      mediaElement = (e as OTEvent & { element?: HTMLMediaElement }).element;
      if (mediaElement) trackAudioOutputElement(mediaElement);
    });
    subscriber.once('destroyed', () => {
      this.subscribers.delete(subscriber.subscriberId);
      if (mediaElement) untrackAudioOutputElement(mediaElement);
    });
    return subscriber;
  }

  unsubscribe(subscriber: Subscriber): void {
    if (!(subscriber instanceof Subscriber)) {
      log.error('unsubscribe() needs a Subscriber');
      return;
    }
    this.subscribers.delete(subscriber.subscriberId);
    subscriber.unsubscribe();
  }

  getPublisherForStream(stream: OTStream | string): Publisher | undefined {
    const id = typeof stream === 'string' ? stream : stream?.streamId;
    return [...this.publishers].find((p) => p.publishedStreamId === id);
  }

  getSubscribersForStream(stream: OTStream | string): Subscriber[] {
    const id = typeof stream === 'string' ? stream : stream?.streamId;
    return [...this.subscribers.values()].filter((s) => s.stream.streamId === id);
  }

  /**
   * `{type?, data?, to?: Connection | Session, retryAfterReconnect?}`. Resolves when the server
   * has taken the signal; an error goes to `completionHandler` (when given) and rejects the
   * Promise, as in OpenTok.js (a rejection a handler was given for is never reported as
   * unhandled). Not connected: OT_NOT_CONNECTED with code 500, OpenTok.js's code for it.
   */
  signal(options: { type?: string; data?: unknown; to?: OTConnection | Session | string; retryAfterReconnect?: boolean } = {}, completionHandler?: (error?: OTError) => void): Promise<void> {
    let opts = options ?? {};
    let handler = completionHandler;
    if (typeof opts === 'function') {
      handler = opts as (error?: OTError) => void;
      opts = {};
    }
    return settle(handler, (done) => this.sendSignal(opts, done));
  }

  private sendSignal(options: { type?: string; data?: unknown; to?: OTConnection | Session | string; retryAfterReconnect?: boolean }, done: (error?: OTError) => void): void {
    if (!this.isConnected() || !this.socket) {
      done(new OTError(ErrorNames.NOT_CONNECTED, 'Unable to send signal - you are not connected to the session.', 500));
      return;
    }
    let to: string | undefined;
    if (options.to instanceof Session) to = options.to.sessionId;
    else if (options.to instanceof OTConnection) to = options.to.connectionId;
    else if (typeof options.to === 'string') to = options.to;
    else if (options.to !== undefined && options.to !== null) {
      done(new OTError(ErrorNames.INVALID_PARAMETER, 'The signal "to" must be a Connection', 400));
      return;
    }
    let message: RaptorMessage;
    try {
      message = signalMessage(this.ref, { ...(to !== undefined ? { to } : {}), ...('type' in options ? { type: options.type } : {}), ...('data' in options ? { data: options.data } : {}) });
    } catch (err) {
      const status = err instanceof RaptorError ? err.status ?? 400 : 400;
      done(new OTError(ErrorNames.INVALID_PARAMETER, (err as Error).message, status));
      return;
    }
    requestRaptor(this.socket, this.info!.symphonyAddress, message, { retryAfterReconnect: options.retryAfterReconnect !== false }).then(
      (r) => {
        if (r.ok) return done();
        const reason = r.reason ?? `status ${r.status}`;
        if (r.status === 400 || r.status === 413) return done(new OTError(ErrorNames.INVALID_PARAMETER, `Invalid signal: ${reason}`, r.status));
        if (r.status === 403) return done(new OTError(ErrorNames.PERMISSION_DENIED, `Signal not allowed: ${reason}`, 403));
        if (r.status === 404) return done(new OTError(ErrorNames.NOT_FOUND, `The signal's target is not connected: ${reason}`, 404));
        if (r.status === 500) return done(new OTError(ErrorNames.NOT_CONNECTED, `Signal not delivered: ${reason}`, 500));
        return done(new OTError(ErrorNames.UNEXPECTED_SERVER_RESPONSE, `Unexpected server response to a signal: ${reason}`, ExceptionCodes.UNEXPECTED_SERVER_RESPONSE));
      },
      () => done(new OTError(ErrorNames.NOT_CONNECTED, 'Unable to send signal - you are not connected to the session.', 500)),
    );
  }

  /** Resolves when the server has removed the connection; errors go to the handler (when given) and reject, as in OpenTok.js. */
  forceDisconnect(connectionOrId: OTConnection | string, completionHandler?: (error?: OTError) => void): Promise<void> {
    return settle(completionHandler, (done) => {
      const denied = this.moderationCheck('forceDisconnect', ExceptionCodes.UNABLE_TO_FORCE_DISCONNECT, 'force a disconnect', () => {
        const id = typeof connectionOrId === 'string' ? connectionOrId : connectionOrId?.connectionId;
        return typeof id === 'string' && id !== '';
      });
      if (denied) return done(denied);
      const id = typeof connectionOrId === 'string' ? connectionOrId : connectionOrId.connectionId;
      this.request(connectionDelete(this.ref, id)).then(
        (r) => done(r.ok ? undefined : new OTError(ErrorNames.INVALID_PARAMETER, `forceDisconnect failed: ${r.reason ?? r.status}`, ExceptionCodes.INVALID_PARAMETER)),
        () => done(new OTError(ErrorNames.NOT_CONNECTED, 'Not connected.', ExceptionCodes.NOT_CONNECTED)),
      );
    });
  }

  /** Resolves when the server has removed the stream; errors go to the handler (when given) and reject, as in OpenTok.js. */
  forceUnpublish(streamOrId: OTStream | string, completionHandler?: (error?: OTError) => void): Promise<void> {
    return settle(completionHandler, (done) => {
      const id = typeof streamOrId === 'string' ? streamOrId : streamOrId?.streamId;
      // OpenTok.js checks the argument before the connection here (the other way round in forceDisconnect).
      if (typeof id !== 'string' || id === '') return done(new OTError(ErrorNames.INVALID_PARAMETER, 'forceUnpublish() needs a Stream or a stream id', ExceptionCodes.INVALID_PARAMETER));
      const denied = this.moderationCheck('forceUnpublish', ExceptionCodes.UNABLE_TO_FORCE_UNPUBLISH, 'force an unpublish');
      if (denied) return done(denied);
      this.request(streamDelete(this.ref, id)).then(
        (r) => done(r.ok ? undefined : this.moderationError(r, ExceptionCodes.UNABLE_TO_FORCE_UNPUBLISH)),
        () => done(new OTError(ErrorNames.NOT_CONNECTED, 'Not connected.', ExceptionCodes.NOT_CONNECTED)),
      );
    });
  }

  /**
   * Replaces the session's iceConfig (`{includeServers, transportPolicy, customServers}`,
   * checked as OpenTok.js checks it: a bad one rejects with OT_INVALID_PARAMETER). New peer
   * connections use it and, as in OpenTok.js, the running ones take the new servers; parley.js
   * restarts their ICE at once (OpenTok.js when it next needs to).
   */
  async setIceConfig(iceConfig: IceConfig): Promise<void> {
    const bad = iceConfigProblem(iceConfig);
    if (bad) throw new OTError(ErrorNames.INVALID_PARAMETER, `iceConfig invalid: ${bad}`);
    this.options.iceConfig = { ...iceConfig };
    // As OpenTok.js: running peer connections take the new servers and restart ICE with them.
    const config = this.rtcConfiguration();
    for (const p of this.publishers) p.applyIceConfig(config);
    for (const s of this.subscribers.values()) s.applyIceConfig(config, this.routed);
  }

  forceMuteStream(stream: OTStream | { id?: string; streamId?: string } | string): Promise<void> {
    const id = typeof stream === 'string' ? stream : stream?.streamId ?? (stream as { id?: string })?.id ?? '';
    return this.muteRequest(forceMute(this.ref, { streamId: id, active: true }));
  }

  forceMuteAll(excludedStreams: Array<OTStream | { id?: string; streamId?: string } | string> = []): Promise<void> {
    const ids = excludedStreams.map((s) => (typeof s === 'string' ? s : s?.streamId ?? (s as { id?: string })?.id ?? '')).filter(Boolean);
    return this.muteRequest(forceMute(this.ref, { active: true, excludedStreamIds: ids }));
  }

  disableForceMute(): Promise<void> {
    return this.muteRequest(forceMute(this.ref, { active: false, excludedStreamIds: [] }));
  }

  // ---------------------------------------------------------------------------------------
  // Connecting

  private async connectWithRetries(handler: CompletionHandler | undefined): Promise<void> {
    let failure: ConnectFailure | undefined;
    for (let attempt = 1; attempt <= CONNECT_ATTEMPTS; attempt++) {
      try {
        await this.connectOnce();
        failure = undefined;
        break;
      } catch (err) {
        failure = err instanceof ConnectFailure ? err : new ConnectFailure(new OTError(ErrorNames.CONNECT_FAILED, String((err as Error)?.message ?? err), ExceptionCodes.CONNECT_FAILED), true);
        this.dropSocket();
        if (this.currentState !== 'connecting') return; // disconnect() during connect
        if (!failure.retry || attempt === CONNECT_ATTEMPTS) break;
        log.warn(`connect attempt ${attempt} failed (${failure.message}); retrying`);
        await new Promise((r) => setTimeout(r, CONNECT_RETRY_MS));
        if (this.currentState !== 'connecting') return;
      }
    }
    if (failure) {
      this.currentState = 'disconnected';
      log.error(`connect failed: ${failure.error.name} ${failure.error.message}`);
      complete(handler, failure.error);
      this.trigger('exception', { code: failure.error.code, title: 'Connect Failed', message: failure.error.message });
      return;
    }
    this.currentState = 'connected';
    const connections = this.connections.toArray();
    const streams = this.streams.where((s) => !this.isOwnStream(s));
    this.trigger('sessionConnected', { connections, streams });
    complete(handler);
    for (const c of connections) this.trigger('connectionCreated', { connection: c, connections: [c] });
    for (const s of streams) this.trigger('streamCreated', { stream: s, streams: [s] });
    for (const a of this.runningArchives) this.trigger('archiveStarted', { id: a.id, name: a.name });
    this.runningArchives = [];
    if (this.sessionMuted) this.trigger('muteForced', { active: true });
  }

  private runningArchives: Array<{ id: string; name: string }> = [];

  private async connectOnce(): Promise<void> {
    const connectionId = uuid();
    const secret = this.options.encryptionSecret;
    if (secret !== undefined) {
      const problem = encryptionSecretProblem(secret);
      if (problem) throw new ConnectFailure(new OTError(ErrorNames.INVALID_ENCRYPTION_SECRET, `Invalid encryptionSecret: ${problem}`, ExceptionCodes.CONNECT_FAILED), false);
      if (!hasInsertableStreams()) throw new ConnectFailure(new OTError(ErrorNames.UNSUPPORTED_BROWSER, 'E2E Encryption is not supported in your browser.', ExceptionCodes.CONNECT_FAILED), false);
      if (!this.keyRing) this.keyRing = new SessionKeyRing(this.sessionId, secret);
    }
    let info: SessionInfo;
    try {
      info = await getSessionInfo({
        apiUrl: this.env.apiUrl(),
        sessionId: this.sessionId,
        token: this.token,
        connectionId,
        proxyUrl: this.env.proxyUrl(),
        apiKey: this.apiKey,
        clientVersion: this.env.clientVersion,
      });
    } catch (err) {
      if (err instanceof SessionInfoError) {
        const names: Record<number, string> = {
          1004: ErrorNames.AUTHENTICATION_ERROR,
          1005: ErrorNames.INVALID_SESSION_ID,
          1006: ErrorNames.CONNECT_FAILED,
          1026: ErrorNames.TERMS_OF_SERVICE_FAILURE,
        };
        const name = names[err.code] ?? ErrorNames.UNEXPECTED_SERVER_RESPONSE;
        // Only transport trouble is worth another attempt; a refused token stays refused.
        throw new ConnectFailure(new OTError(name, err.message, err.code), err.code === 1006 || err.code === 2001);
      }
      throw err;
    }
    this.info = info;
    const socket = new RumorSocket({
      url: info.webSocketUrl,
      connectionId,
      notifyDisconnectAddress: info.symphonyAddress,
      topics: [sessionTopic(this.ref)],
      reconnection: info.reconnection,
    });
    this.socket = socket;
    this.early = [];
    const ownSeen = new Promise<void>((resolve) => {
      this.ownCreated = resolve;
    });
    this.wire(socket, (frame) => {
      if (socket === this.socket) this.onFrame(frame);
    });
    try {
      await socket.connect();
    } catch (err) {
      throw new ConnectFailure(new OTError(ErrorNames.CONNECT_FAILED, `Could not open the signaling socket: ${String((err as Error)?.message ?? err)}`, ExceptionCodes.CONNECT_FAILED), true);
    }
    let reply: RaptorReply;
    try {
      reply = await requestRaptor(socket, info.symphonyAddress, connectionCreate(this.ref, this.connectionCreateOptions(info, connectionId)), { headers: tokenHeader(this.token) });
    } catch (err) {
      throw new ConnectFailure(new OTError(ErrorNames.CONNECT_FAILED, `No answer to connection create: ${String((err as Error)?.message ?? err)}`, ExceptionCodes.CONNECT_FAILED), true);
    }
    if (!reply.ok) {
      if (reply.reason === 'connectionLimitExceeded') {
        throw new ConnectFailure(new OTError(ErrorNames.CONNECTION_LIMIT_EXCEEDED, 'The session has reached its connection limit', ExceptionCodes.CONNECTION_LIMIT_EXCEEDED), false);
      }
      if ([400, 403, 409].includes(reply.status)) {
        throw new ConnectFailure(new OTError(ErrorNames.CONNECT_FAILED, `Received error response to connection create message: ${reply.reason ?? reply.status}`, ExceptionCodes.CONNECT_FAILED), false);
      }
      throw new ConnectFailure(new OTError(ErrorNames.UNEXPECTED_SERVER_RESPONSE, `Unexpected server response to connection create: ${reply.reason ?? reply.status}`, ExceptionCodes.UNEXPECTED_SERVER_RESPONSE), true);
    }
    let state;
    try {
      state = parseSessionState(reply.body ?? '');
    } catch (err) {
      throw new ConnectFailure(new OTError(ErrorNames.UNEXPECTED_SERVER_RESPONSE, `Bad session state: ${(err as Error).message}`, ExceptionCodes.UNEXPECTED_SERVER_RESPONSE), true);
    }
    this.connections.clear();
    this.streams.clear();
    for (const c of state.connections) this.addConnection(c);
    const own = this.connections.get(connectionId);
    if (own) this.setOwnConnection(own);
    for (const s of state.streams) this.addStream(s);
    this.runningArchives = state.archives.filter((a) => a.status === '' || a.status === 'started').map((a) => ({ id: a.id, name: a.name }));
    this.sessionMuted = state.muteActive;
    // Messages that arrived before the STATUS are applied now, in order.
    const early = this.early ?? [];
    this.early = null;
    for (const frame of early) this.onFrame(frame, true);
    await ownSeen;
  }

  /** The `connection create` this client sends to a server (on connect, and on moving to another). */
  private connectionCreateOptions(info: SessionInfo, connectionId: string): Parameters<typeof connectionCreate>[1] {
    const capabilities = ['forceMute'];
    if (info.renegotiation) capabilities.push('renegotiation');
    if (info.e2ee && hasInsertableStreams()) capabilities.push('e2ee');
    const options: Parameters<typeof connectionCreate>[1] = {
      connectionId,
      userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : 'parley.js',
      clientVersion: this.env.clientVersion,
      capabilities,
    };
    if (this.options.connectionEventsSuppressed) options.connectionEventsSuppressed = true;
    return options;
  }

  /** The handlers every signaling socket gets; `onMessage` decides which frames count. */
  private wire(socket: RumorSocket, onMessage: (frame: RumorFrame) => void): void {
    socket.on('message', onMessage);
    socket.on('reconnecting', () => {
      if (socket !== this.socket || !this.isConnected()) return;
      this.trigger('sessionReconnecting');
      void this.seekNewServer(socket);
    });
    socket.on('reconnected', () => {
      if (socket !== this.socket || !this.isConnected()) return;
      this.trigger('sessionReconnected');
      for (const p of this.publishers) p.onReconnected();
      for (const s of this.subscribers.values()) s.onReconnected();
    });
    socket.on('close', (closeInfo) => this.onSocketClosed(socket, closeInfo));
    socket.on('error', (err) => log.debug(`socket: ${err.message}`));
  }

  /**
   * The socket dropped and is trying to reconnect. If its server is gone for good (a cluster
   * node killed), session info soon names another one (docs/cluster.md): move there as in a
   * migration rather than wait for the reconnection window to run out.
   */
  private async seekNewServer(socket: RumorSocket): Promise<void> {
    if (this.options.sessionMigration === false || this.seeking === socket) return;
    this.seeking = socket;
    let back = false;
    const onBack = (): void => {
      back = true;
    };
    socket.on('reconnected', onBack);
    const deadline = Date.now() + SEEK_SERVER_MS;
    try {
      while (!back && socket === this.socket && this.isConnected() && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        if (back || socket !== this.socket || !this.isConnected()) break;
        if (this.rotating) continue;
        if (await this.migrate({ lost: true })) break;
      }
    } finally {
      socket.off('reconnected', onBack);
      this.seeking = undefined;
    }
    // Its reconnection gave up meanwhile, and no other server took the session: it is over.
    if (socket === this.socket && socket.state === 'closed' && this.isConnected()) this.ended('networkDisconnected');
  }

  /**
   * Session migration (docs/cluster.md): the server this client is on asked it to move. The
   * client fetches session info again, which names the new server, connects there with the
   * same connection id, publishes its streams there under the same ids and subscribes again
   * to each stream once it is there; the old socket stays open for MIGRATION_GRACE_MS so the
   * old server's clients that have not moved yet keep their media, and meanwhile its news of
   * clients leaving it (to move) is not passed on. The app sees nothing.
   */
  private async migrate({ lost = false }: { lost?: boolean } = {}): Promise<boolean> {
    const old = this.socket;
    if (!old || !this.info || this.currentState !== 'connected' || this.rotating || this.options.sessionMigration === false) return false;
    this.rotating = old;
    if (!lost) log.info('the server asks this client to move to another server');
    let socket: RumorSocket | undefined;
    try {
      const info = await getSessionInfo({
        apiUrl: this.env.apiUrl(),
        sessionId: this.sessionId,
        token: this.token,
        connectionId: old.connectionId,
        proxyUrl: this.env.proxyUrl(),
        apiKey: this.apiKey,
        clientVersion: this.env.clientVersion,
      });
      if (info.webSocketUrl === this.info.webSocketUrl) throw new Error('session info names the same server');
      if (this.socket !== old || this.currentState !== 'connected') throw new Error('no longer connected');
      const early: RumorFrame[] = [];
      let moved = false;
      const next = new RumorSocket({
        url: info.webSocketUrl,
        connectionId: old.connectionId,
        notifyDisconnectAddress: info.symphonyAddress,
        topics: [sessionTopic(this.ref)],
        reconnection: info.reconnection,
      });
      socket = next;
      this.wire(next, (frame) => {
        if (!moved) early.push(frame);
        else if (next === this.socket) this.onFrame(frame);
      });
      await next.connect();
      const reply = await requestRaptor(next, info.symphonyAddress, connectionCreate(this.ref, this.connectionCreateOptions(info, old.connectionId)), { headers: tokenHeader(this.token) });
      if (!reply.ok) throw new Error(`connection create: ${reply.reason ?? reply.status}`);
      const state = parseSessionState(reply.body ?? '');
      if (this.socket !== old || this.currentState !== 'connected') throw new Error('no longer connected');
      // From here on the new server is the session for this client.
      this.socket = next;
      this.info = info;
      moved = true;
      this.confirmed = new Set();
      for (const c of state.connections) this.handleEvent({ kind: 'connectionCreated', connection: c }, 'created', undefined);
      for (const p of this.publishers) p.migrate();
      for (const s of state.streams) this.handleEvent({ kind: 'streamCreated', stream: s }, 'created', undefined);
      for (const frame of early) this.onFrame(frame);
      setTimeout(() => this.finishMigration(old), MIGRATION_GRACE_MS);
      if (lost) {
        // Its server is gone: nothing is left to keep for the others, and the app was told
        // the session was reconnecting.
        log.info('the server was lost; the session goes on on another server');
        void old.disconnect().then(() => undefined, () => undefined);
        for (const p of this.publishers) p.retireLinks();
        this.trigger('sessionReconnected');
      }
      return true;
    } catch (err) {
      const why = String((err as Error)?.message ?? err);
      if (!lost) log.warn(`moving to another server failed (${why}); staying until this one closes`);
      else log.debug(`no other server yet (${why})`);
      if (socket && socket !== this.socket) void socket.disconnect().then(() => undefined, () => undefined);
      this.rotating = undefined;
      return false;
    }
  }

  /** The grace after a move is over: the old socket closes, and who has not reached the new server has left. */
  private finishMigration(old: RumorSocket): void {
    if (this.rotating !== old) return;
    this.rotating = undefined;
    const confirmed = this.confirmed ?? new Set<string>();
    this.confirmed = undefined;
    void old.disconnect().then(() => undefined, () => undefined);
    for (const p of this.publishers) p.retireLinks();
    if (this.currentState !== 'connected') return;
    for (const s of this.streams.toArray()) {
      if (!confirmed.has(s.streamId) && !this.isOwnStream(s)) this.handleEvent({ kind: 'streamDeleted', streamId: s.streamId, reason: 'clientDisconnected' }, 'deleted', undefined);
    }
    for (const c of this.connections.toArray()) {
      if (!confirmed.has(c.connectionId) && c !== this.connection) this.handleEvent({ kind: 'connectionDeleted', connectionId: c.connectionId, reason: 'clientDisconnected' }, 'deleted', undefined);
    }
  }

  private setOwnConnection(c: OTConnection): void {
    this.connection = c;
    this.capabilities = capabilitiesFrom(c.permissions);
  }

  private dropSocket(): void {
    const s = this.socket;
    this.socket = undefined;
    this.ownCreated = undefined;
    this.early = null;
    if (s && s.state !== 'closed') void s.disconnect().then(() => undefined, () => undefined);
  }

  private onSocketClosed(socket: RumorSocket, info: RumorCloseInfo): void {
    if (socket !== this.socket) return;
    // Another server may still take the session: seekNewServer() decides.
    if (this.seeking === socket && !info.byClient) return;
    if (this.currentState === 'connected') {
      log.warn(`signaling socket closed (${info.code} ${info.reason})`);
      this.ended('networkDisconnected');
    }
  }

  /** The session is over for this client: tear down and fire sessionDisconnected. */
  private ended(reason: string): void {
    const wasConnected = this.currentState === 'connected' || this.currentState === 'disconnecting';
    this.currentState = 'disconnected';
    this.socket = undefined;
    const rotating = this.rotating;
    this.rotating = undefined;
    this.confirmed = undefined;
    if (rotating && rotating.state !== 'closed') void rotating.disconnect().then(() => undefined, () => undefined);
    const publishers = [...this.publishers];
    const subscribers = [...this.subscribers.values()];
    this.publishers.clear();
    this.subscribers.clear();
    for (const p of publishers) p.onOwnStreamDeleted(reason);
    this.streams.clear();
    this.connections.clear();
    this.connection = undefined;
    this.capabilities = noCapabilities();
    if (!wasConnected) return;
    this.dispatch(new OTEvent('sessionDisconnected', { reason }, true), {
      defaultAction: () => {
        for (const s of subscribers) s.teardown(reason);
      },
    });
    // Subscribers whose elements the app kept still stop their media.
    for (const s of subscribers) s.teardown(reason, { removeElement: false });
  }

  // ---------------------------------------------------------------------------------------
  // Server messages

  private onFrame(frame: RumorFrame, replay = false): void {
    if (this.early && !replay) {
      // Before the connect STATUS: keep everything, but notice our own `connection created`.
      this.early.push(frame);
      return;
    }
    let event: ServerEvent;
    let method: string;
    try {
      const m = parseRaptorMessage(frame.payload);
      method = m.method;
      event = interpretServerMessage(m);
    } catch (err) {
      log.warn(`ignoring a malformed server message: ${(err as Error).message}`);
      return;
    }
    const from = frame.headers[RumorHeader.FROM_ADDRESS];
    this.handleEvent(event, method, from);
  }

  private handleEvent(ev: ServerEvent, method: string, from: string | undefined): void {
    const connected = this.currentState === 'connected';
    switch (ev.kind) {
      case 'connectionCreated': {
        this.confirmed?.add(ev.connection.id);
        const isNew = !this.connections.has(ev.connection.id);
        const c = this.addConnection(ev.connection);
        if (ev.connection.id === this.socket?.connectionId) {
          if (c) this.setOwnConnection(c);
          this.ownCreated?.();
          this.ownCreated = undefined;
          return;
        }
        if (c && isNew && connected) this.trigger('connectionCreated', { connection: c, connections: [c] });
        if (c) this.releaseHeld(c.connectionId);
        return;
      }
      case 'connectionDeleted': {
        // The old server's clients leave it to move, like this one: not news for the app.
        if (this.rotating && this.socket === this.rotating) return;
        if (ev.connectionId === this.connection?.connectionId) {
          const socket = this.socket;
          this.socket = undefined;
          if (socket) void socket.disconnect().then(() => undefined, () => undefined);
          this.currentState = 'connected';
          this.ended(ev.reason || 'clientDisconnected');
          return;
        }
        this.removeStreamsOf(ev.connectionId, ev.reason);
        const c = this.connections.remove(ev.connectionId);
        if (c && connected) this.trigger('connectionDestroyed', { connection: c, connections: [c], reason: ev.reason || 'clientDisconnected' });
        return;
      }
      case 'streamCreated': {
        this.confirmed?.add(ev.stream.id);
        // Moved: a stream we knew is on the new server now; subscribe to it there.
        if (this.confirmed && this.streams.has(ev.stream.id)) {
          for (const sub of this.getSubscribersForStream(ev.stream.id)) sub.migrate();
          return;
        }
        const s = this.addStream(ev.stream);
        if (!s) return;
        // Our own stream is the Publisher's event only (OpenTok.js does the same).
        if (this.isOwnStream(s)) {
          for (const p of this.publishers) p.onOwnStreamCreated(s);
          return;
        }
        if (connected) this.trigger('streamCreated', { stream: s, streams: [s] });
        return;
      }
      case 'streamDeleted':
        if (this.rotating && this.socket === this.rotating) return;
        this.removeStream(ev.streamId, ev.reason || 'clientDisconnected');
        return;
      case 'streamUpdated': {
        const s = this.streams.get(ev.streamId);
        if (s) this.firePropertyChanges(s, s.applyStreamUpdate(ev.changes));
        return;
      }
      case 'streamChannelUpdated': {
        const s = this.streams.get(ev.streamId);
        if (s) this.firePropertyChanges(s, s.applyChannelUpdate(ev.channelId, ev.changes));
        return;
      }
      case 'streamMuteForced': {
        if (!ev.active || (ev.channels.length && !ev.channels.includes('audio'))) return;
        const p = this.getPublisherForStream(ev.streamId);
        p?.onMuteForced();
        return;
      }
      case 'sessionMuteForced': {
        // Streams to mute get their own `update` (exclusions left out, docs/protocol.md §7.8.3); this one only
        // tells the app and makes publishers created later start muted.
        this.sessionMuted = ev.active;
        this.trigger('muteForced', { active: ev.active });
        return;
      }
      case 'jsep': {
        const sub = ev.subscriberId !== undefined ? this.subscribers.get(ev.subscriberId) : undefined;
        if (sub && ev.method !== 'generateoffer') {
          sub.onJsep(ev.method, ev.content);
          return;
        }
        const p = this.getPublisherForStream(ev.streamId);
        if (p) p.onJsep(ev.method, ev.content, { subscriberId: ev.subscriberId, from: from ?? '' });
        else log.debug(`${method} for stream ${ev.streamId}: no local publisher or subscriber`);
        return;
      }
      case 'subscriberDeleted': {
        this.getPublisherForStream(ev.streamId)?.onSubscriberDeleted(ev.subscriberId);
        return;
      }
      case 'subscriberChannelUpdated': {
        // The SFU's view of our subscription; nothing for the app.
        return;
      }
      case 'subscriberChannelUpdate': {
        this.subscribers.get(ev.subscriberId)?.onChannelHint(ev.channelId, ev.changes);
        return;
      }
      case 'signal':
        this.onSignal(from, ev.type, ev.data);
        return;
      case 'notification':
        if (ev.reason === 'serverRotation') void this.migrate();
        return;
      case 'archiveCreated':
        this.trigger('archiveStarted', { id: ev.archive.id, name: ev.archive.name });
        return;
      case 'archiveUpdated':
        if (ev.archive.status === 'stopped') this.trigger('archiveStopped', { id: ev.archive.id, name: ev.archive.name });
        else this.trigger('archiveUpdated', { id: ev.archive.id, status: ev.archive.status });
        return;
      default:
        return;
    }
  }

  private onSignal(from: string | undefined, type: string | undefined, data: unknown): void {
    if (from === undefined) {
      log.warn('a signal without X-TB-FROM-ADDRESS is ignored');
      return;
    }
    if (from !== '' && !this.connections.has(from)) {
      this.heldSignals.push({ from, ...(type !== undefined ? { type } : {}), data });
      return;
    }
    const connection = from === '' ? null : this.connections.get(from) ?? null;
    const event = new OTEvent(type ? `signal:${type}` : 'signal', { data: data === undefined ? '' : data, from: connection });
    event.target = this;
    this.dispatch(event, { listenerType: 'signal' });
    if (type) this.dispatch(event);
  }

  private releaseHeld(connectionId: string): void {
    const streams = this.heldStreams.filter((s) => s.connectionId === connectionId);
    this.heldStreams = this.heldStreams.filter((s) => s.connectionId !== connectionId);
    for (const s of streams) this.handleEvent({ kind: 'streamCreated', stream: s }, 'created', undefined);
    const signals = this.heldSignals.filter((s) => s.from === connectionId);
    this.heldSignals = this.heldSignals.filter((s) => s.from !== connectionId);
    for (const s of signals) this.onSignal(s.from, s.type, s.data);
  }

  private addConnection(c: Connection): OTConnection | undefined {
    if (OTConnection.isHidden(c)) return undefined;
    const existing = this.connections.get(c.id);
    if (existing) return existing;
    const conn = new OTConnection(c);
    this.connections.add(conn);
    return conn;
  }

  private addStream(s: Stream): OTStream | undefined {
    if (this.streams.has(s.id)) return undefined;
    let conn = this.connections.get(s.connectionId);
    if (!conn && s.connection) conn = this.addConnection(s.connection);
    if (!conn) {
      this.heldStreams.push(s);
      return undefined;
    }
    const stream = new OTStream(s, conn);
    this.streams.add(stream);
    return stream;
  }

  private removeStream(streamId: string, reason: string): void {
    this.heldStreams = this.heldStreams.filter((s) => s.id !== streamId);
    const stream = this.streams.remove(streamId);
    const publisher = this.getPublisherForStream(streamId);
    if (publisher) {
      this.publishers.delete(publisher);
      publisher.onOwnStreamDeleted(reason);
    }
    if (!stream || this.currentState !== 'connected') return;
    const subscribers = this.getSubscribersForStream(streamId);
    if (this.isOwnStream(stream)) {
      // The Publisher has told the app; subscribers to our own stream just go, as in OpenTok.js.
      for (const s of subscribers) {
        this.subscribers.delete(s.subscriberId);
        s.teardown(reason);
      }
      return;
    }
    this.dispatch(new OTEvent('streamDestroyed', { stream, streams: [stream], reason }, true), {
      defaultAction: () => {
        for (const s of subscribers) s.teardown(reason);
      },
    });
    for (const s of subscribers) {
      this.subscribers.delete(s.subscriberId);
      s.teardown(reason, { removeElement: false });
    }
  }

  private isOwnStream(stream: OTStream): boolean {
    return this.connection !== undefined && stream.connection.connectionId === this.connection.connectionId;
  }

  private removeStreamsOf(connectionId: string, reason: string): void {
    for (const s of this.streams.where((st) => st.connection.connectionId === connectionId)) this.removeStream(s.streamId, reason || 'clientDisconnected');
  }

  private firePropertyChanges(stream: OTStream, changes: ReturnType<OTStream['applyChannelUpdate']>): void {
    for (const c of changes) {
      for (const s of this.getSubscribersForStream(stream.streamId)) s.onStreamPropertyChanged(c.changedProperty, c.newValue);
      if (this.currentState === 'connected') this.trigger('streamPropertyChanged', { stream, changedProperty: c.changedProperty, oldValue: c.oldValue, newValue: c.newValue });
    }
  }

  // ---------------------------------------------------------------------------------------
  // Moderation helpers

  private moderationCheck(capability: 'forceDisconnect' | 'forceUnpublish' | 'forceMute', code: number, what: string, validArgument: () => boolean = () => true): OTError | undefined {
    if (!this.isConnected()) return new OTError(ErrorNames.NOT_CONNECTED, `Cannot ${what}: not connected to the session`, ExceptionCodes.NOT_CONNECTED);
    if (!validArgument()) return new OTError(ErrorNames.INVALID_PARAMETER, 'Invalid Parameter. Check that you have passed valid parameter values into the method call.', ExceptionCodes.INVALID_PARAMETER);
    if (this.capabilities[capability] !== 1) return new OTError(ErrorNames.PERMISSION_DENIED, `This token does not allow you to ${what}. Use a moderator token.`, code);
    return undefined;
  }

  private moderationError(r: RaptorReply, code: number): OTError {
    const reason = r.reason ?? `status ${r.status}`;
    if (r.status === 404) return new OTError(ErrorNames.NOT_FOUND, `Not found: ${reason}`, 404);
    if (r.status === 403) return new OTError(ErrorNames.PERMISSION_DENIED, `Permission denied: ${reason}`, code);
    return new OTError(ErrorNames.UNEXPECTED_SERVER_RESPONSE, `Unexpected server response: ${reason}`, ExceptionCodes.UNEXPECTED_SERVER_RESPONSE);
  }

  private muteRequest(message: RaptorMessage): Promise<void> {
    const denied = this.moderationCheck('forceMute', ExceptionCodes.UNABLE_TO_FORCE_MUTE, 'force mute');
    if (denied) return Promise.reject(denied);
    return this.request(message).then((r) => {
      if (!r.ok) throw this.moderationError(r, ExceptionCodes.UNABLE_TO_FORCE_MUTE);
    });
  }
}

/**
 * The Promise of a method that also takes a completion handler (OpenTok.js's signal,
 * forceDisconnect …): `run` reports once; the handler (when given) hears it first, then the
 * Promise settles. With a handler, a rejection nobody awaits is not reported as unhandled.
 */
function settle(handler: ((error?: OTError) => void) | undefined, run: (done: (error?: OTError) => void) => void): Promise<void> {
  const promise = new Promise<void>((resolve, reject) => {
    let reported = false;
    run((error) => {
      if (reported) return;
      reported = true;
      complete(handler, error);
      if (error) reject(error);
      else resolve();
    });
  });
  if (typeof handler === 'function') promise.catch(() => undefined);
  return promise;
}

/** The object a callback-style call returns, once its handler reports success. */
function settledWith<T>(call: (done: (error?: OTError) => void) => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let outcome: { error?: OTError } | undefined;
    let returned = false;
    let value: T;
    const done = (error?: OTError) => {
      if (outcome) return;
      outcome = error ? { error } : {};
      if (error) reject(error);
      else if (returned) resolve(value);
    };
    try {
      value = call(done);
    } catch (err) {
      reject(err);
      return;
    }
    returned = true;
    // The handler may have reported before the call returned.
    if (outcome && !outcome.error) resolve(value);
  });
}

