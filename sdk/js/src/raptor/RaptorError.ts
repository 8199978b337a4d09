// Errors of the Raptor layer: malformed URIs and messages from the server, and invalid
// arguments to the message builders.

export type RaptorErrorCode =
  | 'invalid-uri' // not a /v2/partner/{key}/session/{id}… URI
  | 'invalid-json' // a payload that is not JSON
  | 'invalid-message' // JSON, but not a {method, uri, content} object
  | 'invalid-content' // content that does not fit the message (e.g. a connection without id)
  | 'invalid-parameter'; // a builder argument the server would refuse (e.g. a bad signal type)

export class RaptorError extends Error {
  override readonly name = 'RaptorError';
  readonly code: RaptorErrorCode;
  /** For 'invalid-parameter': the STATUS code OpenTok.js reports for it (400 or 413). */
  readonly status: number | undefined;

  constructor(code: RaptorErrorCode, message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}
