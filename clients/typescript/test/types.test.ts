// The generated types are those of the binary under test: a change to a tool schema fails here until regenerated.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

import { BIN, PACKAGE_ROOT } from './helpers.js';

test('src/generated matches the tools/list of the binary', () => {
  const run = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'scripts/generate-types.mjs'), '--check', '--bin', BIN], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /generated types match .* \(\d+ tools\)/);
});
