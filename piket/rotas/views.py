"""Pages of the rotas (thin): the list, one rota's next 14 days with its forms, and the iCal feeds."""

import datetime as dt

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

import formatting
import vocabulary
from accounts.access import require
from accounts.roles import OVERSIGHT, Role
from beds.models import Region
from errors import Forbidden, PiketError, ValidationError
from extensions import db
from piket import readiness
from piket.rotas import ical, schedule, service
from piket.rotas.models import LEVELS
from timeutil import local, utcnow
from web import large_body

bp = Blueprint("rotas", __name__, url_prefix="/piket")

MAX_UPLOAD = 1_000_000  # bytes; a year of shifts for every region is far less
DAYS = 14


ROTA_KINDS = {"regionaal": "regionaal", "landelijk": "landelijk"}  # the list's filter: ?soort=


def _filter(args) -> dict:
    """The list's GET filter: text in the rota's name or region, its kind, only rotas with gaps.
    An unknown kind is no filter (the form offers only the known ones)."""
    kind = args.get("soort", "")
    return {
        "q": args.get("q", "").strip()[:100],
        "soort": kind if kind in ROTA_KINDS else "",
        "gaten": bool(args.get("gaten")),
    }


def _rows(now, wanted):
    rows = []
    text = wanted["q"].casefold()
    for rota in service.list_rotas():
        words = f"{rota.name} {service.title(rota)} {rota.region.name if rota.region else ''}"
        if text and text not in words.casefold():
            continue
        if wanted["soort"] and (rota.region_id is None) != (wanted["soort"] == "landelijk"):
            continue
        gaps = len(service.gaps(now, rota, DAYS))
        if wanted["gaten"] and not gaps:
            continue
        on_duty = service.on_duty_in(rota, now)
        rows.append(
            {
                "rota": rota,
                "on_duty": on_duty,
                "gaps": gaps,
                "no_sms": bool(_sms_blocked_shown(rota, [on_duty])),
            }
        )
    return rows


def _sms_blocked_shown(rota, people) -> set[int]:
    """Who of these people replied STOP, as far as the viewer may see it: the rota's owner and
    admins see everyone's (they must fix it before a night), anyone else only their own."""
    may_plan = service.may_plan(g.user, rota)
    return service.sms_blocked([p for p in people if p is not None and (may_plan or p.id == g.user.id)])


def _list_page(errors=None, form=None, status=200):
    regions = db.session.scalars(select(Region).where(Region.kind == "care").order_by(Region.name)).all()
    now = utcnow()
    wanted = _filter(request.args)
    return render_template(
        "piket/rotas/list.html",
        rows=_rows(now, wanted),
        wanted=wanted,
        kinds=ROTA_KINDS,
        nobody=readiness.visible_to(g.user, readiness.paging_findings(now)),
        regions=regions,
        levels=LEVELS,
        labels=service.LEVEL_LABELS,
        errors=errors or {},
        form=form or {},
    ), status


@bp.get("/roosters")
@require(*OVERSIGHT)
def rota_list():
    return _list_page()


@bp.post("/roosters")
@require(Role.ADMIN)
def create_rota():
    try:
        rota = service.create_rota(utcnow(), request.form, g.user)
    except PiketError as err:
        db.session.rollback()
        return _list_page({err.field or "form": err.message}, request.form, err.status)
    flash(f"Rooster {rota.name} aangemaakt.")
    return redirect(url_for("rotas.rota_page", rota_id=rota.id))


WEEKDAYS = tuple(vocabulary.WEEKDAYS.values())  # "ma" .. "zo", for the day checkboxes


def _clock_text(moment, day) -> str:
    """A moment as HH:MM on the given local day; the next midnight is 24:00."""
    here = local(moment)
    return "24:00" if here.date() > day else here.strftime("%H:%M")


def _weeks(rota, now, segments, gaps):
    """The next 14 days as ISO weeks of days, each day its lines (see schedule.days_view)."""
    today, last = local(now).date(), local(now + dt.timedelta(days=DAYS)).date()
    weeks: list[dict] = []
    for day, entries in schedule.days_view(segments, gaps, today, (last - today).days + 1):
        number = day.isocalendar().week
        if not weeks or weeks[-1]["number"] != number:
            weeks.append({"number": number, "days": []})
        lines = [
            {"from": _clock_text(e.start, day), "to": _clock_text(e.end, day), "user_id": e.user_id, "kind": e.kind}
            for e in entries
        ]
        weeks[-1]["days"].append({"date": day, "label": formatting.day(day, now), "lines": lines})
    return weeks


def _rota_page(rota, errors=None, form=None, import_errors=None, status=200, open_form=None):
    now = utcnow()
    segments = service.plan(rota, now, now + dt.timedelta(days=DAYS))
    gaps = service.gaps(now, rota, DAYS)
    shifts, overrides, rotations = (
        service.shifts_of(rota, since=now),
        service.overrides_of(rota, since=now),
        service.rotations_of(rota),
    )
    ids = [s.user_id for s in segments] + [rota.owner_id]
    ids += [s.user_id for s in shifts] + [o.user_id for o in overrides] + [p for r in rotations for p in r.people]
    people = service.users_by_id(ids)
    may_plan = service.may_plan(g.user, rota)
    on_duty = service.on_duty_in(rota, now)
    return render_template(
        "piket/rotas/rota.html",
        rota=rota,
        title=service.title(rota),
        now=now,
        weeks=_weeks(rota, now, segments, gaps),
        nobody=[f for f in readiness.paging_findings(now) if f.region_id == rota.region_id],
        today=local(now).date(),
        gaps=gaps,
        people=people,
        shifts=shifts,
        overrides=overrides,
        rotations=[(r, service.rotation_state(r, now)) for r in rotations],
        may_change_override=lambda o: service.may_change_override(g.user, rota, o),
        weekdays=WEEKDAYS,
        states=service.ROTATION_STATES,
        on_duty=on_duty,
        no_sms=_sms_blocked_shown(rota, [*people.values(), on_duty]),
        sources={**service.SOURCE_LABELS, "gap": "gat", "office": "kantoortijd"},
        labels=service.LEVEL_LABELS,
        eligible=service.eligible_people(rota),
        may_plan=may_plan,
        may_rotate=service.may_rotate(g.user),
        my_feed=service.feed_of(user=g.user),
        rota_feed=service.feed_of(rota=rota) if may_plan else None,
        errors=errors or {},
        form=form or {},
        import_errors=import_errors or [],
        rotation_open=any(key.startswith("rotation-") for key in errors or {}),
        shift_open=any(key.startswith("shift-") for key in errors or {}),
    ), status


@bp.get("/roosters/<int:rota_id>")
@require(*OVERSIGHT)
def rota_page(rota_id):
    return _rota_page(service.get_rota(rota_id))


def _back(rota_id):
    return redirect(url_for("rotas.rota_page", rota_id=rota_id))


@bp.route("/roosters/<int:rota_id>/vervanging", methods=["GET", "POST"])
@require(*OVERSIGHT)
def add_override(rota_id):
    rota = service.get_rota(rota_id)
    if request.method == "GET":
        return _back(rota.id)
    try:
        service.add_override(utcnow(), rota.id, request.form, g.user)
    except Forbidden:
        raise
    except PiketError as err:
        db.session.rollback()
        return _rota_page(rota, {f"override-{err.field or 'form'}": err.message}, request.form, status=err.status)
    flash("Vervanging opgeslagen.")
    return _back(rota.id)


@bp.route("/roosters/<int:rota_id>/import", methods=["GET", "POST"])
@require(*OVERSIGHT)
@large_body  # a rota's CSV file
def import_shifts(rota_id):
    rota = service.get_rota(rota_id)
    if request.method == "GET":
        return _back(rota.id)
    upload = request.files.get("file")
    data = upload.read(MAX_UPLOAD + 1) if upload else b""
    try:
        if not data:
            raise ValidationError("kies een CSV-bestand", field="file", errors=["bestand: kies een CSV-bestand"])
        if len(data) > MAX_UPLOAD:
            raise ValidationError("bestand is te groot", field="file", errors=["bestand: hoogstens 1 MB"])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # an older Excel export
        counts = service.import_csv(utcnow(), text, level=rota.level, actor=g.user, only_rota=rota)
    except Forbidden:
        raise
    except PiketError as err:
        db.session.rollback()
        return _rota_page(rota, import_errors=err.details.get("errors") or [err.message], status=err.status)
    flash(
        f"{counts['created']} dienst(en) geïmporteerd, {counts['unchanged']} al aanwezig, "
        f"{counts['replaced']} vervangen."
    )
    return _back(rota.id)


@bp.route("/roosters/<int:rota_id>/rotatie", methods=["GET", "POST"])
@require(Role.ADMIN)
def add_rotation(rota_id):
    rota = service.get_rota(rota_id)
    if request.method == "GET":
        return _back(rota.id)
    data = {key: request.form.get(key) for key in ("start_date", "until_date", "handover", "shift_hours", "people")}
    data["days"] = request.form.getlist("days")
    try:
        service.add_rotation(utcnow(), rota.id, data, g.user)
    except PiketError as err:
        db.session.rollback()
        field = (err.field or "form").split("[")[0]
        return _rota_page(rota, {f"rotation-{field}": err.message}, request.form, status=err.status)
    flash("Rotatie toegevoegd.")
    return _back(rota.id)


# --- shifts, rotations and swaps: add, change, remove (the service keeps the past as it was) ---------------

KINDS = {
    "shift": {"noun": "dienst", "label": "Dienst (rooster)"},
    "rotation": {"noun": "rotatie", "label": "Rotatie"},
    "override": {"noun": "vervanging", "label": "Vervanging"},
}


def _form_time(moment) -> str:
    return local(moment).strftime("%Y-%m-%dT%H:%M")


def _values(kind, row) -> dict:
    """What the edit form shows for a row, as the form sends it back."""
    if kind == "rotation":
        users = service.users_by_id(row.people)
        return {
            "start_date": row.start_date.isoformat(),
            "handover": row.handover,
            "shift_hours": str(row.shift_hours),
            "days": [str(d) for d in row.days],
            "people": ", ".join(users[i].email if i in users else str(i) for i in row.people),
            "until_date": row.until_date.isoformat() if row.until_date else "",
        }
    values = {"user": str(row.user_id), "start": _form_time(row.start), "end": _form_time(row.end)}
    if kind == "override":
        values["reason"] = row.reason or ""
    return values


def _changes(kind, row) -> dict:
    """The form's fields that differ from what the row has: unchanged fields are not sent on (a
    running shift keeps its start, an hour that occurs twice in autumn is not asked again)."""
    before = _values(kind, row)
    data = {}
    for key, was in before.items():
        now_value = request.form.getlist(key) if isinstance(was, list) else request.form.get(key, was)
        if (sorted(now_value) if isinstance(was, list) else now_value) != (
            sorted(was) if isinstance(was, list) else was
        ):
            data[key] = now_value
    return data


def _row(kind, rota, item_id):
    finder = {"shift": service.get_shift, "rotation": service.get_rotation, "override": service.get_override}[kind]
    row = finder(rota, item_id)
    allowed = {
        "shift": service.may_plan(g.user, rota),
        "rotation": service.may_rotate(g.user),
        "override": kind == "override" and service.may_change_override(g.user, rota, row),
    }[kind]
    if not allowed:
        raise Forbidden("U mag dit onderdeel van het rooster niet wijzigen.")
    return row


def _edit_page(kind, rota, row, errors=None, form=None, status=200):
    now = utcnow()
    values = {**_values(kind, row), **(form or {})}
    return render_template(
        "piket/rotas/edit.html",
        kind=kind,
        kinds=KINDS,
        rota=rota,
        row=row,
        values=values,
        started=row.start <= now if kind != "rotation" else service.rotation_state(row, now) != "planned",
        state=service.rotation_state(row, now) if kind == "rotation" else None,
        states=service.ROTATION_STATES,
        eligible=service.eligible_people(rota),
        people=service.users_by_id([row.user_id] if kind != "rotation" else row.people),
        weekdays=WEEKDAYS,
        errors=errors or {},
    ), status


def _edit(kind, rota_id, item_id):
    rota = service.get_rota(rota_id)
    row = _row(kind, rota, item_id)
    if request.method == "GET":
        return _edit_page(kind, rota, row)
    data = _changes(kind, row)
    update = {"shift": service.update_shift, "rotation": service.update_rotation, "override": service.update_override}
    try:
        if data:
            update[kind](utcnow(), rota.id, row.id, data, g.user)
    except Forbidden:
        raise
    except PiketError as err:
        db.session.rollback()
        form = {key: request.form.getlist(key) if key == "days" else request.form.get(key) for key in request.form}
        return _edit_page(kind, rota, row, {(err.field or "form").split("[")[0]: err.message}, form, err.status)
    flash(f"{KINDS[kind]['label']} gewijzigd." if data else "Niets gewijzigd.")
    return _back(rota.id)


def _delete(kind, rota_id, item_id):
    rota = service.get_rota(rota_id)
    row = _row(kind, rota, item_id)
    now = utcnow()
    if request.method == "GET":
        return render_template(
            "piket/rotas/delete.html",
            kind=kind,
            kinds=KINDS,
            rota=rota,
            row=row,
            now=now,
            started=row.start <= now if kind != "rotation" else service.rotation_state(row, now) != "planned",
            people=service.users_by_id([row.user_id] if kind != "rotation" else row.people),
            weekdays=WEEKDAYS,
            errors={},
        )
    delete = {"shift": service.delete_shift, "rotation": service.delete_rotation, "override": service.delete_override}
    try:
        ended = delete[kind](now, rota.id, row.id, g.user)
    except Forbidden:
        raise
    except PiketError as err:
        db.session.rollback()
        flash(err.message)
        return _back(rota.id)
    flash(
        f"{KINDS[kind]['label']} beëindigd; wat al gebeurd is blijft staan."
        if ended
        else f"{KINDS[kind]['label']} verwijderd."
    )
    return _back(rota.id)


@bp.route("/roosters/<int:rota_id>/dienst", methods=["GET", "POST"])
@require(*OVERSIGHT)
def add_shift(rota_id):
    rota = service.get_rota(rota_id)
    if not service.may_plan(g.user, rota):
        raise Forbidden("Alleen de eigenaar van dit rooster of een beheerder voegt diensten toe.")
    if request.method == "GET":
        return _back(rota.id)
    try:
        service.add_shift(utcnow(), rota.id, request.form, g.user)
    except Forbidden:
        raise
    except PiketError as err:
        db.session.rollback()
        return _rota_page(rota, {f"shift-{err.field or 'form'}": err.message}, request.form, status=err.status)
    flash("Dienst toegevoegd.")
    return _back(rota.id)


@bp.route("/roosters/<int:rota_id>/dienst/<int:shift_id>", methods=["GET", "POST"])
@require(*OVERSIGHT)
def edit_shift(rota_id, shift_id):
    return _edit("shift", rota_id, shift_id)


@bp.route("/roosters/<int:rota_id>/dienst/<int:shift_id>/verwijderen", methods=["GET", "POST"])
@require(*OVERSIGHT)
def delete_shift(rota_id, shift_id):
    return _delete("shift", rota_id, shift_id)


@bp.route("/roosters/<int:rota_id>/rotatie/<int:rotation_id>", methods=["GET", "POST"])
@require(Role.ADMIN)
def edit_rotation(rota_id, rotation_id):
    return _edit("rotation", rota_id, rotation_id)


@bp.route("/roosters/<int:rota_id>/rotatie/<int:rotation_id>/verwijderen", methods=["GET", "POST"])
@require(Role.ADMIN)
def delete_rotation(rota_id, rotation_id):
    return _delete("rotation", rota_id, rotation_id)


@bp.route("/roosters/<int:rota_id>/vervanging/<int:override_id>", methods=["GET", "POST"])
@require(*OVERSIGHT)
def edit_override(rota_id, override_id):
    return _edit("override", rota_id, override_id)


@bp.route("/roosters/<int:rota_id>/vervanging/<int:override_id>/verwijderen", methods=["GET", "POST"])
@require(*OVERSIGHT)
def delete_override(rota_id, override_id):
    return _delete("override", rota_id, override_id)


@bp.route("/roosters/<int:rota_id>/agenda", methods=["GET", "POST"])
@require(*OVERSIGHT)
def renew_feed(rota_id):
    rota = service.get_rota(rota_id)
    if request.method == "POST":
        kind = request.form.get("kind")
        if kind not in ("mine", "rota"):
            return _rota_page(rota, {"feed-kind": "Onbekende knop; laad de pagina opnieuw."}, status=422)
        service.renew_feed(utcnow(), g.user, rota=rota if kind == "rota" else None)
        flash("Nieuwe agenda-link gemaakt; de oude werkt niet meer.")
    return _back(rota.id)


@bp.get("/ical/<token>.ics")
def ical_feed(token):
    """Public on purpose: the secret token in the URL is the key (calendar apps cannot log in)."""
    now = utcnow()
    feed = service.feed_by_token(token)
    return Response(
        ical.feed_text(now, feed),
        mimetype="text/calendar",
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": "inline; filename=piket.ics"},
    )
