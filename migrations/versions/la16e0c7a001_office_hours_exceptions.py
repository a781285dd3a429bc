"""region office hours: exceptions (dates or date ranges with other hours, or after hours all day)

Revision ID: la16e0c7a001
Revises: pr18a0c4c4e1
Create Date: 2026-12-03 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'la16e0c7a001'
down_revision = 'pr18a0c4c4e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('region_hours', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exceptions', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('region_hours', schema=None) as batch_op:
        batch_op.drop_column('exceptions')
