// Publisher audio fallback (OpenTok.js's `audioFallback.publisher`; docs/media.md#audio-fallback):
// the publisher watches its own sending statistics and, when its uplink cannot carry video,
// stops sending video and keeps the audio, as OpenTok.js does on the client side. Levels:
//   0  fine;
//   1  trouble (the estimate of what it can send is under 150 kbit/s, or the server reports
//      15 % of its audio lost): a warning;
//   2  the trouble lasted 6 s or got critical (under 70 kbit/s, or 20 % audio lost): video off.
// With video off the estimate only follows the audio, so it probes: after 10 s (doubling up to
// 60 s each time a probe fails) the video goes out again for 4 s and stays if the trouble is gone.
// The caller turns levels into events and channel updates and owns the senders.

export type CongestionLevel = 0 | 1 | 2;

export interface UplinkSample {
  /** The sender's estimate of what it can send (candidate pair availableOutgoingBitrate), bit/s. */
  availableBitrate?: number;
  /** Share of its audio the server reports lost (remote-inbound-rtp fractionLost), 0..1. */
  audioLoss?: number;
}

const WARN_BPS = 150000;
const CRITICAL_BPS = 70000;
const WARN_LOSS = 0.15;
const CRITICAL_LOSS = 0.2;
const SUSPEND_AFTER_MS = 6000;
const PROBE_MS = 4000;
const FIRST_BACKOFF_MS = 10000;
const MAX_BACKOFF_MS = 60000;

export class PublisherAudioFallback {
  private level: CongestionLevel = 0;
  private troubleSince = 0;
  private suspendedAt = 0;
  private probingSince = 0;
  private backoff = FIRST_BACKOFF_MS;

  get congestionLevel(): CongestionLevel {
    return this.level;
  }

  /** True while video should be sent: not suspended, or during a probe. */
  get sendingVideo(): boolean {
    return this.level < 2 || this.probingSince !== 0;
  }

  /**
   * One sample (about once a second); returns the new level when it changed. `now` in ms.
   * While suspended, `sample` is what a probe measured (or nothing between probes).
   */
  update(sample: UplinkSample, now: number): CongestionLevel | undefined {
    const bps = sample.availableBitrate;
    const loss = sample.audioLoss ?? 0;
    const critical = (bps !== undefined && bps < CRITICAL_BPS) || loss >= CRITICAL_LOSS;
    const trouble = critical || (bps !== undefined && bps < WARN_BPS) || loss >= WARN_LOSS;
    if (this.level === 2) {
      if (this.probingSince === 0) {
        if (now - this.suspendedAt >= this.backoff) this.probingSince = now;
        return undefined;
      }
      if (now - this.probingSince < PROBE_MS) return undefined;
      this.probingSince = 0;
      if (trouble) {
        // The probe failed: wait longer before the next.
        this.suspendedAt = now;
        this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
        return undefined;
      }
      this.backoff = FIRST_BACKOFF_MS;
      this.troubleSince = 0;
      return this.set(0);
    }
    if (!trouble) {
      this.troubleSince = 0;
      return this.level === 0 ? undefined : this.set(0);
    }
    if (this.troubleSince === 0) this.troubleSince = now;
    if (critical || now - this.troubleSince >= SUSPEND_AFTER_MS) {
      this.suspendedAt = now;
      this.probingSince = 0;
      return this.set(2);
    }
    return this.level === 1 ? undefined : this.set(1);
  }

  /** publishVideo(false) or a new publication: start over. */
  reset(): void {
    this.level = 0;
    this.troubleSince = 0;
    this.suspendedAt = 0;
    this.probingSince = 0;
    this.backoff = FIRST_BACKOFF_MS;
  }

  private set(level: CongestionLevel): CongestionLevel {
    this.level = level;
    return level;
  }
}

/** The sample a publisher's peer connections give: the lowest estimate, the worst audio loss. */
export function uplinkSample(reports: RTCStatsReport[]): UplinkSample {
  const out: UplinkSample = {};
  for (const report of reports) {
    report.forEach((s: any) => {
      if (s.type === 'candidate-pair' && s.nominated && typeof s.availableOutgoingBitrate === 'number') {
        out.availableBitrate = Math.min(out.availableBitrate ?? Infinity, s.availableOutgoingBitrate);
      }
      if (s.type === 'remote-inbound-rtp' && s.kind === 'audio' && typeof s.fractionLost === 'number') {
        out.audioLoss = Math.max(out.audioLoss ?? 0, s.fractionLost);
      }
    });
  }
  return out;
}
