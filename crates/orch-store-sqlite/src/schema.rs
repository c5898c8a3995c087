//! Schema versions, applied in order at start-up under `PRAGMA user_version`.

/// Migration `i` upgrades the schema from version `i` to `i + 1`. Append only: a released migration is never edited,
/// because databases already at that version would never see the change.
pub const MIGRATIONS: &[&str] = &[
    // v1: the spec's tables (dependencies moved to a join table), plus tags, analyses and status history.
    r#"
    CREATE TABLE tasks (
        id                    INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id            TEXT    NOT NULL DEFAULT 'default-project',
        parent_id             INTEGER REFERENCES tasks(id) ON DELETE CASCADE,
        title                 TEXT    NOT NULL,
        description           TEXT,
        details               TEXT,
        status                TEXT    NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'in_progress', 'blocked', 'completed')),
        priority              INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 4),
        code_language         TEXT,
        execution_environment TEXT,
        task_type             TEXT,
        assignee              TEXT,
        claimed_at            TEXT,
        estimated_hours       REAL,
        complexity_score      REAL,
        created_at            TEXT    NOT NULL,
        updated_at            TEXT    NOT NULL,
        started_at            TEXT,
        completed_at          TEXT,
        external_key          TEXT
    );
    CREATE UNIQUE INDEX tasks_external_key ON tasks(project_id, external_key) WHERE external_key IS NOT NULL;
    CREATE INDEX tasks_project_status ON tasks(project_id, status);
    CREATE INDEX tasks_status ON tasks(status);
    CREATE INDEX tasks_language ON tasks(code_language);
    CREATE INDEX tasks_parent ON tasks(parent_id);

    CREATE TABLE task_dependencies (
        task_id       INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        depends_on_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        PRIMARY KEY (task_id, depends_on_id),
        CHECK (task_id <> depends_on_id)
    ) WITHOUT ROWID;
    CREATE INDEX task_dependencies_reverse ON task_dependencies(depends_on_id, task_id);

    CREATE TABLE task_tags (
        task_id  INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        tag      TEXT    NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (task_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX task_tags_tag ON task_tags(tag, task_id);

    CREATE TABLE code_executions (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id        INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        language       TEXT    NOT NULL,
        code           TEXT    NOT NULL,
        output         TEXT,
        error          TEXT,
        exit_code      INTEGER,
        execution_time REAL,
        timed_out      INTEGER NOT NULL DEFAULT 0,
        truncated      INTEGER NOT NULL DEFAULT 0,
        isolation      TEXT    NOT NULL,
        limits         TEXT    NOT NULL DEFAULT '{}',
        timestamp      TEXT    NOT NULL
    );
    CREATE INDEX code_executions_task ON code_executions(task_id, id);

    CREATE TABLE git_commits (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id        INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        commit_hash    TEXT    NOT NULL,
        commit_message TEXT,
        author         TEXT,
        timestamp      TEXT    NOT NULL,
        UNIQUE (task_id, commit_hash)
    );
    CREATE INDEX git_commits_hash ON git_commits(commit_hash);

    CREATE TABLE task_analyses (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id         INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        kind            TEXT    NOT NULL,
        result          TEXT    NOT NULL,
        task_updated_at TEXT    NOT NULL,
        created_at      TEXT    NOT NULL
    );
    CREATE INDEX task_analyses_task ON task_analyses(task_id, kind, id);

    CREATE TABLE status_history (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id     INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        from_status TEXT    NOT NULL,
        to_status   TEXT    NOT NULL,
        changed_at  TEXT    NOT NULL
    );
    CREATE INDEX status_history_task ON status_history(task_id, id);
    CREATE INDEX tasks_completed ON tasks(project_id, completed_at) WHERE status = 'completed';

    CREATE TABLE documents (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id   TEXT NOT NULL,
        kind         TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        title        TEXT,
        content      TEXT NOT NULL,
        parsed       TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        UNIQUE (project_id, kind, content_hash)
    );
    "#,
    // v2: full-text search over titles, descriptions and details (FTS5, external content kept in step by triggers).
    r#"
    CREATE VIRTUAL TABLE tasks_fts USING fts5(
        title, description, details,
        content = 'tasks', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild');
    CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
        INSERT INTO tasks_fts (rowid, title, description, details)
        VALUES (new.id, new.title, new.description, new.details);
    END;
    CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
        INSERT INTO tasks_fts (tasks_fts, rowid, title, description, details)
        VALUES ('delete', old.id, old.title, old.description, old.details);
    END;
    CREATE TRIGGER tasks_fts_update AFTER UPDATE OF title, description, details ON tasks BEGIN
        INSERT INTO tasks_fts (tasks_fts, rowid, title, description, details)
        VALUES ('delete', old.id, old.title, old.description, old.details);
        INSERT INTO tasks_fts (rowid, title, description, details)
        VALUES (new.id, new.title, new.description, new.details);
    END;
    "#,
    // v3: the board's change log, written by triggers in the writing transaction, so a reader holding a project in
    // memory learns which tasks any connection or process changed since it read (`TaskStore::changes_since`). Each
    // row names the task whose row, edges or tags were written; old rows are pruned in blocks, and a reader whose
    // position was pruned reads the project again.
    r#"
    CREATE TABLE board_changes (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id TEXT    NOT NULL,
        task_id    INTEGER NOT NULL
    );
    CREATE INDEX board_changes_project ON board_changes(project_id, seq);
    CREATE TRIGGER board_changes_task_insert AFTER INSERT ON tasks BEGIN
        INSERT INTO board_changes (project_id, task_id) VALUES (new.project_id, new.id);
    END;
    CREATE TRIGGER board_changes_task_update AFTER UPDATE ON tasks BEGIN
        INSERT INTO board_changes (project_id, task_id) VALUES (new.project_id, new.id);
        INSERT INTO board_changes (project_id, task_id)
        SELECT old.project_id, old.id WHERE old.project_id <> new.project_id;
    END;
    CREATE TRIGGER board_changes_task_delete AFTER DELETE ON tasks BEGIN
        INSERT INTO board_changes (project_id, task_id) VALUES (old.project_id, old.id);
    END;
    CREATE TRIGGER board_changes_edge_insert AFTER INSERT ON task_dependencies BEGIN
        INSERT INTO board_changes (project_id, task_id) SELECT project_id, id FROM tasks WHERE id = new.task_id;
    END;
    CREATE TRIGGER board_changes_edge_delete AFTER DELETE ON task_dependencies BEGIN
        INSERT INTO board_changes (project_id, task_id) SELECT project_id, id FROM tasks WHERE id = old.task_id;
    END;
    CREATE TRIGGER board_changes_tag_insert AFTER INSERT ON task_tags BEGIN
        INSERT INTO board_changes (project_id, task_id) SELECT project_id, id FROM tasks WHERE id = new.task_id;
    END;
    CREATE TRIGGER board_changes_tag_delete AFTER DELETE ON task_tags BEGIN
        INSERT INTO board_changes (project_id, task_id) SELECT project_id, id FROM tasks WHERE id = old.task_id;
    END;
    CREATE TRIGGER board_changes_prune AFTER INSERT ON board_changes WHEN new.seq % 1024 = 0 BEGIN
        DELETE FROM board_changes WHERE seq <= new.seq - 65536;
    END;
    "#,
];
