// The README's usage examples (the specification's, unchanged) type-checked against the package and run against a
// real server.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';

import { TaskOrchestratorClient } from '../src/index.js';
import { PACKAGE_ROOT, startHttp } from './helpers.js';

/** The ```typescript blocks of the section of `markdown` that starts with `heading`, up to the next `## ` heading
 * outside a code block (the PRD example has its own `## Features`). */
function examples(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `no "${heading}" section`);
  const blocks: string[] = [];
  let current: string[] | undefined;
  let fenced = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('```')) {
      if (fenced && current) blocks.push(current.join('\n') + '\n');
      current = !fenced && line === '```typescript' ? [] : undefined;
      fenced = !fenced;
      continue;
    }
    if (!fenced && line.startsWith('## ')) break;
    current?.push(line);
  }
  return blocks;
}

const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
const blocks = examples(readme, '## Usage examples (from the specification, unchanged)');

test('the README has the specification usage examples, unchanged', (t) => {
  assert.equal(blocks.length, 7);
  const spec = [resolve(PACKAGE_ROOT, '../../../shared/SPEC.md'), '/work/shared/SPEC.md'].find(existsSync);
  if (!spec) {
    t.skip('SPEC.md not found beside the repository');
    return;
  }
  assert.deepEqual(blocks, examples(readFileSync(spec, 'utf8'), '## Usage Examples'));
});

// The examples analyse '/path/to/project'; it has to exist on the server's machine (this one).
const PROJECT_ROOT = '/path/to/project';

test('the usage examples compile against the package and run against a server', async (t) => {
  let created: string | undefined;
  if (!existsSync(PROJECT_ROOT)) {
    try {
      created = mkdirSync(PROJECT_ROOT, { recursive: true });
    } catch (e) {
      t.skip(`the examples need ${PROJECT_ROOT} to exist and it cannot be created here (${String(e)})`);
      return;
    }
    writeFileSync(join(PROJECT_ROOT, 'auth.ts'), 'export const login = (user: string) => user.length > 0;\n');
  }
  // The server must be told that this directory may be scanned: project_root is confined to allowed roots.
  const server = await startHttp({ TASK_ORCHESTRATOR_WORKSPACE_ROOTS: PROJECT_ROOT });
  const dir = join(PACKAGE_ROOT, '.examples');
  try {
    // getNextTask('my-project', ...) reads `selectedTask.title`: the project needs a ready task.
    const seed = new TaskOrchestratorClient(server.base);
    await seed.createTask({ title: 'Seeded task', project_id: 'my-project', code_language: 'typescript' });
    await seed.close();

    // Inside the package, so `from '@mcp/task-orchestrator'` resolves to the package itself (its `exports`).
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'usage.ts'), `${blocks.join('\n')}\nawait client.close();\n`);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.json',
        // The examples read `selection.selectedTask.title` without a null check.
        compilerOptions: { rootDir: '.', outDir: 'out', declaration: false, strictNullChecks: false },
        include: ['usage.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], {
      encoding: 'utf8',
    });
    assert.equal(tsc.status, 0, `the examples do not type-check:\n${tsc.stdout}${tsc.stderr}`);

    const run = spawn(process.execPath, [join(dir, 'out/usage.js')], {
      env: { ...process.env, TASK_ORCHESTRATOR_URL: server.base },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (d) => (stdout += d));
    run.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((ok) => {
      const timer = setTimeout(() => run.kill('SIGKILL'), 120_000);
      run.once('exit', (c) => {
        clearTimeout(timer);
        ok(c);
      });
    });
    assert.equal(code, 0, `the examples failed:\n${stdout}\n${stderr}`);
    for (const line of [
      /^Created task: \d+$/m,
      /^Output: 55$/m,
      /^Execution time: \d+/m,
      /^Generated tasks: 2$/m,
      /^Features found: 2$/m,
      /^Complexity score: \d/m,
      /^Risk level: \w+/m,
      /^Generated subtasks: [1-9]/m,
      /^Subtask: \S/m,
      /^Selected task: \S/m,
      /^Selection reason: \S/m,
      /^Task dependency graph:\nflowchart/m,
      /^Tasks: [1-9]\d*$/m,
      /^Dependencies: \d+$/m,
    ]) {
      assert.match(stdout, line);
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    if (created) rmSync(created, { recursive: true, force: true });
  }
});
