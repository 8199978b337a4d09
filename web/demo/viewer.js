// The broadcast viewer: plays a live broadcast's HLS stream (/broadcast/<id>/hls/playlist.m3u8,
// served by parleyd) with hls.js, or natively where the browser plays HLS (Safari). Opened as
// /demo/viewer.html?broadcast=<id>; the demo room's moderator gets this link when going live.

const video = document.getElementById('viewer-video');
const status = document.getElementById('viewer-status');

// For tests and curious people: what the player did.
const state = { url: null, playing: false, errors: [], ended: false };
window.__viewer = state;

function say(text) {
  status.textContent = text;
}

function start() {
  const id = new URLSearchParams(location.search).get('broadcast') ?? '';
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) {
    say('No broadcast to watch: open this page from the link the room gave you.');
    return;
  }
  state.url = `/broadcast/${encodeURIComponent(id)}/hls/playlist.m3u8`;
  video.addEventListener('playing', () => {
    state.playing = true;
    say('Live');
  });
  video.addEventListener('ended', () => {
    state.ended = true;
    say('The broadcast has ended.');
  });
  if (window.Hls && window.Hls.isSupported()) {
    // No worker: a blob: worker is one more thing a page's security policy may refuse.
    const hls = new window.Hls({
      enableWorker: false,
      liveSyncDurationCount: 2,
      // The playlist appears with the first segment, a few seconds after the broadcast
      // starts, and a viewer may follow the link before that: its 404 is retried too (hls.js
      // gives up on any 4xx by default), every second or two for about two minutes.
      manifestLoadPolicy: {
        default: {
          maxTimeToFirstByteMs: Infinity,
          maxLoadTimeMs: 20000,
          timeoutRetry: { maxNumRetry: 10, retryDelayMs: 0, maxRetryDelayMs: 0 },
          errorRetry: {
            maxNumRetry: 80,
            retryDelayMs: 1500,
            maxRetryDelayMs: 1500,
            backoff: 'linear',
            shouldRetry: (config, count) => {
              const retry = count < config.maxNumRetry;
              if (retry) say('Waiting for the broadcast to start…');
              return retry;
            },
          },
        },
      },
    });
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      state.errors.push({ type: data.type, details: data.details, fatal: data.fatal });
      if (data.fatal) say(`The broadcast cannot be played (${data.details}).`);
    });
    hls.loadSource(state.url);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = state.url;
  } else {
    say('This browser cannot play HLS.');
    return;
  }
  video.play().catch(() => say('Press play to watch.'));
}

start();
