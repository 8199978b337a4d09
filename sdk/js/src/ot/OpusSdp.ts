// The publisher's Opus options (enableStereo, audioBitrate, enableDtx) written into the SDP as
// OpenTok.js writes them: the own offer announces what is sent (sprop-stereo, maxaveragebitrate),
// and the answer the browser applies says how to encode (stereo, usedtx, maxaveragebitrate) —
// Chromium configures its Opus encoder from the remote description's fmtp line.

export interface OpusOptions {
  enableStereo?: boolean | undefined;
  /** Bits per second; 0 or undefined leaves the browser's default. */
  audioBitrate?: number | undefined;
  enableDtx?: boolean | undefined;
}

/** True when any of the options changes the SDP. */
export function hasOpusOptions(o: OpusOptions): boolean {
  return !!o.enableStereo || !!o.enableDtx || (o.audioBitrate ?? 0) > 0;
}

/** Sets (or adds) `name=value` on every Opus fmtp line of the audio sections. */
function setFmtp(sdp: string, params: Array<[string, string]>): string {
  if (params.length === 0) return sdp;
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  let inAudio = false;
  const opus = new Set<string>();
  // First pass: the payload types that are Opus, per audio section.
  for (const line of lines) {
    if (line.startsWith('m=')) inAudio = line.startsWith('m=audio');
    const m = inAudio ? /^a=rtpmap:(\d+) opus\//i.exec(line) : null;
    if (m?.[1]) opus.add(m[1]);
  }
  inAudio = false;
  return lines
    .map((line) => {
      if (line.startsWith('m=')) inAudio = line.startsWith('m=audio');
      const m = inAudio ? /^a=fmtp:(\d+) (.*)$/.exec(line) : null;
      if (!m || !m[1] || !opus.has(m[1])) return line;
      const kept = (m[2] ?? '').split(';').map((p) => p.trim()).filter((p) => p && !params.some(([k]) => p.split('=')[0] === k));
      return `a=fmtp:${m[1]} ${[...kept, ...params.map(([k, v]) => `${k}=${v}`)].join(';')}`;
    })
    .join(eol);
}

/** The publisher's own offer: what it sends. */
export function opusOffer(sdp: string, o: OpusOptions): string {
  const params: Array<[string, string]> = [];
  if (o.enableStereo) params.push(['sprop-stereo', '1']);
  if ((o.audioBitrate ?? 0) > 0) params.push(['maxaveragebitrate', String(Math.round(o.audioBitrate!))]);
  return setFmtp(sdp, params);
}

/** The remote answer to the publisher's offer: how the browser encodes. */
export function opusAnswer(sdp: string, o: OpusOptions): string {
  const params: Array<[string, string]> = [];
  if (o.enableStereo) params.push(['stereo', '1']);
  if (o.enableDtx) params.push(['usedtx', '1']);
  if ((o.audioBitrate ?? 0) > 0) params.push(['maxaveragebitrate', String(Math.round(o.audioBitrate!))]);
  return setFmtp(sdp, params);
}
