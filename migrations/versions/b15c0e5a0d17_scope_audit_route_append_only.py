"""audit log: the route of each entry (why a record was read or changed); append-only in the database

Revision ID: b15c0e5a0d17
Revises: b15a7f0c2e01
Create Date: 2026-12-03 04:40:00

"""
from alembic import op
import sqlalchemy as sa

# The same triggers as audit/models.py creates for create_all, written out: a migration does not change later.
PG_APPEND_ONLY = [
    """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]
SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]


# revision identifiers, used by Alembic.
revision = 'b15c0e5a0d17'
down_revision = 'b15a7f0c2e01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('route', sa.String(length=200), nullable=True))
    # A trigger refuses UPDATE and DELETE on audit_log, whoever connects. (On SQLite a later batch
    # migration that recreates audit_log must create these triggers again.)
    dialect = op.get_bind().dialect.name
    for sql in PG_APPEND_ONLY if dialect == 'postgresql' else SQLITE_APPEND_ONLY if dialect == 'sqlite' else []:
        op.execute(sql)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log')
        op.execute('DROP FUNCTION IF EXISTS audit_log_append_only()')
    elif dialect == 'sqlite':
        op.execute('DROP TRIGGER IF EXISTS audit_log_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_log_no_delete')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('route')
