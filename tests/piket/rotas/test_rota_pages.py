"""The rota pages: the list, one rota's 14 days with gaps, and the override, import and rotation forms."""

import datetime as dt
import io
import re

from sqlalchemy import func, select

from extensions import db
from piket.rotas.models import Rota, RotaOverride, RotaRotation, RotaShift
from tests.conftest import csrf_token
from tests.piket.rotas.conftest import at, week_view


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_list_shows_who_is_on_duty_and_gaps(client, login, users, make_rota, people, shift, now):
    rota = make_rota()
    make_rota("national")
    shift(rota, people["a"], now - dt.timedelta(hours=3), now + dt.timedelta(hours=6))
    html = login(users["coordinator"]).get("/piket/roosters").get_data(as_text=True)
    card = re.search(rf'id="rota-{rota.id}">(.*?)</tr>', html, re.S).group(1)
    assert "Piket primair Rotterdam" in card and "Anna" in card
    assert re.search(r'data-gaps="(\d+)"', card).group(1) != "0"  # nobody after Sunday 08:30
    assert "Piket nationaal" in html
    assert "Nieuw rooster" not in html  # only admins create rotas


def test_admin_creates_a_rota_and_sees_errors_beside_the_field(client, login, users, registry, people):
    login(users["admin"])
    token = csrf_token(client.get("/piket/roosters").get_data(as_text=True))
    resp = client.post(
        "/piket/roosters",
        data={"csrf_token": token, "level": "backup", "region": "den-haag", "owner": people["a"].email},
    )
    assert resp.status_code == 302
    rota = db.session.scalar(select(Rota).where(Rota.level == "backup"))
    assert rota.name == "Piket achtervang Den Haag" and resp.headers["Location"].endswith(f"/piket/roosters/{rota.id}")
    resp = client.post(
        "/piket/roosters",
        data={"csrf_token": token, "level": "backup", "region": "den-haag", "owner": people["a"].email},
    )
    assert resp.status_code == 422
    assert re.search(r'data-field="level">dit rooster bestaat al', resp.get_data(as_text=True))
    assert count(Rota) == 1


def test_the_rota_page_shows_14_days_and_highlights_gaps(client, login, users, rota, people, shift, now):
    shift(rota, people["a"], now - dt.timedelta(hours=3), at(2026, 11, 23, 9))  # until Monday 09:00
    shift(rota, people["b"], at(2026, 11, 23, 17), at(2026, 11, 24, 9))
    html = login(users["comensha"]).get(f"/piket/roosters/{rota.id}").get_data(as_text=True)
    assert 'id="on-duty">Nu van dienst: <strong>Anna</strong>' in html
    days = week_view(html)
    assert days["2026-11-22"] == ["02:30–24:00 Anna (rooster)"]
    assert days["2026-11-23"] == [
        "00:00–09:00 Anna (rooster)",
        "Kantoortijd, niemand ingeroosterd: 09:00–17:00",  # office hours: no gap
        "17:00–24:00 Bram (rooster)",
    ]
    assert days["2026-11-24"] == [
        "00:00–09:00 Bram (rooster)",
        "Kantoortijd, niemand ingeroosterd: 09:00–17:00",
        "Gat: niemand van 17:00 tot 24:00",  # in words, not only in red
    ]
    assert list(days)[-1] == "2026-12-06" and days["2026-12-06"] == ["Gat: niemand van 00:00 tot 02:30"]  # 14 days
    assert len(re.findall(r'<li class="line gap" data-kind="gap">', html)) >= 10
    assert 'class="alarm" role="alert"' in html and "di\u00a024\u00a0nov\u00a017:00" in html
    assert "Diensten importeren" not in html  # CoMensha does not own this rota


def test_override_form_works_and_shows_errors(client, login, rota, people, shift):
    shift(rota, people["a"], at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    login(people["a"])
    url = f"/piket/roosters/{rota.id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    bad = client.post(
        f"{url}/vervanging",
        data={"csrf_token": token, "user": people["b"].id, "start": "2027-03-28T02:30", "end": "2027-03-28T09:00"},
    )
    assert bad.status_code == 422
    assert re.search(r'data-field="override-start">deze tijd bestaat niet', bad.get_data(as_text=True))
    assert count(RotaOverride) == 0
    ok = client.post(
        f"{url}/vervanging",
        data={
            "csrf_token": token,
            "user": people["b"].id,
            "start": "2026-11-24T20:00",
            "end": "2026-11-25T09:00",
            "reason": "ziek",
        },
    )
    assert ok.status_code == 302
    override = db.session.scalar(select(RotaOverride))
    assert (override.user_id, override.start, override.created_by_id) == (
        people["b"].id,
        at(2026, 11, 24, 20),
        people["a"].id,
    )
    # Someone who is not on duty then cannot give the slot away.
    login(people["c"])
    token = csrf_token(client.get(url).get_data(as_text=True))
    refused = client.post(
        f"{url}/vervanging",
        data={"csrf_token": token, "user": people["c"].id, "start": "2026-11-24T17:00", "end": "2026-11-24T20:00"},
    )
    assert refused.status_code == 403 and count(RotaOverride) == 1
    # Without the CSRF token, nothing happens.
    assert (
        client.post(
            f"{url}/vervanging", data={"user": people["c"].id, "start": "2026-11-24T17:00", "end": "2026-11-24T20:00"}
        ).status_code
        == 400
    )


def test_import_form_lists_bad_rows_and_imports_nothing(client, login, users, rota, people):
    login(users["admin"])
    url = f"/piket/roosters/{rota.id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    bad = (
        "region,email,start,end\n"
        "rotterdam,anna@test.nl,2026-12-01 17:00,2026-12-02 09:00\n"
        "rotterdam,agent@test.nl,2026-12-02 17:00,2026-12-03 09:00\n"
        "den-haag,bram@test.nl,2026-12-03 17:00,2026-12-04 09:00\n"
    )
    resp = client.post(
        f"{url}/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "rooster.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    listed = re.search(r'id="import-errors".*?<ul>(.*?)</ul>', html, re.S).group(1)
    assert "<li>regel 3: e-mail:" in listed and "<li>regel 4: regio:" in listed and "regel 2" not in listed
    assert count(RotaShift) == 0

    good = bad.splitlines()[0] + "\n" + bad.splitlines()[1] + "\n"
    resp = client.post(
        f"{url}/import",
        data={"csrf_token": token, "file": (io.BytesIO(good.encode()), "rooster.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert resp.status_code == 200 and "1 dienst(en) geïmporteerd" in resp.get_data(as_text=True)
    assert count(RotaShift) == 1
    empty = client.post(f"{url}/import", data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "kies een CSV-bestand" in empty.get_data(as_text=True)


def test_only_the_owner_or_admin_imports(client, login, rota, people):
    login(people["a"])
    url = f"/piket/roosters/{rota.id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    data = "rotterdam,anna@test.nl,2026-12-01 17:00,2026-12-02 09:00\n"
    resp = client.post(
        f"{url}/import",
        data={"csrf_token": token, "file": (io.BytesIO(data.encode()), "r.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 403 and count(RotaShift) == 0


def test_admin_adds_a_rotation(client, login, users, rota, people):
    login(users["admin"])
    url = f"/piket/roosters/{rota.id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    bad = client.post(
        f"{url}/rotatie",
        data={
            "csrf_token": token,
            "start_date": "2026-11-23",
            "handover": "25:00",
            "shift_hours": "24",
            "days": ["1"],
            "people": "anna@test.nl",
        },
    )
    assert bad.status_code == 422 and 'data-field="rotation-handover"' in bad.get_data(as_text=True)
    ok = client.post(
        f"{url}/rotatie",
        data={
            "csrf_token": token,
            "start_date": "2026-11-21",
            "handover": "09:00",
            "shift_hours": "24",
            "days": [str(d) for d in range(1, 8)],
            "people": "anna@test.nl, bram@test.nl",
        },
    )
    assert ok.status_code == 302 and count(RotaRotation) == 1
    html = client.get(url).get_data(as_text=True)
    assert "Nu van dienst: <strong>Anna</strong>" in html  # the first shift: Saturday 21st 09:00 to Sunday 09:00
    assert week_view(html)["2026-11-23"][0] == "00:00–09:00 Bram (rotatie)"
    listed = re.search(
        r'<li class="card rotation" id="rotation-\d+" data-state="running">(.*?)</li>', html, re.S
    ).group(1)
    assert "Op volgorde: Anna, Bram" in listed and "op ma–zo" in listed


def test_an_on_duty_person_who_texted_stop_is_flagged_to_the_owner_and_admins(
    client, login, users, duty, signed_post, now
):
    """Their pages reach them by call only: the rota's owner and the admins must see it before the night."""
    from tests.conftest import PRIMARY

    warning = "ontvangt geen sms (STOP)"
    primary, backup = duty["rotas"]["primary"], duty["rotas"]["backup"]
    sms = {"From": PRIMARY, "Body": "STOP", "MessageSid": "SM1", "To": "+3197010000000"}
    assert signed_post("/webhooks/twilio/sms", sms).status_code == 200
    login(users["admin"])  # the owner of the duty fixture's rotas
    page = client.get(f"/piket/roosters/{primary.id}").get_data(as_text=True)
    on_duty = re.search(r'<p id="on-duty">(.*?)</p>', page, re.S).group(1)
    assert "Coördinator primary" in on_duty and warning in on_duty and 'id="no-sms-help"' in page
    assert warning not in client.get(f"/piket/roosters/{backup.id}").get_data(as_text=True)
    listing = client.get("/piket/roosters").get_data(as_text=True)
    card = lambda rota: re.search(rf'id="rota-{rota.id}">(.*?)</tr>', listing, re.S).group(1)  # noqa: E731
    assert warning in card(primary) and warning not in card(backup)
    worker = client.get("/beheer/worker").get_data(as_text=True)
    section = re.search(r'id="no-sms">(.*?)</section>', worker, re.S).group(1)
    assert "Piket primair Rotterdam" in section and "Coördinator primary" in section and warning in section
    assert "Coördinator backup" not in section
    client.post("/logout", data={"csrf_token": csrf_token(listing)})
    login(users["coordinator"])  # neither the owner nor the person: sees no one's opt-out
    assert warning not in client.get(f"/piket/roosters/{primary.id}").get_data(as_text=True)
    login(duty["people"]["primary"])  # the person themselves is told
    assert warning in client.get(f"/piket/roosters/{primary.id}").get_data(as_text=True)


def test_the_list_filters_by_text_kind_and_gaps(client, login, users, make_rota, people, shift, now):
    rotterdam = make_rota()
    den_haag = make_rota("backup", region="den-haag")
    national = make_rota("national")
    # The national rota is covered for 14 days and more: no gaps; the regional ones have gaps.
    shift(national, people["landelijk"], now - dt.timedelta(hours=1), now + dt.timedelta(days=15))
    login(users["coordinator"])

    def shown(query=""):
        html = client.get(f"/piket/roosters{query}").get_data(as_text=True)
        return re.findall(r'<tr id="rota-(\d+)">', html), html

    assert shown()[0] == [str(national.id), str(den_haag.id), str(rotterdam.id)]  # national first, then by region
    assert shown("?q=haag")[0] == [str(den_haag.id)]
    assert shown("?q=ROTTERDAM")[0] == [str(rotterdam.id)]  # any case
    assert shown("?soort=landelijk")[0] == [str(national.id)]
    assert shown("?soort=regionaal")[0] == [str(den_haag.id), str(rotterdam.id)]
    assert shown("?gaten=1")[0] == [str(den_haag.id), str(rotterdam.id)]
    rows, html = shown("?q=haag&soort=landelijk")
    assert rows == [] and "Geen roosters die aan het filter voldoen." in html
    assert 'value="haag"' in html and '<option value="landelijk" selected>' in html  # the form keeps the filter
    assert shown("?soort=onzin")[0] == shown()[0]  # an unknown kind is no filter, and no error
