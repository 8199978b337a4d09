// docs/sdk-api.md must be what sdk/js/tools/api-reference.mjs makes of the current sources:
// the types are bundled afresh (bundle-dts.mjs into a temporary directory), the reference is
// generated from them and compared with the file on disk and, when the SDK sources are
// committed as they are, with the committed file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');
const docFile = path.join(repo, 'docs', 'sdk-api.md');
const HINT = 'docs/sdk-api.md is stale: run `make sdk` and commit docs/sdk-api.md';

function git(...args) {
  try {
    return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

test('docs/sdk-api.md matches the SDK types', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'parley-api-ref-'));
  try {
    const node = process.execPath;
    execFileSync(node, [path.join(repo, 'sdk/js/tools/bundle-dts.mjs'), '--quiet', '--out', tmp], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
    const fresh = path.join(tmp, 'sdk-api.md');
    execFileSync(node, [path.join(repo, 'sdk/js/tools/api-reference.mjs'), '--dts', path.join(tmp, 'parley.d.ts'), '--out', fresh], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
    const expected = readFileSync(fresh, 'utf8');
    assert.ok(expected.includes('## Session') && expected.includes('initSession('), 'the generated reference lacks the OT API');
    assert.equal(readFileSync(docFile, 'utf8'), expected, HINT);

    // In a clean checkout of the sources (CI), the committed reference must match too.
    const dirty = git('status', '--porcelain', '--', 'sdk/js/src', 'sdk/js/tools');
    const committed = dirty === '' ? git('show', 'HEAD:docs/sdk-api.md') : undefined;
    if (committed !== undefined) assert.equal(committed, expected, `${HINT} (the committed file differs from the generated one)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
