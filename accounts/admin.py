"""Managing accounts on pages and in the API: who may manage whom (the one rule, here), and the changes.

Admins manage every account. A coordinator who leads their regions (users.is_lead) manages the accounts of
LEAD_MANAGED roles bound only to those regions: coordinators and police by their regions, shelter staff by
their shelters' regions. Never an admin, CoMensha or another lead, never an account outside their regions;
only an admin makes someone a lead. The rule holds for the account as it is and as it would become, so a
lead can neither reach nor move an account out of their regions.

Every change is audited and all or nothing: bad input is refused with the field named and nothing stored.
No password is set here: a new account gets a one-time link (accounts/resets.py), as does a reset.
"""

import secrets

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

import validation as v
from accounts import phones, resets, sessions
from accounts import service as accounts
from accounts.models import User
from accounts.roles import EVERYONE, LEAD_MANAGED, Role
from audit import service as audit
from beds.models import Region, Shelter
from errors import Conflict, Forbidden, NotFound, PiketError, ValidationError
from extensions import db
from notify import service as notify

FIELDS = ("email", "name", "role", "regions", "shelters", "phone", "is_lead")
VIA = ("show", "sms")  # a password link: shown once to who asked, or texted to the account's verified phone


# --- who may manage whom: the one rule --------------------------------------------------------------------


def is_manager(actor) -> bool:
    """An admin, or a coordinator who leads their regions."""
    if actor is None or not actor.active:
        return False
    return actor.role == Role.ADMIN or (actor.role == Role.COORDINATOR and actor.is_lead and bool(actor.region_ids))


def scope_problem(actor, *, role, region_ids, shelters, is_lead) -> tuple[str, str] | None:
    """Why `actor` may not manage an account with this role and these bindings: (field, Dutch message),
    or None when they may."""
    if actor.role == Role.ADMIN:
        return None
    if not is_manager(actor):
        return "user", "Alleen beheerders en de regiocoördinator beheren accounts."
    if role not in LEAD_MANAGED:
        return "role", "U beheert alleen accounts van politie, opvangmedewerkers en zorgcoördinatoren."
    if is_lead:
        return "is_lead", "Alleen een beheerder maakt iemand regiocoördinator of beheert diens account."
    mine = actor.region_ids
    if not set(region_ids) <= mine:
        return "regions", "U beheert alleen accounts in uw eigen regio's."
    if any(s.region_id not in mine for s in shelters):
        return "shelters", "U beheert alleen opvangmedewerkers van opvangen in uw eigen regio's."
    if role == Role.SHELTER_STAFF and not shelters:
        return "shelters", "Een opvangmedewerker hoort bij minstens één opvang."
    if role != Role.SHELTER_STAFF and not region_ids:
        return "regions", "Kies minstens één van uw regio's."
    return None


def may_manage(actor, user) -> bool:
    return is_manager(actor) and (
        scope_problem(actor, role=user.role, region_ids=user.region_ids, shelters=user.shelters, is_lead=user.is_lead)
        is None
    )


def require_manager(actor):
    if not is_manager(actor):
        raise Forbidden("Alleen beheerders en de regiocoördinator beheren accounts.")


def managed_user(actor, user_id) -> User:
    """The account `actor` asks for, if they may manage it (else 404 or 403)."""
    require_manager(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Gebruiker bestaat niet.", field="user")
    if not may_manage(actor, user):
        raise Forbidden("Dit account valt buiten wat u mag beheren.", field="user")
    return user


def visible_users(actor, role=None, region=None) -> list[User]:
    """The accounts `actor` manages, by e-mail address; only of `role` and of `region` (a code) if given."""
    require_manager(actor)
    query = select(User).order_by(User.email)
    if role:
        query = query.where(User.role == role)
    users = [u for u in db.session.scalars(query).all() if may_manage(actor, u)]
    if region:
        users = [
            u for u in users if region in {r.code for r in u.regions} | {s.region.code for s in u.shelters if s.region}
        ]
    return users


def filters(args) -> dict:
    """?role=coordinator&region=rotterdam, each optional."""
    return {
        "role": v.choice(args, "role", EVERYONE, default=None) or None,
        "region": v.choice(args, "region", region_codes(), default=None) or None,
    }


def region_codes() -> list[str]:
    return list(db.session.scalars(select(Region.code).order_by(Region.name)))


def choices_for(actor) -> dict:
    """What a form offers `actor`: roles, regions and shelters they may give an account."""
    regions = db.session.scalars(select(Region).order_by(Region.name)).all()
    shelters = db.session.scalars(select(Shelter).order_by(Shelter.name)).all()
    if actor.role != Role.ADMIN:
        regions = [r for r in regions if r.id in actor.region_ids]
        shelters = [s for s in shelters if s.region_id in actor.region_ids]
    roles = EVERYONE if actor.role == Role.ADMIN else LEAD_MANAGED
    return {"roles": roles, "regions": regions, "shelters": shelters}


# --- reading input -----------------------------------------------------------------------------------------


def _list(data, key):
    """A list from JSON, or the repeated field of a form (the view passes a list)."""
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value] if value.strip() else []
    if not isinstance(value, list):
        raise ValidationError("moet een lijst zijn", field=key)
    return value


def _regions(data) -> list[Region]:
    codes = _list(data, "regions")
    found = []
    for code in codes:
        region = db.session.scalar(select(Region).where(Region.code == code)) if isinstance(code, str) else None
        if region is None:
            raise ValidationError("onbekende regio; kies uit de lijst", field="regions")
        found.append(region)
    return list(dict.fromkeys(found))


def _shelters(data) -> list[Shelter]:
    found = []
    for value in _list(data, "shelters"):
        shelter_id = value if isinstance(value, int) and not isinstance(value, bool) else v.id_text(value)
        shelter = db.session.get(Shelter, shelter_id) if shelter_id and 0 < shelter_id <= v.MAX_INTEGER else None
        if shelter is None:
            raise ValidationError("onbekende opvang; kies uit de lijst", field="shelters")
        found.append(shelter)
    return list(dict.fromkeys(found))


def read(data, *, partial) -> dict:
    """The fields given, checked: email, name, role, regions (codes), shelters (ids), phone, is_lead.
    `partial` (PATCH): only the fields present; else the required ones must be there."""
    if not isinstance(data, dict):
        raise ValidationError("De body moet een JSON-object zijn.", field="body")
    unknown = [k for k in data if k not in FIELDS]
    if unknown:
        raise ValidationError("onbekend veld", field=str(unknown[0])[:40])
    out = {}
    if not partial or "email" in data:
        email = v.text(data, "email", max_length=254).lower()
        if not accounts.EMAIL.match(email):
            raise ValidationError("geen geldig e-mailadres", field="email")
        out["email"] = email
    if not partial or "name" in data:
        out["name"] = v.text(data, "name", max_length=120, default="") or ""
    if not partial or "role" in data:
        out["role"] = v.choice(data, "role", EVERYONE)
    if not partial or "regions" in data:
        out["regions"] = _regions(data)
    if not partial or "shelters" in data:
        out["shelters"] = _shelters(data)
    if "phone" in data:
        phone = data["phone"]
        if phone is not None and not isinstance(phone, str):
            raise ValidationError("vul een telefoonnummer in", field="phone")
        out["phone"] = phone.strip() if isinstance(phone, str) else None
    if not partial or "is_lead" in data:
        out["is_lead"] = v.boolean(data, "is_lead", default=False)
    return out


def _check_bindings(role, regions, shelters, is_lead):
    if role == Role.SHELTER_STAFF and not shelters:
        raise ValidationError("Een opvangmedewerker hoort bij minstens één opvang.", field="shelters")
    if role == Role.COORDINATOR and not regions:
        raise ValidationError("Een zorgcoördinator hoort bij minstens één regio.", field="regions")
    if is_lead and role != Role.COORDINATOR:
        raise ValidationError("Alleen een zorgcoördinator kan regiocoördinator zijn.", field="is_lead")


def _in_scope(actor, role, regions, shelters, is_lead):
    problem = scope_problem(actor, role=role, region_ids={r.id for r in regions}, shelters=shelters, is_lead=is_lead)
    if problem:
        raise Forbidden(problem[1], field=problem[0])


def _state(user) -> dict:
    """What the audit log keeps of an account: no password, no second-factor secret."""
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "regions": sorted(r.code for r in user.regions),
        "shelters": sorted(s.id for s in user.shelters),
        "is_lead": bool(user.is_lead),
        "active": bool(user.active),
    }


def _all_or_nothing(work):
    """Run `work` (which commits at its end); on a refusal roll everything back and pass it on."""
    try:
        return work()
    except PiketError:
        db.session.rollback()
        raise


# --- the changes ------------------------------------------------------------------------------------------


def create(now, actor, data) -> tuple[User, str]:
    """A new account with no usable password, and the one-time link (shown once) to set one."""
    require_manager(actor)

    def work():
        fields = read(data, partial=False)
        _check_bindings(fields["role"], fields["regions"], fields["shelters"], fields["is_lead"])
        _in_scope(actor, fields["role"], fields["regions"], fields["shelters"], fields["is_lead"])
        if db.session.scalar(select(User.id).where(User.email == fields["email"])):
            raise Conflict("Dit e-mailadres heeft al een account.", field="email")
        user = User(
            email=fields["email"],
            name=fields["name"],
            role=fields["role"],
            is_lead=fields["is_lead"],
            regions=fields["regions"],
            shelters=fields["shelters"],
            created_at=now,
            # Nobody knows this password: the account gets its own through the one-time link.
            password_hash=generate_password_hash(secrets.token_urlsafe(32), current_app.config["PASSWORD_HASH_METHOD"]),
        )
        db.session.add(user)
        db.session.flush()
        audit.record(now, "user.create", "user", user.id, after=_state(user), actor=actor)
        if fields.get("phone"):
            phones.change_phone(now, user=user, raw=fields["phone"], actor=actor)
        token, row = resets.issue(now, user, actor)
        audit.record(
            now, "user.password_link", "user", user.id, after={"via": "show", "expires_at": row.expires_at.isoformat()}
        )
        db.session.commit()
        return user, token

    return _all_or_nothing(work)


def update(now, actor, user, data) -> User:
    """Change name, role, regions, shelters, phone (and, admins only, is_lead). A new role ends the
    account's sessions: it logs in again under the new role's rules (a second factor, its idle time-out)."""

    def work():
        fields = read(data, partial=True)
        if "email" in fields and fields["email"] != user.email:
            raise ValidationError("Het e-mailadres van een account verandert niet.", field="email")
        role = fields.get("role", user.role)
        regions = fields.get("regions", list(user.regions))
        shelters = fields.get("shelters", list(user.shelters))
        is_lead = fields.get("is_lead", user.is_lead) and role == Role.COORDINATOR
        if fields.get("is_lead") and role != Role.COORDINATOR:
            raise ValidationError("Alleen een zorgcoördinator kan regiocoördinator zijn.", field="is_lead")
        if user.id == actor.id and (role != user.role or is_lead != user.is_lead):
            raise Forbidden("Uw eigen rol wijzigt een andere beheerder.", field="role")
        _check_bindings(role, regions, shelters, is_lead)
        _in_scope(actor, role, regions, shelters, is_lead)
        before = _state(user)
        role_changed = role != user.role
        user.name = fields.get("name", user.name)
        user.role, user.is_lead, user.regions, user.shelters = role, is_lead, regions, shelters
        after = _state(user)
        if before != after:
            changed = [k for k in after if before[k] != after[k]]
            audit.record(
                now,
                "user.update",
                "user",
                user.id,
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
                actor=actor,
            )
        if "phone" in fields and fields["phone"] != user.phone:
            phones.change_phone(now, user=user, raw=fields["phone"], actor=actor)
        if role_changed:
            sessions.end_all(now, user, reason="role")
        db.session.commit()
        return user

    return _all_or_nothing(work)


def deactivate(now, actor, user) -> int:
    """No more logins, pages or answers; every open session ends now (accounts/service.py). How many ended."""
    if user.id == actor.id:
        raise Forbidden("U kunt uw eigen account niet deactiveren.", field="user")
    if not user.active:
        return 0
    return accounts.deactivate(now, user, actor=actor)


def reactivate(now, actor, user) -> User:
    if not user.active:
        user.active = True
        audit.record(now, "user.reactivate", "user", user.id, actor=actor)
        db.session.commit()
    return user


def password_link(now, actor, user, via=None) -> tuple[str, str | None]:
    """A one-time link to set a new password: texted to the account's verified phone (via "sms"; the SMS holds
    the link alone) or shown once to who asked (via "show"). Default: by SMS when the phone is verified.
    Returns (via, the token when shown)."""
    if via is None:
        via = "sms" if phones.is_verified(user) and user.phone else "show"
    if via not in VIA:
        raise ValidationError(f"kies uit: {', '.join(VIA)}", field="via")
    if via == "sms" and not (user.phone and phones.is_verified(user)):
        raise ValidationError("Dit account heeft geen geverifieerd telefoonnummer; toon de link.", field="via")
    if not user.active:
        raise Conflict("Dit account is gedeactiveerd; heractiveer het eerst.", field="user")
    token, row = resets.issue(now, user, actor)
    if via == "sms":
        notify.enqueue(
            now, to=user.phone, channel="sms", body=resets.link(token), purpose="password_reset", user_id=user.id
        )
    audit.record(
        now,
        "user.password_link",
        "user",
        user.id,
        after={"via": via, "expires_at": row.expires_at.isoformat()},
        actor=actor,
    )
    db.session.commit()
    return via, (token if via == "show" else None)


def as_json(user) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "is_lead": bool(user.is_lead),
        "active": bool(user.active),
        "phone": user.phone,
        "phone_verified": phones.is_verified(user),
        "regions": sorted(r.code for r in user.regions),
        "shelters": sorted(s.id for s in user.shelters),
        "mfa_enrolled": user.mfa_enrolled_at is not None,
        "created_at": user.created_at.isoformat() if user.created_at else None,
    }
