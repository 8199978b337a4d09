// A published stream (OT.Stream). hasAudio, hasVideo, videoType, videoDimensions … are
// derived from the stream's channels (docs/protocol.md §7.6.2) and change with channel updates (docs/protocol.md §7.6.4).

import { isActive, type Stream, type StreamChannel } from '../raptor/RaptorMessage.js';
import type { JsonObject } from '../util/json.js';
import type { OTConnection } from './OTConnection.js';

export interface StreamPropertyChange {
  changedProperty: 'hasAudio' | 'hasVideo' | 'hasCaptions' | 'videoDimensions' | 'videoType' | 'name';
  oldValue: unknown;
  newValue: unknown;
}

const KNOWN_CHANNEL_KEYS = new Set(['active', 'disableWarning', 'width', 'height', 'orientation', 'frameRate', 'fitMode', 'source', 'sourceStreamId']);

export class OTStream {
  readonly streamId: string;
  readonly id: string;
  readonly connection: OTConnection;
  readonly creationTime: number;
  name: string;
  /** @internal The channels as the server last described them. */
  readonly channels: StreamChannel[];

  constructor(s: Stream, connection: OTConnection) {
    this.streamId = s.id;
    this.id = s.id;
    this.connection = connection;
    this.creationTime = s.creationTime;
    this.name = s.name;
    this.channels = s.channel.map((c) => ({ ...c }));
  }

  private channelOf(type: string): StreamChannel | undefined {
    return this.channels.find((c) => c.type === type);
  }

  get hasAudio(): boolean {
    return this.channelOf('audio')?.active ?? false;
  }

  get hasVideo(): boolean {
    return this.channelOf('video')?.active ?? false;
  }

  get hasCaptions(): boolean {
    return this.channels.find((c) => c.id === 'caption1')?.active ?? false;
  }

  /** 'camera', 'screen' or 'custom'; undefined for an audio-only stream. */
  get videoType(): string | undefined {
    const v = this.channelOf('video');
    if (!v) return undefined;
    return typeof v.source === 'string' && v.source !== '' ? v.source : 'camera';
  }

  get videoDimensions(): { width: number; height: number } | undefined {
    const v = this.channelOf('video');
    if (!v) return undefined;
    return { width: Number(v.width ?? 0), height: Number(v.height ?? 0) };
  }

  get frameRate(): number | undefined {
    const f = this.channelOf('video')?.frameRate;
    return typeof f === 'number' ? f : undefined;
  }

  get defaultFitMode(): string {
    const f = this.channelOf('video')?.fitMode;
    return typeof f === 'string' ? f : 'cover';
  }

  /** @internal Applies a channel update and returns the OT property changes it makes. */
  applyChannelUpdate(channelId: string, changes: JsonObject): StreamPropertyChange[] {
    const channel = this.channels.find((c) => c.id === channelId);
    if (!channel) return [];
    const before = this.snapshot();
    for (const [key, value] of Object.entries(changes)) {
      if (!KNOWN_CHANNEL_KEYS.has(key)) break; // the rest of an update with an unknown key is ignored (docs/protocol.md §7.6.4)
      channel[key] = key === 'active' ? isActive(value) : value;
    }
    return this.diff(before);
  }

  /** @internal Applies `stream updated` ({name} …). */
  applyStreamUpdate(changes: JsonObject): StreamPropertyChange[] {
    const out: StreamPropertyChange[] = [];
    if (typeof changes.name === 'string' && changes.name !== this.name) {
      out.push({ changedProperty: 'name', oldValue: this.name, newValue: changes.name });
      this.name = changes.name;
    }
    return out;
  }

  private snapshot() {
    return { hasAudio: this.hasAudio, hasVideo: this.hasVideo, hasCaptions: this.hasCaptions, videoDimensions: this.videoDimensions, videoType: this.videoType };
  }

  private diff(before: ReturnType<OTStream['snapshot']>): StreamPropertyChange[] {
    const after = this.snapshot();
    const out: StreamPropertyChange[] = [];
    for (const key of ['hasAudio', 'hasVideo', 'hasCaptions', 'videoType'] as const) {
      if (before[key] !== after[key]) out.push({ changedProperty: key, oldValue: before[key], newValue: after[key] });
    }
    const a = before.videoDimensions;
    const b = after.videoDimensions;
    if (a && b && (a.width !== b.width || a.height !== b.height)) out.push({ changedProperty: 'videoDimensions', oldValue: a, newValue: b });
    return out;
  }
}
