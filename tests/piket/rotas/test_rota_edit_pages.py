"""The rota page's lists with Wijzigen/Verwijderen, the edit and confirm pages, and the week view's gaps."""

import datetime as dt
import re

from sqlalchemy import func, select

from extensions import db
from piket.rotas.models import RotaOverride, RotaRotation, RotaShift
from tests.conftest import csrf_token
from tests.piket.rotas.conftest import at, week_view


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_gap_is_marked_in_words_on_its_day(client, login, users, rota, people, shift):
    shift(rota, people["a"], at(2026, 11, 23, 17), at(2026, 11, 24, 2))
    shift(rota, people["b"], at(2026, 11, 24, 8), at(2026, 11, 24, 9))
    html = login(users["coordinator"]).get(f"/piket/roosters/{rota.id}").get_data(as_text=True)
    tuesday = week_view(html)["2026-11-24"]
    assert tuesday[:3] == [
        "00:00–02:00 Anna (rooster)",
        "Gat: niemand van 02:00 tot 08:00",
        "08:00–09:00 Bram (rooster)",
    ]
    assert re.search(r'data-date="2026-11-24">.*?<li class="line gap" data-kind="gap">', html, re.S)
    assert 'href="/piket/roosters/' not in html.split('id="shifts"')[1].split("</ul>")[0]  # not the owner: no buttons


def test_the_owner_edits_a_shift_on_its_page(client, login, users, rota, people, shift):
    row = shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    login(users["admin"])
    html = client.get(f"/piket/roosters/{rota.id}").get_data(as_text=True)
    card = re.search(rf'id="shift-{row.id}">(.*?)</li>', html, re.S).group(1)
    assert "Wijzigen" in card and "Verwijderen" in card
    url = f"/piket/roosters/{rota.id}/dienst/{row.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="2026-11-24T17:00"' in page and 'value="2026-11-25T09:00"' in page
    form = {"csrf_token": csrf_token(page), "user": str(people["a"].id), "start": "2026-11-24T17:00"}
    bad = client.post(url, data={**form, "end": "2026-11-24T16:00"})
    assert bad.status_code == 422 and re.search(
        r'data-field="end">moet na het begin liggen', bad.get_data(as_text=True)
    )
    assert db.session.get(RotaShift, row.id).end == at(2026, 11, 25, 9)
    ok = client.post(url, data={**form, "user": str(people["b"].id), "end": "2026-11-25T08:00"})
    assert ok.status_code == 302
    db.session.expire_all()
    changed = db.session.get(RotaShift, row.id)
    assert changed.user_id == people["b"].id and changed.end == at(2026, 11, 25, 8)


def test_a_running_shift_on_its_page_keeps_its_start(client, login, users, rota, people, shift, now):
    row = shift(rota, people["a"], now - dt.timedelta(hours=2), now + dt.timedelta(hours=6))
    login(users["admin"])
    url = f"/piket/roosters/{rota.id}/dienst/{row.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="started-note"' in page and "readonly" in page
    resp = client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "user": str(people["a"].id),
            "start": "2026-11-22T00:30",
            "end": "2026-11-22T06:00",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(RotaShift, row.id).end == at(2026, 11, 22, 6)


def test_delete_asks_first_and_a_running_swap_is_ended(client, login, users, rota, people, shift, now):
    shift(rota, people["a"], now - dt.timedelta(hours=2), now + dt.timedelta(hours=6))
    swap = RotaOverride(
        rota_id=rota.id,
        user_id=people["b"].id,
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(hours=3),
        created_by_id=users["admin"].id,
        created_at=now,
    )
    db.session.add(swap)
    db.session.commit()
    login(users["admin"])
    url = f"/piket/roosters/{rota.id}/vervanging/{swap.id}/verwijderen"
    page = client.get(url).get_data(as_text=True)
    assert "Ja, beëindigen" in page and count(RotaOverride) == 1  # asking changed nothing
    assert "<script" not in page
    resp = client.post(url, data={"csrf_token": csrf_token(page)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(RotaOverride, swap.id).end == now
    html = client.get(f"/piket/roosters/{rota.id}").get_data(as_text=True)
    assert "Vervanging beëindigd" in html and 'id="on-duty">Nu van dienst: <strong>Anna</strong>' in html


def test_a_rotation_is_listed_changed_and_removed_by_an_admin(client, login, users, rota, people, rotation):
    row = rotation(rota, [people["a"]], dt.date(2026, 12, 1), days=(6, 7))
    login(users["admin"])
    html = client.get(f"/piket/roosters/{rota.id}").get_data(as_text=True)
    card = re.search(rf'id="rotation-{row.id}" data-state="planned">(.*?)</li>', html, re.S).group(1)
    assert "op za, zo" in card and "Op volgorde: Anna" in card and "Wijzigen" in card
    url = f"/piket/roosters/{rota.id}/rotatie/{row.id}"
    page = client.get(url).get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page),
        "start_date": "2026-12-01",
        "handover": "09:00",
        "shift_hours": "24",
        "days": ["6", "7"],
        "people": "anna@test.nl, bram@test.nl",
        "until_date": "",
    }
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(RotaRotation, row.id).people == [people["a"].id, people["b"].id]
    page = client.get(f"{url}/verwijderen").get_data(as_text=True)
    assert "Ja, verwijderen" in page
    assert client.post(f"{url}/verwijderen", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert count(RotaRotation) == 0


def test_a_coordinator_who_does_not_own_the_rota_gets_no_edit_page(client, login, users, rota, people, shift):
    row = shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    login(people["a"])
    assert client.get(f"/piket/roosters/{rota.id}/dienst/{row.id}").status_code == 403
    assert client.get(f"/piket/roosters/{rota.id}/dienst/{row.id}/verwijderen").status_code == 403
