"""sessions held server-side: ended by logout, deactivation and the idle time-out

Revision ID: b15a5e551015
Revises: a14e5c0a1d01
Create Date: 2026-12-03 04:30:00

"""
from alembic import op
import sqlalchemy as sa

import columns


# revision identifiers, used by Alembic.
revision = 'b15a5e551015'
down_revision = 'a14e5c0a1d01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', columns.UTCDateTime(), nullable=True),
    sa.Column('last_seen_at', columns.UTCDateTime(), nullable=True),
    sa.Column('ended_at', columns.UTCDateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sessions_token_hash'))
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_user_id'))
    op.drop_table('sessions')
