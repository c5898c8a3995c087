-- The board's change log: which tasks each transaction wrote (their row, edges or tags), logged by triggers in the
-- writing transaction, so a server holding a project in memory (on any replica) re-reads only those tasks. Rows
-- carry the writing transaction's id rather than a sequence number, because sequence numbers are handed out before
-- commit and would let a reader skip a slow transaction; a reader's position is the oldest transaction still running
-- in its snapshot (`pg_snapshot_xmin`), and it reads every row from there on, so nothing in flight is ever missed.
CREATE TABLE board_changes (
    txid       xid8   NOT NULL DEFAULT pg_current_xact_id(),
    project_id TEXT   NOT NULL,
    task_id    BIGINT NOT NULL
);
CREATE INDEX board_changes_project ON board_changes (project_id, txid);

-- Rows below this transaction id were pruned: a reader positioned before it reads its project again.
CREATE TABLE board_changes_horizon (
    single BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (single),
    txid   xid8    NOT NULL
);
INSERT INTO board_changes_horizon (txid) VALUES (pg_snapshot_xmin(pg_current_snapshot()));

CREATE FUNCTION board_changes_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO board_changes (project_id, task_id) SELECT DISTINCT project_id, id FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO board_changes (project_id, task_id)
        SELECT project_id, id FROM new_rows UNION SELECT project_id, id FROM old_rows;
    ELSE
        INSERT INTO board_changes (project_id, task_id) SELECT DISTINCT project_id, id FROM old_rows;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION board_changes_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO board_changes (project_id, task_id)
        SELECT DISTINCT t.project_id, t.id FROM new_rows r JOIN tasks t ON t.id = r.task_id;
    ELSE
        INSERT INTO board_changes (project_id, task_id)
        SELECT DISTINCT t.project_id, t.id FROM old_rows r JOIN tasks t ON t.id = r.task_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER board_changes_task_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION board_changes_tasks();
CREATE TRIGGER board_changes_task_update AFTER UPDATE ON tasks
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION board_changes_tasks();
CREATE TRIGGER board_changes_task_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION board_changes_tasks();
CREATE TRIGGER board_changes_edge_insert AFTER INSERT ON task_dependencies
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION board_changes_children();
CREATE TRIGGER board_changes_edge_delete AFTER DELETE ON task_dependencies
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION board_changes_children();
CREATE TRIGGER board_changes_tag_insert AFTER INSERT ON task_tags
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION board_changes_children();
CREATE TRIGGER board_changes_tag_delete AFTER DELETE ON task_tags
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION board_changes_children();

-- Now and then (about one logging statement in 500) a writer drops the rows more than 100,000 transactions old and
-- moves the horizon; the horizon row's lock makes concurrent pruners take turns.
CREATE FUNCTION board_changes_prune() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    horizon xid8 := greatest(pg_snapshot_xmin(pg_current_snapshot())::text::numeric - 100000, 0)::text::xid8;
BEGIN
    UPDATE board_changes_horizon SET txid = horizon WHERE txid < horizon;
    IF FOUND THEN
        DELETE FROM board_changes WHERE txid < horizon;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER board_changes_prune AFTER INSERT ON board_changes
    FOR EACH STATEMENT WHEN (random() < 0.002) EXECUTE FUNCTION board_changes_prune();
