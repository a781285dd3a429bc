"""case_proposals: each case's proposals cached per case version (worker-computed); occupancy_daily_regions: the daily snapshots summed per region (issue 18)

Revision ID: pr18a0c4c4e1
Revises: sh16a1c0e5f1
Create Date: 2026-12-03 07:20:00

"""
from alembic import op
import sqlalchemy as sa

import columns

# revision identifiers, used by Alembic.
revision = 'pr18a0c4c4e1'
down_revision = 'sh16a1c0e5f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_proposals',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('computed_at', columns.UTCDateTime(), nullable=True),
        sa.Column('took_ms', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('objective', sa.JSON(), nullable=True),
        sa.Column('requests', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id'),
    )
    op.create_table(
        'occupancy_daily_regions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('taken_at', columns.UTCDateTime(), nullable=True),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('pools', sa.Integer(), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('out_of_service', sa.Integer(), nullable=False),
        sa.Column('occupied', sa.Integer(), nullable=False),
        sa.Column('held', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('taken_at', 'region_id', name='uq_occupancy_daily_region'),
    )
    # The history there is, rolled up once; the worker keeps it from here (national/snapshots.roll_up).
    op.execute(
        """INSERT INTO occupancy_daily_regions (taken_at, region_id, pools, capacity, out_of_service, occupied, held)
        SELECT taken_at, region_id, count(*), sum(capacity), sum(out_of_service), sum(occupied), sum(held)
        FROM occupancy_snapshots WHERE kind = 'daily' GROUP BY taken_at, region_id"""
    )


def downgrade():
    op.drop_table('occupancy_daily_regions')
    op.drop_table('case_proposals')
