// audioLevelUpdated for publishers and subscribers: samples a level in [0, 1] every 60 ms
// while someone listens. Publishers read their microphone through WebAudio; subscribers
// read the receiver's synchronization sources (the level the browser already computes).

export type LevelSource = () => number | undefined;

export class AudioLevelMeter {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly source: LevelSource, private readonly onLevel: (level: number) => void, private readonly intervalMs = 60) {}

  setActive(on: boolean): void {
    if (on && !this.timer) {
      this.timer = setInterval(() => {
        const v = this.source();
        if (v !== undefined) this.onLevel(Math.max(0, Math.min(1, v)));
      }, this.intervalMs);
    } else if (!on && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  stop(): void {
    this.setActive(false);
  }

  /** A source for a local audio track: RMS of an AnalyserNode's time-domain samples. */
  static forTrack(track: MediaStreamTrack): { source: LevelSource; close: () => void } {
    const Ctx = (globalThis as { AudioContext?: typeof AudioContext }).AudioContext;
    if (!Ctx) return { source: () => undefined, close: () => undefined };
    let ctx: AudioContext | undefined;
    let analyser: AnalyserNode | undefined;
    let buf: Float32Array<ArrayBuffer> | undefined;
    const source: LevelSource = () => {
      if (!track.enabled || track.readyState !== 'live') return 0;
      if (!ctx) {
        ctx = new Ctx();
        const node = ctx.createMediaStreamSource(new MediaStream([track]));
        analyser = ctx.createAnalyser();
        analyser.fftSize = 512;
        node.connect(analyser);
        buf = new Float32Array(analyser.fftSize);
      }
      if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
      analyser!.getFloatTimeDomainData(buf!);
      let sum = 0;
      for (const x of buf!) sum += x * x;
      // RMS scaled so that speech lands around 0.1–0.5, like OpenTok.js's levels.
      return Math.min(1, Math.sqrt(sum / buf!.length) * 4);
    };
    return { source, close: () => void ctx?.close().catch(() => undefined) };
  }

  /** A source for a remote audio track received by `receiver`. */
  static forReceiver(receiver: RTCRtpReceiver): LevelSource {
    return () => {
      const sources = typeof receiver.getSynchronizationSources === 'function' ? receiver.getSynchronizationSources() : [];
      // The browser drops a source about 10 s after its last packet; a muted one reports 0.
      return sources[0]?.audioLevel ?? 0;
    };
  }
}
