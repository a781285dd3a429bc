"""outbox: the web request id each message comes from, logged by the worker when it sends it

Revision ID: ob18a1c0d001
Revises: pa18a0b1c2d3
Create Date: 2026-12-03 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ob18a1c0d001'
down_revision = 'pa18a0b1c2d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('web_request_id', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('notification_attempts', schema=None) as batch_op:
        batch_op.drop_column('web_request_id')
