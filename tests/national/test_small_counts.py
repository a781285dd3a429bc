"""No count under 3 can be recovered from what a coordinator sees (issue 15, finding 4).

A coordinator of Rotterdam and Den Haag reads every topic's JSON over 30, 90 and 365 days, as an
attacker would, and tries: Totaal minus the other region (escalations, time to placement, CoMensha
reports, occupancy's turned away), placed minus made, escalations against time to placement, turned
away against the month table, the same figure over 30 against 90 days, and the occupancy alarm. An
exact solver (CP-SAT) takes every one of those relations together: a hidden count of 1 or 2 must stay
either 1 or 2, and no difference between periods may be pinned to 1 or 2.
"""

import datetime as dt

import pytest
from ortools.sat.python import cp_model

from beds.models import Hold
from extensions import db
from national import occupancy
from piket import service as piket
from piket.models import Placement
from tests.national.conftest import plus

PERIODS = (30, 90, 365)
ROUTES = {
    "occupancy": "/api/v1/occupancy",
    "unmet_demand": "/api/v1/unmet-demand",
    "time_to_placement": "/api/v1/time-to-placement",
    "reports": "/api/v1/comensha-reports",
}
# What the attacker reads per table: the columns naming a row, and the counts.
TABLES = {
    "time_to_placement": (("region_id", "period_code"), ("requests", "n_accept", "n_chosen", "n_confirmed")),
    "escalations": (("region_id",), ("requests", "reached_backup", "reached_national", "exhausted")),
    "reports": (("region_id",), ("placed", "made", "open")),
    "occupancy_regions": (("region_id",), ("turned_away",)),
    "unmet_by_region_month": (("month", "region_id"), ("requests", "persons", "refusals", "empty_searches")),
}
# Figures that are sums of others shown beside them (besides the Totaal rows).
SUMS = {("escalations", "requests"), ("occupancy_regions", "turned_away"), ("reports", "placed")}
BIG = 1_000_000
MAN = {"gender": "male", "age": 30, "residence": "lawful", "exploitation": "labour"}


@pytest.fixture
def two_regions(dataset, registry, users, make_user, now):
    """The national dataset seen from now (2026-11-22), with a few more: a small, hidden figure for
    Den Haag in every topic, and a Rotterdam figure that moves by 1 between 30 and 90 days."""
    from accounts import service as accounts

    requests = dataset["requests"]
    # Den Haag: R14 placed (1 placed case, report open); a request withdrawn 5 days ago (1 turned away).
    r14 = requests["R14"]
    pool = registry["shelters"]["dh-nood"].pools[0]
    hold = Hold(pool_id=pool.id, places=1, created_at=plus(r14.created_at, 20), expires_at=plus(r14.created_at, 110))
    hold.status, hold.ended_at = "confirmed", plus(r14.created_at, 60)
    db.session.add(hold)
    db.session.flush()
    db.session.add(
        Placement(
            request_id=r14.id,
            shelter_id=pool.shelter_id,
            pool_id=pool.id,
            hold_id=hold.id,
            status="confirmed",
            distance_km=2.0,
            chosen_by_id=users["coordinator"].id,
            chosen_at=plus(r14.created_at, 20),
            decided_by_id=users["coordinator"].id,
            decided_at=plus(r14.created_at, 60),
        )
    )
    r14.status = "placed"
    for region, created, cancelled in [("den-haag", 40, 5), ("rotterdam", 50, 49)]:
        body = {"case_reference": "PL-S", "callback_phone": "+31612345678", "found": {"region": region}}
        fields = piket.parse_case({**body, "requests": [{"persons": [MAN]}]}, users["police"])
        case, _ = piket.create_case(now - dt.timedelta(days=created), fields, users["police"])
        piket.cancel(now - dt.timedelta(days=cancelled), case.requests[0].id, users["police"])
    # Den Haag's places all taken: one more person turned away would raise the "over" alarm.
    for shelter in registry["shelters"].values():
        if shelter.region.code == "den-haag":
            for p in shelter.pools:
                p.held, p.occupied = 0, p.capacity - p.out_of_service
    db.session.commit()
    user = make_user("coordinator", regions=["rotterdam", "den-haag"], email="twee@test.nl")
    token = accounts.issue_token(now, user)
    db.session.commit()
    return {"user": user, "token": token, "regions": dataset["regions"]}


def read_all(client, token):
    """{period: {table key: table JSON}} of every topic, as the coordinator's API gives it."""
    seen = {}
    for days in PERIODS:
        seen[days] = {}
        for route in ROUTES.values():
            resp = client.get(f"{route}?days={days}", headers={"Authorization": f"Bearer {token}"})
            assert resp.status_code == 200, resp.json
            assert resp.json["suppressed"] is True
            seen[days].update(resp.json["tables"])
    return seen


class Attacker:
    """Every count the coordinator sees as a CP-SAT variable, with every relation between them."""

    def __init__(self, seen):
        self.model = cp_model.CpModel()
        self.cells, self.small = {}, []
        for days, tables in seen.items():
            for key, (row_key, counts) in TABLES.items():
                table = tables[key]
                withheld = {(i, col) for i, col in table.get("withheld", [])}
                for i, row in enumerate(table["rows"]):
                    for col in counts:
                        self._cell((days, key, tuple(row.get(c) for c in row_key), col), row[col], (i, col) in withheld)
        self.seen = seen

    def _cell(self, name, value, withheld):
        var = self.model.new_int_var(0, BIG, str(name))
        if value is not None:
            self.model.add(var == value)
        elif withheld:  # "×": hidden so that another stays hidden; a total of hidden parts may be under 3
            if name[2][0] is not None and (name[1], name[3]) not in SUMS:  # else 1 or 2 read "<3"
                self.model.add_linear_expression_in_domain(var, cp_model.Domain.from_intervals([[0, 0], [3, BIG]]))
        else:  # "<3"
            self.model.add_linear_expression_in_domain(var, cp_model.Domain(1, 2))
            self.small.append(name)
        self.cells[name] = var

    def rows(self, days, key):
        return {name[2]: name for name in self.cells if name[:2] == (days, key)}

    def relations(self):
        cells, add = self.cells, self.model.add
        for days in PERIODS:
            # Totaal = the sum of the regions, per column (per office/after-hours for time to placement).
            for key, (_row_key, counts) in TABLES.items():
                if key == "unmet_by_region_month":
                    continue
                keys = {rk for (d, k, rk, _c) in cells if (d, k) == (days, key)}
                for total in [rk for rk in keys if rk[0] is None]:
                    parts = [rk for rk in keys if rk[0] is not None and rk[1:] == total[1:]]
                    for col in counts:
                        add(cells[(days, key, total, col)] == sum(cells[(days, key, p, col)] for p in parts))
            # placed = made + open.
            for rk in {rk for (d, k, rk, _c) in cells if (d, k) == (days, "reports")}:
                placed, made, open_ = (cells[(days, "reports", rk, col)] for col in ("placed", "made", "open"))
                add(placed == made + open_)
            # Escalations' requests = time to placement's office + after-hours requests.
            ttp = {rk for (d, k, rk, _c) in cells if (d, k) == (days, "time_to_placement")}
            for rk in {rk for (d, k, rk, _c) in cells if (d, k) == (days, "escalations")}:
                parts = [cells[(days, "time_to_placement", t, "requests")] for t in ttp if t[0] == rk[0]]
                add(cells[(days, "escalations", rk, "requests")] == sum(parts))
            # Turned away (30 days) = the persons of the 30-day month table, per region and in total.
            months = {rk for (d, k, rk, _c) in cells if (d, k) == (30, "unmet_by_region_month")}
            for rk in {rk for (d, k, rk, _c) in cells if (d, k) == (days, "occupancy_regions")}:
                parts = [cells[(30, "unmet_by_region_month", m, "persons")] for m in months if rk[0] in (None, m[1])]
                add(cells[(days, "occupancy_regions", rk, "turned_away")] == sum(parts))
        # A longer period counts at least what a shorter one does.
        for (days, key, rk, col), var in cells.items():
            for longer in PERIODS:
                if longer > days and (longer, key, rk, col) in cells:
                    add(var <= cells[(longer, key, rk, col)])
        return self

    def feasible(self, *constraints) -> bool:
        model = self.model.clone()
        for make in constraints:
            make(model)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    def pinned(self, expr_of) -> int | None:
        """The one value 1 or 2 the expression must take, or None when it is not pinned to one of them."""
        for k in (1, 2):
            if self.feasible(lambda m, k=k: m.add(expr_of(m) == k)) and not self.feasible(
                lambda m, k=k: m.add(expr_of(m) != k)
            ):
                return k
        return None


def var_of(var):
    """The variable in a clone of the attacker's model."""
    return lambda model: model.get_int_var_from_proto_index(var.index)


def test_no_count_under_three_is_recovered_from_totals_periods_or_other_tables(app, client, two_regions):
    seen = read_all(client, two_regions["token"])
    attacker = Attacker(seen).relations()
    assert attacker.feasible(), "the attacker's relations must hold for the true numbers"
    assert attacker.small, "the dataset has counts under 3 to protect"

    leaks = [name for name in attacker.small if attacker.pinned(var_of(attacker.cells[name])) is not None]
    for days, key, rk, col in list(attacker.cells):
        for longer in PERIODS:
            if longer > days and (longer, key, rk, col) in attacker.cells:
                shorter, later = (
                    var_of(attacker.cells[(days, key, rk, col)]),
                    var_of(attacker.cells[(longer, key, rk, col)]),
                )
                if attacker.pinned(lambda m, a=shorter, b=later: b(m) - a(m)) is not None:
                    leaks.append((days, longer, key, rk, col))
    assert leaks == [], "\n".join(map(str, leaks))


def test_the_subtractions_of_the_finding_give_nothing(app, client, two_regions):
    seen = read_all(client, two_regions["token"])[30]
    dh = two_regions["regions"]["den-haag"].id

    def by_region(key, **match):
        rows = [r for r in seen[key]["rows"] if all(r.get(k) == v for k, v in match.items())]
        return {r["region_id"]: r for r in rows}

    escalations = by_region("escalations")
    assert escalations[dh]["requests"] is None  # 2 in Den Haag
    assert escalations[None]["requests"] is None  # so Totaal - Rotterdam does not give it
    office = by_region("time_to_placement", period_code="office")
    assert office[dh]["requests"] is None and office[None]["requests"] is None
    reports = by_region("reports")
    assert reports[dh]["placed"] is None and reports[None]["placed"] is None
    assert reports[None]["open"] is None
    regions = by_region("occupancy_regions")
    assert regions[dh]["turned_away"] is None and regions[None]["turned_away"] is None


def test_the_alarm_does_not_betray_a_hidden_turned_away(app, client, two_regions):
    seen = read_all(client, two_regions["token"])[30]
    dh = two_regions["regions"]["den-haag"].id
    for row in seen["occupancy_regions"]["rows"]:
        if row["turned_away"] is None:
            assert row["demand"] is None
            assert row["alarm"] == occupancy.alarm(row["utilisation"])
            assert row["alarm_label"] != "over"
    row = next(r for r in seen["occupancy_regions"]["rows"] if r["region_id"] == dh)
    assert row["alarm"] == "full"  # full by its beds; one person more would have read "over"


def test_no_list_per_case_in_the_regional_view(app, client, login, two_regions, api):
    seen = read_all(client, two_regions["token"])
    assert all(seen[d]["open_reports"]["rows"] == [] for d in PERIODS)
    assert api("comensha", "GET", "/api/v1/comensha-reports").json["tables"]["open_reports"]["rows"]
    page = login(two_regions["user"]).get("/landelijk").get_data(as_text=True)
    assert "Deze lijst per zaak ziet alleen CoMensha" in page
    assert "×" in page  # withheld cells are marked apart from "<3"


def test_the_page_and_the_csv_show_what_the_api_shows(app, client, login, two_regions):
    import csv
    import io

    api_rows = read_all(client, two_regions["token"])[90]["escalations"]["rows"]
    session = login(two_regions["user"])
    text = session.get("/landelijk/export/time_to_placement.csv?table=escalations&dagen=90").get_data(as_text=True)
    csv_rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["aanvragen"] for r in csv_rows] == ["" if r["requests"] is None else str(r["requests"]) for r in api_rows]
