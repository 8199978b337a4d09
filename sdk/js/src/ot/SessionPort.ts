// What publishers and subscribers need from their session: the Raptor session reference,
// requests over the session's socket, ICE configuration and the session's mode.

import type { RaptorMessage } from '../raptor/RaptorMessage.js';
import type { RaptorReply } from '../raptor/RaptorRequest.js';
import type { RaptorSessionRef } from '../raptor/RaptorUri.js';
import type { OTStream } from './OTStream.js';
import type { SessionKeyRing } from './e2ee/MediaEncryption.js';

export interface SessionPort {
  readonly ref: RaptorSessionRef;
  /** The own connection id once connected. */
  readonly ownConnectionId: string | undefined;
  /** True for routed (SFU) sessions, false for relayed (peer-to-peer) ones. */
  readonly routed: boolean;
  /** The session is in force-mute state: publishers start muted (docs/protocol.md §7.8.3). */
  readonly muteOnEntry: boolean;
  readonly canPublish: boolean;
  readonly canSubscribe: boolean;
  /** The codec the server asks publishers to prefer (session info `priorityVideoCodec`), or ''. */
  readonly priorityVideoCodec: string;
  /** The session's keys when its media is end-to-end encrypted (docs/protocol.md §8.7), else undefined. */
  readonly encryption: SessionKeyRing | undefined;
  rtcConfiguration(): RTCConfiguration;
  /** A request answered by STATUS; rejects when the socket cannot deliver it. */
  request(message: RaptorMessage): Promise<RaptorReply>;
  /** A request whose answer only matters for logs (JSEP, channel updates). */
  post(message: RaptorMessage): void;
  streamById(streamId: string): OTStream | undefined;
}
