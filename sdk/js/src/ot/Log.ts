// OT.setLogLevel: console output only. parley.js sends no logs or analytics anywhere.

export const LogLevel = { NONE: 0, ERROR: 1, WARN: 2, INFO: 3, LOG: 4, DEBUG: 5 } as const;

let level: number = LogLevel.WARN;

export function setLogLevel(l: number): void {
  if (typeof l === 'number' && l >= LogLevel.NONE && l <= LogLevel.DEBUG) level = l;
}

export const getLogLevel = (): number => level;

function out(at: number, method: 'error' | 'warn' | 'info' | 'log' | 'debug', args: unknown[]): void {
  if (level < at || typeof console === 'undefined') return;
  (console[method] ?? console.log).call(console, 'parley.js:', ...args);
}

export const log = {
  error: (...a: unknown[]) => out(LogLevel.ERROR, 'error', a),
  warn: (...a: unknown[]) => out(LogLevel.WARN, 'warn', a),
  info: (...a: unknown[]) => out(LogLevel.INFO, 'info', a),
  log: (...a: unknown[]) => out(LogLevel.LOG, 'log', a),
  debug: (...a: unknown[]) => out(LogLevel.DEBUG, 'debug', a),
};
