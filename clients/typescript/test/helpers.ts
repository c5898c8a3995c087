// Starts the real task-orchestrator binary for the tests: over Streamable HTTP on a free loopback port, or the
// arguments for a stdio spawn, each on a fresh SQLite board.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package directory (tests run from build-test/test/). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The binary under test. */
export const BIN = resolve(process.env.TASK_ORCHESTRATOR_BIN ?? join(PACKAGE_ROOT, '../../target/debug/task-orchestrator'));

if (!existsSync(BIN)) {
  throw new Error(`no task-orchestrator binary at ${BIN}: run cargo build --bin task-orchestrator, or set TASK_ORCHESTRATOR_BIN`);
}

/** A fresh directory for a board, removed by the returned function. */
export function tempBoard(): { dir: string; db: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'orch-ts-'));
  return { dir, db: `sqlite://${join(dir, 'tasks.db')}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => ok(port));
    });
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
  });
}

/** A `serve --http` process. */
export interface HttpServer {
  /** `http://127.0.0.1:PORT` (the client adds `/mcp`). */
  base: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

export async function startHttp(extraEnv: Record<string, string> = {}): Promise<HttpServer> {
  const board = tempBoard();
  const port = await freePort();
  const child = spawn(BIN, ['--db', board.db, 'serve', '--http', `127.0.0.1:${port}`], {
    env: { PATH: process.env.PATH ?? '', HOME: board.dir, TASK_ORCHESTRATOR_LOG_LEVEL: 'warn', TASK_ORCHESTRATOR_GIT_REPO: 'off', ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 30_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before listening: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`server did not listen on ${port} within 30 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      board.remove();
    },
  };
}

/** `{ stdio: ... }` client options for a server on a fresh board, and the board's cleanup. */
export function stdioServer(): { options: { stdio: { command: string; args: string[]; stderr: 'ignore'; env: Record<string, string> } }; remove: () => void } {
  const board = tempBoard();
  return {
    options: {
      stdio: {
        command: BIN,
        args: ['--db', board.db, 'serve'],
        stderr: 'ignore',
        env: { PATH: process.env.PATH ?? '', HOME: board.dir, TASK_ORCHESTRATOR_LOG_LEVEL: 'warn', TASK_ORCHESTRATOR_GIT_REPO: 'off' },
      },
    },
    remove: board.remove,
  };
}

