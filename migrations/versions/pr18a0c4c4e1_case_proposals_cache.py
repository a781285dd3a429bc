"""case_proposals: each case's proposals cached per case version (worker-computed, issue 18)

Revision ID: pr18a0c4c4e1
Revises: b15c0e5a0d17
Create Date: 2026-12-03 07:20:00

"""
from alembic import op
import sqlalchemy as sa

import columns

# revision identifiers, used by Alembic.
revision = 'pr18a0c4c4e1'
down_revision = 'b15c0e5a0d17'
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


def downgrade():
    op.drop_table('case_proposals')
