// The same API through the ES module: `import OT from '…/parley.mjs'` (default export) and
// the named export `OT`, typed by dist/parley.d.mts. Only type-checked, never run.
import OT, { OT as NamedOT, ErrorNames, ExceptionCodes, OTError } from '../../dist/parley.mjs';

const session: OT.Session = OT.initSession('123456', 'session-id');
const same: typeof OT = NamedOT;
const publisher: OT.Publisher = same.initPublisher(undefined, { videoSource: 'screen', publishAudio: false });

session.connect('token', (error?: OTError) => {
  if (error?.code === ExceptionCodes.AUTHENTICATION_ERROR || error?.name === ErrorNames.AUTHENTICATION_ERROR) return;
  session.publish(publisher);
});
session.on('streamCreated', (event: OT.Event) => {
  session.subscribe(event.stream as OT.Stream, undefined, { subscribeToVideo: false });
});
console.log(new OTError('OT_NOT_CONNECTED', 'not connected', 1010) instanceof OT.OTError);

// @ts-expect-error a misspelled method
OT.initSesion('123456', 'session-id');

export {};
