"""The piket's demo data, so the night scenario can be walked by hand after `flask --app app demo`:
the demo coordinator on duty around the clock on every care region's primary rota, with a phone
number (paging needs one), and the demo police account with a phone (the form's callback number).

Idempotent like the rest of the demo (demo.py): a phone already set is kept, an existing rota is
left as it is, and a rota gets its rotation only when it is created here.
"""

import datetime as dt

from sqlalchemy import select

from accounts import phones
from accounts import service as accounts
from beds.models import Region
from extensions import db
from piket.rotas import service as rotas
from timeutil import local
from transactions import atomic

COORDINATOR = "coordinator@demo.piket.nl"
POLICE = "politie@demo.piket.nl"
OWNER = "admin@demo.piket.nl"  # the planner who would get gap reports (there are none: one 24-hour shift a day)
PHONES = {COORDINATOR: "+31600000101", POLICE: "+31600000102"}  # phones.FICTITIOUS_PREFIX: the console prints them
HANDOVER = "09:00"


def load(now) -> dict:
    """Run after beds/demo.py (the regions and accounts). Returns what was added."""
    counts = {"phones": 0, "rotas": 0}
    with atomic():
        for email, phone in PHONES.items():
            user = accounts.user_by_email(email)
            if user is not None and not user.phone:
                user.phone = phone
                counts["phones"] += 1
            if user is not None and user.phone and phones.is_fictitious(user.phone):
                phones.mark_verified(now, user=user, actor=None)  # the demo range needs no code (accounts/phones.py)
    coordinator = accounts.user_by_email(COORDINATOR)
    if coordinator is None or not coordinator.active or accounts.user_by_email(OWNER) is None:
        return counts
    # From yesterday's hand-over, so someone is on duty right now, whatever the hour.
    start = local(now).date() - dt.timedelta(days=1)
    for region in db.session.scalars(select(Region).where(Region.kind == "care").order_by(Region.name)).all():
        if rotas.rota_for(region.id, "primary") is not None:
            continue
        rota = rotas.create_rota(now, {"region": region.code, "level": "primary", "owner": OWNER}, None)
        rotas.add_rotation(
            now,
            rota.id,
            {
                "start_date": start.isoformat(),
                "handover": HANDOVER,
                "shift_hours": 24,
                "days": [1, 2, 3, 4, 5, 6, 7],
                "people": [coordinator.email],
            },
            None,
        )
        counts["rotas"] += 1
    return counts
