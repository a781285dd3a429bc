"""phones: numbers in E.164 (users.phone indexed for inbound SMS), verified phones, verification codes

Revision ID: ph16a0c0de01
Revises: acc16a0e1d01
Create Date: 2026-12-03 07:00:00

"""
from alembic import op
import phonenumbers
import sqlalchemy as sa

import columns

# revision identifiers, used by Alembic.
revision = 'ph16a0c0de01'
down_revision = 'acc16a0e1d01'
branch_labels = None
depends_on = None


def _e164(raw):
    """The stored number in E.164 when it parses as a valid number (Dutch by default), else None (kept as it was).
    Written out here, not imported from accounts/phones.py: a migration keeps meaning what it meant."""
    text = (raw or "").strip().replace("(0)", "")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return None
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    fictitious = number.startswith("+3160000") and len(number) == 12  # the demo's range (accounts/phones.py)
    return number if fictitious or phonenumbers.is_valid_number(parsed) else None


def _normalise(table, key, column):
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} != ''"))
    for row_key, raw in rows.fetchall():
        number = _e164(raw)
        if number is not None and number != raw:
            conn.execute(sa.text(f"UPDATE {table} SET {column} = :n WHERE {key} = :k"), {"n": number, "k": row_key})


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_verified_at', columns.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_phone'), ['phone'], unique=False)
    op.create_table(
        'phone_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', columns.UTCDateTime(), nullable=True),
        sa.Column('expires_at', columns.UTCDateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('used_at', columns.UTCDateTime(), nullable=True),
        sa.Column('attempt_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_codes_user_id'), ['user_id'], unique=False)
    # Numbers stored as typed become E.164 where they parse; the rest stay as they were (and a person's
    # phone must be verified, so it is typed again before anyone is paged on it).
    _normalise('users', 'id', 'phone')
    _normalise('shelters', 'id', 'intake_phone')
    _normalise('cases', 'id', 'callback_phone')


def downgrade():
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_codes_user_id'))
    op.drop_table('phone_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_phone'))
        batch_op.drop_column('phone_verified_at')
