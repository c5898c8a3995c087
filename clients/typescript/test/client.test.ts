// Every method of TaskOrchestratorClient against the real binary, over Streamable HTTP and over stdio.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Ajv } from 'ajv';

import { TaskOrchestratorClient, TaskOrchestratorError, TOOL_NAMES, endpointFor } from '../src/index.js';
import { startHttp, stdioServer, type HttpServer } from './helpers.js';

const ajv = new Ajv({ strict: false, allErrors: true });

/** Checks results against their tool's outputSchema, as the server lists it. */
async function shapeChecker(client: TaskOrchestratorClient) {
  const { tools } = await (await client.connect()).listTools();
  return (tool: string, value: unknown) => {
    const schema = tools.find((t) => t.name === tool)?.outputSchema;
    assert.ok(schema, `${tool} has an outputSchema`);
    const validate = ajv.compile(schema);
    assert.ok(validate(value), `${tool}: ${ajv.errorsText(validate.errors)}`);
  };
}

async function everyMethod(client: TaskOrchestratorClient) {
  const assertShape = await shapeChecker(client);
  const a = await client.createTask({ title: 'Design schema', priority: 3, tags: ['db'], code_language: 'ts' });
  assert.equal(a.task.title, 'Design schema');
  assert.equal(a.task.code_language, 'typescript');
  const b = await client.createTask({ title: 'Build API', dependencies: [a.task.id] });
  assert.deepEqual(b.task.dependencies, [a.task.id]);

  // A refusal is a TaskOrchestratorError carrying the server's advice.
  await assert.rejects(client.updateTaskStatus(b.task.id, 'in_progress'), (e: unknown) => {
    assert.ok(e instanceof TaskOrchestratorError);
    assert.equal(e.isToolError, true);
    assert.equal(e.tool, 'update_task_status');
    assert.match(e.message, /force/);
    return true;
  });
  const forced = await client.updateTaskStatus(b.task.id, 'in_progress', { force: true });
  assert.equal(forced.previous_status, 'pending');
  const edited = await client.updateTask(b.task.id, { title: 'Build REST API', priority: 4 });
  assert.equal(edited.task.title, 'Build REST API');

  const link = await client.linkGitCommit({ task_id: a.task.id, commit_hash: 'abcdef0123', author: 'dev' });
  assert.equal(link.created, true);
  const got = await client.getTask(a.task.id, { include_executions: true, include_analysis: true });
  assert.equal(got.commits[0].commit_hash, 'abcdef0123');
  assert.deepEqual(got.executions, []);

  const listed = await client.listTasks({ tags: ['db'], include_metrics: true });
  assert.equal(listed.count, 1);
  assert.equal(listed.metrics?.total, 1);

  const mermaid = await client.getTaskGraph({ format: 'mermaid' });
  assert.match(String(mermaid.graph), /^flowchart/);
  const json = await client.getTaskGraph({ format: 'json' });
  assert.equal(json.tasks.length, 2);
  assert.deepEqual(json.edges, [{ from: a.task.id, to: b.task.id }]);

  const ran = await client.executeCode({ task_id: a.task.id, language: 'python', code: 'print(6*7)' });
  assert.equal(ran.execution.output.trim(), '42');
  assertShape('execute_code', ran);

  const prd = await client.parsePRD(
    '# Shop\n\n## Features\n### Cart\n- Priority: High\n- Description: Keep items\n\n### Checkout\n- Description: Pay\n- Depends on: Cart\n',
    { project_id: 'shop' },
  );
  assert.equal(prd.prd.tasks.length, 2);
  assertShape('parse_prd', prd);
  assert.equal(prd.parser.provider, 'offline', 'no model on a test server: the rule-based parse');

  const analysis = await client.analyzeComplexity(a.task.id);
  assert.ok(analysis.complexity.score >= 1 && analysis.complexity.score <= 10);
  assertShape('analyze_complexity', analysis);
  const effort = await client.estimateEffort(a.task.id);
  assert.ok(effort.estimatedHours > 0);
  assertShape('estimate_effort', effort);

  const expansion = await client.expandTask(prd.prd.tasks[0].taskId!, 1, { include_tests: true });
  assert.ok(expansion.expansion.subtasks.length > 0);
  assert.equal(expansion.expansion.metadata.expansionDepth, 1);
  assertShape('expand_task', expansion);
  const viaOptions = await client.expandTask(prd.prd.tasks[1].taskId!, { depth: 1 });
  assert.equal(viaOptions.expansion.originalTaskId, prd.prd.tasks[1].taskId);

  const next = await client.getNextTask('shop', 9, { enable_grouping: true });
  assert.ok(next.selection.selectedTask, next.message);
  assertShape('get_next_task', next);
  const none = await client.getNextTask('empty-project', { max_complexity: 7 });
  assert.equal(none.selection.selectedTask, null);
  assertShape('get_next_task', none);

  const ready = await client.readResource('board://ready');
  assert.equal(ready.mimeType, 'application/json');
  assert.ok(JSON.parse(ready.text).tasks.some((t: { id: number }) => t.id === a.task.id));
  await assert.rejects(client.readResource('task://999999'), /999999 does not exist/);

  const deleted = await client.deleteTask(a.task.id, { force: true });
  assert.deepEqual(deleted.detached_dependents, [b.task.id]);
  await assert.rejects(client.getTask(a.task.id), /does not exist/);
  await assert.rejects(client.createTask({ title: '' }), (e: unknown) => e instanceof TaskOrchestratorError && e.isToolError);
}

describe('over Streamable HTTP', () => {
  let server: HttpServer;
  before(async () => {
    server = await startHttp();
  });
  after(async () => {
    await server.stop();
  });

  test('every method, with the base URL given', async () => {
    const client = new TaskOrchestratorClient(server.base);
    try {
      await everyMethod(client);
    } finally {
      await client.close();
    }
  });

  test('the default base URL comes from TASK_ORCHESTRATOR_URL, and the endpoint gets /mcp', async () => {
    process.env.TASK_ORCHESTRATOR_URL = server.base;
    try {
      const client = new TaskOrchestratorClient();
      assert.equal(client.endpoint, `${server.base}/mcp`);
      const listed = await client.listTasks();
      assert.equal(typeof listed.count, 'number');
      await client.close();
    } finally {
      delete process.env.TASK_ORCHESTRATOR_URL;
    }
    assert.equal(new TaskOrchestratorClient().endpoint, 'http://localhost:8000/mcp');
    assert.equal(endpointFor('http://h:1/custom/mcp').toString(), 'http://h:1/custom/mcp');
    assert.throws(() => new TaskOrchestratorClient('localhost:8000'), /invalid server URL/);
    assert.throws(() => new TaskOrchestratorClient('ftp://h/'), /use http/);
  });

  test('an unreachable server is a clear error, and the client can retry', async () => {
    const client = new TaskOrchestratorClient('http://127.0.0.1:9');
    await assert.rejects(client.listTasks(), /cannot connect to task-orchestrator at http:\/\/127\.0\.0\.1:9\/mcp/);
    await client.close();
  });
});

describe('over stdio', () => {
  test('every method, the client spawning the server', async () => {
    const server = stdioServer();
    const client = new TaskOrchestratorClient(server.options);
    try {
      assert.equal(client.endpoint.startsWith('stdio:'), true);
      await everyMethod(client);
      // Every tool the server has is one the client is typed for.
      const sdk = await client.connect();
      const { tools } = await sdk.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), [...TOOL_NAMES].sort());
    } finally {
      await client.close();
      server.remove();
    }
  });
});
