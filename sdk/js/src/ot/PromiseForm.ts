// OpenTok.js's `.promise` forms (`session.connect.promise`, `publisher.publishVideo.promise` …):
// a property on the instance's own copy of the method.

/** `obj[name].promise = promiseForm` on this instance only. */
export function withPromiseForm(obj: object, name: string, promiseForm: (...args: never[]) => Promise<unknown>): void {
  const method = (obj as Record<string, (...args: unknown[]) => unknown>)[name]!;
  const bound = method.bind(obj);
  Object.defineProperty(bound, 'promise', { value: promiseForm });
  Object.defineProperty(obj, name, { value: bound, writable: true, configurable: true });
}
