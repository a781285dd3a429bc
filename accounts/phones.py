"""A person's phone number: changed here, verified here.

A minimal stand-in: the phones helper's version (E.164 with `phonenumbers`, verification by SMS code)
replaces this file. Both functions keep their signatures; change_phone works in the caller's transaction.
"""

import re

from audit import service as audit
from errors import ValidationError
from validation import PHONE, PHONE_LENGTH, storable


def change_phone(now, *, user, raw: str | None, actor) -> None:
    """Validate and store a new number for `user` (None or "" clears it), audited; no commit."""
    value = storable(raw, "phone").strip() if isinstance(raw, str) else None
    if raw is not None and not isinstance(raw, str):
        raise ValidationError("vul een telefoonnummer in", field="phone")
    value = value or None
    if value is not None and (len(value) > PHONE_LENGTH or not re.fullmatch(PHONE, value)):
        raise ValidationError("geen geldig telefoonnummer", field="phone")
    if value == user.phone:
        return
    before = user.phone
    user.phone = value
    audit.record(now, "user.phone", "user", user.id, before={"phone": before}, after={"phone": value}, actor=actor)


def is_verified(user) -> bool:
    return bool(getattr(user, "phone_verified_at", None))
