/** A parsed JSON object. */
export type JsonObject = { [key: string]: unknown };
