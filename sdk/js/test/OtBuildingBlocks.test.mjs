// Unit tests of the parts of the OT API that need no browser: OT-style event dispatch
// (on/once/off, the {type: handler} form, contexts, preventDefault), session collections,
// stream properties derived from channels and their updates (docs/protocol.md §7.6.2, §7.6.4), and the
// SDP rewrite for routed subscribers (§8.1).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { EventDispatcher, OTEvent, ObjectCollection, OTConnection, OTStream, parseStream, passiveSetup, OT, ExceptionCodes } from '../dist/parley.mjs';

describe('EventDispatcher', () => {
  test('on, once, off and the {type: handler} form', () => {
    const d = new EventDispatcher();
    const seen = [];
    const a = (e) => seen.push(`a:${e.type}`);
    d.on('x', a);
    d.once('x', (e) => seen.push(`once:${e.type}`));
    d.on({ y: (e) => seen.push(`map:${e.type}`), z: (e) => seen.push(`map:${e.type}`) });
    d.trigger('x');
    d.trigger('x');
    d.trigger('y');
    d.off('x', a);
    d.trigger('x');
    d.trigger('z');
    d.off();
    d.trigger('y');
    assert.deepEqual(seen, ['a:x', 'once:x', 'a:x', 'map:y', 'map:z']);
  });

  test('handlers run with their context; off with a context removes only that one', () => {
    const d = new EventDispatcher();
    const calls = [];
    function h() {
      calls.push(this.name);
    }
    const c1 = { name: 'one' };
    const c2 = { name: 'two' };
    d.on('e', h, c1);
    d.on('e', h, c2);
    d.trigger('e');
    d.off('e', h, c1);
    d.trigger('e');
    assert.deepEqual(calls, ['one', 'two', 'two']);
  });

  test('a space-separated list of types, and a throwing handler does not stop the others', () => {
    const d = new EventDispatcher();
    const seen = [];
    d.on('a b', (e) => {
      seen.push(e.type);
      if (e.type === 'a') throw new Error('boom');
    });
    d.on('a', () => seen.push('second'));
    d.trigger('a');
    d.trigger('b');
    assert.deepEqual(seen, ['a', 'second', 'b']);
  });

  test('preventDefault cancels the default action of cancelable events only', () => {
    const d = new EventDispatcher();
    let ran = 0;
    d.on('streamDestroyed', (e) => e.preventDefault());
    d.dispatch(new OTEvent('streamDestroyed', { reason: 'x' }, true), { defaultAction: () => ran++ });
    assert.equal(ran, 0);
    const notCancelable = new OTEvent('streamDestroyed', {}, false);
    d.dispatch(notCancelable, { defaultAction: () => ran++ });
    assert.equal(ran, 1);
    assert.equal(notCancelable.isDefaultPrevented(), false);
    assert.equal(notCancelable.target, d);
  });

  test('hasListeners follows on/off (audioLevelUpdated starts its meter only when wanted)', () => {
    const d = new EventDispatcher();
    const h = () => {};
    assert.equal(d.hasListeners('audioLevelUpdated'), false);
    d.on('audioLevelUpdated', h);
    assert.equal(d.hasListeners('audioLevelUpdated'), true);
    d.off('audioLevelUpdated', h);
    assert.equal(d.hasListeners('audioLevelUpdated'), false);
  });
});

describe('ObjectCollection', () => {
  test('get, has, length, forEach, find and where', () => {
    const c = new ObjectCollection((x) => x.id);
    c.add({ id: 'a', kind: 'cam' });
    c.add({ id: 'b', kind: 'screen' });
    c.add({ id: 'a', kind: 'cam2' }); // same id replaces
    assert.equal(c.length, 2);
    assert.equal(c.get('a').kind, 'cam2');
    assert.equal(c.has('zz'), false);
    assert.equal(c.find({ kind: 'screen' }).id, 'b');
    assert.deepEqual(c.where((x) => x.id !== 'b').map((x) => x.id), ['a']);
    const ids = [];
    c.forEach((x, id) => ids.push(id));
    assert.deepEqual(ids, ['a', 'b']);
    c.remove('a');
    assert.equal(c.length, 1);
  });
});

const connection = new OTConnection({ id: 'c1', creationTime: 5, data: 'name=x', permissions: ['publish'], raw: {} });

function streamWith(channel) {
  return new OTStream(parseStream({ id: 's1', name: 'cam', creationTime: 7, connection: { id: 'c1' }, channel }), connection);
}

describe('OTStream', () => {
  test('properties derive from the channels (§7.6.2)', () => {
    const s = streamWith([
      { id: 'video1', type: 'video', active: 'true', width: 640, height: 480, source: 'screen', fitMode: 'contain', frameRate: 15 },
      { id: 'audio1', type: 'audio', active: false },
      { id: 'caption1', type: 'data', active: false },
    ]);
    assert.equal(s.streamId, 's1');
    assert.equal(s.connection, connection);
    assert.equal(s.hasVideo, true);
    assert.equal(s.hasAudio, false);
    assert.equal(s.hasCaptions, false);
    assert.equal(s.videoType, 'screen');
    assert.deepEqual(s.videoDimensions, { width: 640, height: 480 });
    assert.equal(s.frameRate, 15);
    assert.equal(s.defaultFitMode, 'contain');
  });

  test('an audio-only stream has no videoType; a camera without source is camera', () => {
    assert.equal(streamWith([{ id: 'audio1', type: 'audio', active: true }]).videoType, undefined);
    assert.equal(streamWith([{ id: 'video1', type: 'video', active: true, width: 1, height: 1 }]).videoType, 'camera');
  });

  test('channel updates report the OT property changes (§7.6.4)', () => {
    const s = streamWith([
      { id: 'video1', type: 'video', active: true, width: 640, height: 480 },
      { id: 'audio1', type: 'audio', active: true },
    ]);
    assert.deepEqual(s.applyChannelUpdate('audio1', { active: false }), [{ changedProperty: 'hasAudio', oldValue: true, newValue: false }]);
    assert.deepEqual(s.applyChannelUpdate('audio1', { active: false }), []);
    assert.deepEqual(s.applyChannelUpdate('video1', { width: 1280, height: 720 }), [
      { changedProperty: 'videoDimensions', oldValue: { width: 640, height: 480 }, newValue: { width: 1280, height: 720 } },
    ]);
    // An unknown key stops the rest of the update, as OpenTok.js does.
    assert.deepEqual(s.applyChannelUpdate('video1', { bogus: 1, active: false }), []);
    assert.equal(s.hasVideo, true);
    assert.deepEqual(s.applyChannelUpdate('nope', { active: false }), []);
    assert.deepEqual(s.applyStreamUpdate({ name: 'renamed' }), [{ changedProperty: 'name', oldValue: 'cam', newValue: 'renamed' }]);
  });
});

describe('routed subscriber SDP rewrite', () => {
  test('every a=setup in the SFU offer becomes passive; nothing else changes', () => {
    const offer = 'v=0\r\nm=audio 9 X 111\r\na=setup:actpass\r\nm=video 9 X 96\r\na=setup:active\r\na=setup-ish:actpass\r\n';
    assert.equal(passiveSetup(offer), 'v=0\r\nm=audio 9 X 111\r\na=setup:passive\r\nm=video 9 X 96\r\na=setup:passive\r\na=setup-ish:actpass\r\n');
  });
});

describe('OT object', () => {
  test('error codes, log levels and the same Session for the same id', () => {
    assert.equal(OT.ExceptionCodes, ExceptionCodes);
    assert.equal(ExceptionCodes.AUTHENTICATION_ERROR, 1004);
    assert.equal(ExceptionCodes.UNABLE_TO_SUBSCRIBE, 1501);
    assert.equal(OT.DEBUG, 5);
    const a = OT.initSession('123', '1_MX4xMjN-fg');
    assert.equal(OT.initSession('123', '1_MX4xMjN-fg'), a);
    assert.equal(a.sessionId, '1_MX4xMjN-fg');
    assert.equal(a.isConnected(), false);
    assert.throws(() => OT.initSession('123', ''), (e) => e.code === 1005 && e.name === 'OT_INVALID_SESSION_ID');
  });

  test('session calls before connect fail with OT_NOT_CONNECTED (signal: code 500, as in OpenTok.js; others 1010)', async () => {
    const s = OT.initSession('123', '1_MX4xMjN-notconnected');
    const err = await new Promise((resolve) => s.signal({ type: 'x', data: 'y' }, resolve));
    assert.equal(err.code, 500);
    assert.equal(err.name, 'OT_NOT_CONNECTED');
    await assert.rejects(s.forceMuteAll(), (e) => e.code === 1010);
  });
});
