// The names the specification's API Reference uses, over the types generated from the server's schemas
// (src/generated/*.ts). Nothing here restates a field: a change on the server shows up in the generated files.
import type {
  AnalyzeComplexityInput,
  AnalyzeComplexityOutput,
  CreateTaskInput,
  CreateTaskOutput,
  DeleteTaskInput,
  DeleteTaskOutput,
  EstimateEffortInput,
  EstimateEffortOutput,
  ExecuteCodeInput,
  ExecuteCodeOutput,
  ExpandTaskInput,
  ExpandTaskOutput,
  GetNextTaskInput,
  GetNextTaskOutput,
  GetTaskGraphInput,
  GetTaskGraphOutput,
  GetTaskInput,
  GetTaskOutput,
  LinkGitCommitInput,
  LinkGitCommitOutput,
  ListTasksInput,
  ListTasksOutput,
  ParsePrdInput,
  ParsePrdOutput,
  UpdateTaskInput,
  UpdateTaskOutput,
  UpdateTaskStatusInput,
  UpdateTaskStatusOutput,
} from './generated/tools.js';

export type * from './generated/tools.js';

/** A task as every tool returns it (its whole shape is described once, in get_task's output schema). */
export type Task = GetTaskOutput['task'];
/** A task's status. */
export type TaskStatus = Task['status'];
/** A programming language name (`python`, `typescript`, ...; aliases such as `ts` are normalised by the server). */
export type CodeLanguage = string;

export type CreateTaskRequest = CreateTaskInput;
/** A result holding a task: the server's output schema describes that task by its summary keys; it is whole. */
type WithTask<T> = Omit<T, 'task'> & { task: Task };
export type CreateTaskResponse = WithTask<CreateTaskOutput>;
export type UpdateTaskChanges = Omit<UpdateTaskInput, 'task_id'>;
export type UpdateTaskResponse = WithTask<UpdateTaskOutput>;
export type UpdateTaskStatusOptions = Omit<UpdateTaskStatusInput, 'task_id' | 'status'>;
export type UpdateTaskStatusResponse = WithTask<UpdateTaskStatusOutput>;
export type GetTaskOptions = Omit<GetTaskInput, 'task_id'>;
export type GetTaskResponse = GetTaskOutput;
export type ListTasksFilters = ListTasksInput;
export type ListTasksResponse = ListTasksOutput;
export type DeleteTaskOptions = Omit<DeleteTaskInput, 'task_id'>;
export type DeleteTaskResponse = DeleteTaskOutput;
export type ExecuteCodeRequest = ExecuteCodeInput;
export type ExecuteCodeResponse = ExecuteCodeOutput;
export type GetTaskGraphOptions = GetTaskGraphInput;
export type GetTaskGraphResponse = GetTaskGraphOutput;
export type LinkGitCommitRequest = LinkGitCommitInput;
export type LinkGitCommitResponse = LinkGitCommitOutput;
export type ParsePRDOptions = Omit<ParsePrdInput, 'content'>;
export type ParsePRDResponse = ParsePrdOutput;
/** The parsed PRD (parse_prd's `prd`). */
export type ParsedPrd = ParsePrdOutput['prd'];
/** How a PRD was parsed (parse_prd's `parser`). */
export type PrdParserReport = ParsePrdOutput['parser'];
export type AnalyzeComplexityOptions = Omit<AnalyzeComplexityInput, 'task_id'>;
export type AnalyzeComplexityResponse = AnalyzeComplexityOutput;
/** The spec's ComplexityAnalysisResult (analyze_complexity's `complexity`). */
export type ComplexityAnalysisResult = AnalyzeComplexityOutput['complexity'];
export type ExpandTaskOptions = Omit<ExpandTaskInput, 'task_id'>;
export type ExpandTaskResponse = ExpandTaskOutput;
/** The spec's ExpandedTaskResult (expand_task's `expansion`). */
export type ExpandedTaskResult = ExpandTaskOutput['expansion'];
export type GetNextTaskOptions = Omit<GetNextTaskInput, 'project_id'>;
/** get_next_task's result; a claimed task is whole (its output schema names only id, title and status). */
export type GetNextTaskResponse = Omit<GetNextTaskOutput, 'claimed_task'> & { claimed_task?: Task };
/** get_next_task's `selection` (compact, or full with `explain`). */
export type TaskSelection = GetNextTaskOutput['selection'];
export type EstimateEffortOptions = Omit<EstimateEffortInput, 'task_id'>;
export type EstimateEffortResponse = EstimateEffortOutput;
