// Regenerates the token vectors pasted into server/test/core/*Test.cpp.
//   node server/test/data/make_token_vectors.cjs
// Node-format vectors come from the official `opentok` npm SDK with the clock frozen at
// CREATE; Ruby- and Python-format vectors are assembled here by the rules of docs/protocol.md §2.2,
// §2.3 and §3.1 (claim order, header order, '+' for spaces) and signed with node:crypto.
// Node nonces are random, so every run prints different (equally valid) tokens.
'use strict';
const path = require('path');
const crypto = require('crypto');
const OpenTok = require(path.join(__dirname, '../../../node_modules/opentok'));

const KEY = '47665971';
const SECRET = '0123456789abcdef0123456789abcdef01234567';
const CREATE = 1764000000;  // 2025-11-24T16:00:00Z
const b64url = (s) => Buffer.from(s).toString('base64url');
const SESSION = '1_' + b64url('1~47665971~~1763999999123~Q9mcXG1QrN3TIYu8y+ppx/gs~P~');
const OTHER_SESSION = '1_' + b64url('1~12345678~~1763999999123~Q9mcXG1QrN3TIYu8y+ppx/gs~P~');

// Freeze Date so the SDK stamps CREATE.
const RealDate = Date;
global.Date = class extends RealDate {
  constructor(...a) { if (a.length) super(...a); else super(CREATE * 1000); }
  static now() { return CREATE * 1000; }
};

const ot = new OpenTok(KEY, SECRET);
const out = {};
out.SESSION = SESSION;
out.OTHER_SESSION = OTHER_SESSION;
out.nodeJwtDefault = ot.generateToken(SESSION);
out.nodeJwtModerator = ot.generateToken(SESSION, {
  role: 'moderator', data: 'name=Bob Smith&x=1', initialLayoutClassList: ['focus', 'full'],
  expireTime: CREATE + 7 * 86400,
});
out.nodeJwtSubscriber = ot.generateToken(SESSION, { role: 'subscriber' });
out.nodeT1Default = ot.generateToken(SESSION, {}, true);
out.nodeT1Moderator = ot.generateToken(SESSION, {
  role: 'moderator', data: 'name=Bob Smith&x=1', initialLayoutClassList: ['focus', 'full'],
  expireTime: CREATE + 7 * 86400,
}, true);
out.nodeT1PublisherOnly = ot.generateToken(SESSION, { role: 'publisheronly', data: 'ünïcødé ✓' }, true);
out.nodeRest = ot.generateJwt();
// Node refuses sessions of other keys, so sign one for OTHER_SESSION by hand below.

const hmacHex = (alg, data) => crypto.createHmac(alg, SECRET).update(data).digest('hex');
const jwt = (header, payload, secret = SECRET) => {
  const input = b64url(JSON.stringify(header)) + '.' + b64url(JSON.stringify(payload));
  return input + '.' + crypto.createHmac('sha256', secret).update(input).digest('base64url');
};
// Ruby's Addressable form_encode and Python's urlencode: '+' for space.
const formPlus = (pairs) => pairs.map(([k, v]) =>
  encodeURIComponent(k) + '=' + encodeURIComponent(String(v)).replace(/%20/g, '+')).join('&');
const t1 = (data) => 'T1==' + Buffer.from(
  `partner_id=${KEY}&sig=${hmacHex('sha1', data)}:${data}`).toString('base64');

// Ruby T1: role first, no expire_time, no scope.
out.rubyT1 = t1(formPlus([['role', 'subscriber'], ['session_id', SESSION],
  ['create_time', CREATE], ['nonce', 0.5213906342046384], ['connection_data', 'name=Bob Smith'],
  ['initial_layout_class_list', 'focus full']]));
// Ruby JWT: typ before alg, no exp.
out.rubyJwt = jwt({ typ: 'JWT', alg: 'HS256' }, {
  iss: KEY, ist: 'project', iat: CREATE, nonce: 0.8146337012341893, role: 'publisher',
  scope: 'session.connect', session_id: SESSION, connection_data: 'name=Ann' });
// Ruby REST: ist in the header, no typ.
out.rubyRest = jwt({ ist: 'project', alg: 'HS256' }, { iss: KEY, iat: CREATE, exp: CREATE + 300 });
// Python T1: integer nonce.
out.pythonT1 = t1(formPlus([['session_id', SESSION], ['create_time', CREATE],
  ['expire_time', CREATE + 86400], ['role', 'moderator'], ['nonce', 417394],
  ['initial_layout_class_list', ''], ['connection_data', 'user id=42']]));
// Python JWT: no create_time, integer nonce, iss/ist/nonce last.
out.pythonJwt = jwt({ alg: 'HS256', typ: 'JWT' }, {
  session_id: SESSION, role: 'publisher', iat: CREATE, exp: CREATE + 3600,
  scope: 'session.connect', initial_layout_class_list: 'focus', connection_data: 'x', iss: KEY,
  ist: 'project', nonce: 417394 });
// Python REST: exp = iat + 180, jti.
out.pythonRest = jwt({ alg: 'HS256', typ: 'JWT' }, {
  ist: 'project', iat: CREATE, exp: CREATE + 180, iss: KEY, jti: '0.6291263512349542' });
// Negative helpers.
out.jwtOtherSession = jwt({ alg: 'HS256', typ: 'JWT' }, {
  iss: KEY, ist: 'project', iat: CREATE, exp: CREATE + 3600, session_id: OTHER_SESSION,
  create_time: CREATE, nonce: 0.1, role: 'publisher', expire_time: CREATE + 3600,
  initial_layout_class_list: '', scope: 'session.connect' });
out.jwtWrongSecret = jwt({ alg: 'HS256', typ: 'JWT' }, {
  iss: KEY, ist: 'project', iat: CREATE, exp: CREATE + 3600, session_id: SESSION,
  role: 'publisher' }, 'not-the-secret');

for (const [k, v] of Object.entries(out)) console.log(`${k} = ${v}`);
