// A classic-script app written the way OpenTok's basic video chat tutorial is written, against
// the global `OT` of <script src="/sdk/parley.js">. Only type-checked (never run): it proves
// that dist/parley.d.ts describes what such an app uses, and the @ts-expect-error lines prove
// that the types are not `any` (each must be an error, or tsc fails).

const apiKey = '123456';
const sessionId = '1_MX4xMjM0NTZ-fjE2MTYxNjE2MTYxNjF-';
const token = 'T1==example';

function handleError(error: OT.OTError | undefined): void {
  if (error) alert(`${error.name} (${error.code}): ${error.message}`);
}

function initializeSession(): void {
  const session: OT.Session = OT.initSession(apiKey, sessionId);

  // Subscribe to a newly created stream.
  session.on('streamCreated', (event: OT.Event) => {
    const stream = event.stream as OT.Stream;
    const subscriber: OT.Subscriber | undefined = session.subscribe(stream, 'subscriber', {
      insertMode: 'append',
      width: '100%',
      height: '100%',
    }, handleError);
    subscriber?.subscribeToAudio(true).setPreferredResolution({ width: 320, height: 240 });
    subscriber?.on('videoDisabled', (e: OT.Event) => console.log('video off:', e.reason));
  });

  session.on({
    sessionDisconnected: (event: OT.Event) => console.log('You were disconnected from the session.', event.reason),
    connectionCreated: (event: OT.Event) => console.log('connection', (event.connection as OT.Connection).data),
  });

  session.on('streamDestroyed', (event: OT.Event) => {
    event.preventDefault(); // keep the subscriber's element
  });

  // Create a publisher.
  const properties: OT.PublisherProperties = {
    insertMode: 'append',
    width: '100%',
    height: '100%',
    name: 'Alice',
    publishAudio: true,
    resolution: '1280x720',
    frameRate: 30,
  };
  const publisher: OT.Publisher = OT.initPublisher('publisher', properties, handleError);
  publisher.on('audioLevelUpdated', (event: OT.Event) => console.log(event.audioLevel));

  // Connect to the session.
  session.connect(token, (error) => {
    if (error) {
      handleError(error);
      return;
    }
    session.publish(publisher, handleError);
  });

  // Signals: to everyone, and handlers by type.
  session.signal({ type: 'chat', data: 'hello' }, (error) => {
    if (error) console.log(`signal error ${error.code}: ${error.message}`);
  });
  session.on('signal:chat', (event: OT.Event) => {
    const from = event.from as OT.Connection | null;
    const mine = from?.connectionId === session.connection?.connectionId;
    console.log(mine ? 'me' : 'them', event.data);
  });

  // Mute and camera buttons.
  publisher.publishAudio(false);
  publisher.publishVideo(true);

  // Moderation.
  if (session.capabilities.forceDisconnect === 1) {
    session.streams.forEach((s) => session.forceUnpublish(s));
  }
  void session.forceMuteAll([]).then(() => session.disableForceMute());

  // Errors compare against OT's constants.
  session.on('exception', (event: OT.Event) => {
    if (event.code === OT.ExceptionCodes.CONNECT_FAILED) console.log('connect failed');
  });
  const name: OT.ErrorName = OT.ErrorNames.NOT_CONNECTED;
  const code: OT.ExceptionCode = 1010;
  console.log(name, code, OT.version, OT.checkSystemRequirements() === 1);
  OT.getDevices((error, devices) => console.log(error?.message, devices?.map((d) => d.label)));
  OT.setLogLevel(OT.DEBUG);
  window.OTProperties = { apiURL: 'https://parley.example.com' };

  // These must not type-check:
  // @ts-expect-error a misspelled method
  session.publsh(publisher);
  // @ts-expect-error publishAudio takes a boolean
  publisher.publishAudio('yes');
  // @ts-expect-error internal members (the SessionPort side of Session) are not in the types
  session.rtcConfiguration();
  // @ts-expect-error private members are not in the types
  void session.socket;
  // @ts-expect-error streams are made by the SDK, not constructed by apps
  new OT.Stream();
  // @ts-expect-error initSession needs a session id
  OT.initSession(apiKey);
}

initializeSession();
