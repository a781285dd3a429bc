"""mfa: a TOTP second factor and recovery codes on accounts; API tokens expire

Revision ID: b15a7f0c2e01
Revises: b15a5e551015
Create Date: 2026-12-03 04:40:00

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

import columns

# revision identifiers, used by Alembic.
revision = 'b15a7f0c2e01'
down_revision = 'b15a5e551015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mfa_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('mfa_enrolled_at', columns.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('mfa_last_step', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', columns.UTCDateTime(), nullable=True))
    # Tokens issued before expiry existed get the default 90 days from now, not an unlimited life.
    tokens = sa.table('api_tokens', sa.column('expires_at', columns.UTCDateTime()))
    op.execute(tokens.update().values(expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=90)))
    op.create_table(
        'mfa_recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', columns.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('mfa_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mfa_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mfa_recovery_codes_user_id'))
    op.drop_table('mfa_recovery_codes')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('mfa_last_step')
        batch_op.drop_column('mfa_enrolled_at')
        batch_op.drop_column('mfa_secret')
