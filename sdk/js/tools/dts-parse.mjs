// A small reader for the declaration files tsc emits (and for the bundled parley.d.ts):
// splits text into top-level statements and class/interface bodies into members, keeping
// each one's JSDoc comment. It understands just enough TypeScript for declarations: strings,
// template literals, comments and bracket nesting. Shared by bundle-dts.mjs and
// api-reference.mjs; not a test module.

const BLOCK_START = /^(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(class|interface|namespace|module|enum)\b/;

/** Index just past the string/template literal or comment that starts at `i`, or -1. */
function skipOpaque(text, i) {
  const c = text[i];
  if (c === '/' && text[i + 1] === '/') {
    const end = text.indexOf('\n', i);
    return end < 0 ? text.length : end + 1;
  }
  if (c === '/' && text[i + 1] === '*') {
    const end = text.indexOf('*/', i + 2);
    if (end < 0) throw new Error('unterminated comment');
    return end + 2;
  }
  if (c === '"' || c === "'" || c === '`') {
    let j = i + 1;
    while (j < text.length && text[j] !== c) {
      if (text[j] === '\\') j++;
      j++;
    }
    if (j >= text.length) throw new Error('unterminated string');
    return j + 1;
  }
  return -1;
}

/**
 * Splits `text` into statements (top level of a file, or the inside of a `{ }` body):
 * `[{doc, code}]`, `doc` the text of the JSDoc comment right before (or ''), `code` the
 * statement without leading comments and with its whitespace intact.
 */
export function splitStatements(text) {
  const out = [];
  let i = 0;
  let doc = '';
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c) || c === ';') {
      i++;
      continue;
    }
    const opaque = skipOpaque(text, i);
    if (opaque >= 0 && text[i] === '/') {
      const comment = text.slice(i, opaque);
      doc = comment.startsWith('/**') ? comment : doc;
      i = opaque;
      continue;
    }
    const start = i;
    let depth = 0;
    let block = null;
    let end = -1;
    while (i < text.length) {
      const skip = skipOpaque(text, i);
      if (skip >= 0) {
        i = skip;
        continue;
      }
      const ch = text[i];
      if (ch === '(' || ch === '[' || ch === '{') {
        if (ch === '{' && depth === 0 && block === null) block = BLOCK_START.test(text.slice(start, i));
        depth++;
      } else if (ch === ')' || ch === ']' || ch === '}') {
        depth--;
        if (depth < 0) throw new Error(`unbalanced '${ch}' at ${i}`);
        if (depth === 0 && ch === '}' && block) {
          end = i + 1;
          break;
        }
      } else if (ch === ';' && depth === 0) {
        end = i + 1;
        break;
      }
      i++;
    }
    if (end < 0) end = text.length;
    out.push({ doc, code: text.slice(start, end).trim() });
    doc = '';
    i = end;
  }
  return out;
}

/** For a block statement: `{head, body}` — the text before its outermost `{` and inside it. */
export function splitBlock(code) {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < code.length; i++) {
    const skip = skipOpaque(code, i);
    if (skip >= 0) {
      i = skip - 1;
      continue;
    }
    const ch = code[i];
    if (ch === '(' || ch === '[' || ch === '<') depth++;
    else if (ch === ')' || ch === ']' || (ch === '>' && code[i - 1] !== '=')) depth--;
    else if (ch === '{' && depth === 0) {
      open = i;
      break;
    }
  }
  if (open < 0 || !code.endsWith('}')) throw new Error(`not a block: ${code.slice(0, 60)}`);
  return { head: code.slice(0, open).trim(), body: code.slice(open + 1, -1) };
}

/** `code` without comments and string contents (for identifier scans). */
export function stripOpaque(code) {
  let out = '';
  for (let i = 0; i < code.length;) {
    const skip = skipOpaque(code, i);
    if (skip >= 0) {
      out += code[i] === '/' ? ' ' : '""';
      i = skip;
    } else {
      out += code[i++];
    }
  }
  return out;
}

/** Identifiers used in `code` (outside strings and comments). */
export function identifiers(code) {
  return new Set(stripOpaque(code).match(/[A-Za-z_$][\w$]*/g) ?? []);
}

const DECL = /^(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(class|interface|namespace|module|enum|type|const|let|var|function)\s+([A-Za-z_$][\w$]*)/;

/** `{kind, name}` of a declaration statement, or null (imports, exports, …). */
export function declarationOf(code) {
  const m = DECL.exec(code);
  return m ? { kind: m[1], name: m[2] } : null;
}

const MODIFIERS = new Set(['private', 'protected', 'public', 'readonly', 'static', 'abstract', 'override', 'declare', 'accessor']);

/**
 * A class or interface member: `{modifiers, name, kind, optional, rest}` where kind is
 * 'constructor', 'method', 'get', 'set', 'property' or 'index', and `rest` is the text after
 * the name (parameters and type, or `: type`).
 */
export function parseMember(code) {
  let s = code.replace(/;$/, '').trim();
  const modifiers = [];
  for (;;) {
    const m = /^([a-z]+)\s+(?=[A-Za-z_$[#"'])/.exec(s);
    if (!m || !MODIFIERS.has(m[1])) break;
    // `readonly: boolean` or `static(): void` would be members named like a modifier.
    modifiers.push(m[1]);
    s = s.slice(m[0].length);
  }
  if (s.startsWith('[')) return { modifiers, name: s.slice(0, s.indexOf(']') + 1), kind: 'index', optional: false, rest: s.slice(s.indexOf(']') + 1) };
  let kind = null;
  const acc = /^(get|set)\s+(?=[A-Za-z_$#"'[])/.exec(s);
  if (acc) {
    kind = acc[1];
    s = s.slice(acc[0].length);
  }
  const nm = /^(#?[A-Za-z_$][\w$]*|"[^"]*"|'[^']*')/.exec(s);
  if (!nm) throw new Error(`cannot parse member: ${code.slice(0, 80)}`);
  const name = nm[1];
  s = s.slice(name.length);
  const optional = s.startsWith('?');
  if (optional) s = s.slice(1);
  if (!kind) {
    if (name === 'constructor' && s.trimStart().startsWith('(')) kind = 'constructor';
    else if (/^\s*[(<]/.test(s)) kind = 'method';
    else kind = 'property';
  }
  return { modifiers, name, kind, optional, rest: s };
}

/** Collapses runs of whitespace, keeping the text readable on one line. */
export function oneLine(code) {
  return stripOpaqueKeepStrings(code).replace(/\s+/g, ' ').replace(/([({[<]) /g, '$1').replace(/ ([)}\]>])/g, '$1').replace(/;([)}\]>])/g, '$1').trim();
}

/** Like stripOpaque but only removes comments. */
function stripOpaqueKeepStrings(code) {
  let out = '';
  for (let i = 0; i < code.length;) {
    const skip = skipOpaque(code, i);
    if (skip >= 0) {
      out += code[i] === '/' ? ' ' : code.slice(i, skip);
      i = skip;
    } else {
      out += code[i++];
    }
  }
  return out;
}

/** The text of a JSDoc comment without its markers: paragraphs joined, tags kept. */
export function docText(doc) {
  if (!doc) return '';
  return doc
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').trimEnd())
    .join('\n')
    .trim();
}

/**
 * The arguments of the call whose `(` is at `open` in TypeScript source: their texts, split
 * at top-level commas (strings, comments and nested brackets respected).
 */
export function callArguments(text, open) {
  const args = [];
  let depth = 0;
  let cur = '';
  for (let i = open + 1; i < text.length;) {
    const skip = skipOpaque(text, i);
    if (skip >= 0) {
      cur += text.slice(i, skip);
      i = skip;
      continue;
    }
    const ch = text[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) {
        if (cur.trim()) args.push(cur.trim());
        return args;
      }
      depth--;
    }
    if (ch === ',' && depth === 0) {
      args.push(cur.trim());
      cur = '';
    } else cur += ch;
    i++;
  }
  throw new Error('unterminated call');
}
