"""The piket's demo data, so the whole ladder can be walked by hand after `flask --app app demo`.

Every care region has a primary rota (the demo coordinator) and a back-up rota (the demo back-up),
and there is one national rota (the demo national piket), each with someone on duty around the
clock. Every demo person on a rota, the police account and the admin (who gets the alarms) has a
verified demo phone. Outside Rotterdam, whose coordinator takes the office-hours queue, the demo's
regions are staffed around the clock, so their office-hours ladder pages the rotas too: no step of
any ladder pages nobody (`flask --app app doctor` says so).

Idempotent like the rest of the demo (demo.py): a phone already set is kept, an existing rota or
ladder is left as it is, and a rota gets its rotation only when it is created here.
"""

import datetime as dt

from sqlalchemy import select

from accounts import phones
from accounts import service as accounts
from accounts.roles import Role
from beds import demo as beds_demo
from beds.models import Region
from extensions import db
from piket import escalation
from piket.models import EscalationPolicy
from piket.rotas import service as rotas
from timeutil import local
from transactions import atomic

COORDINATOR = "coordinator@demo.piket.nl"
BACKUP = "achterwacht@demo.piket.nl"
NATIONAL = "landelijk@demo.piket.nl"
POLICE = "politie@demo.piket.nl"
OWNER = "admin@demo.piket.nl"  # the planner who would get gap reports, and an admin: the alarms reach them
# The demo's own people, besides the accounts of beds/demo.py: (e-mail, name, the region a coordinator belongs to).
PEOPLE = [(BACKUP, "Achterwacht (demo)", "den-haag"), (NATIONAL, "Landelijk piket (demo)", "utrecht")]
# Not in use (the 06-00 range; accounts/phones.py lets it through as the demo's): the console prints them.
PHONES = {
    COORDINATOR: "+31600000101",
    POLICE: "+31600000102",
    BACKUP: "+31600000103",
    NATIONAL: "+31600000104",
    OWNER: "+31600000105",
}
HANDOVER = "09:00"
QUEUE_REGION = "rotterdam"  # the one region whose office-hours ladder keeps the region's queue (its coordinator)


def load(now) -> dict:
    """Run after beds/demo.py (the regions and accounts). Returns what was added."""
    counts = {"piket_people": 0, "phones": 0, "rotas": 0, "ladders": 0}
    with atomic():
        for email, name, region in PEOPLE:
            if accounts.user_by_email(email) is None:
                accounts.create_user(
                    now,
                    email=email,
                    password=beds_demo.PASSWORD,
                    role=Role.COORDINATOR,
                    name=name,
                    region_codes=[region],
                )
                counts["piket_people"] += 1
        for email, phone in PHONES.items():
            user = accounts.user_by_email(email)
            if user is not None and not user.phone:
                user.phone = phone
                counts["phones"] += 1
            if user is not None and user.phone and phones.is_fictitious(user.phone):
                phones.mark_verified(now, user=user, actor=None)  # the demo range needs no code (accounts/phones.py)
    owner = accounts.user_by_email(OWNER)
    if owner is None:
        return counts
    # From yesterday's hand-over, so someone is on duty right now, whatever the hour.
    start = local(now).date() - dt.timedelta(days=1)
    for region in db.session.scalars(select(Region).where(Region.kind == "care").order_by(Region.name)).all():
        for level, email in (("primary", COORDINATOR), ("backup", BACKUP)):
            counts["rotas"] += _rota(now, region.code, level, email, start)
        counts["ladders"] += _ladder(region)
    counts["rotas"] += _rota(now, "", "national", NATIONAL, start)
    return counts


def _rota(now, region_code, level, email, start) -> int:
    """The rota with `email` on duty around the clock, unless it exists. 1 when it was made now."""
    person = accounts.user_by_email(email)
    region = db.session.scalar(select(Region).where(Region.code == region_code)) if region_code else None
    if person is None or not person.active or rotas.rota_for(region.id if region else None, level) is not None:
        return 0
    rota = rotas.create_rota(now, {"region": region_code, "level": level, "owner": OWNER}, None)
    rotas.add_rotation(
        now,
        rota.id,
        {
            "start_date": start.isoformat(),
            "handover": HANDOVER,
            "shift_hours": 24,
            "days": [1, 2, 3, 4, 5, 6, 7],
            "people": [email],
        },
        None,
    )
    return 1


def _ladder(region) -> int:
    """Outside Rotterdam nobody holds the office-hours queue in the demo: the rotas take office hours too."""
    if region.code == QUEUE_REGION or escalation.policy_for(region.id) is not None:
        return 0
    with atomic():
        db.session.add(
            EscalationPolicy(region_id=region.id, after_hours=None, office_hours=list(escalation.AFTER_HOURS))
        )
    return 1
