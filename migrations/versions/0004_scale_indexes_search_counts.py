"""scale: the queue's generated clock columns and indexes, full-text search, status counts, row versions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00

The SQL is written out here (not taken from the models) so that later changes of the
models cannot change what this migration did; the search text of existing complaints is
computed with the application's fold (app.complaints.search.fold).
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPEN = "('appealed', 'assigned', 'in_review', 'info_requested', 'registered')"
STATUSES = ("registered", "assigned", "in_review", "info_requested", "forwarded", "resolved", "rejected",
            "appealed", "closed")
EFFECTIVE_DUE = "coalesce(extended_until, due_date)"
QUEUE_RANK = f"CASE WHEN status IN {OPEN} THEN 0 ELSE 1 END"
REGISTRY_RANK = "CASE WHEN status = 'active' THEN 1 WHEN status IN ('expired', 'terminated') THEN 0 ELSE NULL END"
MOVE = ("UPDATE complaint_status_counts SET count = count + CASE WHEN status = {new} THEN 1 ELSE -1 END "
        "WHERE status IN ({old}, {new})")

QUEUE_INDEXES = {
    "ix_complaints_queue": ["queue_rank", "effective_due", "id"],
    "ix_complaints_status_queue": ["status", "effective_due", "id"],
    "ix_complaints_officer_queue": ["assigned_officer_id", "queue_rank", "effective_due", "id"],
    "ix_complaints_district_queue": ["incident_district", "queue_rank", "effective_due", "id"],
    "ix_complaints_pressure_queue": ["pressure_type", "queue_rank", "effective_due", "id"],
    "ix_complaints_body_queue": ["body_category", "queue_rank", "effective_due", "id"],
    "ix_complaints_received": ["received_at", "id"],
}
OLD_INDEXES = ["ix_complaints_status", "ix_complaints_due_date", "ix_complaints_assigned_officer_id"]

DDL = {
    "sqlite": [
        f"ALTER TABLE complaints ADD COLUMN effective_due DATE GENERATED ALWAYS AS ({EFFECTIVE_DUE}) VIRTUAL",
        f"ALTER TABLE complaints ADD COLUMN queue_rank INTEGER GENERATED ALWAYS AS ({QUEUE_RANK}) VIRTUAL",
        f"ALTER TABLE agreements ADD COLUMN registry_rank INTEGER GENERATED ALWAYS AS ({REGISTRY_RANK}) VIRTUAL",
        "CREATE VIRTUAL TABLE complaints_fts USING fts5(search_text, content='complaints', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')",
        "CREATE TRIGGER complaints_fts_insert AFTER INSERT ON complaints BEGIN "
        "INSERT INTO complaints_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
        "CREATE TRIGGER complaints_fts_delete AFTER DELETE ON complaints BEGIN "
        "INSERT INTO complaints_fts(complaints_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
        "CREATE TRIGGER complaints_fts_update AFTER UPDATE OF search_text ON complaints BEGIN "
        "INSERT INTO complaints_fts(complaints_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO complaints_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
        "CREATE TRIGGER complaint_counts_insert AFTER INSERT ON complaints BEGIN "
        "UPDATE complaint_status_counts SET count = count + 1 WHERE status = new.status; END",
        "CREATE TRIGGER complaint_counts_update AFTER UPDATE OF status ON complaints "
        "WHEN old.status <> new.status BEGIN " + MOVE.format(old="old.status", new="new.status") + "; END",
        "CREATE TRIGGER complaint_counts_delete AFTER DELETE ON complaints BEGIN "
        "UPDATE complaint_status_counts SET count = count - 1 WHERE status = old.status; END",
    ],
    "postgresql": [
        f"ALTER TABLE complaints ADD COLUMN effective_due DATE GENERATED ALWAYS AS ({EFFECTIVE_DUE}) STORED NOT NULL",
        f"ALTER TABLE complaints ADD COLUMN queue_rank INTEGER GENERATED ALWAYS AS ({QUEUE_RANK}) STORED NOT NULL",
        f"ALTER TABLE agreements ADD COLUMN registry_rank INTEGER GENERATED ALWAYS AS ({REGISTRY_RANK}) STORED",
        "CREATE INDEX ix_complaints_search ON complaints USING gin (to_tsvector('simple'::regconfig, search_text))",
        "CREATE OR REPLACE FUNCTION complaint_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN UPDATE complaint_status_counts SET count = count + 1 WHERE status = NEW.status; "
        "ELSIF TG_OP = 'DELETE' THEN UPDATE complaint_status_counts SET count = count - 1 WHERE status = OLD.status; "
        "ELSE " + MOVE.format(old="OLD.status", new="NEW.status") + "; END IF; RETURN NULL; END $$",
        "CREATE TRIGGER complaint_counts_insert AFTER INSERT ON complaints FOR EACH ROW "
        "EXECUTE FUNCTION complaint_counts_move()",
        "CREATE TRIGGER complaint_counts_update AFTER UPDATE OF status ON complaints FOR EACH ROW "
        "WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION complaint_counts_move()",
        "CREATE TRIGGER complaint_counts_delete AFTER DELETE ON complaints FOR EACH ROW "
        "EXECUTE FUNCTION complaint_counts_move()",
    ],
}
DROP_DDL = {
    "sqlite": ["DROP TRIGGER IF EXISTS complaint_counts_insert", "DROP TRIGGER IF EXISTS complaint_counts_update",
               "DROP TRIGGER IF EXISTS complaint_counts_delete", "DROP TRIGGER IF EXISTS complaints_fts_insert",
               "DROP TRIGGER IF EXISTS complaints_fts_delete", "DROP TRIGGER IF EXISTS complaints_fts_update",
               "DROP TABLE IF EXISTS complaints_fts"],
    "postgresql": ["DROP TRIGGER IF EXISTS complaint_counts_insert ON complaints",
                   "DROP TRIGGER IF EXISTS complaint_counts_update ON complaints",
                   "DROP TRIGGER IF EXISTS complaint_counts_delete ON complaints",
                   "DROP FUNCTION IF EXISTS complaint_counts_move()",
                   "DROP INDEX IF EXISTS ix_complaints_search"],
}


def _search_texts(bind) -> None:
    from app.complaints.search import document

    rows = bind.execute(sa.text(
        "SELECT c.id, c.number, c.body_name, c.official_name, c.official_position, c.description, b.name, b.number "
        "FROM complaints c JOIN businesses b ON b.id = c.business_id")).all()
    for row in rows:
        bind.execute(sa.text("UPDATE complaints SET search_text = :text WHERE id = :id"),
                     {"id": row[0], "text": document(*row[1:])})


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("complaints", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column("complaints", sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    op.add_column("agreements", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "complaint_status_counts",
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_complaint_status_counts")),
    )
    for status in STATUSES:
        bind.execute(sa.text("INSERT INTO complaint_status_counts (status, count) "
                             "SELECT CAST(:status AS VARCHAR(24)), count(*) FROM complaints "
                             "WHERE status = CAST(:status AS VARCHAR(24))"), {"status": status})
    _search_texts(bind)
    for statement in DDL.get(dialect, []):
        op.execute(statement)
    if dialect == "sqlite":
        op.execute("INSERT INTO complaints_fts(complaints_fts) VALUES ('rebuild')")
    for name in OLD_INDEXES:
        op.drop_index(name, table_name="complaints")
    for name, columns in QUEUE_INDEXES.items():
        op.create_index(name, "complaints", columns)
    op.create_index("ix_agreements_registry", "agreements", ["registry_rank", "number"])
    op.create_index("ix_documents_subject", "documents", ["subject_type", "subject_id"])
    op.create_index("ix_users_role", "users", ["role"])


def downgrade():
    bind = op.get_bind()
    op.drop_index("ix_users_role", table_name="users")
    op.drop_index("ix_documents_subject", table_name="documents")
    op.drop_index("ix_agreements_registry", table_name="agreements")
    for name in QUEUE_INDEXES:
        op.drop_index(name, table_name="complaints")
    op.create_index("ix_complaints_status", "complaints", ["status"])
    op.create_index("ix_complaints_due_date", "complaints", ["due_date"])
    op.create_index("ix_complaints_assigned_officer_id", "complaints", ["assigned_officer_id"])
    for statement in DROP_DDL.get(bind.dialect.name, []):
        op.execute(statement)
    op.drop_table("complaint_status_counts")
    with op.batch_alter_table("agreements") as batch:
        batch.drop_column("registry_rank")
        batch.drop_column("version")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("queue_rank")
        batch.drop_column("effective_due")
        batch.drop_column("search_text")
        batch.drop_column("version")
