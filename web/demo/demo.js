// Parley demo room: a video call built only on the documented OpenTok.js API (the global
// `OT` that /sdk/parley.js defines), the way a customer's app would be. Its "backend" is
// parleyd's GET /demo/token, /demo/archive and /demo/broadcast, which stand for the
// customer's own server (docs/demo.md).

const ROOM_PATTERN = /^[A-Za-z0-9._~-]{1,64}$/;
// audioLevelUpdated arrives many times a second; a smoothed level above this counts as speech.
const SPEAKING_LEVEL = 0.04;
const SPEAKING_HOLD_MS = 600;
const NAME_KEY = 'parley-demo-name';
// A stopped recording is packaged by the server; its state is asked for this often, this long.
const ARCHIVE_POLL_MS = 1000;
const ARCHIVE_POLL_LIMIT_MS = 5 * 60 * 1000;
// Download links are signed for 10 minutes; an older one is fetched again before it is used.
const LINK_FRESH_MS = 5 * 60 * 1000;

const $ = (id) => document.getElementById(id);

const ui = {
  join: $('join'),
  joinForm: $('join-form'),
  roomInput: $('room-input'),
  nameInput: $('name-input'),
  moderatorInput: $('moderator-input'),
  joinButton: $('join-button'),
  room: $('room'),
  roomTitle: $('room-title'),
  notice: $('notice'),
  tiles: $('tiles'),
  mic: $('mic-button'),
  camera: $('camera-button'),
  screen: $('screen-button'),
  muteAll: $('mute-all-button'),
  releaseMute: $('release-mute-button'),
  record: $('record-button'),
  downloadLink: $('download-link'),
  recIndicator: $('rec-indicator'),
  live: $('live-button'),
  livePanel: $('live-panel'),
  viewerLink: $('viewer-link'),
  copyViewer: $('copy-viewer'),
  viewerCopyStatus: $('viewer-copy-status'),
  leave: $('leave-button'),
  inviteLink: $('invite-link'),
  copyInvite: $('copy-invite'),
  copyStatus: $('copy-status'),
  chatLog: $('chat-log'),
  chatForm: $('chat-form'),
  chatInput: $('chat-input'),
  chatSend: $('chat-send'),
  tileTemplate: $('tile-template'),
};

// Everything about the current call; reset by leave().
let call = null;

function newCall({ room, name, moderator, token }) {
  return {
    room,
    name,
    moderator,
    token, // sent to the demo's backend to prove the moderator role
    session: null,
    camera: null, // the camera Publisher
    cameraTile: null,
    screen: null, // the screen-share Publisher, while sharing
    screenTile: null,
    micOn: true,
    cameraOn: true,
    subscribers: new Map(), // streamId → Subscriber
    archives: new Map(), // archives recording the room (archiveStarted/archiveStopped): id → name
    startedArchiveId: null, // the one this page started, until it stops
    recordBusy: false,
    downloads: new Set(), // archive ids whose download this page waits for or offers
    download: null, // {id, url, fetchedAt}
    broadcast: null, // the live broadcast this page started, until it stops: {id, viewerUrl}
    liveBusy: false,
    ended: false,
  };
}

// ---------------------------------------------------------------------------------------
// Messages

function showNotice(text, kind = 'error') {
  ui.notice.textContent = text;
  ui.notice.dataset.kind = kind;
  ui.notice.hidden = false;
}

function clearNotice() {
  ui.notice.hidden = true;
  ui.notice.textContent = '';
  delete ui.notice.dataset.kind;
}

// A readable sentence for an OT error (OT error codes and names of OpenTok.js).
function describeError(err, what) {
  if (!err) return `${what} failed.`;
  const name = err.name ?? '';
  const code = err.code;
  if (name === 'OT_USER_MEDIA_ACCESS_DENIED' || (code === 1500 && /denied|permission/i.test(err.message ?? ''))) {
    return 'Camera or microphone access was denied. Allow it in the browser (address bar) and join again; you can still watch and chat.';
  }
  if (name === 'OT_HARDWARE_UNAVAILABLE' || name === 'OT_NO_DEVICES_FOUND') {
    return 'No usable camera or microphone was found; you can still watch and chat.';
  }
  if (name === 'OT_SCREEN_SHARING_NOT_SUPPORTED') return 'This browser cannot share the screen.';
  if (code === 1004 || name === 'OT_AUTHENTICATION_ERROR') return 'The room token was refused. Reload the page and join again.';
  if (code === 1006 || name === 'OT_CONNECT_FAILED') return 'Could not reach the server. Check the connection and join again.';
  return `${what} failed: ${err.message ?? name ?? code}`;
}

// ---------------------------------------------------------------------------------------
// Names: the demo token carries "name=<display name>" as connection data.

function nameOfConnection(connection, fallback = 'Guest') {
  if (!connection) return 'Server';
  if (call && call.session?.connection && connection.connectionId === call.session.connection.connectionId) {
    return call.name;
  }
  try {
    const name = new URLSearchParams(connection.data ?? '').get('name');
    if (name) return name;
  } catch {
    // not form data: fall through
  }
  return fallback;
}

function nameOfStream(stream) {
  const name = nameOfConnection(stream.connection, stream.name || 'Guest');
  return stream.videoType === 'screen' ? `${name} (screen)` : name;
}

// ---------------------------------------------------------------------------------------
// Tiles

function createTile({ kind, self, name }) {
  const tile = ui.tileTemplate.content.firstElementChild.cloneNode(true);
  tile.dataset.kind = kind;
  if (self) tile.dataset.self = 'true';
  tile.querySelector('.tile-name').textContent = name;
  tile.setAttribute('aria-label', name);
  ui.tiles.append(tile);
  return tile;
}

function tileVideo(tile) {
  return tile.querySelector('.tile-video');
}

function setTileMuted(tile, muted) {
  if (!tile) return;
  tile.querySelector('.muted').hidden = !muted;
  tile.dataset.audio = muted ? 'off' : 'on';
}

function setTileCameraOff(tile, off) {
  if (!tile) return;
  tile.querySelector('.camera-off').hidden = !off;
  tile.dataset.video = off ? 'off' : 'on';
}

// Drives the speaking indicator from audioLevelUpdated events of a publisher or subscriber.
function trackSpeaking(tile, emitter) {
  let level = 0;
  let lastLoud = 0;
  emitter.on('audioLevelUpdated', (event) => {
    level = level * 0.7 + event.audioLevel * 0.3;
    const now = performance.now();
    if (level > SPEAKING_LEVEL) lastLoud = now;
    const speaking = tile.dataset.audio !== 'off' && now - lastLoud < SPEAKING_HOLD_MS;
    tile.classList.toggle('speaking', speaking);
    tile.dataset.speaking = String(speaking);
  });
}

const publisherStyle = { buttonDisplayMode: 'off', nameDisplayMode: 'off', audioLevelDisplayMode: 'off' };

// ---------------------------------------------------------------------------------------
// Remote streams

function addRemoteStream(stream) {
  const { session } = call;
  if (call.subscribers.has(stream.streamId)) return;
  const tile = createTile({ kind: stream.videoType === 'screen' ? 'screen' : 'camera', self: false, name: nameOfStream(stream) });
  tile.dataset.streamId = stream.streamId;
  tile.dataset.connectionId = stream.connection.connectionId;
  setTileMuted(tile, !stream.hasAudio);
  setTileCameraOff(tile, !stream.hasVideo);
  if (call.moderator) addModeratorControls(tile, stream);

  const subscriber = session.subscribe(
    stream,
    tileVideo(tile),
    { insertMode: 'append', width: '100%', height: '100%', style: publisherStyle, fitMode: stream.videoType === 'screen' ? 'contain' : 'cover' },
    (err) => {
      if (err) showNotice(describeError(err, `Receiving ${nameOfStream(stream)}`));
    },
  );
  call.subscribers.set(stream.streamId, subscriber);
  trackSpeaking(tile, subscriber);
}

function removeRemoteStream(stream) {
  call.subscribers.delete(stream.streamId);
  tileOfStream(stream.streamId)?.remove();
}

function tileOfStream(streamId) {
  return [...ui.tiles.children].find((t) => t.dataset.streamId === streamId) ?? null;
}

function addModeratorControls(tile, stream) {
  const controls = tile.querySelector('.mod-controls');
  const label = nameOfStream(stream);
  const mute = controls.querySelector('.mod-mute');
  const kick = controls.querySelector('.mod-kick');
  mute.setAttribute('aria-label', `Mute ${label}`);
  kick.setAttribute('aria-label', `Remove ${label} from the room`);
  mute.addEventListener('click', () => {
    call.session.forceMuteStream(stream).catch((err) => showNotice(describeError(err, `Muting ${label}`)));
  });
  kick.addEventListener('click', () => {
    call.session.forceDisconnect(stream.connection, (err) => {
      if (err) showNotice(describeError(err, `Removing ${label}`));
    });
  });
  controls.hidden = false;
}

// ---------------------------------------------------------------------------------------
// Own camera and screen

function publishCamera() {
  const tile = createTile({ kind: 'camera', self: true, name: `${call.name} (you)` });
  call.cameraTile = tile;
  setTileMuted(tile, false);
  setTileCameraOff(tile, false);
  const publisher = OT.initPublisher(
    tileVideo(tile),
    { insertMode: 'append', width: '100%', height: '100%', name: call.name, publishAudio: true, publishVideo: true, style: publisherStyle },
    (err) => {
      if (!err) return;
      showNotice(describeError(err, 'Starting the camera'));
      tile.remove();
      call.cameraTile = null;
      call.camera = null;
      updateControls();
    },
  );
  call.camera = publisher;
  publisher.on({
    streamCreated: (event) => {
      tile.dataset.streamId = event.stream.streamId;
    },
    accessDenied: () => showNotice(describeError({ name: 'OT_USER_MEDIA_ACCESS_DENIED' }, 'Starting the camera')),
    // A moderator muted this publisher (forceMuteStream, or forceMuteAll without excluding it).
    muteForced: () => mutedByModerator(),
  });
  trackSpeaking(tile, publisher);
  return publisher;
}

function startScreenShare() {
  if (call.screen) return;
  const tile = createTile({ kind: 'screen', self: true, name: `${call.name} (your screen)` });
  setTileMuted(tile, true);
  call.screenTile = tile;
  const stop = () => stopScreenShare();
  const publisher = OT.initPublisher(
    tileVideo(tile),
    { insertMode: 'append', width: '100%', height: '100%', videoSource: 'screen', publishAudio: false, name: `${call.name} (screen)`, style: publisherStyle, fitMode: 'contain' },
    (err) => {
      if (!err) {
        call.session.publish(publisher, (publishErr) => {
          if (publishErr) {
            showNotice(describeError(publishErr, 'Sharing the screen'));
            stop();
          }
        });
        return;
      }
      // Closing the browser's picker is not worth an alarming message.
      if (err.name !== 'OT_USER_MEDIA_ACCESS_DENIED') showNotice(describeError(err, 'Sharing the screen'));
      stop();
    },
  );
  call.screen = publisher;
  publisher.on({
    streamCreated: (event) => {
      tile.dataset.streamId = event.stream.streamId;
    },
    // The browser's own "Stop sharing" button ends the capture.
    mediaStopped: stop,
    streamDestroyed: stop,
  });
  updateControls();
}

function stopScreenShare() {
  if (!call || !call.screen) return;
  const publisher = call.screen;
  call.screen = null;
  call.screenTile?.remove();
  call.screenTile = null;
  try {
    publisher.destroy();
  } catch {
    // already gone
  }
  updateControls();
}

function mutedByModerator() {
  if (!call) return;
  setMic(false);
  showNotice('A moderator muted your microphone. You can unmute it again.', 'info');
}

function setMic(on) {
  call.micOn = on;
  call.camera?.publishAudio(on);
  setTileMuted(call.cameraTile, !on);
  updateControls();
}

function setCamera(on) {
  call.cameraOn = on;
  call.camera?.publishVideo(on);
  setTileCameraOff(call.cameraTile, !on);
  updateControls();
}

function updateControls() {
  if (!call) return;
  const hasCamera = Boolean(call.camera);
  ui.mic.disabled = !hasCamera;
  ui.camera.disabled = !hasCamera;
  // A message typed before the session connects would have nowhere to go: chat opens on connect.
  const connected = Boolean(call.session?.connection);
  ui.chatInput.disabled = !connected;
  ui.chatSend.disabled = !connected;
  ui.chatInput.placeholder = connected ? 'Say something' : 'Connecting…';
  ui.mic.setAttribute('aria-pressed', String(!call.micOn));
  ui.mic.textContent = call.micOn ? 'Mute mic' : 'Unmute mic';
  ui.camera.setAttribute('aria-pressed', String(!call.cameraOn));
  ui.camera.textContent = call.cameraOn ? 'Camera off' : 'Camera on';
  ui.screen.setAttribute('aria-pressed', String(Boolean(call.screen)));
  ui.screen.textContent = call.screen ? 'Stop sharing' : 'Share screen';
  for (const el of document.querySelectorAll('.moderator-only')) el.hidden = !call.moderator;
  updateRecording();
  updateLive();
}

// ---------------------------------------------------------------------------------------
// Recording: everyone sees the REC badge while an archive runs (archiveStarted and
// archiveStopped from the SDK); a moderator starts and stops a composed archive through
// the demo's backend and downloads the MP4 once the server has finished it.

async function demoArchiveRequest(token, method, path, body) {
  const headers = { 'X-Demo-Token': token };
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, cache: 'no-store', body: body ? JSON.stringify(body) : undefined });
  let json = null;
  try {
    json = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok) throw new Error(json?.description || json?.message || `HTTP ${res.status}`);
  return json;
}

function updateRecording() {
  if (!call) return;
  ui.recIndicator.hidden = call.archives.size === 0;
  const recording = call.archives.size > 0 || call.startedArchiveId !== null;
  ui.record.textContent = recording ? 'Stop recording' : 'Record';
  ui.record.setAttribute('aria-pressed', String(recording));
  ui.record.disabled = call.recordBusy;
}

async function toggleRecording() {
  if (!call || call.recordBusy) return;
  const current = call;
  current.recordBusy = true;
  updateRecording();
  try {
    const running = current.startedArchiveId ?? [...current.archives.keys()].at(-1);
    if (running) {
      await demoArchiveRequest(current.token, 'POST', `/demo/archive/${encodeURIComponent(running)}/stop`);
      if (current.startedArchiveId === running) current.startedArchiveId = null;
      waitForDownload(current, running);
    } else {
      const archive = await demoArchiveRequest(current.token, 'POST', '/demo/archive', { room: current.room });
      // The badge waits for archiveStarted, which every page in the room gets.
      current.startedArchiveId = archive.id;
    }
  } catch (err) {
    if (call === current) showNotice(`Recording: ${err.message}`);
  } finally {
    current.recordBusy = false;
    if (call === current) updateRecording();
  }
}

function offerDownload(current, archive) {
  current.download = { id: archive.id, url: archive.url, fetchedAt: Date.now() };
  ui.downloadLink.href = archive.url;
  ui.downloadLink.dataset.archiveId = archive.id;
  ui.downloadLink.hidden = false;
}

// Asks for a stopped archive until it is available (then offers its link) or failed.
async function waitForDownload(current, id) {
  if (!current.moderator || current.downloads.has(id)) return;
  current.downloads.add(id);
  showNotice('Recording stopped; preparing the download…', 'info');
  const deadline = Date.now() + ARCHIVE_POLL_LIMIT_MS;
  while (call === current && Date.now() < deadline) {
    let archive;
    try {
      archive = await demoArchiveRequest(current.token, 'GET', `/demo/archive/${encodeURIComponent(id)}`);
    } catch (err) {
      if (call === current) showNotice(`Recording: ${err.message}`);
      return;
    }
    if (call !== current) return;
    if (archive.status === 'available' && archive.url) {
      offerDownload(current, archive);
      showNotice('The recording is ready: “Download recording” saves it as a ZIP (one file per stream).', 'info');
      return;
    }
    if (archive.status === 'failed') {
      showNotice(`The recording failed${archive.reason ? `: ${archive.reason}` : '.'}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, ARCHIVE_POLL_MS));
  }
  if (call === current) showNotice('The recording is still being prepared; try again later.');
}

// A link older than LINK_FRESH_MS may have expired: fetch a fresh one, then follow it.
async function followDownload(event) {
  const current = call;
  const d = current?.download;
  if (!d || Date.now() - d.fetchedAt < LINK_FRESH_MS) return;
  event.preventDefault();
  try {
    const archive = await demoArchiveRequest(current.token, 'GET', `/demo/archive/${encodeURIComponent(d.id)}`);
    if (call !== current || !archive.url) return;
    offerDownload(current, archive);
    ui.downloadLink.click();
  } catch (err) {
    if (call === current) showNotice(`Recording: ${err.message}`);
  }
}

// ---------------------------------------------------------------------------------------
// Going live: a moderator starts an HLS broadcast of the room through the demo's backend and
// gets the link of the viewer page (/demo/viewer.html?broadcast=<id>) to share. OpenTok.js
// has no broadcast events, so only the page that went live knows about it.

function updateLive() {
  if (!call) return;
  const live = call.broadcast !== null;
  ui.live.textContent = live ? 'Stop live' : 'Go live';
  ui.live.setAttribute('aria-pressed', String(live));
  ui.live.disabled = call.liveBusy;
  ui.livePanel.hidden = !live;
  ui.viewerLink.value = live ? call.broadcast.viewerUrl : '';
  if (!live) ui.viewerCopyStatus.textContent = '';
}

async function toggleLive() {
  if (!call || call.liveBusy) return;
  const current = call;
  current.liveBusy = true;
  updateLive();
  try {
    if (current.broadcast) {
      const { id } = current.broadcast;
      await demoArchiveRequest(current.token, 'POST', `/demo/broadcast/${encodeURIComponent(id)}/stop`);
      current.broadcast = null;
      if (call === current) showNotice('The live broadcast has ended.', 'info');
    } else {
      const broadcast = await demoArchiveRequest(current.token, 'POST', '/demo/broadcast', { room: current.room });
      current.broadcast = { id: broadcast.id, viewerUrl: broadcast.viewerUrl };
      if (call === current) showNotice('The room is live: share the viewer link.', 'info');
    }
  } catch (err) {
    if (call === current) showNotice(`Live broadcast: ${err.message}`);
  } finally {
    current.liveBusy = false;
    if (call === current) updateLive();
  }
}

// Copies a read-only link field, or selects it where the clipboard is out of reach.
async function copyLink(input, status) {
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = 'Link copied.';
  } catch {
    input.select();
    status.textContent = 'Press Ctrl+C (⌘C) to copy the selected link.';
  }
}

// ---------------------------------------------------------------------------------------
// Chat over signals of type "chat"

function appendChat({ sender, text, fromConnectionId, system = false }) {
  const item = document.createElement('li');
  item.className = system ? 'chat-message system' : 'chat-message';
  if (fromConnectionId) item.dataset.from = fromConnectionId;
  if (!system) {
    const who = document.createElement('span');
    who.className = 'chat-sender';
    who.textContent = sender;
    item.append(who);
  }
  const body = document.createElement('span');
  body.className = 'chat-text';
  body.textContent = text;
  item.append(body);
  ui.chatLog.append(item);
  ui.chatLog.scrollTop = ui.chatLog.scrollHeight;
}

function sendChat(text) {
  call.session.signal({ type: 'chat', data: text }, (err) => {
    if (err) showNotice(describeError(err, 'Sending the message'));
  });
}

// ---------------------------------------------------------------------------------------
// Joining and leaving

async function fetchToken({ room, name, moderator }) {
  const query = new URLSearchParams({ room, name, role: moderator ? 'moderator' : 'publisher' });
  // ?mediaMode=relayed in the page URL: a room created by this visit is peer-to-peer.
  const mediaMode = new URLSearchParams(location.search).get('mediaMode');
  if (mediaMode === 'relayed' || mediaMode === 'routed') query.set('mediaMode', mediaMode);
  const res = await fetch(`/demo/token?${query}`, { cache: 'no-store' });
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok) {
    const why = body?.description || body?.message || `HTTP ${res.status}`;
    throw new Error(res.status === 404 ? 'The demo is disabled on this server (parleyd --no-demo).' : why);
  }
  return body;
}

function inviteUrl(room) {
  const url = new URL(location.href);
  url.search = new URLSearchParams({ room }).toString();
  url.hash = '';
  return url.toString();
}

function showRoom(room) {
  ui.join.hidden = true;
  ui.room.hidden = false;
  ui.roomTitle.hidden = false;
  ui.roomTitle.textContent = `Room “${room}”`;
  ui.inviteLink.value = inviteUrl(room);
  history.replaceState(null, '', inviteUrl(room));
  document.title = `${room} · Parley demo room`;
}

function showJoin() {
  ui.room.hidden = true;
  ui.roomTitle.hidden = true;
  ui.join.hidden = false;
  ui.joinButton.disabled = false;
  ui.tiles.replaceChildren();
  ui.chatLog.replaceChildren();
  ui.recIndicator.hidden = true;
  ui.downloadLink.hidden = true;
  ui.downloadLink.removeAttribute('href');
  ui.livePanel.hidden = true;
  ui.viewerLink.value = '';
  document.title = 'Parley demo room';
}

function attachSessionHandlers(session) {
  // Events of a session the user already left must not touch the next call.
  const current = () => call !== null && call.session === session;
  session.on({
    streamCreated: (event) => {
      if (!current() || event.stream.connection.connectionId === session.connection?.connectionId) return;
      addRemoteStream(event.stream);
    },
    streamDestroyed: (event) => current() && removeRemoteStream(event.stream),
    streamPropertyChanged: (event) => {
      if (!current()) return;
      const own = call.camera?.stream?.streamId === event.stream.streamId;
      // The server turned our audio off (a moderator): show it even if the SDK sent no muteForced.
      if (own && event.changedProperty === 'hasAudio') {
        if (!event.newValue && call.micOn) mutedByModerator();
        return;
      }
      const tile = tileOfStream(event.stream.streamId);
      if (event.changedProperty === 'hasAudio') setTileMuted(tile, !event.newValue);
      if (event.changedProperty === 'hasVideo') setTileCameraOff(tile, !event.newValue);
    },
    connectionCreated: (event) => {
      if (!current()) return;
      if (event.connection.connectionId === session.connection?.connectionId) return;
      appendChat({ text: `${nameOfConnection(event.connection)} joined`, system: true });
    },
    connectionDestroyed: (event) => {
      if (!current()) return;
      appendChat({ text: `${nameOfConnection(event.connection)} left`, system: true });
    },
    'signal:chat': (event) => {
      if (!current()) return;
      appendChat({ sender: nameOfConnection(event.from), text: String(event.data ?? ''), fromConnectionId: event.from?.connectionId });
    },
    // The session's mute-all state changed (forceMuteAll / disableForceMute); whether this
    // client's own audio was muted arrives as the publisher's muteForced.
    muteForced: (event) => {
      if (!current() || call.moderator) return;
      if (!event.active) showNotice('The moderator ended mute all.', 'info');
    },
    archiveStarted: (event) => {
      if (!current()) return;
      call.archives.set(event.id, event.name ?? '');
      updateRecording();
    },
    archiveStopped: (event) => {
      if (!current()) return;
      call.archives.delete(event.id);
      if (call.startedArchiveId === event.id) call.startedArchiveId = null;
      updateRecording();
      waitForDownload(call, event.id);
    },
    sessionReconnecting: () => current() && showNotice('Connection lost, reconnecting…', 'info'),
    sessionReconnected: () => current() && clearNotice(),
    sessionDisconnected: (event) => {
      if (!current()) return;
      const reason = event.reason;
      endCall();
      if (reason === 'forceDisconnected') {
        showNotice('A moderator removed you from the room.', 'kicked');
      } else if (reason === 'networkDisconnected') {
        showNotice('The connection to the server was lost. Join again to continue.');
      }
    },
  });
}

async function join({ room, name, moderator }) {
  clearNotice();
  ui.joinButton.disabled = true;
  let credentials;
  try {
    credentials = await fetchToken({ room, name, moderator });
  } catch (err) {
    ui.joinButton.disabled = false;
    showNotice(`Could not join: ${err.message}`);
    return;
  }
  if (typeof OT === 'undefined' || typeof OT.initSession !== 'function') {
    ui.joinButton.disabled = false;
    showNotice('The video SDK (/sdk/parley.js) did not load: run `make sdk` and reload.');
    return;
  }
  call = newCall({ room, name, moderator, token: credentials.token });
  showRoom(room);
  const session = OT.initSession(credentials.apiKey, credentials.sessionId);
  call.session = session;
  attachSessionHandlers(session);
  const camera = publishCamera();
  updateControls();
  session.connect(credentials.token, (err) => {
    if (err) {
      endCall();
      showNotice(describeError(err, 'Joining the room'));
      return;
    }
    ui.chatLog.dataset.connectionId = session.connection.connectionId;
    updateControls();
    if (call.cameraTile) call.cameraTile.dataset.connectionId = session.connection.connectionId;
    if (call.camera === camera) {
      session.publish(camera, (publishErr) => {
        if (publishErr && call?.camera === camera) showNotice(describeError(publishErr, 'Publishing the camera'));
      });
    }
  });
}

// Leaves the call (or cleans up after being disconnected) and shows the join form again.
function endCall() {
  if (!call || call.ended) return;
  const ending = call;
  ending.ended = true;
  call = null;
  for (const publisher of [ending.screen, ending.camera]) {
    try {
      publisher?.destroy();
    } catch {
      // already gone
    }
  }
  try {
    ending.session?.disconnect();
  } catch {
    // already disconnected
  }
  showJoin();
}

// ---------------------------------------------------------------------------------------
// Wiring

function suggestRoomName() {
  const words = ['maple', 'river', 'comet', 'harbor', 'meadow', 'quartz', 'falcon', 'cedar'];
  const pick = words[Math.floor(Math.random() * words.length)];
  return `${pick}-${Math.floor(1000 + Math.random() * 9000)}`;
}

function init() {
  const params = new URLSearchParams(location.search);
  const room = params.get('room');
  ui.roomInput.value = room && ROOM_PATTERN.test(room) ? room : suggestRoomName();
  ui.nameInput.value = localStorage.getItem(NAME_KEY) ?? '';
  (ui.nameInput.value ? ui.joinButton : ui.nameInput).focus();

  ui.joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const roomName = ui.roomInput.value.trim();
    const name = ui.nameInput.value.trim();
    if (!ROOM_PATTERN.test(roomName)) {
      showNotice('Room names are 1 to 64 letters, digits or . _ ~ -');
      ui.roomInput.focus();
      return;
    }
    if (!name) {
      showNotice('Please enter your name.');
      ui.nameInput.focus();
      return;
    }
    localStorage.setItem(NAME_KEY, name);
    join({ room: roomName, name, moderator: ui.moderatorInput.checked });
  });

  ui.mic.addEventListener('click', () => call && setMic(!call.micOn));
  ui.camera.addEventListener('click', () => call && setCamera(!call.cameraOn));
  ui.screen.addEventListener('click', () => {
    if (!call) return;
    if (call.screen) stopScreenShare();
    else startScreenShare();
  });
  ui.muteAll.addEventListener('click', () => {
    if (!call) return;
    const own = [call.camera?.stream, call.screen?.stream].filter(Boolean);
    call.session.forceMuteAll(own)
      .then(() => showNotice('Everyone else is muted; people who join now start muted.', 'info'))
      .catch((err) => showNotice(describeError(err, 'Muting everyone')));
  });
  ui.releaseMute.addEventListener('click', () => {
    if (!call) return;
    call.session.disableForceMute()
      .then(() => showNotice('People who join now start unmuted again.', 'info'))
      .catch((err) => showNotice(describeError(err, 'Ending mute all')));
  });
  ui.record.addEventListener('click', () => toggleRecording());
  ui.downloadLink.addEventListener('click', followDownload);
  ui.leave.addEventListener('click', () => {
    clearNotice();
    endCall();
  });
  ui.live.addEventListener('click', () => toggleLive());
  ui.copyInvite.addEventListener('click', () => copyLink(ui.inviteLink, ui.copyStatus));
  ui.copyViewer.addEventListener('click', () => copyLink(ui.viewerLink, ui.viewerCopyStatus));
  ui.chatForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.chatInput.value.trim();
    if (!text || !call?.session?.connection) return;
    sendChat(text);
    ui.chatInput.value = '';
  });
  window.addEventListener('pagehide', () => endCall());
}

init();
