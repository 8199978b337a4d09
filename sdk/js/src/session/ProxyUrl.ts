// URL rules of the client bootstrap: the session-info URL built from apiURL (docs/protocol.md §5.4) and the
// rewriting of every URL through OT.setProxyUrl (docs/protocol.md §5.5).
//
// URLs are split by hand rather than with the URL class because the rules keep the host as
// written: `wss://rumor.example.com:443/…` proxied must keep its `:443`, which URL drops as
// the default port.

interface UrlParts {
  /** Lowercase, without ':'. */
  scheme: string;
  /** host[:port] as written (lowercased), without user info. */
  host: string;
  /** '/' when the URL has no path. */
  path: string;
  /** '' or '?…' */
  query: string;
}

const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?/;

function splitUrl(url: string): UrlParts | null {
  const m = URL_RE.exec(url);
  if (!m) return null;
  const authority = m[2]!;
  const at = authority.lastIndexOf('@');
  return {
    scheme: m[1]!.toLowerCase(),
    host: (at >= 0 ? authority.slice(at + 1) : authority).toLowerCase(),
    path: m[3] || '/',
    query: m[4] ?? '',
  };
}

const stripTrailingSlash = (s: string): string => s.replace(/\/$/, '');

/**
 * The URL the client contacts instead of `url` when a proxy URL is set (docs/protocol.md §5.5):
 * `scheme'://P.host P.path / U.host U.path U.query` with `scheme'` = `ws` for WebSocket URLs
 * (else `http`) plus `s` when the proxy URL is https. Without a proxy, or when either URL
 * has no scheme, `url` is returned unchanged.
 */
export function proxiedUrl(url: string, proxyUrl?: string | null): string {
  if (!proxyUrl) return url;
  const p = splitUrl(proxyUrl);
  const u = splitUrl(url);
  if (!p || !u) return url;
  const secure = p.scheme.startsWith('https');
  const scheme = (u.scheme.startsWith('ws') ? 'ws' : 'http') + (secure ? 's' : '');
  const base = stripTrailingSlash(`${scheme}://${p.host}${p.path}`);
  const target = stripTrailingSlash(`${u.host}${u.path}${u.query}`);
  return `${base}/${target}`;
}

/**
 * `GET {apiUrl}/session/{sessionId}?extended=true` (docs/protocol.md §5.4): the path of apiUrl with one
 * trailing slash, then `session/{id}`; a query already in apiUrl is kept and `extended=true`
 * added (replacing any `extended` there).
 */
export function sessionInfoUrl(apiUrl: string, sessionId: string): string {
  const hash = apiUrl.indexOf('#');
  const noHash = hash >= 0 ? apiUrl.slice(0, hash) : apiUrl;
  const q = noHash.indexOf('?');
  const base = q >= 0 ? noHash.slice(0, q) : noHash;
  const query = q >= 0 ? noHash.slice(q + 1) : '';
  const kept = query.split('&').filter((kv) => kv !== '' && kv.split('=')[0] !== 'extended');
  kept.push('extended=true');
  return `${base.replace(/\/?$/, '/')}session/${sessionId}?${kept.join('&')}`;
}
