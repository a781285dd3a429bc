"""The access scope's other doors (piket/access.py): the national piket on duty, acceptance, the report owner."""

import datetime as dt

from extensions import db
from piket import access
from tests.conftest import new_request


def test_the_national_piket_sees_every_case_while_on_duty_only(duty, users, now):
    request = new_request(users, now)  # Rotterdam; the national piket is a coordinator of Amsterdam
    national = duty["people"]["national"]
    assert access.can_see_request(national, request, now)
    assert access.can_see_request(national, request, now + dt.timedelta(days=3)) is False  # off duty
    listed = db.session.scalars(access.visible_requests(national, now)).all()
    assert request.id in {r.id for r in listed}


def test_accepting_a_group_opens_the_case_and_only_a_requester_owning_the_report_sees_it(users, make_user, now):
    request = new_request(users, now)
    outsider = make_user("coordinator", regions=["amsterdam"])
    assert not access.can_see_request(outsider, request, now)
    request.accepted_by_id = outsider.id  # as after a yes through the national number
    request.case.report_owner_id = users["comensha"].id  # not a requester: owning a report opens no case
    db.session.commit()
    assert access.can_see_request(outsider, request, now)
    assert not access.can_see_request(users["comensha"], request, now)
    assert access.can_see_request(users["admin"], request, now)
    assert not access.can_see_request(users["shelter_staff"], request, now)
