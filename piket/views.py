"""Pages of placement requests: the police's short form, the request with its proposals, intakes."""

import re
import secrets

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

import matching
import validation as v
import vocabulary
from accounts.access import require
from accounts.roles import CASE_VIEWERS, COORDINATING, REQUESTERS, SHELTER_KEEPERS, Role
from beds import service as beds
from beds.registry import offered_regions
from errors import Forbidden, NotFound, PiketError, ValidationError
from extensions import db
from piket import access, placements, proposals, reports, service, timeline, worklist
from piket.lifecycle import ESCALATING, OPEN, PlacementStatus, RequestStatus
from piket.models import Case, Placement, PlacementRequest
from piket.present import next_step, request_json
from timeutil import utcnow

bp = Blueprint("piket", __name__)
FORM_GROUPS_MAX = 20  # "Nog een groep" adds one at a time; a raid of more goes through the API (150)
PROFILE_FIELDS = ("gender", "age", "residence", "exploitation", "children", "needs", "region")
PERSON_FIELDS = ("gender", "age", "residence", "exploitation", "needs")
# The form's required choices, each with the message that names it (no silent default: "onbekend" is a choice).
REQUIRED_CHOICES = {
    "gender": (vocabulary.GENDERS, "Kies het geslacht."),
    "residence": (vocabulary.PERSON_RESIDENCE, "Kies de verblijfsstatus, of kies onbekend."),
    "exploitation": (vocabulary.PERSON_EXPLOITATION, "Kies de soort uitbuiting, of kies onbekend."),
}


def _prefix(i, j) -> str:
    """A person's field names: g0-age for the first person of group 0 (as before), g0p1-age for the second."""
    return f"g{i}-" if j == 0 else f"g{i}p{j}-"


def _count(value, sent, most) -> int:
    return max(1, min(most, max([v.id_text(value or "") or 1, *sent])))


def _form_groups(form) -> int:
    """How many groups the form shows: the hidden count, or more when fields of a later group were sent."""
    sent = [int(m.group(1)) + 1 for key in form for m in [re.fullmatch(r"g(\d{1,3})(?:p\d{1,3})?-\w+", key)] if m]
    return _count(form.get("groups"), sent, FORM_GROUPS_MAX)


def _form_persons(form, i) -> int:
    """How many persons group i shows, the same way."""
    sent = [int(m.group(1)) + 1 for key in form for m in [re.fullmatch(rf"g{i}p(\d{{1,3}})-\w+", key)] if m]
    return _count(form.get(f"g{i}-persons"), sent, service.MAX_PERSONS)


def _filled(form, prefix, names) -> bool:
    return any(form.get(prefix + name, "").strip() for name in names)


def _form_case(form, count) -> dict:
    """The form's fields as an API body: the first group and every other group with anything filled in;
    within a group its first person and every other person with anything filled in."""
    groups, apart_flags = [], []
    for i in range(count):
        prefixes = [_prefix(i, j) for j in range(_form_persons(form, i))]
        prefixes = [p for j, p in enumerate(prefixes) if j == 0 or _filled(form, p, PERSON_FIELDS)]
        if (
            i
            and not _filled(form, f"g{i}-", ["children"])
            and not any(_filled(form, p, PERSON_FIELDS) for p in prefixes)
        ):
            continue  # an added group left empty is not sent
        persons = [
            {
                "gender": form.get(p + "gender"),
                "age": form.get(p + "age", "").strip() or None,
                "residence": form.get(p + "residence"),
                "exploitation": form.get(p + "exploitation"),
                "needs": form.getlist(p + "needs"),
            }
            for p in prefixes
        ]
        groups.append(
            {"persons": persons, "children": form.get(f"g{i}-children") or 0, "_slot": i, "_prefixes": prefixes}
        )
        apart_flags.append(bool(form.get(f"g{i}-apart")))
    apart = [[a, b] for a in range(len(groups)) for b in range(a + 1, len(groups)) if apart_flags[a] or apart_flags[b]]
    return {
        "case_reference": form.get("case_reference", ""),
        "callback_phone": form.get("callback_phone", ""),
        "found": {"region": form.get("region", "")},
        "urgency": form.get("urgency") or "immediate",
        "threat": form.get("threat") or "low",
        "requests": groups,
        "apart": apart,
    }


def _form_errors(body) -> dict:
    """Every missing field at once (the service stops at its first): field name -> Dutch message."""
    errors = {}
    if not body["found"]["region"]:
        errors["region"] = "Kies de regio waar de persoon is gevonden."
    if not body["case_reference"].strip():
        errors["case_reference"] = "Vul uw zaaknummer in."
    if not body["callback_phone"].strip():
        errors["callback_phone"] = "Vul een nummer in waarop u teruggebeld kunt worden."
    for group in body["requests"]:
        for prefix, person in zip(group["_prefixes"], group["persons"], strict=True):
            for name, (options, message) in REQUIRED_CHOICES.items():
                if person[name] not in options:
                    errors[prefix + name] = message
            if person["age"] is None:
                errors[prefix + "age"] = "Vul de leeftijd in (schat als u het niet weet)."
    return errors


def _slot_field(field, body):
    """requests[1].persons[0].age -> g<slot>-age, so the message stands beside the form field."""
    match = re.fullmatch(r"requests\[(\d+)\](?:\.persons\[(\d+)\])?\.(\w+)", field or "")
    if match and int(match.group(1)) < len(body["requests"]):
        group = body["requests"][int(match.group(1))]
        person = int(match.group(2) or 0)
        prefix = (
            group["_prefixes"][person] if match.group(2) and person < len(group["_prefixes"]) else f"g{group['_slot']}-"
        )
        return prefix + match.group(3)
    return {"found.region": "region"}.get(field, field or "form")


def _default_region(user, regions):
    """The region the form starts with: the officer's police unit as the care region nearest to its seat
    (or their care region); a coordinator or admin bound to one region: that one. Still changeable."""
    own = sorted(user.regions, key=lambda r: (r.kind != vocabulary.RegionKind.CARE, r.name))
    if not own or not regions or (user.role != Role.POLICE and len(own) != 1):
        return ""
    first = own[0]
    if any(r.code == first.code for r in regions):
        return first.code
    return min(regions, key=lambda r: (matching.distance_km(first.lat, first.lon, r.lat, r.lon), r.name)).code


@bp.route("/aanvraag/nieuw", methods=["GET", "POST"])
@require(*REQUESTERS)
def new_request():
    regions = offered_regions(vocabulary.RegionKind.CARE)
    errors, status, focus = {}, 200, None
    count = _form_groups(request.form)
    form = request.form if request.method == "POST" else MultiDict({"region": _default_region(g.user, regions)})
    persons = {i: _form_persons(request.form, i) for i in range(count)}
    action = request.form.get("action", "")
    if request.method == "POST" and action.startswith("add_person-"):
        # "Nog een persoon" in group i: the same, one more person in that group.
        i = v.id_text(action.removeprefix("add_person-"))
        if i is not None and i < count and persons[i] < service.MAX_PERSONS:
            focus = _prefix(i, persons[i]) + "gender"
            persons[i] += 1
    elif request.method == "POST" and action == "add_group":
        # "Nog een groep": the form again with everything typed and one more group, its first field focused.
        if count < FORM_GROUPS_MAX:
            count += 1
            focus, persons[count - 1] = f"g{count - 1}-gender", 1
        else:
            errors, status = {"form": f"Meer dan {FORM_GROUPS_MAX} groepen: vraag de zorgcoördinator."}, 422
    elif request.method == "POST":
        body = _form_case(request.form, count)
        key = request.form.get("idempotency_key") or None
        errors = _form_errors(body)
        try:
            if key is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", key):
                raise ValidationError("Dit formulier klopt niet meer; laad de pagina opnieuw.", field="form")
            fields = service.parse_case(body, g.user)
            if not errors:
                case, _created = service.create_case(utcnow(), fields, g.user, key)
                return redirect(url_for("piket.case_page", case_id=case.id))
        except PiketError as err:
            errors.setdefault(_slot_field(err.field, body), err.message)
            status = err.status
        status = 422 if status == 200 else status
    order = ["form", "region", "case_reference", "callback_phone", "urgency", "threat"]
    for i in range(count):
        order += [_prefix(i, j) + name for j in range(persons[i]) for name in PERSON_FIELDS] + [f"g{i}-children"]
    errors = dict(sorted(errors.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    return render_template(
        "piket/new.html",
        regions=regions,
        errors=errors,
        form=form,
        groups=range(count),
        persons=persons,
        prefix=_prefix,
        focus=focus,
        max_groups=FORM_GROUPS_MAX,
        idempotency_key=request.form.get("idempotency_key") or _new_key(),
    ), status


def _new_key():
    return secrets.token_urlsafe(16)  # one per form shown: a double tap on a bad connection creates one case


@bp.route("/aanvragen")
@require(*CASE_VIEWERS)
def request_list():
    now = utcnow()
    oldest_first = request.args.get("sorteer") == "oud"  # anything else: newest first
    everything = g.user.role == Role.POLICE or bool(request.args.get("alle"))
    rows = worklist.requests(now, g.user, everything=everything, oldest_first=oldest_first)
    access.disclose(now, rows, g.user)  # one audit row per listed case
    return render_template("piket/list.html", requests=rows, now=now, oldest_first=oldest_first)


@bp.route("/zaak/<int:case_id>", methods=["GET", "POST"])
@require(*CASE_VIEWERS)
def case_page(case_id):
    now = utcnow()
    case = db.session.get(Case, case_id)
    if case is None or not case.requests:
        raise NotFound("Deze zaak bestaat niet.", field="case_id")
    if not access.can_see_case(g.user, case, now):
        raise Forbidden("Deze zaak valt buiten uw regio's en oproepen.", field="case_id")
    errors = {}
    if request.method == "POST":
        action, rid = request.form.get("action", ""), request.form.get("request_id", "")
        try:
            rid = _form_id(request.form, "request_id")
            if action == "accept":
                service.accept(now, rid, g.user)
            elif action == "choose":
                if service.get_request(rid, g.user, now).status == RequestStatus.EXHAUSTED:
                    service.accept(now, rid, g.user)  # nobody had it: taken on first, so the alarmed hear it is taken
                placements.choose(now, rid, _form_id(request.form, "pool_id"), g.user, current_app.config)
                flash("Plaats vastgehouden; de opvang bevestigt de intake.")
            elif action == "release":
                placements.release(now, _form_id(request.form, "hold_id"), g.user)
            elif action == "intake_phoned":
                placements.confirm_by_phone(now, _form_id(request.form, "hold_id"), g.user)
                flash("Intake vastgelegd als telefonisch bevestigd, namens de opvang.")
            elif action == "cancel":
                if request.form.get("confirm") != "ja":  # no one-tap withdrawal: ask first, change nothing
                    return _cancel_question(case, rid)
                service.cancel(now, rid, g.user)
                flash("Aanvraag ingetrokken.")
            elif action == "decline":
                service.decline(now, rid, g.user, "web")
            elif action == "report_owner":
                service.hand_over_report(now, case.id, g.user, request.form.get("email", ""))
                flash("Melding bij CoMensha overgedragen.")
            elif action == "report_made":
                reports.mark_made(now, case.id, g.user)
                flash("Melding bij CoMensha staat op gedaan.")
            elif action == "profile":
                service.set_profile(now, rid, _form_profile(request.form), g.user)
            else:
                raise ValidationError("Onbekende knop; laad de pagina opnieuw.", field="action")
            return redirect(url_for("piket.case_page", case_id=case.id))
        except PiketError as err:
            # The profile form's fields carry their message beside them (persons[0].age -> age); the rest on top.
            key = (err.field or "").rsplit(".", 1)[-1]
            errors[key if action == "profile" and key in PROFILE_FIELDS else "form"] = err.message
            db.session.rollback()
    show_proposals = g.user.role in COORDINATING
    result = proposals.for_case(now, case, current_app.config) if show_proposals else {"requests": {}}
    from accounts.models import User

    owner = db.session.get(User, case.report_owner_id) if case.report_owner_id else None
    report = reports.state(case)
    report["may_mark"] = (
        report["placed_at"] is not None and not report["report_made"] and reports.may_mark(g.user, case, now)
    )
    access.disclose(now, case.requests, g.user)
    # The shelter addresses this user may see, each showing audited: the one write this page's GET makes.
    addresses = placements.disclose_addresses(now, [p for r in case.requests for p in r.placements], g.user)
    return render_template(
        "piket/case.html",
        case=case,
        result=result,
        errors=errors,
        report_owner=owner,
        report=report,
        requests=[_with_timeline(request_json(r, addresses), r) for r in case.requests],
        next_steps={r.id: next_step(r) for r in case.requests if r.status in OPEN},
        national_number=current_app.config.get("NATIONAL_PIKET_NUMBER") or "",
        status_label=lambda s: vocabulary.label(vocabulary.REQUEST_STATUSES, s),
        # A call to the national number whose region was not understood: the region goes with the profile.
        care_regions=offered_regions(vocabulary.RegionKind.CARE)
        if case.region.kind == vocabulary.RegionKind.UNKNOWN
        else [],
    )


def _with_timeline(body, r) -> dict:
    body["timeline"] = timeline.lines(r, g.user)  # in Dutch sentences, messages' outcomes included
    return body


@bp.route("/zaak/<int:case_id>/intrekken/<int:request_id>")
@require(*REQUESTERS)
def cancel_question(case_id, request_id):
    """Intrekken asks first: what withdrawing will do, and a button that confirms (posts to the case page)."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("Deze zaak bestaat niet.", field="case_id")
    return _cancel_question(case, request_id)


def _cancel_question(case, request_id):
    now = utcnow()
    r = service.get_request(request_id, g.user, now)
    if r.case_id != case.id:
        raise NotFound("Deze aanvraag hoort niet bij deze zaak.", field="request_id")
    access.disclose(now, [r], g.user)  # the question names the case reference
    held = [p.shelter.name for p in r.placements if p.status == PlacementStatus.HELD]
    return render_template(
        "piket/cancel.html",
        case=case,
        r=r,
        held=held,
        paging=r.status in ESCALATING,
        status_label=vocabulary.label(vocabulary.REQUEST_STATUSES, r.status),
    )


def _form_id(form, key) -> int:
    """An id from a hidden field; anything else is a form that was tampered with or is stale."""
    value = v.id_text(form.get(key, ""))
    if value is None:
        raise ValidationError("Dit formulier klopt niet meer; laad de pagina opnieuw.", field=key)
    return value


def _form_profile(form) -> dict:
    """The profile form of a request made by phone: one victim, and children."""
    person = {k: form.get(k) for k in ("gender", "residence", "exploitation") if form.get(k)}
    if form.get("age"):
        person["age"] = form.get("age")
    person["needs"] = form.getlist("needs")
    return {"persons": [person], "children": form.get("children") or 0, "region": form.get("region")}


@bp.route("/opvang/<int:shelter_id>/intakes", methods=["GET", "POST"])
@require(*SHELTER_KEEPERS)
def intakes(shelter_id):
    now = utcnow()
    shelter = beds.get_shelter(shelter_id)
    if not beds.can_update(g.user, shelter):
        raise Forbidden("Alleen de eigen opvang.")
    errors = {}
    if request.method == "POST":
        try:
            hold_id = _form_id(request.form, "hold_id")
            action = request.form.get("action")
            if action not in ("confirm", "refuse", "release"):  # the page's Weigeren button sends refuse
                raise ValidationError("Onbekende knop; laad de pagina opnieuw.", field="action")
            if action == "confirm":
                placements.confirm(now, hold_id, g.user)
                flash("Intake bevestigd.")
            else:
                placements.release(now, hold_id, g.user, request.form.get("reason") or None)
                flash("Geweigerd; de zorgcoördinator zoekt verder.")
            return redirect(url_for("piket.intakes", shelter_id=shelter.id))
        except (ValueError, PiketError) as err:
            errors["form"] = getattr(err, "message", "Ongeldige invoer.")
            db.session.rollback()
    pending = db.session.scalars(
        select(Placement)
        .where(Placement.shelter_id == shelter.id, Placement.status == PlacementStatus.HELD)
        .order_by(Placement.id)
    ).all()
    return render_template(
        "piket/intakes.html", shelter=shelter, pending=pending, errors=errors, hold_code=placements.hold_code
    )


@bp.route("/beheer/worker")
@require(Role.ADMIN)
def worker_page():
    """Is the worker alive, and what is waiting for it? Paging depends on it."""
    from notify import service as notify
    from piket import heartbeat
    from piket.rotas import service as rotas

    now = utcnow()
    state = heartbeat.state(now, current_app.config["WORKER_STALE_SECONDS"])
    due = db.session.scalar(
        select(db.func.count())
        .select_from(PlacementRequest)
        .where(PlacementRequest.status.in_(ESCALATING), PlacementRequest.next_action_at <= now)
    )
    return render_template(
        "piket/worker.html",
        state=state,
        due=due,
        pending=notify.pending_count(),
        without_sms=rotas.on_duty_without_sms(now),
        rota_title=rotas.title,
    )
