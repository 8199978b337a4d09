// parley.js as an ES module: the OT API (default export and `OT`) and, for tools and tests,
// the protocol layer underneath it (Rumor frames and socket, Raptor messages, session info).

export const VERSION = '0.1.0';

export { uuid, isUuid } from './util/uuid.js';
export { Emitter, type Listener } from './util/Emitter.js';
export type { JsonObject } from './util/json.js';

export * from './rumor/RumorFrame.js';
export * from './rumor/closeCodes.js';
export * from './rumor/RumorSocket.js';

export * from './raptor/RaptorError.js';
export * from './raptor/RaptorUri.js';
export * from './raptor/RaptorMessage.js';
export * from './raptor/RaptorRequest.js';

export * from './session/ProxyUrl.js';
export * from './session/SessionInfo.js';

export { OT, OT as default } from './ot/OT.js';
export { OTError, ErrorNames, ExceptionCodes } from './ot/OTError.js';
// The OT building blocks without a browser (unit tests, tools).
export { EventDispatcher } from './ot/EventDispatcher.js';
export { OTEvent } from './ot/OTEvent.js';
export { ObjectCollection } from './ot/ObjectCollection.js';
export { OTConnection } from './ot/OTConnection.js';
export { OTStream } from './ot/OTStream.js';
export { passiveSetup } from './ot/PeerLink.js';
export { codecOrder, normalisePreferredVideoCodecs, type PreferredVideoCodecs, type VideoCodec } from './ot/VideoCodecs.js';
// End-to-end encryption's keys and frame format (docs/protocol.md §8.7), for tests and tools.
export * from './ot/e2ee/SframeKeys.js';
export * from './ot/e2ee/SframeCodec.js';
export { PublisherAudioFallback, uplinkSample } from './ot/PublisherAudioFallback.js';
