"""Fixtures for rotas: people who may take a duty, rotas, and local-time helpers."""

import datetime as dt

import pytest

from timeutil import AMSTERDAM, UTC


def at(y, m, d, hh=0, mm=0, fold=0) -> dt.datetime:
    """A moment given in Amsterdam local time, as UTC."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=AMSTERDAM, fold=fold).astimezone(UTC)


def hours(segment) -> float:
    return (segment.end - segment.start).total_seconds() / 3600


@pytest.fixture
def people(registry, make_user):
    """Coordinators of Rotterdam with phones (a, b, c), a CoMensha worker for the national rota,
    and some who may not take a duty: no phone, inactive, police."""
    from extensions import db

    def person(role, email, phone, regions=(), name=""):
        user = make_user(role, regions=regions, email=email)
        user.phone, user.name = phone, name or email.split("@")[0].capitalize()
        user.phone_verified_at = dt.datetime(2026, 1, 1, tzinfo=UTC) if phone else None  # verified (accounts/phones.py)
        return user

    out = {
        "a": person("coordinator", "anna@test.nl", "+31611111111", ["rotterdam"], "Anna"),
        "b": person("coordinator", "bram@test.nl", "+31622222222", ["rotterdam"], "Bram"),
        "c": person("coordinator", "cees@test.nl", "+31633333333", ["rotterdam"], "Cees"),
        "landelijk": person("coordinator", "landelijk@test.nl", "+31644444444", ["amsterdam"], name="Lotte"),
        "analyst": person("comensha", "analist@test.nl", "+31644444445", name="Ans"),
        "nophone": person("coordinator", "geentelefoon@test.nl", None, ["rotterdam"]),
        "inactive": person("coordinator", "weg@test.nl", "+31655555555", ["rotterdam"]),
        "police": person("police", "agent@test.nl", "+31666666666"),
    }
    out["inactive"].active = False
    db.session.commit()
    return out


@pytest.fixture
def make_rota(registry, users):
    from extensions import db
    from piket.rotas.models import Rota

    def make(level="primary", region="rotterdam", owner=None):
        region_obj = registry["regions"][region] if level != "national" else None
        from piket.rotas.service import LEVEL_LABELS

        rota = Rota(
            region_id=region_obj.id if region_obj else None,
            level=level,
            name=f"Piket {LEVEL_LABELS[level]}" + (f" {region_obj.name}" if region_obj else ""),
            owner_id=(owner or users["admin"]).id,
        )
        db.session.add(rota)
        db.session.commit()
        return rota

    return make


@pytest.fixture
def rota(make_rota):
    """Rotterdam's primary rota, owned by the admin."""
    return make_rota()


@pytest.fixture
def shift(app):
    def add(rota, user, start, end, source="manual"):
        from extensions import db
        from piket.rotas.models import RotaShift

        row = RotaShift(rota_id=rota.id, user_id=user.id, start=start, end=end, source=source, created_at=start)
        db.session.add(row)
        db.session.commit()
        return row

    return add


@pytest.fixture
def rotation(app):
    def add(rota, people, start_date, handover="09:00", shift_hours=24, days=(1, 2, 3, 4, 5, 6, 7), until_date=None):
        from extensions import db
        from piket.rotas.models import RotaRotation

        row = RotaRotation(
            rota_id=rota.id,
            start_date=start_date,
            handover=handover,
            shift_hours=shift_hours,
            days=list(days),
            people=[p.id for p in people],
            until_date=until_date,
        )
        db.session.add(row)
        db.session.commit()
        return row

    return add


def week_view(html) -> dict:
    """The rota page's week view as {"YYYY-MM-DD": [line text, ...]}, tags stripped."""
    import html as html_lib
    import re

    days = {}
    for date, body in re.findall(r'<li class="day" data-date="([\d-]+)">(.*?)</ul>\s*</li>', html, re.S):
        lines = re.findall(r'<li class="[^"]*"[^>]*>(.*?)</li>', body, re.S)
        days[date] = [html_lib.unescape(" ".join(re.sub(r"<[^>]+>", "", line).split())) for line in lines]
    return days
