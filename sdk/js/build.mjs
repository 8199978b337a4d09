// Bundles parley.js with esbuild:
//   sdk/js/src/index.ts → sdk/js/dist/parley.mjs  ES module (default export OT)
//   sdk/js/src/umd.ts   → sdk/js/dist/parley.js   UMD: CommonJS, AMD and the global `OT`
// Usage: node sdk/js/build.mjs [--minify]
import { build } from 'esbuild';
import { copyFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const minify = process.argv.includes('--minify');

// The IIFE keeps its result in a local variable; the footer hands OT to CommonJS and AMD
// when present, and always to the global object.
const umdBanner = '(function () {';
const umdFooter = [
  '  var OT = __parley.OT;',
  "  if (typeof module === 'object' && module && module.exports) module.exports = OT;",
  "  if (typeof define === 'function' && define.amd) define([], function () { return OT; });",
  '  // Always global too: pages written for OpenTok.js expect window.OT even next to a loader.',
  "  if (typeof window !== 'undefined') window.OT = OT;",
  "  else if (typeof globalThis !== 'undefined') globalThis.OT = OT;",
  '})();',
].join('\n');

const common = {
  bundle: true,
  platform: 'neutral',
  target: ['es2020'],
  sourcemap: true,
  minify,
  logLevel: 'warning',
  legalComments: 'none',
};

const outputs = [
  { ...common, entryPoints: [path.join(here, 'src', 'index.ts')], format: 'esm', outfile: path.join(here, 'dist', 'parley.mjs') },
  {
    ...common,
    entryPoints: [path.join(here, 'src', 'umd.ts')],
    format: 'iife',
    globalName: '__parley',
    banner: { js: umdBanner },
    footer: { js: umdFooter },
    outfile: path.join(here, 'dist', 'parley.js'),
  },
];

try {
  await Promise.all(outputs.map((o) => build(o)));
} catch {
  // esbuild has printed the errors.
  process.exit(1);
}
for (const o of outputs) {
  const rel = path.relative(process.cwd(), o.outfile);
  console.log(`sdk: ${rel} (${statSync(o.outfile).size} bytes)`);
}
// The broadcast viewer page (web/demo/viewer.html) plays HLS with hls.js, an npm dependency
// served by parleyd beside parley.js (/sdk/hls.min.js): copied here, never committed.
const hls = path.join(here, 'dist', 'hls.min.js');
copyFileSync(path.join(here, '..', '..', 'node_modules', 'hls.js', 'dist', 'hls.min.js'), hls);
console.log(`sdk: ${path.relative(process.cwd(), hls)} (${statSync(hls).size} bytes, from npm hls.js)`);
