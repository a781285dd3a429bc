"""An API token's last use is recorded, at most once a minute (not a write on every call)."""

import datetime as dt

from sqlalchemy import select

from accounts import service
from accounts.models import ApiToken
from extensions import db


def last_used(token):
    db.session.rollback()  # read what is stored, not what this session holds
    return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.token_hash == service._hash(token)))


def test_last_use_is_written_at_most_once_a_minute(users, now):
    token = service.issue_token(now, users["police"])
    assert last_used(token) is None
    assert service.user_for_token(now, token).id == users["police"].id
    assert last_used(token) == now
    assert service.user_for_token(now + dt.timedelta(seconds=59), token).id == users["police"].id
    assert last_used(token) == now
    assert service.user_for_token(now + dt.timedelta(minutes=1), token).id == users["police"].id
    assert last_used(token) == now + dt.timedelta(minutes=1)


def test_a_revoked_token_opens_nothing_even_within_the_minute(users, now):
    token = service.issue_token(now, users["police"])
    assert service.user_for_token(now, token) is not None
    service.revoke_all_tokens(now, users["police"])
    assert service.user_for_token(now + dt.timedelta(seconds=5), token) is None
