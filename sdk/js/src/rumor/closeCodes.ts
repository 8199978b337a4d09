// WebSocket close codes as the OpenTok client protocol uses them (docs/protocol.md §6.8).

export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  /** The server says: do not reconnect. */
  UNSUPPORTED: 1003,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INCONSISTENT_DATA: 1007,
  POLICY_VIOLATION: 1008,
  TOO_LARGE: 1009,
  /** The server says: do not reconnect. */
  UNEXPECTED_CONDITION: 1011,
  /** Client-side: connectivity loss. */
  CONNECTIVITY_LOSS: 4001,
  /** Client-side: the socket did not open in time, or nothing arrived for too long. */
  TIMEOUT: 4010,
  FALLBACK: 4020,
  /** Client-side: creating the WebSocket threw (bad URL, blocked port …). */
  CONNECT_EXCEPTION: 4030,
} as const;

/** False for the codes after which a client must not try to reconnect (1003, 1011). */
export function closeCodeAllowsReconnect(code: number): boolean {
  return code !== CloseCode.UNSUPPORTED && code !== CloseCode.UNEXPECTED_CONDITION;
}

/** True for closes that are not reported as socket errors: 1000, 1001 and 4010. */
export function isCleanCloseCode(code: number): boolean {
  return code === CloseCode.NORMAL || code === CloseCode.GOING_AWAY || code === CloseCode.TIMEOUT;
}

/**
 * The reason a session reports when its socket is gone for good (docs/protocol.md §6.7 step 5):
 * `clientDisconnected` after a clean close, `networkDisconnected` otherwise.
 */
export function disconnectReasonForClose(code: number): 'clientDisconnected' | 'networkDisconnected' {
  return isCleanCloseCode(code) ? 'clientDisconnected' : 'networkDisconnected';
}
