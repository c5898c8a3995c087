-- v1: the same tables and columns as the SQLite schema (orch-store-sqlite/src/schema.rs, v1), in PostgreSQL types.

CREATE TABLE tasks (
    id                    BIGSERIAL PRIMARY KEY,
    project_id            TEXT             NOT NULL DEFAULT 'default-project',
    parent_id             BIGINT           REFERENCES tasks(id) ON DELETE CASCADE,
    title                 TEXT             NOT NULL,
    description           TEXT,
    details               TEXT,
    status                TEXT             NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'in_progress', 'blocked', 'completed')),
    priority              INTEGER          NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 4),
    code_language         TEXT,
    execution_environment TEXT,
    task_type             TEXT,
    assignee              TEXT,
    claimed_at            TIMESTAMPTZ,
    estimated_hours       DOUBLE PRECISION,
    complexity_score      DOUBLE PRECISION,
    created_at            TIMESTAMPTZ      NOT NULL,
    updated_at            TIMESTAMPTZ      NOT NULL,
    started_at            TIMESTAMPTZ,
    completed_at          TIMESTAMPTZ,
    external_key          TEXT
);
CREATE UNIQUE INDEX tasks_external_key ON tasks(project_id, external_key) WHERE external_key IS NOT NULL;
CREATE INDEX tasks_project_status ON tasks(project_id, status);
-- Pages of one project in id order read a range of this index instead of filtering the whole id order.
CREATE INDEX tasks_project_id ON tasks(project_id, id);
CREATE INDEX tasks_status ON tasks(status);
CREATE INDEX tasks_language ON tasks(code_language);
CREATE INDEX tasks_parent ON tasks(parent_id);
-- Stale-claim sweeps look only at claimed in-progress tasks.
CREATE INDEX tasks_claimed ON tasks(claimed_at) WHERE status = 'in_progress' AND claimed_at IS NOT NULL;
CREATE INDEX tasks_completed ON tasks(project_id, completed_at) WHERE status = 'completed';

CREATE TABLE task_dependencies (
    task_id       BIGINT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    depends_on_id BIGINT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, depends_on_id),
    CHECK (task_id <> depends_on_id)
);
CREATE INDEX task_dependencies_reverse ON task_dependencies(depends_on_id, task_id);

CREATE TABLE task_tags (
    task_id  BIGINT  NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    tag      TEXT    NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (task_id, tag)
);
CREATE INDEX task_tags_tag ON task_tags(tag, task_id);

CREATE TABLE code_executions (
    id             BIGSERIAL PRIMARY KEY,
    task_id        BIGINT           NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    language       TEXT             NOT NULL,
    code           TEXT             NOT NULL,
    output         TEXT,
    error          TEXT,
    exit_code      INTEGER,
    execution_time DOUBLE PRECISION,
    timed_out      BOOLEAN          NOT NULL DEFAULT FALSE,
    truncated      BOOLEAN          NOT NULL DEFAULT FALSE,
    isolation      TEXT             NOT NULL,
    limits         JSONB            NOT NULL DEFAULT '{}',
    timestamp      TIMESTAMPTZ      NOT NULL
);
CREATE INDEX code_executions_task ON code_executions(task_id, id);

CREATE TABLE git_commits (
    id             BIGSERIAL PRIMARY KEY,
    task_id        BIGINT      NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    commit_hash    TEXT        NOT NULL,
    commit_message TEXT,
    author         TEXT,
    timestamp      TIMESTAMPTZ NOT NULL,
    UNIQUE (task_id, commit_hash)
);
CREATE INDEX git_commits_hash ON git_commits(commit_hash);

CREATE TABLE task_analyses (
    id              BIGSERIAL PRIMARY KEY,
    task_id         BIGINT      NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    kind            TEXT        NOT NULL,
    result          JSONB       NOT NULL,
    task_updated_at TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX task_analyses_task ON task_analyses(task_id, kind, id);

CREATE TABLE status_history (
    id          BIGSERIAL PRIMARY KEY,
    task_id     BIGINT      NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    from_status TEXT        NOT NULL,
    to_status   TEXT        NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX status_history_task ON status_history(task_id, id);

CREATE TABLE documents (
    id           BIGSERIAL PRIMARY KEY,
    project_id   TEXT        NOT NULL,
    kind         TEXT        NOT NULL,
    content_hash TEXT        NOT NULL,
    title        TEXT,
    content      TEXT        NOT NULL,
    parsed       JSONB       NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (project_id, kind, content_hash)
);
