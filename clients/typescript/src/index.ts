// The TypeScript client of task-orchestrator: the specification's TaskOrchestratorClient over the official MCP SDK,
// talking Streamable HTTP to `task-orchestrator serve --http` (default) or stdio to a spawned `task-orchestrator
// serve`.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

import type { ToolTypes } from './generated/tools.js';
import type {
  AnalyzeComplexityOptions,
  AnalyzeComplexityResponse,
  CreateTaskRequest,
  CreateTaskResponse,
  DeleteTaskOptions,
  DeleteTaskResponse,
  EstimateEffortOptions,
  EstimateEffortResponse,
  ExecuteCodeRequest,
  ExecuteCodeResponse,
  ExpandTaskOptions,
  ExpandTaskResponse,
  GetNextTaskOptions,
  GetNextTaskResponse,
  GetTaskGraphOptions,
  GetTaskGraphResponse,
  GetTaskOptions,
  GetTaskResponse,
  LinkGitCommitRequest,
  LinkGitCommitResponse,
  ListTasksFilters,
  ListTasksResponse,
  ParsePRDOptions,
  ParsePRDResponse,
  TaskStatus,
  UpdateTaskChanges,
  UpdateTaskResponse,
  UpdateTaskStatusOptions,
  UpdateTaskStatusResponse,
} from './types.js';

export * from './types.js';
export { TOOL_NAMES } from './generated/tools.js';

/** The server `new TaskOrchestratorClient()` talks to when neither an argument nor TASK_ORCHESTRATOR_URL names one. */
export const DEFAULT_BASE_URL = 'http://localhost:8000';

/** How to start a server over stdio instead of connecting to one over HTTP. */
export interface StdioOptions {
  /** The server executable (e.g. `task-orchestrator`, or a path to it). */
  command: string;
  /** Its arguments; default `['serve']`. */
  args?: string[];
  /** Its environment; default the SDK's safe subset of this process's environment. */
  env?: Record<string, string>;
  /** Its working directory (the per-repository board is found from here). */
  cwd?: string;
  /** What to do with its stderr (its logs); default `'inherit'`. */
  stderr?: 'inherit' | 'ignore' | 'pipe';
}

/** Options of {@link TaskOrchestratorClient}. */
export interface ClientOptions {
  /** Bearer token for an HTTP server started with a token; default TASK_ORCHESTRATOR_TOKEN. */
  token?: string;
  /** Spawn a server over stdio instead of using HTTP (the base URL is then ignored). */
  stdio?: StdioOptions;
  /** The client name the server sees in its logs; default `task-orchestrator-ts`. */
  clientName?: string;
}

/** A tool refused the call (`isError: true`), or the server could not be reached. */
export class TaskOrchestratorError extends Error {
  /** The tool called, when the error came from a tool. */
  readonly tool?: string;
  /** True when the server answered with a tool error (the message says how to fix the call). */
  readonly isToolError: boolean;

  constructor(message: string, tool?: string, isToolError = false) {
    super(tool ? `${tool}: ${message}` : message);
    this.name = 'TaskOrchestratorError';
    this.tool = tool;
    this.isToolError = isToolError;
  }
}

/** A resource read with {@link TaskOrchestratorClient.readResource}. */
export interface ResourceContent {
  uri: string;
  mimeType?: string;
  text: string;
}

/** The MCP endpoint for a base URL: `http://host:port` gets `/mcp`, a URL with a path is used as it is. */
export function endpointFor(baseURL: string): URL {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new TaskOrchestratorError(`invalid server URL '${baseURL}': use e.g. ${DEFAULT_BASE_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TaskOrchestratorError(`invalid server URL '${baseURL}': use http:// or https://, e.g. ${DEFAULT_BASE_URL}`);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/mcp';
  return url;
}

/** Main client class for interacting with the Task-Orchestrator server. It connects on first use. */
export class TaskOrchestratorClient {
  /** The MCP endpoint, or `stdio:COMMAND` for a spawned server. */
  readonly endpoint: string;
  private readonly makeTransport: () => Transport;
  private readonly clientName: string;
  private connection?: Promise<Client>;

  /**
   * A client of the server at `baseURL` (default TASK_ORCHESTRATOR_URL, then http://localhost:8000), or, given
   * `{ stdio: { command } }`, of a server it spawns.
   */
  constructor(baseURL?: string | ClientOptions, options: ClientOptions = {}) {
    if (typeof baseURL === 'object') {
      options = baseURL;
      baseURL = undefined;
    }
    this.clientName = options.clientName ?? 'task-orchestrator-ts';
    const stdio = options.stdio;
    if (stdio) {
      this.endpoint = `stdio:${stdio.command}`;
      this.makeTransport = () =>
        new StdioClientTransport({
          command: stdio.command,
          args: stdio.args ?? ['serve'],
          env: stdio.env,
          cwd: stdio.cwd,
          stderr: stdio.stderr ?? 'inherit',
        });
      return;
    }
    const url = endpointFor(baseURL ?? process.env.TASK_ORCHESTRATOR_URL ?? DEFAULT_BASE_URL);
    const token = options.token ?? process.env.TASK_ORCHESTRATOR_TOKEN;
    this.endpoint = url.toString();
    this.makeTransport = () =>
      new StreamableHTTPClientTransport(url, {
        requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : undefined,
      });
  }

  /** Opens the MCP session now (every method does it on first use). */
  async connect(): Promise<Client> {
    if (!this.connection) {
      const client = new Client({ name: this.clientName, version: '0.1.0' });
      this.connection = client.connect(this.makeTransport()).then(
        () => client,
        (e: unknown) => {
          this.connection = undefined;
          throw new TaskOrchestratorError(`cannot connect to task-orchestrator at ${this.endpoint}: ${message(e)}`);
        },
      );
    }
    return this.connection;
  }

  /** Ends the session (and stops a spawned server). The client connects again if used afterwards. */
  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await (await connection.catch(() => undefined))?.close();
  }

  /** Calls any tool with typed arguments and result; throws {@link TaskOrchestratorError} on a tool error. */
  async callTool<K extends keyof ToolTypes>(name: K, args: ToolTypes[K]['input']): Promise<ToolTypes[K]['output']> {
    const client = await this.connect();
    let result;
    try {
      result = await client.callTool({ name, arguments: args as Record<string, unknown> });
    } catch (e) {
      throw new TaskOrchestratorError(message(e), name);
    }
    if (result.isError) {
      const content = Array.isArray(result.content) ? result.content : [];
      const text = content
        .filter((c): c is { type: 'text'; text: string } => c?.type === 'text')
        .map((c) => c.text)
        .join('\n');
      throw new TaskOrchestratorError(text || 'the tool failed without a message', name, true);
    }
    if (result.structuredContent === undefined) {
      throw new TaskOrchestratorError('the server returned no structuredContent', name);
    }
    return result.structuredContent as ToolTypes[K]['output'];
  }

  // Core task management

  async createTask(task: CreateTaskRequest): Promise<CreateTaskResponse> {
    return (await this.callTool('create_task', task)) as CreateTaskResponse;
  }

  async updateTaskStatus(
    taskId: number,
    status: TaskStatus,
    options: UpdateTaskStatusOptions = {},
  ): Promise<UpdateTaskStatusResponse> {
    return (await this.callTool('update_task_status', { ...options, task_id: taskId, status })) as UpdateTaskStatusResponse;
  }

  /** Edits a task (title, description, priority, dependencies...): the server's update_task. */
  async updateTask(taskId: number, changes: UpdateTaskChanges): Promise<UpdateTaskResponse> {
    return (await this.callTool('update_task', { ...changes, task_id: taskId })) as UpdateTaskResponse;
  }

  async getTask(taskId: number, options: GetTaskOptions = {}): Promise<GetTaskResponse> {
    return this.callTool('get_task', { ...options, task_id: taskId });
  }

  async listTasks(filters: ListTasksFilters = {}): Promise<ListTasksResponse> {
    return this.callTool('list_tasks', filters);
  }

  async deleteTask(taskId: number, options: DeleteTaskOptions = {}): Promise<DeleteTaskResponse> {
    return this.callTool('delete_task', { ...options, task_id: taskId });
  }

  // Code execution

  async executeCode(request: ExecuteCodeRequest): Promise<ExecuteCodeResponse> {
    return this.callTool('execute_code', request);
  }

  // Visualization and integration

  async getTaskGraph(options: GetTaskGraphOptions = {}): Promise<GetTaskGraphResponse> {
    return this.callTool('get_task_graph', options);
  }

  async linkGitCommit(request: LinkGitCommitRequest): Promise<LinkGitCommitResponse> {
    return this.callTool('link_git_commit', request);
  }

  // Phase 7 enhancements

  async parsePRD(content: string, options: ParsePRDOptions = {}): Promise<ParsePRDResponse> {
    return (await this.callTool('parse_prd', { ...options, content })) as ParsePRDResponse;
  }

  async analyzeComplexity(taskId: number, options: AnalyzeComplexityOptions = {}): Promise<AnalyzeComplexityResponse> {
    return (await this.callTool('analyze_complexity', { ...options, task_id: taskId })) as AnalyzeComplexityResponse;
  }

  /** `expandTask(id, depth, options)` as the API Reference has it, or `expandTask(id, options)` as its example. */
  async expandTask(
    taskId: number,
    depth?: number | ExpandTaskOptions,
    options: ExpandTaskOptions = {},
  ): Promise<ExpandTaskResponse> {
    const merged = typeof depth === 'number' ? { ...options, depth } : { ...options, ...depth };
    return (await this.callTool('expand_task', { ...merged, task_id: taskId })) as ExpandTaskResponse;
  }

  /** `getNextTask(project, maxComplexity, options)` as the API Reference has it, or `getNextTask(project, options)`. */
  async getNextTask(
    projectId: string,
    maxComplexity?: number | GetNextTaskOptions,
    options: GetNextTaskOptions = {},
  ): Promise<GetNextTaskResponse> {
    const merged =
      typeof maxComplexity === 'number' ? { ...options, max_complexity: maxComplexity } : { ...options, ...maxComplexity };
    return (await this.callTool('get_next_task', { ...merged, project_id: projectId })) as GetNextTaskResponse;
  }

  async estimateEffort(taskId: number, options: EstimateEffortOptions = {}): Promise<EstimateEffortResponse> {
    return this.callTool('estimate_effort', { ...options, task_id: taskId });
  }

  // Resources

  /** Reads a board resource: `task://{id}`, `board://ready`, `board://graph`, `project://{id}/ready|graph`. */
  async readResource(uri: string): Promise<ResourceContent> {
    const client = await this.connect();
    let result;
    try {
      result = await client.readResource({ uri });
    } catch (e) {
      throw new TaskOrchestratorError(`reading ${uri}: ${message(e)}`);
    }
    const first = result.contents[0];
    if (!first || !('text' in first) || typeof first.text !== 'string') {
      throw new TaskOrchestratorError(`reading ${uri}: the server returned no text`);
    }
    return { uri: first.uri, mimeType: first.mimeType, text: first.text };
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
