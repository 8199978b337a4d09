// A small Rumor/Raptor client for protocol tests (docs/protocol.md §6–§7): frame codec, transaction
// handling and acknowledgements, the way OpenTok.js behaves on the wire.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

export const Type = { SUBSCRIBE: 0, UNSUBSCRIBE: 1, MESSAGE: 2, CONNECT: 3, DISCONNECT: 4, PING: 7, PONG: 8, STATUS: 9 };

export function encodeFrame({ type, addresses = [], headers = {}, payload = '' }) {
  const parts = [];
  const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
  const str = (s) => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([u16(b.length), b]); };
  parts.push(Buffer.from([0, 0, type, addresses.length]));
  for (const a of addresses) parts.push(str(a));
  const entries = Array.isArray(headers) ? headers : Object.entries(headers);
  parts.push(Buffer.from([entries.length]));
  for (const [k, v] of entries) parts.push(str(k), str(String(v)));
  parts.push(Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8'));
  const body = Buffer.concat(parts);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

export function decodeFrame(buf) {
  let o = 4;
  const u16 = () => { const v = buf.readUInt16BE(o); o += 2; return v; };
  const str = () => { const n = u16(); const s = buf.subarray(o, o + n).toString('utf8'); o += n; return s; };
  o += 2;
  const type = buf[o++];
  const nAddr = buf[o++];
  const addresses = [];
  for (let i = 0; i < nAddr; i++) addresses.push(str());
  const nHdr = buf[o++];
  const headers = {};
  for (let i = 0; i < nHdr; i++) { const k = str(); headers[k] = str(); }
  const payload = buf.subarray(o).toString('utf8');
  return { type, addresses, headers, payload };
}

export class RumorClient {
  constructor(ws) {
    this.ws = ws;
    this.frames = [];       // every frame received, decoded
    this.messages = [];     // server MESSAGE frames with parsed Raptor payload
    this.waiters = [];
    this.autoAck = true;
    ws.on('error', (err) => { this.error = err; });  // reported through `closed`
    this.closed = new Promise((resolve) => ws.on('close', (code) => { this.closeCode = code; resolve(code); this._wake(); }));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const frame = decodeFrame(Buffer.from(data));
      frame.bytes = Buffer.from(data);
      this.frames.push(frame);
      if (frame.type === Type.MESSAGE) {
        frame.raptor = JSON.parse(frame.payload);
        this.messages.push(frame);
        const txid = frame.headers['TRANSACTION-ID'];
        if (this.autoAck && txid && this.connectionId) {
          this.sendFrame({ type: Type.STATUS, addresses: [frame.headers['X-TB-FROM-ADDRESS'] ?? ''],
            headers: { 'TRANSACTION-ID': txid, 'X-TB-FROM-ADDRESS': this.connectionId } });
        }
      }
      this._wake();
    });
  }

  static async open(url, { socketId, reconnect } = {}) {
    let target = url;
    if (socketId) target += `?socketId=${socketId}${reconnect ? '&reconnect=true' : ''}&attempt=${randomUUID()}`;
    const ws = new WebSocket(target);
    ws.binaryType = 'nodebuffer';
    // Listen before 'open': frames sent right after the upgrade (e.g. re-sent messages on a
    // reconnection) can arrive in the same TCP read and are emitted in the same tick.
    const client = new RumorClient(ws);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); ws.once('unexpected-response', (req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`))); });
    return client;
  }

  _wake() { for (const w of this.waiters.splice(0)) w(); }

  sendFrame(frame) { this.ws.send(encodeFrame(frame)); }
  sendRaw(bytes) { this.ws.send(bytes); }

  // Resolves with the first received frame matching `pred` (checks past frames too).
  async waitFor(pred, { timeout = 5000, from = 0, what = 'frame' } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const hit = this.frames.slice(from).find(pred);
      if (hit) return hit;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      // The timer is cleared when a frame wakes us: a pending timer would keep the test
      // process alive (node --test waits for it) long after the tests have finished.
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  waitForMessage(method, uriPart = '', opts = {}) {
    return this.waitFor((f) => f.type === Type.MESSAGE && f.raptor.method === method && f.raptor.uri.includes(uriPart),
      { what: `${method} ${uriPart}`, ...opts });
  }

  // Sends a Raptor request to the server and resolves with its STATUS frame.
  async request(method, uri, content = {}, extraHeaders = {}) {
    const txid = randomUUID();
    this.sendFrame({ type: Type.MESSAGE, addresses: [this.symphony ?? 'symphony.parley'],
      headers: { ...extraHeaders, 'Content-Type': 'application/x-raptor+v2', 'TRANSACTION-ID': txid, 'X-TB-FROM-ADDRESS': this.connectionId },
      payload: JSON.stringify({ method, uri, content }) });
    const status = await this.waitFor((f) => f.type === Type.STATUS && f.headers['TRANSACTION-ID'] === txid, { what: `STATUS of ${method} ${uri}` });
    return { status: Number(status.headers.STATUS), payload: status.payload ? JSON.parse(status.payload) : null, txid, frame: status };
  }

  // CONNECT + SUBSCRIBE(session topic): the first frames on a new socket (docs/protocol.md §6.3).
  hello({ apiKey, sessionId, connectionId = randomUUID(), symphony = 'symphony.parley' }) {
    this.connectionId = connectionId;
    this.symphony = symphony;
    this.apiKey = apiKey;
    this.sessionId = sessionId;
    this.sendFrame({ type: Type.CONNECT, headers: { uniqueId: connectionId, 'TRANSACTION-ID': randomUUID(), notifyDisconnectAddress: symphony } });
    this.sendFrame({ type: Type.SUBSCRIBE, addresses: [this.sessionUri()] });
  }

  // CONNECT + SUBSCRIBE + connection create, as OpenTok.js does (docs/protocol.md §7.4).
  // `uriConnectionId` puts another id than CONNECT's uniqueId in the create URI (for tests).
  async join({ token, content = {}, uriConnectionId, ...ids }) {
    this.hello(ids);
    return this.request('create', `${this.sessionUri()}/connection/${uriConnectionId ?? this.connectionId}`,
      { userAgent: 'rumor-test', clientVersion: 'js-2.35.2', capabilities: ['forceMute'], ...content },
      { 'X-TB-TOKEN-AUTH': token });
  }

  // Sends PING every `ms` like an idle OpenTok.js client (docs/protocol.md §6.6), until the socket closes.
  keepalive(ms = 500) {
    const timer = setInterval(() => { if (this.ws.readyState === WebSocket.OPEN) this.sendFrame({ type: Type.PING }); }, ms);
    this.closed.then(() => clearInterval(timer));
    return this;
  }

  // Index of the next frame to arrive: pass it as `from` to wait only for later frames.
  mark() { return this.frames.length; }

  // Server MESSAGEs received so far (from index `from`) matching method and URI part.
  received(method, uriPart = '', from = 0) {
    return this.frames.slice(from).filter((f) => f.type === Type.MESSAGE && f.raptor.method === method && f.raptor.uri.includes(uriPart));
  }

  sessionUri() { return `/v2/partner/${this.apiKey}/session/${this.sessionId}`; }

  close() { try { this.ws.close(1000); } catch { /* already closed */ } return this.closed; }
  // Leaves the way OpenTok.js does: DISCONNECT with an empty `reconnect` header, then close
  // (the server ends the connection at once, with no reconnect grace).
  leave() { this.sendFrame({ type: Type.DISCONNECT, headers: { reconnect: '' } }); return this.close(); }
  terminate() { this.ws.terminate(); return this.closed; }
}
