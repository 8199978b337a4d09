// tests/load/fifo-floor.mjs (docs/performance.md "The floor under the p99"): the ideal
// one-queue server the latency analysis replays a load generator's arrivals through.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import { fifoLatencies, parseNetifRx, percentile } from './load/fifo-floor.mjs';

test('evenly spaced packets never queue: each waits only for its own fan-out', () => {
  const arrivals = Array.from({ length: 11 }, (_, i) => ({ us: i * 100, fanout: 20 }));
  // 220 sends at half of 1,000 µs: 500 / 220 µs a send, 45.45 µs a packet.
  const latencies = fifoLatencies(arrivals, 0.5);
  assert.equal(latencies.length, 11);
  for (const l of latencies) assert.ok(Math.abs(l - (20 * 500) / 220) < 1e-9, String(l));
});

test('a packet that arrives with another waits for it; one-send packets are not counted', () => {
  const arrivals = [
    { us: 0, fanout: 10 },
    { us: 0, fanout: 10 },
    { us: 500, fanout: 1 },
    { us: 1000, fanout: 9 },
  ];
  // 30 sends at 0.3 of 1,000 µs: 10 µs a send.
  assert.deepEqual(fifoLatencies(arrivals, 0.3), [100, 200, 90]);
  assert.deepEqual(fifoLatencies(arrivals, 1), [], 'a load of 1 or more has no steady state');
  assert.deepEqual(fifoLatencies(arrivals.slice(0, 1), 0.5), []);
});

test('percentiles index the sorted latencies; the maximum is p = 1', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 0.5), 51);
  assert.equal(percentile(sorted, 0.99), 100);
  assert.equal(percentile(sorted, 1), 100);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

test('perf script lines of net:netif_rx become arrivals; other lines are skipped', () => {
  assert.deepEqual(parseNetifRx('  25909.161618: dev=lo skbaddr=0xffff8881d7d70200 len=1055', 20, 400),
    { us: 25909.161618e6, fanout: 20 });
  assert.equal(parseNetifRx('25909.161700: dev=lo skbaddr=0x1 len=84', 20, 400).fanout, 1);
  assert.equal(parseNetifRx('garbage', 20, 400), null);
});

test('the command prints one row per load from perf script output', () => {
  const lines = [];
  for (let i = 0; i < 200; ++i) lines.push(`${(100 + i * 0.001).toFixed(6)}: dev=lo skbaddr=0x1 len=1100`);
  const run = spawnSync(process.execPath, ['tests/load/fifo-floor.mjs', '--loads', '0.25,0.5'], {
    input: lines.join('\n'), encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const rows = run.stdout.trim().split('\n');
  assert.match(rows[0], /^200 datagrams over 0\.199/);
  assert.equal(rows.length, 4);
  assert.match(rows[2], /^0\.25 /);
  assert.match(rows[3], /^0\.50 /);
});
