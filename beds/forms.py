"""The registry's forms as the API's bodies: a page's fields in, the same dict the JSON API takes out.

The pages then validate with the API's readers (beds/registry.py: one rule set), and a refused field's
path (`pools[1].capacity`, `intake[0].from`) is mapped back to the form field it came from, so the
message stands beside it.
"""

import re

MAX_WINDOWS = 7  # intake windows on the form (one per day at most is plenty)
NEW_POOLS = 2  # empty pool rows on the form for a new shelter; one on a profile


def _days(values) -> list:
    # Whole numbers for the reader; anything else is passed on as it came, and refused by name there.
    return [int(d) if re.fullmatch(r"[0-9]{1,2}", d) else d for d in values]


def _intake(form) -> tuple:
    """("24/7" or [windows], [form row of each window]): empty rows are skipped."""
    mode = form.get("intake_mode", "windows")
    if mode != "windows":  # "24/7", or anything else: the reader refuses it by name ("intake")
        return mode, []
    windows, rows = [], []
    for i in range(MAX_WINDOWS):
        days = form.getlist(f"intake-{i}-days")
        start, end = form.get(f"intake-{i}-from", "").strip(), form.get(f"intake-{i}-to", "").strip()
        if not days and not start and not end:
            continue
        windows.append({"days": _days(days), "from": start, "to": end})
        rows.append(i)
    return windows, rows


def _pool_row(form, prefix) -> dict | None:
    """A new pool from the row `prefix` (new-0-kind, new-0-capacity, ...); None when left empty."""
    values = {k: form.get(f"{prefix}-{k}", "").strip() for k in ("key", "kind", "capacity", "room_size")}
    if not values["key"] and not values["capacity"]:
        return None
    pool = {"key": values["key"], "kind": values["kind"], "capacity": values["capacity"]}
    if values["kind"] == "family_room":
        pool["room_size"] = values["room_size"]
    return pool


def profile_data(form, pools) -> tuple[dict, dict]:
    """The profile fields of a form, as registry.parse_profile takes them, and where each list item
    came from ({"intake": [rows], "pools": [pool id or "new-0"]}) to put a message back by its field."""
    intake, rows = _intake(form)
    data = {
        "genders": form.getlist("genders"),
        "adults": "adults" in form,
        "minors": "minors" in form,
        "residence": form.getlist("residence"),
        "exploitation": form.getlist("exploitation"),
        "excludes": form.getlist("excludes"),
        "intake": intake,
        "intake_phone": form.get("intake_phone", ""),
        "pools": [],
    }
    origin = {"intake": rows, "pools": []}
    for pool in pools:
        spec = {"key": pool.key, "kind": pool.kind, "capacity": form.get(f"capacity-{pool.id}", "").strip()}
        if pool.kind == "family_room":
            spec["room_size"] = form.get(f"room_size-{pool.id}", "").strip()
        data["pools"].append(spec)
        origin["pools"].append(pool.id)
    for i in range(NEW_POOLS if not pools else 1):
        spec = _pool_row(form, f"new-{i}")
        if spec is not None:
            data["pools"].append(spec)
            origin["pools"].append(f"new-{i}")
    return data, origin


SHELTER_TEXT_FIELDS = ("key", "name", "type", "region", "municipality", "lat", "lon", "address", "organisation")


def shelter_data(form) -> tuple[dict, dict]:
    """A new shelter from its page: the identity fields and the profile fields (with new pool rows)."""
    data, origin = profile_data(form, [])
    for name in SHELTER_TEXT_FIELDS:
        data[name] = form.get(name, "")
    if not data["organisation"]:
        del data["organisation"]
    data["address_confidential"] = "address_confidential" in form
    if form.get("max_stay_days", "").strip():
        data["max_stay_days"] = form["max_stay_days"].strip()
    return data, origin


REGION_FIELDS = ("code", "name", "kind", "centre", "lat", "lon")


def region_data(form) -> dict:
    data = {name: form.get(name, "") for name in REGION_FIELDS}
    data["dial_code"] = form.get("dial_code", "").strip() or None
    return data


_ITEM = re.compile(r"(intake|pools)\[(\d+)\](?:\.(\w+))?")


def form_field(path, origin) -> str:
    """The form field a reader's path names: pools[1].capacity -> capacity-<pool id> (or new-0-capacity),
    intake[0].from -> intake-<row>-from; a plain field keeps its name; anything else is the form's."""
    if not path:
        return "form"
    match = _ITEM.fullmatch(path)
    if match:
        kind, index, sub = match.group(1), int(match.group(2)), match.group(3)
        items = origin.get(kind, [])
        if index >= len(items):
            return kind
        item = items[index]
        if kind == "intake":
            return f"intake-{item}-{sub}" if sub in ("days", "from", "to") else "intake"
        if isinstance(item, str):  # a new pool's row
            return f"{item}-{sub}" if sub in ("key", "kind", "capacity", "room_size") else f"{item}-capacity"
        return f"{'room_size' if sub == 'room_size' else 'capacity'}-{item}"
    return path
