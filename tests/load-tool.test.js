// `parley load` (issue 13; docs/performance.md "parley load"): simulated WebRTC clients through
// the real protocols against a real parleyd. The run's figures are printed by the tool, not
// asserted here (timing belongs to benchmarks); these tests check that the clients join,
// negotiate, get media and report it, and that one session spreads over the media workers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import OpenTok from 'opentok';

import {
  cliPath, createSession, makeTempDir, removeDir, runCli, sanitizerEnv, startParleyd,
} from './lib/parleyd.js';
import { restOf } from './lib/rest.js';

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs `parley load` to the end; resolves {code, stdout, stderr}.
function runLoad(args, { timeoutMs = 240000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cliPath(), ['load', ...args], { env: { ...process.env, ...sanitizerEnv() } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('parley load', () => {
  let clips;
  before(() => { clips = makeTempDir('parley-clips-'); });
  after(() => removeDir(clips));

  test('--help lists the options; bad options are refused before anything runs', () => {
    const help = runCli(['load', '--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const option of ['--publishers', '--subscribers', '--video-codec', '--simulcast', '--duration',
      '--ramp', '--server-pid', '--json', '--janus', '--busy-poll', '--pacing', '--settle']) {
      assert.match(help.stdout, new RegExp(option), `--help lacks ${option}`);
    }
    const bad = runCli(['load', '--api-key', 'k', '--api-secret', 's', '--subscribers', 'many']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--subscribers is 0 to 20000/);
    const noAuth = runCli(['load']);
    assert.equal(noAuth.code, 2);
    assert.match(noAuth.stderr, /--api-key and --api-secret/);
    const codec = runCli(['load', '--api-key', 'k', '--api-secret', 's', '--video-codec', 'opus']);
    assert.equal(codec.code, 2);
    assert.match(codec.stderr, /vp8 or h264/);
    const pacing = runCli(['load', '--api-key', 'k', '--api-secret', 's', '--pacing', '0.5']);
    assert.equal(pacing.code, 2);
    assert.match(pacing.stderr, /--pacing is 0 \(off\) or 1 to 100/);
    const settle = runCli(['load', '--api-key', 'k', '--api-secret', 's', '--settle', '-1']);
    assert.equal(settle.code, 2);
    assert.match(settle.stderr, /--settle is 0 to 600 seconds/);
  });

  describe('against parleyd with two media workers and no slack per session', () => {
    let server;
    let ot;
    let rest;
    before(async () => {
      server = await startParleyd({
        logLevel: 'info',
        extraArgs: ['--rtc-workers', '2', '--rtc-session-spread', '0'],
      });
      ot = new OpenTok(server.apiKey, server.apiSecret, { apiUrl: server.url });
      rest = restOf(server);
    });
    after(async () => { await server?.stop(); });

    test('VP8 and Opus: every subscriber gets media with abs-capture-time, on both workers', async () => {
      const { sessionId } = await createSession(ot, { mediaMode: 'routed' });
      const token = ot.generateToken(sessionId, { role: 'publisher' });
      const jsonFile = path.join(clips, 'vp8.json');
      const run = runLoad(['--url', server.url, '--api-key', server.apiKey, '--session', sessionId,
        '--token', token, '--publishers', '1', '--subscribers', '4', '--duration', '4',
        '--ramp', '50', '--clips', clips, '--json', jsonFile, '--server-pid', String(server.proc.pid)]);
      // While it runs, the SFU's view: four subscriptions, spread over both workers.
      let workers = new Set();
      for (let i = 0; i < 600 && workers.size < 2; i++) {
        const r = await rest('GET', `/session/${sessionId}/media`);
        if (r.status === 200) {
          const subs = JSON.parse(r.body).subscriptions ?? [];
          if (subs.length === 4) workers = new Set(subs.map((s) => s.worker));
        }
        await delay(100);
      }
      const done = await run;
      assert.equal(done.code, 0, `parley load failed:\n${done.stderr}\n${done.stdout}`);
      assert.equal(workers.size, 2, 'the session\'s subscriptions were not spread over both workers');

      const report = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
      assert.equal(report.config.pacing, 2.5);  // the default: paced as browsers do
      assert.equal(report.join.connectionsJoined, 5, JSON.stringify(report.join));
      assert.equal(report.join.connectionsFailed, 0, JSON.stringify(report.join));
      assert.equal(report.join.subscribersConnected, 4, JSON.stringify(report.join));
      assert.equal(report.join.firstKeyframeMs.count, 4, JSON.stringify(report.join));
      assert.ok(report.media.videoPacketsReceived > 0, JSON.stringify(report.media));
      assert.ok(report.media.packetsReceived > report.media.videoPacketsReceived, 'no audio arrived');
      // Every subscriber, on either worker, got something during the measurement.
      assert.equal(report.media.perSubscriber.bitrateKbps.count, 4);
      assert.ok(report.media.perSubscriber.bitrateKbps.min > 0, JSON.stringify(report.media));
      // The publisher's capture time crossed the SFU (and the pipe between its workers).
      assert.ok(report.latency.packets > 0, JSON.stringify(report.latency));
      assert.ok(report.publisher.packetsSent > 0, JSON.stringify(report.publisher));
      // Every send of the window (frames and paced packets, video and audio) says how late
      // it left; the counters cover the window, not the join (the first keyframe came before).
      assert.ok(report.publisher.sendLateMs.count > 0, JSON.stringify(report.publisher));
      // Keyframes as a browser sends them: the clip's only one is its first frame (the clip
      // lasts a minute), so none falls due in a 4 s window after the joins; one is allowed for
      // a keyframe request the server might send in it. (With a keyframe every 2 s there were 2.)
      assert.ok(report.publisher.keyframesSent <= 1, JSON.stringify(report.publisher));
      assert.ok(report.server.cpuSeconds > 0, JSON.stringify(report.server));
      assert.match(done.stdout, /End-to-end latency/);
      assert.match(done.stdout, /send late \(ms\)/);
    });

    test('H.264 simulcast, subscribers as DTLS servers, API key and secret', async () => {
      const jsonFile = path.join(clips, 'h264.json');
      const done = await runLoad(['--url', server.url, '--api-key', server.apiKey,
        '--api-secret', server.apiSecret, '--video-codec', 'h264', '--simulcast',
        '--resolution', '640x360', '--subscriber-setup', 'passive', '--publishers', '1',
        '--subscribers', '2', '--duration', '3', '--pacing', '0', '--clips', clips,
        '--json', jsonFile]);
      assert.equal(done.code, 0, `parley load failed:\n${done.stderr}\n${done.stdout}`);
      const report = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
      assert.equal(report.config.videoCodec, 'h264');
      assert.equal(report.config.simulcast, true);
      assert.equal(report.config.pacing, 0);
      assert.equal(report.join.subscribersConnected, 2, JSON.stringify(report.join));
      assert.equal(report.join.firstKeyframeMs.count, 2, JSON.stringify(report.join));
      assert.ok(report.media.videoPacketsReceived > 0, JSON.stringify(report.media));
      assert.equal(report.server.pid, null);  // not asked for: not measured
    });

    test('a refused session is a clear error, not a hang', async () => {
      const { sessionId } = await createSession(ot, { mediaMode: 'routed' });
      const done = await runLoad(['--url', server.url, '--api-key', server.apiKey, '--session', sessionId,
        '--token', 'T1==not-a-token', '--subscribers', '1', '--duration', '1', '--clips', clips,
        '--connect-timeout', '20']);
      // The run ends and says why no client got in.
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /0 joined, 1 failed/);
      assert.match(done.stdout, /session info: .*403|Invalid token/i);
    });
  });
});
