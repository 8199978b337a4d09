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

