// The RTMP server the broadcast tests push to (tests/lib/nginx-rtmp.js: Debian's nginx with
// its RTMP module): it starts as the current user on a free loopback port, takes a stream that
// Debian's ffmpeg publishes, records it as FLV that ffprobe decodes (H.264 + AAC), and stops
// without leaving a process or a file behind. This proves the harness, not parleyd.
// Run: node --test --test-concurrency=1 tests/rtmp-server.test.js

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';

import { startNginxRtmp } from './lib/nginx-rtmp.js';

const T = { timeout: 120000 };

// Runs ffmpeg with `args`; resolves {code, stderr} when it exits.
function ffmpeg(args) {
  return new Promise((resolve) => {
    const child = spawn('ffmpeg', ['-nostdin', '-hide_banner', '-v', 'error', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

// ffprobe's view of `file`, decoding every frame: {format, streams: {codec: frames}}.
function probe(file) {
  const out = execFileSync('ffprobe', [
    '-v', 'error', '-count_frames',
    '-show_entries', 'stream=codec_name,nb_read_frames:format=format_name,duration',
    '-of', 'json', file,
  ], { encoding: 'utf8' });
  const json = JSON.parse(out);
  const streams = {};
  for (const s of json.streams ?? []) streams[s.codec_name] = Number(s.nb_read_frames);
  return { format: json.format?.format_name, duration: Number(json.format?.duration), streams };
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('nginx-rtmp test server', () => {
  let rtmp;
  before(async () => { rtmp = await startNginxRtmp(); });
  after(async () => { await rtmp?.stop(); });

  test('runs as the current user, on loopback', T, () => {
    assert.match(rtmp.url, /^rtmp:\/\/127\.0\.0\.1:\d+\/live$/);
    const status = fs.readFileSync(`/proc/${rtmp.pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)[1]);
    assert.equal(uid, process.getuid(), 'not switched to another user');
  });

  test('records what ffmpeg publishes as FLV with H.264 and AAC', T, async () => {
    const pushing = ffmpeg([
      '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine',
      '-t', '3', '-c:v', 'libx264', '-c:a', 'aac', '-f', 'flv', `${rtmp.url}/check`,
    ]);
    await rtmp.waitForPublisher('check');
    const pushed = await pushing;
    assert.equal(pushed.code, 0, `ffmpeg failed: ${pushed.stderr}${rtmp.tail()}`);
    const file = await rtmp.waitForRecording('check');
    const p = probe(file);
    assert.equal(p.format, 'flv');
    assert.ok(p.streams.h264 > 0, `no decodable H.264 in ${JSON.stringify(p)}`);
    assert.ok(p.streams.aac > 0, `no decodable AAC in ${JSON.stringify(p)}`);
    // 3 s at 25 fps were sent; all of it is kept.
    assert.equal(p.streams.h264, 75, JSON.stringify(p));
  });

  test('stop() ends nginx and removes its directory', T, async () => {
    const { pid, dir } = rtmp;
    await rtmp.stop();
    rtmp = null;
    assert.equal(processAlive(pid), false);
    assert.equal(fs.existsSync(dir), false);
  });
});
