// Forged, tampered and misdirected credentials for the token matrix (client tokens in T1 and
// JWT form, REST JWTs). Every builder returns a string to put where a real token goes.
import crypto from 'node:crypto';

import { b64url, nowSeconds, clientT1, decodeT1 } from '../../lib/parleyd.js';

// A JWT with any header, payload and HMAC hash; `secret === null` leaves the signature empty.
export function hmacJwt(header, payload, secret, hash = 'sha256') {
  const h = b64url(JSON.stringify(header));
  const p = b64url(JSON.stringify(payload));
  const sig = secret === null ? '' : crypto.createHmac(hash, secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${sig}`;
}

// Client-token claims as the Node SDK writes them, any claim overridable (undefined removes).
export function clientClaims(apiKey, sessionId, overrides = {}) {
  const now = nowSeconds();
  const claims = {
    iss: apiKey,
    ist: 'project',
    iat: now,
    exp: now + 3600,
    session_id: sessionId,
    create_time: now,
    nonce: Math.random(),
    role: 'publisher',
    expire_time: now + 3600,
    initial_layout_class_list: '',
    scope: 'session.connect',
    ...overrides,
  };
  for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
  return claims;
}

export function clientToken(apiKey, apiSecret, sessionId, overrides = {}, { header = { alg: 'HS256', typ: 'JWT' }, hash = 'sha256' } = {}) {
  return hmacJwt(header, clientClaims(apiKey, sessionId, overrides), apiSecret, hash);
}

// Replaces the payload of a JWT, keeping its header and signature (payload tampering).
export function withPayload(token, edit) {
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  return `${h}.${b64url(JSON.stringify(edit(payload)))}.${s}`;
}

// Replaces the header of a JWT, keeping its payload and signature.
export function withHeader(token, header) {
  const [, p, s] = token.split('.');
  return `${b64url(JSON.stringify(header))}.${p}.${s}`;
}

// Flips one character in the middle of the signature (a forged signature of the right shape).
export function flipSignature(token) {
  const [h, p, s] = token.split('.');
  const i = Math.floor(s.length / 2);
  const c = s[i] === 'A' ? 'B' : 'A';
  return `${h}.${p}.${s.slice(0, i)}${c}${s.slice(i + 1)}`;
}

// A T1 token whose signed data was edited after signing (signature kept).
export function tamperT1(token, edit) {
  const { partnerId, sig, data } = decodeT1(token);
  return 'T1==' + Buffer.from(`partner_id=${partnerId}&sig=${sig}:${edit(data)}`, 'utf8').toString('base64');
}

// A T1 token with a signature that is not the HMAC of its data.
export function forgedT1(apiKey, sessionId) {
  const now = nowSeconds();
  const data = new URLSearchParams({ session_id: sessionId, create_time: String(now), nonce: '1', role: 'moderator', expire_time: String(now + 3600), scope: 'session.connect' }).toString();
  const sig = crypto.randomBytes(20).toString('hex');
  return 'T1==' + Buffer.from(`partner_id=${apiKey}&sig=${sig}:${data}`, 'utf8').toString('base64');
}

export { clientT1 };

// REST JWT claims as the Node SDK writes them, overridable.
export function restToken(apiKey, apiSecret, overrides = {}, { header = { alg: 'HS256', typ: 'JWT' }, hash = 'sha256' } = {}) {
  const now = nowSeconds();
  const claims = { iss: apiKey, ist: 'project', iat: now, exp: now + 300, jti: crypto.randomUUID(), ...overrides };
  for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
  return hmacJwt(header, claims, apiSecret, hash);
}
