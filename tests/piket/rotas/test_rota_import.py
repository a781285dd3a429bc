"""CSV import: every bad row reported, all-or-nothing, idempotent re-import."""

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from errors import Forbidden, ValidationError
from extensions import db
from piket.rotas import service
from piket.rotas.models import RotaShift
from tests.piket.rotas.conftest import at

GOOD = """region,email,start,end
rotterdam,anna@test.nl,2026-12-24 17:00,2026-12-25 09:00
rotterdam,bram@test.nl,2026-12-25 09:00,2026-12-26 09:00
rotterdam,cees@test.nl,2027-03-27 09:00,2027-03-28 09:00
"""


def count_shifts():
    return db.session.scalar(select(func.count()).select_from(RotaShift))


def errors_of(text, **kwargs):
    with pytest.raises(ValidationError) as caught:
        service.import_csv(at(2026, 11, 22), text, **kwargs)
    return caught.value.details["errors"]


def test_import_creates_shifts_in_utc(rota, people, now):
    counts = service.import_csv(now, GOOD)
    assert counts == {"created": 3, "unchanged": 0, "replaced": 0}
    shifts = db.session.scalars(select(RotaShift).order_by(RotaShift.start)).all()
    assert [(s.user_id, s.start, s.end, s.source) for s in shifts] == [
        (people["a"].id, at(2026, 12, 24, 17), at(2026, 12, 25, 9), "import"),
        (people["b"].id, at(2026, 12, 25, 9), at(2026, 12, 26, 9), "import"),
        (people["c"].id, at(2027, 3, 27, 9), at(2027, 3, 28, 9), "import"),
    ]
    assert (shifts[2].end - shifts[2].start).total_seconds() == 23 * 3600  # over the spring change
    assert service.on_duty(at(2026, 12, 24, 23), rota.region_id, "primary").id == people["a"].id
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rota.import")).all()
    assert len(audit) == 1 and len(audit[0].after["shifts"]) == 3 and audit[0].source == "system"


def test_reimporting_the_same_file_adds_nothing(rota, people, now):
    service.import_csv(now, GOOD)
    assert service.import_csv(now, GOOD) == {"created": 0, "unchanged": 3, "replaced": 0}
    assert count_shifts() == 3
    # Without a header, with semicolons and an ISO offset: still the same shifts.
    same = (
        "rotterdam;anna@test.nl;2026-12-24T17:00+01:00;2026-12-25 09:00\n"
        "rotterdam;BRAM@test.nl;2026-12-25 09:00;2026-12-26 09:00\n"
    )
    assert service.import_csv(now, same) == {"created": 0, "unchanged": 2, "replaced": 0}
    assert count_shifts() == 3
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "rota.import")) == 1
    )


def test_a_corrected_file_replaces_the_shifts_it_overlaps(rota, people, now):
    service.import_csv(now, GOOD)
    fixed = GOOD.replace("bram@test.nl,2026-12-25 09:00", "cees@test.nl,2026-12-25 09:00")
    assert service.import_csv(now, fixed) == {"created": 1, "unchanged": 2, "replaced": 1}
    assert count_shifts() == 3
    assert service.on_duty(at(2026, 12, 25, 12), rota.region_id, "primary").id == people["c"].id


def test_every_bad_row_is_reported_and_nothing_imported(rota, make_rota, people, registry):
    make_rota("primary", "den-haag")
    text = "\n".join(
        [
            "region,email,start,end",
            "rotterdam,anna@test.nl,2026-12-01 17:00,2026-12-02 09:00",  # 2: fine
            "utrecht,anna@test.nl,2026-12-02 17:00,2026-12-03 09:00",  # 3: unknown region
            "rotterdam,niemand@test.nl,2026-12-03 17:00,2026-12-04 09:00",  # 4: unknown user
            "rotterdam,weg@test.nl,2026-12-04 17:00,2026-12-05 09:00",  # 5: inactive
            "rotterdam,geentelefoon@test.nl,2026-12-05 17:00,2026-12-06 09:00",  # 6: no phone
            "rotterdam,agent@test.nl,2026-12-06 17:00,2026-12-07 09:00",  # 7: wrong role
            "rotterdam,bram@test.nl,morgen,2026-12-08 09:00",  # 8: unparsable
            "rotterdam,bram@test.nl,2026-12-09 09:00,2026-12-09 08:00",  # 9: end before start
            "rotterdam,bram@test.nl,2027-03-28 02:30,2027-03-28 09:00",  # 10: does not exist
            "rotterdam,bram@test.nl,2027-10-31 02:30,2027-10-31 09:00",  # 11: occurs twice
            "rotterdam,cees@test.nl,2026-12-01 20:00,2026-12-02 08:00",  # 12: overlaps row 2
            "amsterdam,cees@test.nl,2026-12-01 20:00,2026-12-02 08:00",  # 13: Amsterdam has no primary rota
            "den-haag,cees@test.nl,2026-12-01 20:00,2026-12-02 08:00",  # 14: fine (another rota)
            "rotterdam,cees@test.nl",  # 15: too few columns
        ]
    )
    errors = errors_of(text)
    lines = [int(e.split(":")[0].split()[1]) for e in errors]
    assert sorted(set(lines)) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15]
    joined = "\n".join(errors)
    assert "regel 3: regio: onbekende regio 'utrecht'" in joined
    assert "regel 4: e-mail: onbekende gebruiker" in joined
    assert "regel 5: e-mail: account weg@test.nl is niet actief" in joined
    assert "regel 6: e-mail:" in joined and "geen telefoonnummer" in joined
    assert "regel 7: e-mail:" in joined and "rol politie / KMar / NLA" in joined
    assert "regel 8: begin: onleesbare tijd" in joined
    assert "regel 9: einde: moet na het begin liggen" in joined
    assert "regel 10: begin: deze tijd bestaat niet" in joined
    assert "regel 11: begin: deze tijd komt twee keer voor" in joined
    assert "regel 12: begin: overlapt met regel 2" in joined
    assert "regel 13: regio: regio amsterdam heeft geen rooster primair" in joined
    assert "regel 15: verwacht 4 kolommen" in joined
    assert count_shifts() == 0


def test_the_national_rota_takes_coordinators_who_can_accept_and_no_region(make_rota, people):
    make_rota("national")
    errors = errors_of(
        ",analist@test.nl,2026-12-01 17:00,2026-12-02 09:00\nrotterdam,landelijk@test.nl,2026-12-02 17:00,2026-12-03 09:00",
        level="national",
    )
    assert errors[0].startswith("regel 1: e-mail:") and "CoMensha" in errors[0]  # reads, cannot accept
    assert errors[1].startswith("regel 2: regio: het landelijke rooster heeft geen regio")
    assert (
        service.import_csv(
            at(2026, 11, 22), "landelijk,landelijk@test.nl,2026-12-02 17:00,2026-12-03 09:00", level="national"
        )["created"]
        == 1
    )
    assert service.on_duty(at(2026, 12, 2, 20), None, "national").id == people["landelijk"].id
    assert service.on_duty(at(2026, 12, 2, 20), 12345, "national").id == people["landelijk"].id  # region ignored


def test_an_empty_file_is_refused(rota):
    assert errors_of("region,email,start,end\n\n") == ["bestand: geen diensten gevonden"]


def test_only_the_owner_or_an_admin_imports(rota, people, users, now):
    with pytest.raises(Forbidden):
        service.import_csv(now, GOOD, actor=people["a"])
    assert count_shifts() == 0
    assert service.import_csv(now, GOOD, actor=users["admin"])["created"] == 3
