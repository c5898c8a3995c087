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
import type {
  ComplexityAnalysisResult,
  ExpandedTaskResult,
  ParsedPrd,
  PrdParserReport,
  TaskSelection,
} from './generated/results.js';

export type * from './generated/tools.js';
export type * from './generated/results.js';

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
/** parse_prd's result, its `prd` typed after schemas/results.json. */
export type ParsePRDResponse = Omit<ParsePrdOutput, 'prd' | 'parser'> & { prd: ParsedPrd; parser: PrdParserReport };
export type AnalyzeComplexityOptions = Omit<AnalyzeComplexityInput, 'task_id'>;
/** analyze_complexity's result, its `complexity` typed after schemas/results.json. */
export type AnalyzeComplexityResponse = Omit<AnalyzeComplexityOutput, 'complexity'> & {
  complexity: ComplexityAnalysisResult;
};
export type ExpandTaskOptions = Omit<ExpandTaskInput, 'task_id'>;
/** expand_task's result, its `expansion` typed after schemas/results.json. */
export type ExpandTaskResponse = Omit<ExpandTaskOutput, 'expansion'> & { expansion: ExpandedTaskResult };
export type GetNextTaskOptions = Omit<GetNextTaskInput, 'project_id'>;
/** get_next_task's result, its `selection` typed after schemas/results.json. */
export type GetNextTaskResponse = Omit<GetNextTaskOutput, 'selection' | 'claimed_task'> & {
  selection: TaskSelection;
  claimed_task?: Task;
};
export type EstimateEffortOptions = Omit<EstimateEffortInput, 'task_id'>;
export type EstimateEffortResponse = EstimateEffortOutput;
