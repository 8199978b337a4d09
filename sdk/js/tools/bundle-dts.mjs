// Bundles the types of parley.js's public OT API into one self-contained declaration file:
//   sdk/js/dist/parley.d.ts   the global `OT` of the classic script (UMD: `export =` plus
//                             `export as namespace OT`); served by parleyd at /sdk/parley.d.ts
//   sdk/js/dist/parley.d.mts  for `import OT from '…/parley.mjs'` (default export and `OT`)
//
// How: tsc emits per-file declarations (with stripInternal) to a temporary directory; this
// script starts from the OT object's class (OTStatic) and the error constants, follows the
// names they use through the public files under src/ot, and writes every declaration it
// reaches into one internal namespace `Parley`. Private members, members marked @internal,
// members whose types come from the protocol layer, and the members a class only has to
// serve its publishers and subscribers (the SessionPort interface) are left out. The
// namespace `OT` then names the public types (OT.Session, OT.Stream, OT.PublisherProperties …)
// next to the value `OT`, whose type is Parley.OTStatic.
//
// Usage: node sdk/js/tools/bundle-dts.mjs [--out DIR] [--keep-tmp]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { declarationOf, identifiers, parseMember, splitBlock, splitStatements } from './dts-parse.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkDir = path.resolve(here, '..');
const repoDir = path.resolve(sdkDir, '..', '..');

/** Files whose declarations may appear in the bundle (paths under src/, without .ts). */
const PUBLIC_FILES = [
  'ot/OT',
  'ot/EventDispatcher',
  'ot/OTEvent',
  'ot/OTError',
  'ot/OTConnection',
  'ot/OTStream',
  'ot/ObjectCollection',
  'ot/Session',
  'ot/Publisher',
  'ot/Subscriber',
  'ot/MediaCapture',
  'ot/VideoCodecs',
];

/** Where the bundle starts; everything else is pulled in by use. */
const ROOTS = ['OTStatic', 'ExceptionCodes', 'ErrorNames'];

/**
 * Internal interfaces that public classes implement for the SDK's own use: a class loses the
 * members it has only because of them, and a property typed with one is typed with the
 * class that really stands behind it.
 */
const INTERNAL_INTERFACES = { SessionPort: { file: 'ot/SessionPort', substitute: 'Session' } };

/** Classes apps construct themselves; the others are made by the SDK (private constructor). */
const CONSTRUCTIBLE = new Set(['OTError', 'OTEvent', 'EventDispatcher']);

/** Public names in the OT namespace where they differ from the class names in src/. */
const PUBLIC_NAMES = { OTStream: 'Stream', OTConnection: 'Connection', OTEvent: 'Event', OTStatic: 'OTStatic' };

function parseArgs(argv) {
  const opts = { out: path.join(sdkDir, 'dist'), keepTmp: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') opts.out = path.resolve(argv[++i]);
    else if (argv[i] === '--keep-tmp') opts.keepTmp = true;
    else if (argv[i] === '--quiet') opts.quiet = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return opts;
}

/** Runs tsc to emit per-file declarations into a fresh temporary directory. */
export function emitDeclarations() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-dts-'));
  const tscArgs = ['--no', '--', 'tsc', '-p', sdkDir, '--noEmit', 'false', '--declaration', '--emitDeclarationOnly',
    '--stripInternal', '--rootDir', path.join(sdkDir, 'src'), '--outDir', tmp];
  try {
    execFileSync('npx', tscArgs, { cwd: repoDir, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error('tsc could not emit the declarations (see its errors above)');
  }
  return tmp;
}

/** `{imports: Map<local, {file, name}>, decls: Map<name, {doc, code, kind, exported}>}` of one file. */
function readFile(dir, file) {
  const text = readFileSync(path.join(dir, `${file}.d.ts`), 'utf8');
  const imports = new Map();
  const decls = new Map();
  const exportedLater = new Set();
  for (const st of splitStatements(text)) {
    if (st.code.startsWith('import ')) {
      const m = /^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/.exec(st.code);
      if (!m) continue;
      const from = path.posix.join(path.posix.dirname(file), m[2].replace(/\.js$/, ''));
      for (const part of m[1].split(',').map((p) => p.trim()).filter(Boolean)) {
        const [orig, local] = part.replace(/^type\s+/, '').split(/\s+as\s+/);
        imports.set((local ?? orig).trim(), { file: from, name: orig.trim() });
      }
      continue;
    }
    const reexport = /^export\s+(?:type\s+)?\{([^}]*)\}\s*;?$/.exec(st.code);
    if (reexport) {
      for (const part of reexport[1].split(',').map((p) => p.trim()).filter(Boolean)) exportedLater.add(part.split(/\s+as\s+/)[0].replace(/^type\s+/, ''));
      continue;
    }
    const d = declarationOf(st.code);
    if (!d) continue;
    decls.set(d.name, { ...d, doc: st.doc, code: st.code, file, exported: /^export\s/.test(st.code) });
  }
  for (const name of exportedLater) if (decls.has(name)) decls.get(name).exported = true;
  return { imports, decls };
}

const indent = (text, by) => text.split('\n').map((l) => (l.trim() ? by + l : l)).join('\n');

/** Strips `export`/`declare` from a declaration's head: inside a namespace it is `export <kind>`. */
const bareHead = (code) => code.replace(/^(?:export\s+)?(?:declare\s+)?/, '');

/** The type parameters of a declaration head: `{params: '<T extends object>', args: '<T>'}`. */
function typeParams(head, name) {
  const at = head.indexOf(name) + name.length;
  if (head[at] !== '<') return { params: '', args: '' };
  let depth = 0;
  let end = at;
  for (; end < head.length; end++) {
    if (head[end] === '<') depth++;
    else if (head[end] === '>' && head[end - 1] !== '=' && --depth === 0) break;
  }
  const params = head.slice(at, end + 1);
  const names = [];
  let d = 0;
  let cur = '';
  for (const ch of params.slice(1, -1)) {
    if ('<({['.includes(ch)) d++;
    if ('>)}]'.includes(ch)) d--;
    if (ch === ',' && d === 0) {
      names.push(cur);
      cur = '';
    } else cur += ch;
  }
  names.push(cur);
  return { params, args: `<${names.map((n) => /[A-Za-z_$][\w$]*/.exec(n)[0]).join(', ')}>` };
}

export function bundle(dir, { log = () => {} } = {}) {
  const files = new Map(PUBLIC_FILES.map((f) => [f, readFile(dir, f)]));
  const internalMembers = new Map();
  for (const [iface, { file }] of Object.entries(INTERNAL_INTERFACES)) {
    const decl = readFile(dir, file).decls.get(iface);
    const names = new Set(splitStatements(splitBlock(decl.code).body).map((m) => parseMember(m.code).name));
    internalMembers.set(iface, names);
  }

  // Where each public name is declared.
  const home = new Map();
  for (const [file, { decls }] of files) {
    for (const name of decls.keys()) {
      if (!home.has(name)) home.set(name, []);
      home.get(name).push(file);
    }
  }

  /** Names that must not appear in the bundle when used from `file`: imports from elsewhere. */
  const forbiddenIn = (file) => {
    const out = new Set();
    for (const [local, imp] of files.get(file).imports) {
      if (!files.has(imp.file) && !(local in INTERNAL_INTERFACES)) out.add(local);
    }
    return out;
  };

  const substitute = (text) => {
    let t = text;
    for (const [iface, { substitute: to }] of Object.entries(INTERNAL_INTERFACES)) t = t.replace(new RegExp(`\\b${iface}\\b`, 'g'), to);
    return t;
  };

  /** A declaration as it goes into the bundle, or its members filtered for classes/interfaces. */
  function transform(decl) {
    const forbidden = forbiddenIn(decl.file);
    const uses = (text) => [...identifiers(text)].filter((id) => forbidden.has(id));
    if (decl.kind !== 'class' && decl.kind !== 'interface') {
      const bad = uses(decl.code);
      if (bad.length) throw new Error(`${decl.name} (${decl.file}) uses internal types: ${bad.join(', ')}`);
      return substitute(`export ${bareHead(decl.code).replace(/^(const|let|var|function)\b/, (k) => (k === 'function' ? 'function' : 'const'))}`);
    }
    let { head, body } = splitBlock(decl.code);
    head = bareHead(head);
    const dropByInterface = new Set();
    head = head.replace(/\s+implements\s+([^{]+)$/, (_, list) => {
      const kept = [];
      for (const name of list.split(',').map((s) => s.trim())) {
        if (name in INTERNAL_INTERFACES) for (const m of internalMembers.get(name)) dropByInterface.add(m);
        else if (!forbidden.has(name)) kept.push(name);
      }
      return kept.length ? ` implements ${kept.join(', ')}` : '';
    });
    const members = [];
    let hadConstructor = false;
    for (const st of splitStatements(body)) {
      const m = parseMember(st.code);
      const label = `${decl.name}.${m.name}`;
      if (m.modifiers.includes('private') || m.modifiers.includes('protected') || m.name.startsWith('#')) continue;
      if (m.kind === 'constructor') {
        hadConstructor = true;
        if (!CONSTRUCTIBLE.has(decl.name)) continue;
      }
      if (dropByInterface.has(m.name)) {
        log(`  left out ${label} (serves the internal ${[...Object.keys(INTERNAL_INTERFACES)].join('/')})`);
        continue;
      }
      const bad = uses(m.rest);
      if (bad.length) {
        log(`  left out ${label} (uses ${bad.join(', ')})`);
        continue;
      }
      members.push(st.doc ? `${st.doc}\n${st.code}` : st.code);
    }
    if (decl.kind === 'class' && !CONSTRUCTIBLE.has(decl.name) && (hadConstructor || head.includes(' extends '))) {
      members.unshift('/** Made by the SDK (OT.initSession, OT.initPublisher, session.subscribe …), not by apps. */\nprivate constructor();');
    }
    return substitute(`export ${head} {\n${members.map((m) => indent(m.replace(/\n {4}/g, '\n'), '    ')).join('\n')}\n}`);
  }

  // Follow names from the roots.
  const included = new Map();
  const queue = [...ROOTS];
  while (queue.length) {
    const name = queue.shift();
    if (included.has(name)) continue;
    const homes = home.get(name);
    if (!homes) continue;
    if (homes.length > 1) throw new Error(`${name} is declared in ${homes.join(' and ')}: rename one or extend bundle-dts.mjs`);
    const decl = files.get(homes[0]).decls.get(name);
    const text = transform(decl);
    included.set(name, { decl, text });
    for (const id of identifiers(text)) if (id !== name && home.has(id)) queue.push(id);
  }

  const order = [...included.keys()].sort((a, b) => {
    const fa = PUBLIC_FILES.indexOf(included.get(a).decl.file);
    const fb = PUBLIC_FILES.indexOf(included.get(b).decl.file);
    return fa - fb || a.localeCompare(b);
  });

  const aliases = [];
  for (const name of order) {
    const { decl, text } = included.get(name);
    if (!decl.exported || !['class', 'interface', 'type'].includes(decl.kind)) continue;
    const { params, args } = typeParams(text, name);
    const publicName = PUBLIC_NAMES[name] ?? name;
    const docLine = decl.doc ? `${decl.doc.split('\n').map((l) => l.trim()).join('\n ')}\n` : '';
    aliases.push(`${docLine}type ${publicName}${params} = Parley.${name}${args};`);
  }
  if (included.has('ErrorNames')) aliases.push('/** An OT error name (`error.name`), e.g. \'OT_NOT_CONNECTED\'. */\ntype ErrorName = (typeof Parley.ErrorNames)[keyof typeof Parley.ErrorNames];');
  if (included.has('ExceptionCodes')) aliases.push('/** An OT error code (`error.code`), e.g. 1010. */\ntype ExceptionCode = (typeof Parley.ExceptionCodes)[keyof typeof Parley.ExceptionCodes];');

  const dts = [
    '// parley.d.ts: the types of parley.js\'s OpenTok-compatible OT API.',
    '// Generated by sdk/js/tools/bundle-dts.mjs from sdk/js/src (make sdk); do not edit.',
    '// Classic <script src="…/sdk/parley.js">: the global `OT` (reference this file, or list it in',
    '// tsconfig "files"). ES module: parley.d.mts next to it types `import OT from \'…/parley.mjs\'`.',
    '',
    '// The declarations themselves; apps use them through OT (OT.Session, OT.Stream …).',
    'declare namespace Parley {',
    order.map((n) => indent(included.get(n).decl.doc ? `${included.get(n).decl.doc}\n${included.get(n).text}` : included.get(n).text, '    ')).join('\n\n'),
    '}',
    '',
    '/** The OT object: OT.initSession, OT.initPublisher, OT.getDevices, OT.setProxyUrl … */',
    'declare const OT: Parley.OTStatic;',
    '',
    '/** The OT API\'s types, by the names OpenTok.js documents (OT.Session, OT.Stream, OT.Connection …). */',
    'declare namespace OT {',
    indent(aliases.join('\n'), '    '),
    '}',
    '',
    'declare global {',
    '    interface Window {',
    '        /** Read when parley.js loads: `apiURL` is the server it talks to (default: the script\'s origin). */',
    '        OTProperties?: { apiURL?: string };',
    '    }',
    '}',
    '',
    'export = OT;',
    'export as namespace OT;',
    '',
  ].join('\n');

  const dmts = [
    '// parley.d.mts: types of the parley.js ES module (dist/parley.mjs): the OT object as its',
    '// default export and as `OT`, and the error constants. The protocol layer the module also',
    '// exports (Rumor, Raptor, session info) is for tools and tests and is not described here.',
    '// Generated by sdk/js/tools/bundle-dts.mjs (make sdk); do not edit.',
    'import OT from \'./parley.js\';',
    '',
    'export default OT;',
    'export { OT };',
    'export declare const OTError: typeof OT.OTError;',
    'export type OTError = OT.OTError;',
    'export declare const ErrorNames: typeof OT.ErrorNames;',
    'export declare const ExceptionCodes: typeof OT.ExceptionCodes;',
    'export declare const VERSION: string;',
    '',
  ].join('\n');
  return { dts, dmts, names: order };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const tmp = emitDeclarations();
  try {
    const { dts, dmts, names } = bundle(tmp, { log: opts.quiet ? () => {} : (m) => console.log(m) });
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(path.join(opts.out, 'parley.d.ts'), dts);
    writeFileSync(path.join(opts.out, 'parley.d.mts'), dmts);
    const rel = path.relative(process.cwd(), path.join(opts.out, 'parley.d.ts'));
    console.log(`sdk: ${rel} (${names.length} declarations, ${Buffer.byteLength(dts)} bytes) and parley.d.mts`);
  } finally {
    if (opts.keepTmp) console.log(`sdk: per-file declarations kept in ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`bundle-dts: ${err.message}`);
    process.exit(1);
  });
}
