#!/usr/bin/env node
// The latency floor a load's own arrivals set: replays the datagrams a load generator sent
// to a one-worker SFU through an ideal server (one queue, first come first served, never
// stalled, the same cost for every send) and prints the latency each packet's fan-out would
// see at several loads. What a measured p99 has above this floor is the server's stalls;
// the floor itself only moves with the arrivals' shape and the fan-out's length.
//
// Input (stdin): `perf script -F time,trace` of `net:netif_rx` events recorded on the load
// generator's core, e.g.
//   perf record -e net:netif_rx -C 1 -o rx.data -- sleep 4
//   perf script -i rx.data -F time,trace | node tests/load/fifo-floor.mjs --fanout 20
// (on loopback a sent datagram enters the receive path on the sender's core).
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

// arrivals: [{ us, fanout }] in time order; a packet costs `fanout` sends. `load` is the
// share of the time the server is busy. Returns each packet's latency in µs (from its
// arrival until its last send), for packets with fanout > 1 only.
export function fifoLatencies(arrivals, load) {
  if (arrivals.length < 2 || !(load > 0 && load < 1)) return [];
  const span = arrivals[arrivals.length - 1].us - arrivals[0].us;
  const sends = arrivals.reduce((n, a) => n + a.fanout, 0);
  const perSend = (load * span) / sends;
  const latencies = [];
  let free = -Infinity;
  for (const a of arrivals) {
    free = Math.max(free, a.us) + a.fanout * perSend;
    if (a.fanout > 1) latencies.push(free - a.us);
  }
  return latencies;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

// One `perf script` line of net:netif_rx: "  25909.161618: dev=lo skbaddr=0x… len=1055".
export function parseNetifRx(line, fanout, minVideoBytes) {
  const m = /^\s*(\d+\.\d+):.*\blen=(\d+)/.exec(line);
  if (!m) return null;
  const us = Number(m[1]) * 1e6;
  return { us, fanout: Number(m[2]) >= minVideoBytes ? fanout : 1 };
}

function option(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

async function main(args) {
  if (args.includes('--help')) {
    console.log(
      'usage: perf script -F time,trace | fifo-floor.mjs [--fanout N] [--loads 0.4,0.5]\n' +
        '         [--min-video-bytes B]\n' +
        'Datagrams of at least B bytes (400) are video, sent on to N subscribers (20);\n' +
        'the others (RTCP, STUN) cost one send.',
    );
    return;
  }
  const fanout = Number(option(args, '--fanout', '20'));
  const minVideoBytes = Number(option(args, '--min-video-bytes', '400'));
  const loads = option(args, '--loads', '0.4,0.45,0.5,0.55').split(',').map(Number);
  const arrivals = [];
  for await (const line of createInterface({ input: process.stdin })) {
    const a = parseNetifRx(line, fanout, minVideoBytes);
    if (a) arrivals.push(a);
  }
  arrivals.sort((x, y) => x.us - y.us);
  console.log(`${arrivals.length} datagrams over ${((arrivals.at(-1)?.us ?? 0) - (arrivals[0]?.us ?? 0)) / 1e6} s`);
  console.log('load   p50 ms   p90 ms   p99 ms   max ms');
  for (const load of loads) {
    const l = fifoLatencies(arrivals, load).sort((x, y) => x - y);
    const ms = (p) => (percentile(l, p) / 1000).toFixed(2).padStart(7);
    console.log(`${load.toFixed(2)} ${ms(0.5)}  ${ms(0.9)}  ${ms(0.99)}  ${ms(1)}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
