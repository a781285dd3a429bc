"""worker heartbeats: one row per worker process, with the jobs it ran

Revision ID: pa18a0b1c2d3
Revises: la16e0c7a001
Create Date: 2026-12-03 07:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'pa18a0b1c2d3'
down_revision = 'la16e0c7a001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jobs', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_worker_heartbeats_beat_at'), ['beat_at'], unique=False)


def downgrade():
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeats_beat_at'))
        batch_op.drop_column('jobs')
