"""escalation policies: rounds of the ladder and the acknowledgement time-out; bundled pages

Revision ID: a14e5c0a1d01
Revises: 5e54a94566d7
Create Date: 2026-12-03 03:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a14e5c0a1d01'
down_revision = '5e54a94566d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('escalation_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rounds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ack_timeout_minutes', sa.Integer(), nullable=True))
    with op.batch_alter_table('notification_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bundled_into', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_attempts_bundled_into'), ['bundled_into'], unique=False)


def downgrade():
    with op.batch_alter_table('notification_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_attempts_bundled_into'))
        batch_op.drop_column('bundled_into')
    with op.batch_alter_table('escalation_policies', schema=None) as batch_op:
        batch_op.drop_column('ack_timeout_minutes')
        batch_op.drop_column('rounds')
