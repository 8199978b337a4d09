// A throwaway Redis for end-to-end tests: scripts/test-redis runs redis-server on a Unix
// socket in a temp dir and stops it by the PID in its pidfile.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { makeTempDir, removeDir, repoRoot } from './parleyd.js';

const run = promisify(execFile);
const script = path.join(repoRoot, 'scripts', 'test-redis');

// Returns { url, freeze(), thaw(), stop() }; url is unix:///…/redis.sock. freeze() stops
// the server with SIGSTOP (it accepts nothing and answers nothing, like a Redis that hangs)
// and thaw() resumes it.
export async function startRedis() {
  const parent = makeTempDir('parley-redis-');
  const dir = path.join(parent, 'redis');
  const { stdout } = await run(script, ['start', dir], { timeout: 60000 });
  const url = stdout.trim().split('\n').pop();
  if (!url.startsWith('unix://')) throw new Error(`scripts/test-redis printed ${stdout}`);
  const pid = () => Number(fs.readFileSync(path.join(dir, 'redis.pid'), 'utf8'));
  let frozen = false;
  return {
    url,
    freeze() {
      process.kill(pid(), 'SIGSTOP');
      frozen = true;
    },
    thaw() {
      process.kill(pid(), 'SIGCONT');
      frozen = false;
    },
    async stop() {
      if (frozen) this.thaw();
      await run(script, ['stop', dir], { timeout: 60000 });
      removeDir(parent);
    },
  };
}
