// A throwaway PostgreSQL for end-to-end tests: scripts/test-postgres starts a cluster in a
// temp dir (Unix socket only, run as an unprivileged user when the tests run as root) and
// stops it by the PID in its postmaster.pid.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { makeTempDir, removeDir, repoRoot } from './parleyd.js';

const run = promisify(execFile);
const script = path.join(repoRoot, 'scripts', 'test-postgres');

// Returns { url(database), createDatabase(name), stop() }; url() is the "postgres" database.
export async function startPostgres() {
  const parent = makeTempDir('parley-pg-');
  fs.chmodSync(parent, 0o755); // the server's user (not root) must reach the cluster inside
  const dir = path.join(parent, 'cluster');
  const { stdout } = await run(script, ['start', dir], { timeout: 120000 });
  const adminUrl = stdout.trim().split('\n').pop();
  const prefix = 'postgresql:///postgres';
  if (!adminUrl.startsWith(prefix)) throw new Error(`scripts/test-postgres printed ${stdout}`);
  const url = (database = 'postgres') => `postgresql:///${database}${adminUrl.slice(prefix.length)}`;
  return {
    url,
    // An empty database of its own for one test (names are ours: letters, digits, _).
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      await run('psql', [adminUrl, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE ${name}`]);
      return url(name);
    },
    async stop() {
      await run(script, ['stop', dir], { timeout: 60000 });
      removeDir(parent);
    },
  };
}
