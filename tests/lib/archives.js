// Archives as the tests check them: the official Node SDK's archive calls as Promises, waiting
// for packaging, downloading the ZIP through its signed link, and ffprobe's view of each file.
// Needs ffprobe (Debian ffmpeg) and unzip.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { waitUntil } from './browser.js';
import { makeTempDir, removeDir } from './parleyd.js';

const cb2p = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

export function archivesOf(ot) {
  return {
    start: (sessionId, options) => cb2p((cb) => ot.startArchive(sessionId, options, cb)),
    stop: (id) => cb2p((cb) => ot.stopArchive(id, cb)),
    get: (id) => cb2p((cb) => ot.getArchive(id, cb)),
    list: (options) => new Promise((resolve, reject) => {
      ot.listArchives(options, (err, items, total) => (err ? reject(err) : resolve({ items, total })));
    }),
  };
}

// Polls until the archive is neither started nor stopped.
export async function waitFinished(archives, id, timeoutMs = 60000) {
  return waitUntil(async () => {
    const a = await archives.get(id);
    return a.status !== 'started' && a.status !== 'stopped' ? a : null;
  }, { timeoutMs, intervalMs: 200, message: `archive ${id} packaged` });
}

export function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} → ${r.status}: ${r.stderr}`);
  return r;
}

// Downloads the archive's ZIP through its signed link and unzips it into a fresh directory
// (removed after the test); returns {dir, manifest, entries}.
export async function downloadAndUnzip(t, archive) {
  const res = await fetch(archive.url);
  assert.equal(res.status, 200, `GET ${archive.url}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(bytes.length, archive.size);
  const dir = makeTempDir('parley-archive-');
  // PARLEY_KEEP_ARCHIVES=1 keeps the downloads for a look after a failure.
  if (process.env.PARLEY_KEEP_ARCHIVES) t.diagnostic(`archive ${archive.id} unzipped under ${dir}`);
  else t.after(() => removeDir(dir));
  const zip = path.join(dir, 'archive.zip');
  fs.writeFileSync(zip, bytes);
  const entries = run('unzip', ['-Z1', zip]).stdout.trim().split('\n');
  const out = path.join(dir, 'files');
  run('unzip', ['-q', zip, '-d', out]);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, `${archive.id}.json`), 'utf8'));
  return { dir: out, manifest, entries };
}

// ffprobe's view of a media file: codecs, start times, durations and counted video frames.
export function probe(file) {
  const info = JSON.parse(run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).stdout);
  const counted = JSON.parse(run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0',
    '-show_entries', 'stream=nb_read_frames', '-of', 'json', file]).stdout);
  // The last packet's end: a file cut off by a crash may carry no duration in its header.
  const packets = JSON.parse(run('ffprobe', ['-v', 'error', '-show_entries', 'packet=pts_time,duration_time', '-of', 'json', file]).stdout).packets ?? [];
  const lastPacketEnd = packets.reduce((m, p) => Math.max(m, Number(p.pts_time) + (Number(p.duration_time) || 0)), 0);
  const video = info.streams.find((s) => s.codec_type === 'video');
  const audio = info.streams.find((s) => s.codec_type === 'audio');
  return {
    info,
    video,
    audio,
    duration: Number(info.format.duration),
    lastPacketEnd,
    videoFrames: Number(counted.streams?.[0]?.nb_read_frames ?? 0),
    describe: () => JSON.stringify({ format: info.format, streams: info.streams.map((s) => ({ codec: s.codec_name, start: s.start_time, duration: s.duration, tags: s.tags })) }),
  };
}


// Downloads an archive's single file (a composed archive's MP4) through its signed link into a
// fresh directory (removed after the test); returns its path.
export async function downloadFile(t, archive, name = 'archive.mp4') {
  const res = await fetch(archive.url);
  assert.equal(res.status, 200, `GET ${archive.url}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(bytes.length, archive.size);
  const dir = makeTempDir('parley-archive-');
  if (process.env.PARLEY_KEEP_ARCHIVES) t.diagnostic(`archive ${archive.id} downloaded under ${dir}`);
  else t.after(() => removeDir(dir));
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return { file, contentType: res.headers.get('content-type'), disposition: res.headers.get('content-disposition') };
}

// One decoded picture of `file` at `atS` seconds, as {width, height, rgb(x, y)}: rgb averages a
// 5x5 block around (x, y), so a codec's ringing at an edge does not decide a colour. A live
// stream (an HLS playlist still growing) never ends, so ffprobe cannot read it whole: pass its
// picture `size` ({width, height}) instead.
export function pictureAt(file, atS, size) {
  const info = size ? { video: size } : probe(file);
  const width = Number(info.video.width);
  const height = Number(info.video.height);
  const r = spawnSync('ffmpeg', ['-v', 'error', '-ss', String(atS), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 64 << 20, timeout: 60000 });
  if (r.status !== 0 || r.stdout.length < width * height * 3) throw new Error(`ffmpeg picture at ${atS}s of ${file}: ${r.stderr}`);
  const data = r.stdout;
  return {
    width,
    height,
    rgb(x, y) {
      const sum = [0, 0, 0];
      let n = 0;
      for (let dy = -2; dy <= 2; ++dy) {
        for (let dx = -2; dx <= 2; ++dx) {
          const px = Math.min(width - 1, Math.max(0, Math.round(x) + dx));
          const py = Math.min(height - 1, Math.max(0, Math.round(y) + dy));
          const i = (py * width + px) * 3;
          for (let c = 0; c < 3; ++c) sum[c] += data[i + c];
          ++n;
        }
      }
      return sum.map((v) => Math.round(v / n));
    },
  };
}

// Whether an [r, g, b] triple is near the colour named by a '#rrggbb' string.
export function near(rgb, hex, tolerance = 60) {
  const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return want.every((v, i) => Math.abs(v - rgb[i]) <= tolerance);
}

// The audio of `file` between fromS and toS, mono at 8 kHz, and the relative power at each
// frequency of `freqs` (Goertzel), normalised by the window's total power.
export function tonePower(file, fromS, toS, freqs) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-ss', String(fromS), '-t', String(toS - fromS), '-i', file, '-vn', '-ac', '1', '-ar', '8000', '-f', 's16le', '-'],
    { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg audio of ${file}: ${r.stderr}`);
  const samples = new Int16Array(r.stdout.buffer, r.stdout.byteOffset, Math.floor(r.stdout.length / 2));
  let total = 0;
  for (const s of samples) total += s * s;
  const out = {};
  for (const f of freqs) {
    const k = 2 * Math.cos((2 * Math.PI * f) / 8000);
    let s1 = 0;
    let s2 = 0;
    for (const x of samples) {
      const s0 = x + k * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - k * s1 * s2;
    out[f] = total > 0 ? power / (total * samples.length / 2) : 0;
  }
  return { samples: samples.length, rms: Math.sqrt(total / Math.max(1, samples.length)), power: out };
}

// Stops a composed archive, waits for its MP4 and downloads it: {done, file, probe}.
export async function finishComposed(t, archives, started, logTail = () => '') {
  const stopped = await archives.stop(started.id);
  assert.equal(stopped.status, 'stopped');
  const done = await waitFinished(archives, started.id);
  assert.equal(done.status, 'available', `${JSON.stringify(done)}${logTail()}`);
  assert.equal(done.outputMode, 'composed');
  const { file, contentType, disposition } = await downloadFile(t, done);
  assert.equal(contentType, 'video/mp4');
  assert.match(disposition, new RegExp(`${done.id}\\.mp4`));
  const p = probe(file);
  t.diagnostic(p.describe());
  return { done, file, probe: p };
}

// Asserts the colours of a picture: `points` [x, y, '#rrggbb'] must be near their colour,
// `notPoints` must not be; `label` names the moment in the failure.
export function expectColours(pic, label, points, notPoints = []) {
  const seen = points.map(([x, y, want]) => ({ x, y, want, got: pic.rgb(x, y) }));
  const unseen = notPoints.map(([x, y, notWant]) => ({ x, y, notWant, got: pic.rgb(x, y) }));
  const wrong = [...seen.filter((s) => !near(s.got, s.want)), ...unseen.filter((s) => near(s.got, s.notWant))];
  assert.deepEqual(wrong, [], `${label}: ${JSON.stringify([...seen, ...unseen])}`);
}
