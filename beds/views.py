"""Pages of the registry: a shelter's availability (phone-first), its profile, shelter detail, national search,
and the register (CoMensha and admins add and retire shelters and regions)."""

import re

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

import validation as v
import vocabulary
from accounts.access import require
from accounts.roles import EVERYONE, PROFILE_KEEPERS, REGISTRARS, SHELTER_KEEPERS, Role
from beds import forms, holds, registry, search, service
from beds.models import Region, Shelter
from errors import Conflict, Forbidden, ValidationError
from extensions import db
from timeutil import intake_open, utcnow

bp = Blueprint("beds", __name__)


@bp.route("/opvang")
@require(*SHELTER_KEEPERS)
def my_shelters():
    query = select(Shelter).where(Shelter.active.is_(True)).order_by(Shelter.name)
    if g.user.role == Role.SHELTER_STAFF:
        query = query.where(Shelter.id.in_(g.user.shelter_ids))
    elif g.user.role == Role.COORDINATOR:
        query = query.where(Shelter.region_id.in_(g.user.region_ids))
    shelters = db.session.scalars(query).all()
    if len(shelters) == 1:  # a night worker with one shelter goes straight to its numbers
        return redirect(url_for("beds.availability", shelter_id=shelters[0].id))
    return render_template("beds/shelters.html", shelters=shelters, freshness=_freshness, waiting=holds.held_count)


def _freshness(shelter):
    cfg = current_app.config
    return service.freshness(service.last_confirmed(shelter), utcnow(), cfg["FRESH_HOURS"], cfg["STALE_HOURS"])


def _form_updates(shelter, form):
    """Pool updates from the page: a −/+ tap (`step=<pool>:<delta>`) or the typed numbers."""
    pools = {p.id: p for p in shelter.pools}
    if form.get("step"):
        pool_id, _, delta = form["step"].partition(":")
        pool = pools.get(v.id_text(pool_id))
        if pool is None or delta not in ("-1", "1"):
            raise ValidationError("Onbekende knop.", field="step")
        return [{"id": pool.id, "index": 0, "free": max(pool.free + int(delta), 0), "out_of_service": None}]
    items = [
        {"id": p.id, "free": form.get(f"free-{p.id}", ""), "out_of_service": form.get(f"oos-{p.id}", "")}
        for p in shelter.pools
    ]
    return service.parse_pool_updates({"pools": items})


@bp.route("/opvang/<int:shelter_id>/beschikbaarheid", methods=["GET", "POST"])
@require(*SHELTER_KEEPERS)
def availability(shelter_id):
    shelter = service.get_shelter(shelter_id)
    if not service.can_update(g.user, shelter):
        raise Forbidden("U mag de beschikbaarheid van deze opvang niet wijzigen.")
    errors, status = {}, 200
    if request.method == "POST":
        now = utcnow()
        try:
            if request.form.get("action") == "unchanged":
                service.confirm_unchanged(now, shelter.id, g.user, "web")
                flash("Bevestigd: de aantallen kloppen nog.")
            else:
                service.update_availability(now, shelter.id, _form_updates(shelter, request.form), g.user, "web")
                flash("Opgeslagen.")
            return redirect(url_for("beds.availability", shelter_id=shelter.id))
        except ValidationError as err:
            errors, status = _field_errors(shelter, err), 422
            db.session.expire_all()
    return render_template(
        "beds/availability.html",
        shelter=shelter,
        errors=errors,
        form=request.form,
        freshness=_freshness(shelter),
        confirmed_at=service.last_confirmed(shelter),
        waiting=holds.held_count(shelter.id),
    ), status


def _field_errors(shelter, err):
    """Map `pools[i].free` back to the pool's form field, so the message stands beside it."""
    field = err.field or "form"
    if field.startswith("pools["):
        index = int(field[6 : field.index("]")])
        pool = shelter.pools[index] if index < len(shelter.pools) else None
        name = "oos" if field.endswith("out_of_service") else "free"
        field = f"{name}-{pool.id}" if pool else "form"
    elif not field.startswith(("free-", "oos-")):
        field = "form"  # the stepper's buttons and the like: the message stands at the top
    return {field: _dutch(err.message)}


def _registry_message(err):
    """A registry form's message: the readers list a choice's codes (for the API); a page has them in its list."""
    return re.sub(r"kies uit: .*", "kies uit de lijst", _dutch(err.message))


def _dutch(message):
    # Validation messages are English for API clients; the page says them in Dutch.
    replacements = {
        "must be a whole number": "vul een heel getal in",
        "is required": "vul dit in",
        "must be at least 0": "mag niet negatief zijn",
        "must be at most": "mag hoogstens",
        "(capacity": "(capaciteit",
    }
    for en, nl in replacements.items():
        message = message.replace(en, nl)
    return message


@bp.route("/opvang/<int:shelter_id>")
@require(*EVERYONE)
def shelter_detail(shelter_id):
    now = utcnow()
    shelter = service.get_shelter(shelter_id)
    address = service.disclose_address(now, shelter, g.user)
    history = service.history(shelter.id, 30) if service.can_see_history(g.user, shelter) else []
    return render_template(
        "beds/shelter.html",
        shelter=shelter,
        address=address,
        history=history,
        freshness=_freshness(shelter),
        intake_open=intake_open(shelter.intake, now),
        can_update=service.can_update(g.user, shelter),
        can_edit_profile=service.can_edit_profile(g.user, shelter),
        waiting=holds.held_count(shelter.id),
    )


@bp.route("/zoeken")
@require(*EVERYONE)
def national_search():
    regions = registry.offered_regions()
    errors, results, filters, reasons = {}, None, None, []
    if request.args:
        try:
            filters = search.parse_filters(request.args)
            now = utcnow()
            results, reasons = search.search_explained(now, filters, current_app.config)
            search.record_empty(now, filters, results, g.user)
        except ValidationError as err:
            errors = {err.field: _dutch(err.message)}
    return render_template(
        "beds/search.html",
        regions=regions,
        results=results,
        reasons=reasons,
        tries=_what_to_try(filters) if results is not None and reasons else [],
        national_number=current_app.config.get("NATIONAL_PIKET_NUMBER") or "",
        errors=errors,
        args=request.args,
    )


def _what_to_try(f) -> list[tuple[str, str]]:
    """(Dutch text, link) for each filter that narrowed a search that found no place: the same search without it."""

    def without(field, value=None):
        args = {
            k: [x for x in request.args.getlist(k) if value is not None and x != value]
            if k == field
            else request.args.getlist(k)
            for k in request.args
        }
        return url_for("beds.national_search", **{k: xs for k, xs in args.items() if xs})

    tries = []
    if f["only_free"]:
        tries.append(("Toon ook opvang zonder vrije plaats (om te bellen)", without("only_free")))
    if f["region"]:
        tries.append(("Zoek in alle regio's", without("region")))
    if f["types"]:
        tries.append(("Zoek in alle soorten opvang", without("type")))
    for need in f["needs"]:
        label = vocabulary.label(vocabulary.CONTRA_INDICATIONS, need)
        tries.append((f"Zoek zonder de zorgbehoefte '{label}'", without("needs", need)))
    return tries


# --- a shelter's profile, kept by the shelter itself ------------------------------------------------


def _profile_form(shelter, values, errors=None, status=200, notice=None):
    return render_template(
        "beds/profile.html", shelter=shelter, values=values, errors=errors or {}, notice=notice
    ), status


def _confirm_page(shelter, changes, status=200, notice=None):
    hidden = [
        (k, val)
        for k in request.form
        for val in request.form.getlist(k)
        if k not in ("csrf_token", "action", "expected")
    ]
    return render_template(
        "beds/profile_confirm.html",
        shelter=shelter,
        changes=changes,
        hidden=hidden,
        expected=registry.fingerprint(shelter),
        notice=notice,
    ), status


@bp.route("/opvang/<int:shelter_id>/profiel", methods=["GET", "POST"])
@require(*PROFILE_KEEPERS)
def profile(shelter_id):
    """Edit, see the changes, confirm: the profile is saved only from the page that showed its changes."""
    shelter = service.get_shelter(shelter_id)
    if not service.can_edit_profile(g.user, shelter):
        raise Forbidden("Alleen de eigen opvang.")
    if request.method == "GET":
        return _profile_form(shelter, registry.describe(shelter))
    data, origin = forms.profile_data(request.form, shelter.pools)
    action = request.form.get("action")
    try:
        fields = registry.parse_profile(data)
        if action == "edit":  # back from the changes to the form, as it was filled in
            return _profile_form(shelter, data)
        changes = registry.profile_changes(shelter, fields)
        if not changes:
            return _profile_form(shelter, data, notice="Er is niets gewijzigd.")
        if action != "confirm":
            return _confirm_page(shelter, changes)
        registry.update_profile(utcnow(), shelter, fields, g.user, expected=request.form.get("expected") or "-")
    except ValidationError as err:
        db.session.expire_all()
        field = forms.form_field(err.field, origin)
        return _profile_form(shelter, data, {field: _registry_message(err)}, 422)
    except Conflict as err:  # someone else saved meanwhile: their profile, and what this form would change now
        db.session.expire_all()
        shelter = service.get_shelter(shelter_id)
        return _confirm_page(shelter, registry.profile_changes(shelter, fields), 409, notice=err.message)
    flash("Profiel opgeslagen. De landelijke zoekfunctie toont het meteen.")
    return redirect(url_for("beds.shelter_detail", shelter_id=shelter.id))


# --- the registry: CoMensha and admins add and retire shelters and regions ----------------------------


@bp.route("/beheer/opvang")
@require(*REGISTRARS)
def registry_shelters():
    shelters = db.session.scalars(select(Shelter).order_by(Shelter.active.desc(), Shelter.name)).all()
    return render_template("beds/registry_shelters.html", shelters=shelters)


@bp.route("/beheer/opvang/nieuw", methods=["GET", "POST"])
@require(*REGISTRARS)
def new_shelter():
    errors, status, values = {}, 200, {"intake": "24/7", "adults": True, "address_confidential": True}
    if request.method == "POST":
        data, origin = forms.shelter_data(request.form)
        values = data
        try:
            shelter = registry.create_shelter(utcnow(), data, g.user)
            flash(f"Opvang {shelter.name} toegevoegd.")
            return redirect(url_for("beds.shelter_detail", shelter_id=shelter.id))
        except (ValidationError, Conflict) as err:
            db.session.expire_all()
            errors, status = {forms.form_field(err.field, origin): _registry_message(err)}, err.status
    return render_template(
        "beds/new_shelter.html",
        values=values,
        form=request.form,
        errors=errors,
        regions=registry.offered_regions(),
        organisations=registry.organisations(),
    ), status


@bp.route("/beheer/opvang/<int:shelter_id>/opheffen", methods=["GET", "POST"])
@require(*REGISTRARS)
def retire_shelter(shelter_id):
    shelter = service.get_shelter(shelter_id)
    error, status = None, 200
    if request.method == "POST":
        try:
            registry.retire_shelter(utcnow(), shelter, g.user)
            flash(f"Opvang {shelter.name} is opgeheven: niet meer te vinden of te kiezen; de geschiedenis blijft.")
            return redirect(url_for("beds.registry_shelters"))
        except Conflict as err:
            error, status = err.message, err.status
    return render_template(
        "beds/retire.html",
        what=f"opvang {shelter.name}",
        consequence="Zij verdwijnt uit de landelijke zoekfunctie, de voorstellen voor plaatsingen en het landelijk "
        "overzicht. Haar geschiedenis (beschikbaarheid, capaciteit, plaatsingen, audit) blijft bewaard.",
        error=error,
        back=url_for("beds.registry_shelters"),
    ), status


@bp.route("/beheer/regios")
@require(*REGISTRARS)
def registry_regions():
    regions = db.session.scalars(select(Region).order_by(Region.active.desc(), Region.kind, Region.name)).all()
    return render_template("beds/registry_regions.html", regions=regions, counts=registry.active_shelter_counts())


@bp.route("/beheer/regios/nieuw", methods=["GET", "POST"])
@require(*REGISTRARS)
def new_region():
    errors, status = {}, 200
    if request.method == "POST":
        try:
            region = registry.create_region(utcnow(), forms.region_data(request.form), g.user)
            flash(f"Regio {region.name} toegevoegd.")
            return redirect(url_for("beds.registry_regions"))
        except (ValidationError, Conflict) as err:
            db.session.expire_all()
            errors, status = {err.field or "form": _registry_message(err)}, err.status
    return render_template("beds/new_region.html", form=request.form, errors=errors), status


@bp.route("/beheer/regios/<region_code>/opheffen", methods=["GET", "POST"])
@require(*REGISTRARS)
def retire_region(region_code):
    region = registry.region_to_retire(region_code)
    error, status = None, 200
    if request.method == "POST":
        try:
            registry.retire_region(utcnow(), region, g.user)
            flash(f"Regio {region.name} is opgeheven: niet meer te kiezen; de geschiedenis blijft.")
            return redirect(url_for("beds.registry_regions"))
        except Conflict as err:
            error, status = err.message, err.status
    return render_template(
        "beds/retire.html",
        what=f"regio {region.name}",
        consequence="Zij is dan nergens meer te kiezen (zoeken, aanvragen, het landelijk piketnummer). "
        "Aanvragen, statistiek en audit uit deze regio blijven bewaard.",
        error=error,
        back=url_for("beds.registry_regions"),
    ), status
