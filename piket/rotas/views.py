"""Pages of the rotas (thin): the list, one rota's next 14 days with its forms, and the iCal feeds."""

import datetime as dt

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from accounts.access import require
from accounts.roles import OVERSIGHT, Role
from beds.models import Region
from errors import Forbidden, PiketError, ValidationError
from extensions import db
from piket import readiness
from piket.rotas import ical, service
from piket.rotas.models import LEVELS
from timeutil import utcnow
from web import large_body

bp = Blueprint("rotas", __name__, url_prefix="/piket")

MAX_UPLOAD = 1_000_000  # bytes; a year of shifts for every region is far less
DAYS = 14


def _rows(now):
    rows = []
    for rota in service.list_rotas():
        on_duty = service.on_duty_in(rota, now)
        rows.append(
            {
                "rota": rota,
                "on_duty": on_duty,
                "gaps": len(service.gaps(now, rota, DAYS)),
                "no_sms": bool(_sms_blocked_shown(rota, [on_duty])),
            }
        )
    return rows


def _sms_blocked_shown(rota, people) -> set[int]:
    """Who of these people replied STOP, as far as the viewer may see it: the rota's owner and
    admins see everyone's (they must fix it before a night), anyone else only their own."""
    may_plan = g.user.role == Role.ADMIN or g.user.id == rota.owner_id
    return service.sms_blocked([p for p in people if p is not None and (may_plan or p.id == g.user.id)])


def _list_page(errors=None, form=None, status=200):
    regions = db.session.scalars(select(Region).where(Region.kind == "care").order_by(Region.name)).all()
    now = utcnow()
    return render_template(
        "piket/rotas/list.html",
        rows=_rows(now),
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


def _rota_page(rota, errors=None, form=None, import_errors=None, status=200):
    now = utcnow()
    segments = service.plan(rota, now, now + dt.timedelta(days=DAYS))
    gaps = service.gaps(now, rota, DAYS)
    people = service.users_by_id([s.user_id for s in segments] + [rota.owner_id])
    may_plan = g.user.role == Role.ADMIN or g.user.id == rota.owner_id
    on_duty = service.on_duty_in(rota, now)
    return render_template(
        "piket/rotas/rota.html",
        rota=rota,
        title=service.title(rota),
        now=now,
        segments=segments,
        gaps=gaps,
        people=people,
        is_gap=lambda seg: seg.user_id is None and any(gp.start < seg.end and seg.start < gp.end for gp in gaps),
        on_duty=on_duty,
        no_sms=_sms_blocked_shown(rota, [*people.values(), on_duty]),
        sources=service.SOURCE_LABELS,
        labels=service.LEVEL_LABELS,
        eligible=service.eligible_people(rota),
        may_plan=may_plan,
        my_feed=service.feed_of(user=g.user),
        rota_feed=service.feed_of(rota=rota) if may_plan else None,
        errors=errors or {},
        form=form or {},
        import_errors=import_errors or [],
        rotation_open=any(key.startswith("rotation-") for key in errors or {}),
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
