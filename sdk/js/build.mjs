// Bundles parley.js with esbuild: sdk/js/src/index.ts →
//   sdk/js/dist/parley.mjs  ES module
//   sdk/js/dist/parley.js   classic script (IIFE) defining the global `Parley`
// Usage: node sdk/js/build.mjs [--minify]
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const minify = process.argv.includes('--minify');

const common = {
  entryPoints: [path.join(here, 'src', 'index.ts')],
  bundle: true,
  platform: 'neutral',
  target: ['es2020'],
  sourcemap: true,
  minify,
  logLevel: 'warning',
  legalComments: 'none',
};

const outputs = [
  { ...common, format: 'esm', outfile: path.join(here, 'dist', 'parley.mjs') },
  { ...common, format: 'iife', globalName: 'Parley', outfile: path.join(here, 'dist', 'parley.js') },
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
