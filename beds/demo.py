"""The registry's demo data: the national regions and shelters and one account per role, idempotently
(`flask --app app demo`, see demo.py).

Existing rows are left as they are (matched by region code, organisation and shelter key,
e-mail), so running it again, or on a live database, never overwrites what people entered.
"""

import datetime as dt
import zlib

from sqlalchemy import select

from accounts import service as accounts
from accounts.roles import Role
from beds.models import AvailabilitySnapshot, BedPool, Organisation, Region, Shelter
from beds.registry import record_capacity
from extensions import db
from transactions import atomic

PASSWORD = "piket-demo-2026"
ACCOUNTS = [  # (role, e-mail, name, binding)
    (Role.POLICE, "politie@demo.piket.nl", "Agent Demo (Eenheid Rotterdam)", {"region": "eenheid-rotterdam"}),
    (
        Role.SHELTER_STAFF,
        "opvang@demo.piket.nl",
        "Nachtdienst OMP Amsterdam",
        {"shelter_type": "omp", "region": "amsterdam"},
    ),
    (Role.COORDINATOR, "coordinator@demo.piket.nl", "Zorgcoördinator Rotterdam", {"region": "rotterdam"}),
    (Role.COMENSHA, "comensha@demo.piket.nl", "Analist CoMensha", {}),
    (Role.ADMIN, "admin@demo.piket.nl", "Beheerder", {}),
]


def _hours_ago(key: str) -> float:
    """A stable, varied age of the last confirmation, so the demo shows fresh, aging and stale."""
    return (zlib.crc32(key.encode()) % 1400) / 100  # 0 to 14 hours


def _dial_code_taken(code) -> bool:
    return db.session.scalar(select(Region.id).where(Region.dial_code == code)) is not None


def load(now) -> dict:
    from beds import demo_data  # imported here: web workers never need the demo data in memory

    counts = {"regions": 0, "organisations": 0, "shelters": 0, "accounts": 0}
    with atomic():
        for spec in demo_data.REGIONS:
            region = db.session.scalar(select(Region).where(Region.code == spec["code"]))
            if region is None:
                db.session.add(Region(**spec))
                counts["regions"] += 1
            elif region.dial_code is None and spec.get("dial_code") and not _dial_code_taken(spec["dial_code"]):
                region.dial_code = spec["dial_code"]  # a demo loaded before regions had one
        for spec in demo_data.ORGANISATIONS:
            if not db.session.scalar(select(Organisation).where(Organisation.key == spec["key"])):
                db.session.add(Organisation(**spec))
                counts["organisations"] += 1
        db.session.flush()
        regions = {r.code: r for r in db.session.scalars(select(Region))}
        orgs = {o.key: o for o in db.session.scalars(select(Organisation))}
        for spec in demo_data.shelters():
            if db.session.scalar(select(Shelter).where(Shelter.key == spec["key"])):
                continue
            confirmed = now - dt.timedelta(hours=_hours_ago(spec["key"]))
            shelter = Shelter(
                key=spec["key"],
                name=spec["name"],
                organisation=orgs.get(spec["organisation"]),
                type=spec["type"],
                region=regions[spec["region"]],
                municipality=spec["municipality"],
                lat=spec["lat"],
                lon=spec["lon"],
                address=spec["address"],
                address_confidential=spec["confidential"],
                intake=spec["intake"],
                intake_phone=spec["intake_phone"],
                max_stay_days=spec["max_stay_days"],
                genders=spec["admits"]["genders"],
                adults=spec["admits"]["adults"],
                minors=spec["admits"]["minors"],
                residence=spec["admits"]["residence"],
                exploitation=spec["admits"]["exploitation"],
                excludes=spec["excludes"],
                pools=[
                    BedPool(
                        key=p["key"],
                        kind=p["kind"],
                        room_size=p.get("room_size"),
                        capacity=p["capacity"],
                        occupied=p["occupied"],
                        out_of_service=p["out_of_service"],
                        held=0,
                        confirmed_at=confirmed,
                    )
                    for p in spec["pools"]
                ],
            )
            db.session.add(shelter)
            db.session.flush()
            for pool in shelter.pools:
                db.session.add(
                    AvailabilitySnapshot(
                        pool_id=pool.id,
                        shelter_id=shelter.id,
                        recorded_at=confirmed,
                        source="system",
                        capacity=pool.capacity,
                        out_of_service=pool.out_of_service,
                        occupied=pool.occupied,
                        held=0,
                        free=pool.free,
                    )
                )
                record_capacity(now, pool, None, None)  # the initial inventory; only for shelters added now
            counts["shelters"] += 1
    for role, email, name, binding in ACCOUNTS:
        if accounts.user_by_email(email):
            continue
        shelter_ids, region_codes = [], []
        if "shelter_type" in binding:
            shelter_ids = [
                db.session.scalar(
                    select(Shelter.id)
                    .join(Region)
                    .where(Shelter.type == binding["shelter_type"], Region.code == binding["region"])
                    .order_by(Shelter.id)
                )
            ]
        elif "region" in binding:
            region_codes = [binding["region"]]
        accounts.create_user(
            now,
            email=email,
            password=PASSWORD,
            role=role,
            name=name,
            shelter_ids=shelter_ids,
            region_codes=region_codes,
        )
        counts["accounts"] += 1
    return counts
