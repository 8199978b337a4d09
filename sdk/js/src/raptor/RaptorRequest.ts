// Sending one Raptor message over a RumorSocket and reading its STATUS reply (docs/protocol.md §6.5, §7.2).

import type { RumorReply, RumorRequestOptions, RumorSocket } from '../rumor/RumorSocket.js';
import { RumorHeader } from '../rumor/RumorFrame.js';
import type { JsonObject } from '../util/json.js';
import { RAPTOR_CONTENT_TYPE, parseStatusPayload, serializeRaptorMessage, type RaptorMessage } from './RaptorMessage.js';

export interface RaptorReply {
  /** The STATUS header (e.g. 200, 403, 404). */
  status: number;
  ok: boolean;
  /** The STATUS payload as an object, or null when empty. */
  body: JsonObject | null;
  /** `reason` of an error reply (e.g. `connectionLimitExceeded`). */
  reason: string | undefined;
  reply: RumorReply;
}

export interface RaptorRequestOptions extends RumorRequestOptions {
  /** Extra Rumor headers, e.g. X-TB-TOKEN-AUTH on connection create. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Sends `message` to `symphonyAddress` (Content-Type application/x-raptor+v2; the socket
 * adds TRANSACTION-ID and X-TB-FROM-ADDRESS) and resolves with the parsed STATUS reply.
 * Rejects when the socket cannot deliver it or the reply payload is not a JSON object.
 */
export async function requestRaptor(socket: RumorSocket, symphonyAddress: string, message: RaptorMessage, options: RaptorRequestOptions = {}): Promise<RaptorReply> {
  const { headers = {}, ...rumorOptions } = options;
  const reply = await socket.request(
    [symphonyAddress],
    serializeRaptorMessage(message),
    { ...headers, [RumorHeader.CONTENT_TYPE]: RAPTOR_CONTENT_TYPE },
    rumorOptions,
  );
  const { body, reason } = parseStatusPayload(reply.payload);
  return { status: reply.status, ok: reply.ok, body, reason, reply };
}

/** Connection create carries the client token in this header (docs/protocol.md §2.1). */
export const tokenHeader = (token: string): Record<string, string> => ({ [RumorHeader.TOKEN_AUTH]: token });
