// A real RTMP server for end-to-end tests: Debian's nginx with its RTMP module (packages
// `nginx` and `libnginx-mod-rtmp`, installed by scripts/install-deps). It accepts any stream
// published under rtmp://127.0.0.1:<port>/live/<name> and records it to <recordDir>/<name>.flv.
//
// Not a test file. Typical use:
//   const rtmp = await startNginxRtmp();
//   ... push to `${rtmp.url}/mystream` ...
//   const flv = await rtmp.waitForRecording('mystream');   // once the publisher has gone
//   await rtmp.stop();

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';

import { freePort, makeTempDir, removeDir } from './parleyd.js';

export const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

export function nginxPath() {
  return process.env.NGINX ?? '/usr/sbin/nginx';
}

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

function acceptsTcp(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

// Starts nginx in the foreground as one process (no workers, so it keeps running as the user
// who started it and can write the recordings into our temporary directory, root or not),
// with everything (configuration, pid file, logs, recordings) in a fresh temporary directory.
// Resolves once the RTMP port accepts connections. Returns {url, port, recordDir, dir, pid,
// log(), tail(), waitForPublisher(name), waitForRecording(name), stop()}.
export async function startNginxRtmp({ timeoutMs = 20000 } = {}) {
  const binary = nginxPath();
  if (!fs.existsSync(binary)) throw new Error(`nginx not found at ${binary} (install the Debian package "nginx")`);
  if (!fs.existsSync(RTMP_MODULE)) throw new Error(`${RTMP_MODULE} missing (install the Debian package "libnginx-mod-rtmp")`);
  const dir = makeTempDir('parley-nginx-rtmp-');
  const recordDir = path.join(dir, 'rec');
  fs.mkdirSync(recordDir);
  const port = await freePort();
  const logFile = path.join(dir, 'error.log');
  const conf = `
load_module ${RTMP_MODULE};
daemon off;
master_process off;
pid ${path.join(dir, 'nginx.pid')};
error_log ${logFile} info;
events {
  worker_connections 64;
}
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live {
      live on;
      record all;
      record_path ${recordDir};
      record_unique off;
      # A marker once a recording is closed and whole (its publisher has gone).
      exec_record_done /usr/bin/touch $path.done;
    }
  }
}
`;
  const confFile = path.join(dir, 'nginx.conf');
  fs.writeFileSync(confFile, conf);
  // -e: the error log before the configuration is read (the default one, under /var/log,
  // may not be writable); -p: relative paths under the temporary directory.
  const child = spawn(binary, ['-e', logFile, '-p', `${dir}/`, '-c', confFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output = (output + d).slice(-100000); });
  child.stderr.on('data', (d) => { output = (output + d).slice(-100000); });
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));
  const readLog = () => {
    try {
      return fs.readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const handle = {
    url: `rtmp://127.0.0.1:${port}/live`,
    port,
    recordDir,
    dir,
    pid: child.pid,
    log: readLog,
    tail: (chars = 4000) => `\n===== nginx output =====\n${output.slice(-chars)}\n===== nginx error.log (last ${chars} chars) =====\n${readLog().slice(-chars)}`,
    // Resolves once a publisher has started stream `name` (nginx logs each publish).
    async waitForPublisher(name, { timeoutMs: waitMs = 20000 } = {}) {
      const deadline = Date.now() + waitMs;
      while (!readLog().includes(`publish: name='${name}'`)) {
        if (Date.now() > deadline) throw new Error(`nobody published ${name} within ${waitMs} ms${handle.tail()}`);
        await delay(100);
      }
    },
    // The recording of stream `name` once nginx has closed it (its publisher has gone and
    // exec_record_done has left the marker): resolves with its path.
    async waitForRecording(name, { timeoutMs: waitMs = 20000 } = {}) {
      const file = path.join(recordDir, `${name}.flv`);
      const deadline = Date.now() + waitMs;
      while (!fs.existsSync(`${file}.done`)) {
        if (Date.now() > deadline) throw new Error(`no finished recording ${file} within ${waitMs} ms${handle.tail()}`);
        await delay(100);
      }
      return file;
    },
    async stop() {
      if (!exited) {
        // SIGQUIT: nginx's graceful shutdown (open recordings are closed); SIGKILL if it hangs.
        child.kill('SIGQUIT');
        const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 5000);
        await exitPromise;
        clearTimeout(timer);
      }
      removeDir(dir);
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      const why = handle.tail();
      removeDir(dir);
      throw new Error(`nginx exited at start (${JSON.stringify(exited)}):${why}`);
    }
    if (await acceptsTcp(port)) break;
    if (Date.now() > deadline) {
      const why = handle.tail();
      await handle.stop().catch(() => {});
      throw new Error(`nginx did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:${why}`);
    }
    await delay(100);
  }
  return handle;
}
