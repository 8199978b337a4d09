// A throwaway Redis for end-to-end tests: scripts/test-redis runs redis-server on a Unix
// socket in a temp dir and stops it by the PID in its pidfile.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { makeTempDir, removeDir, repoRoot } from './parleyd.js';

const run = promisify(execFile);
const script = path.join(repoRoot, 'scripts', 'test-redis');

// Returns { url, stop() }; url is unix:///…/redis.sock.
export async function startRedis() {
  const parent = makeTempDir('parley-redis-');
  const dir = path.join(parent, 'redis');
  const { stdout } = await run(script, ['start', dir], { timeout: 60000 });
  const url = stdout.trim().split('\n').pop();
  if (!url.startsWith('unix://')) throw new Error(`scripts/test-redis printed ${stdout}`);
  return {
    url,
    async stop() {
      await run(script, ['stop', dir], { timeout: 60000 });
      removeDir(parent);
    },
  };
}
