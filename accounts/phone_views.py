"""Mijn telefoon: every logged-in person sees their number and whether it is verified, changes it,
verifies it with the code texted to it, and sends themselves a test (an SMS and a call) whose
statuses appear here as the provider reports them (reload the page)."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

import vocabulary
from accounts import phones
from accounts.access import require
from accounts.roles import EVERYONE
from errors import TooManyRequests, ValidationError
from extensions import db
from timeutil import utcnow

bp = Blueprint("phone", __name__)

DONE = {
    "number": "Uw nummer is opgeslagen. Vraag nu een code aan om het te bevestigen.",
    "number_removed": "Uw nummer is verwijderd.",
    "code": f"We hebben u een sms met een code gestuurd. Die is {phones.CODE_MINUTES} minuten geldig.",
    "verify": "Uw nummer is bevestigd.",
    "test": "De testoproep staat klaar: u krijgt een sms en wordt gebeld. Herlaad deze pagina voor de stand.",
}


def step_words(line) -> str:
    """A line of the test's timeline in Dutch: klaargezet, verstuurd / gaat over, afgeleverd, opgenomen, ..."""
    if line["what"] == "queued":
        return "klaargezet"
    if line["channel"] == "voice" and line["what"] in vocabulary.CALL_STATUSES:
        return vocabulary.CALL_STATUSES[line["what"]]
    return vocabulary.MESSAGE_STATUSES.get(line["what"], line["what"])


@bp.route("/account/telefoon", methods=["GET", "POST"])
@require(*EVERYONE)
def my_phone():
    user, error, status = g.user, None, 200
    if request.method == "POST":
        action, now = request.form.get("action", ""), utcnow()
        try:
            if action == "number":
                phones.change_phone(now, user=user, raw=request.form.get("phone"), actor=user)
                db.session.commit()
                action = "number" if user.phone else "number_removed"
            elif action == "code":
                phones.send_code(now, user)
            elif action == "verify":
                phones.verify(now, user, request.form.get("code"))
            elif action == "test":
                phones.send_test(now, user)
            else:
                raise ValidationError("onbekende actie", field="action")
        except (ValidationError, TooManyRequests) as err:
            db.session.rollback()
            error, status = err, err.status
        else:
            flash(DONE[action])
            return redirect(url_for("phone.my_phone"))
    return render_template(
        "account/phone.html",
        user=user,
        verified=phones.is_verified(user),
        timeline=phones.test_timeline(user),
        step_words=step_words,
        typed=request.form.get("phone") if error is not None and error.field == "phone" else user.phone or "",
        error=error,
        code_minutes=phones.CODE_MINUTES,
    ), status
