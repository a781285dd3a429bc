"""The CoMensha reports on the national page: the open list and the per-region summary."""

import datetime as dt

from extensions import db
from national import reports as national_reports
from national.tables import suppress
from notify import service as notify
from piket import placements, reports
from piket.models import Case
from tests.conftest import MAN, MOTHER

H = dt.timedelta(hours=1)


def place(app, case, pool_id, user, moment):
    """Choose the pool for the case's first request and confirm it at `moment`."""
    rid = case["requests"][0]["id"]
    held = placements.choose(moment, rid, pool_id, user, app.config)
    placements.confirm(moment, held.hold_id, user)
    db.session.commit()
    return rid


def setup_cases(app, new_case, registry, users, now):
    """Rotterdam: a mother placed at NOW. Den Haag: a man placed an hour later. Amsterdam: not placed."""
    coordinator = users["coordinator"]
    coordinator.name = "Coördinator Jansen"
    db.session.commit()
    rot = new_case(requests=[{"persons": [MOTHER], "children": 2}], apart=[])
    dh = new_case(requests=[{"persons": [MAN]}], apart=[], found={"region": "den-haag"}, case_reference="DH-1")
    new_case(requests=[{"persons": [MAN]}], apart=[], found={"region": "amsterdam"}, case_reference="AMS-1")
    # Den Haag's case reached the Rotterdam coordinator as its back-up: the page lets them place it (piket/access.py).
    notify.enqueue(
        now,
        to="+31610000077",
        channel="sms",
        purpose="page",
        user_id=coordinator.id,
        request_id=dh["requests"][0]["id"],
        body="page",
    )
    db.session.commit()
    place(app, rot, registry["shelters"]["rot-cosm"].pools[1].id, coordinator, now)
    place(app, dh, registry["shelters"]["rot-mo"].pools[0].id, coordinator, now + H)
    return rot["case_id"], dh["case_id"]


def test_open_table_oldest_first_with_owner_days_and_region_filter(app, new_case, registry, users, now):
    rot, dh = setup_cases(app, new_case, registry, users, now)
    later = now + dt.timedelta(days=3)
    table = national_reports.open_table(later)
    assert table.key == "open_reports" and [k for k, _ in table.columns] == [
        "case",
        "region",
        "placed",
        "owner",
        "days_open",
        "reminded",
    ]
    assert [r["case"] for r in table.rows] == [rot, dh]
    first = table.rows[0]
    assert (
        first["region"] == "Rotterdam"
        and first["placed"] == "zo\u00a022\u00a0nov\u00a002:30"
        and first["owner"] == "Coördinator Jansen"
    )
    assert first["days_open"] == 3 and first["reminded"] == "nog niet"
    only_dh = national_reports.open_table(later, region_ids={registry["regions"]["den-haag"].id})
    assert [r["case"] for r in only_dh.rows] == [dh]
    reports.mark_made(now + 2 * H, rot, users["comensha"])
    assert [r["case"] for r in national_reports.open_table(later).rows] == [dh]


def test_open_table_shows_the_last_reminder(app, new_case, registry, users, now):
    rot, _dh = setup_cases(app, new_case, registry, users, now)
    users["coordinator"].phone = "+31610000077"
    db.session.commit()
    monday_10 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # 10:00 in Amsterdam
    assert reports.remind_due(monday_10) == 2  # one owner, two open reports: one SMS each
    rows = {r["case"]: r for r in national_reports.open_table(monday_10).rows}
    assert rows[rot]["reminded"] == "ma\u00a023\u00a0nov\u00a010:00" and rows[rot]["days_open"] == 1


def test_summary_per_region_with_median_days_and_a_total(app, new_case, registry, users, now):
    rot, dh = setup_cases(app, new_case, registry, users, now)
    reports.mark_made(now + dt.timedelta(hours=36), rot, users["coordinator"])  # 1.5 days after placement
    table = national_reports.summary(
        now + dt.timedelta(days=5), now - dt.timedelta(days=30), now + dt.timedelta(days=1)
    )
    assert table.key == "reports" and table.counts == ("placed", "made", "open")
    assert table.guarded == {"median_days": "made"}
    rows = {r["region"]: r for r in table.rows}
    assert set(rows) == {"Rotterdam", "Den Haag", "Nederland"}  # Amsterdam placed nobody
    assert (rows["Rotterdam"]["placed"], rows["Rotterdam"]["made"], rows["Rotterdam"]["open"]) == (1, 1, 0)
    assert rows["Rotterdam"]["median_days"] == 1.5
    assert (rows["Den Haag"]["made"], rows["Den Haag"]["open"], rows["Den Haag"]["median_days"]) == (0, 1, None)
    assert (rows["Nederland"]["placed"], rows["Nederland"]["made"], rows["Nederland"]["open"]) == (2, 1, 1)
    assert table.rows[-1]["region"] == "Nederland"
    hidden = {r["region"]: r for r in suppress(table).rows}
    assert hidden["Rotterdam"]["median_days"] is None and hidden["Nederland"]["placed"] is None  # 1 and 2 are small


def test_summary_window_and_region_scope(app, new_case, registry, users, now):
    rot, dh = setup_cases(app, new_case, registry, users, now)
    late = national_reports.summary(now + dt.timedelta(days=1), now + H / 2, now + dt.timedelta(days=1))
    assert {r["region"]: r["placed"] for r in late.rows} == {"Den Haag": 1, "Nederland": 1}
    scoped = national_reports.summary(
        now + dt.timedelta(days=1),
        now - H,
        now + dt.timedelta(days=1),
        region_ids={registry["regions"]["rotterdam"].id},
    )
    assert [(r["region"], r["placed"]) for r in scoped.rows] == [("Rotterdam", 1), ("Totaal", 1)]


def test_a_report_made_after_now_is_not_yet_made(app, new_case, registry, users, now):
    rot, _dh = setup_cases(app, new_case, registry, users, now)
    reports.mark_made(now + dt.timedelta(days=2), rot, users["coordinator"])
    table = national_reports.summary(now + dt.timedelta(days=1), now - H, now + dt.timedelta(days=1))
    assert {r["region"]: r["made"] for r in table.rows}["Rotterdam"] == 0


def case_reads(actor_id):
    from sqlalchemy import select

    from audit.models import AuditEntry

    db.session.expire_all()
    return sorted(
        int(e.entity_id)
        for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.read")).all()
        if e.actor_id == actor_id
    )


def test_the_page_names_open_reports_by_reference_audited_and_links_only_for_who_may_open(
    app, client, login, new_case, registry, users, now
):
    rot, dh = setup_cases(app, new_case, registry, users, now)
    references = {rot: db.session.get(Case, rot).case_reference, dh: "DH-1"}
    # CoMensha: the reference as plain text (it matches the report to the police case), no link: it reads no case.
    login(users["comensha"])
    html = client.get("/landelijk").get_data(as_text=True)
    table = html.split('id="t-open_reports"')[1].split("</table>")[0]
    for case_id, reference in references.items():
        row = table.split(f'data-row="{case_id}"')[1].split("</tr>")[0]
        assert f'<th scope="row" class="case-ref">{reference}</th>' in row
        assert "/zaak/" not in row
    assert '<td data-col="case">' not in table  # the internal id is not shown
    assert case_reads(users["comensha"].id) == sorted([rot, dh])  # one read per listed case
    client._cookies.clear()  # a fresh session: log in as someone else

    # An admin may open the case: the reference links to it.
    login(users["admin"])
    table = client.get("/landelijk").get_data(as_text=True).split('id="t-open_reports"')[1]
    assert f'<a href="/zaak/{dh}">DH-1</a>' in table
    assert case_reads(users["admin"].id) == sorted([rot, dh])


def test_a_coordinator_sees_no_list_and_reads_no_case(app, client, login, new_case, registry, users, now):
    setup_cases(app, new_case, registry, users, now)
    login(users["coordinator"])
    html = client.get("/landelijk").get_data(as_text=True)
    assert "Deze lijst per zaak ziet alleen CoMensha" in html.split('id="t-open_reports"')[1].split("</table>")[0]
    assert case_reads(users["coordinator"].id) == []
