"""Reading untrusted input (JSON bodies, forms, query strings) into clean values.

Every reader raises ValidationError naming the field by its path (`pools[0].free`), so the
API, the pages and the CLI all say exactly what is wrong; the message is Dutch, as the pages show it
beside the field (the field's path is the machine-readable part).
"""

import datetime as dt
import math
import re
from typing import NamedTuple

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from errors import BadRequest, ValidationError
from timeutil import AMSTERDAM, UTC

_MISSING = object()
REQUIRED = "vul dit in"
# The largest id or count the database stores (PostgreSQL INTEGER; SQLite refuses beyond 64 bits). A larger
# number from outside is refused here, not passed to a query that would fail with a 500.
MAX_INTEGER = 2_147_483_647


class Range(NamedTuple):
    """Inclusive bounds of a number: integer() and number() take it as within=, openapi.py states it as
    JSON Schema's minimum and maximum."""

    minimum: float
    maximum: float


# Rules that more than one reader applies and openapi.py states to clients: each written once, here.
NL_LAT = Range(50.5, 53.8)  # the Netherlands with a margin: where someone was found, where a shelter is
NL_LON = Range(3.2, 7.3)
AGE = Range(0, 120)  # a person's age in years
CHILDREN = Range(0, 12)  # children who come along with a group
# A phone number's shape as people type it (openapi.py states it); what it must be, and its E.164 form, is
# accounts/phones.py's (contact(), parse_mobile()).
PHONE = r"\+?[0-9 ()-]{6,20}"
PHONE_LENGTH = 20  # the columns' width (callback_phone, intake_phone, users.phone)


class DatabaseId(IntegerConverter):
    """`<int:...>` in URLs: an id beyond what the database stores is not found (404), not a failing query.
    (Werkzeug's own `max` would answer 405: the path matched, the converter refused.)"""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_INTEGER:
            raise NotFound()
        return number


def id_text(value) -> int | None:
    """An id as a form field or a button carries it: digits only, no more than the database stores
    (9 digits); None for anything else, so the caller says what a wrong one means on its page."""
    return int(value) if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value) else None


# How deep a JSON body may nest: the deepest contract (a scenario's requests, persons, needs) is 5.
# Deeper is refused before any reader walks it: Python's parser and recursive code stop near 1,000 levels
# with a RecursionError (a 500).
MAX_JSON_DEPTH = 32


def json_body(request) -> dict:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the parser's own limit, far below what a body under MAX_CONTENT_LENGTH can nest
        raise BadRequest("De JSON is te diep genest.", field="body") from None
    check_depth(data)
    if data is None:
        raise BadRequest("De body moet een JSON-object zijn (Content-Type: application/json).", field="body")
    if not isinstance(data, dict):
        raise ValidationError("De body moet een JSON-object zijn.", field="body")
    return data


def check_depth(data, field="body"):
    """Refuse JSON nested deeper than MAX_JSON_DEPTH (iteratively: no recursion to exhaust), naming the
    top-level field it is under."""
    stack = [(data, 0, None)]
    while stack:
        value, depth, top = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"Te diep genest (hoogstens {MAX_JSON_DEPTH} niveaus).", field=top or field)
        if isinstance(value, dict):
            stack.extend((v, depth + 1, k if depth == 0 else top) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, depth + 1, top) for v in value)


def integer(data, key, path=None, *, minimum=None, maximum=None, within: Range | None = None, default=_MISSING):
    path = path or key
    minimum, maximum = within if within is not None else (minimum, maximum)
    value = data.get(key, default) if isinstance(data, dict) else default
    if value is _MISSING:
        raise ValidationError(REQUIRED, field=path)
    if value is None and default is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        value = int(value)  # form fields and query strings arrive as text
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("vul een heel getal in", field=path)
    maximum = MAX_INTEGER if maximum is None else maximum
    if minimum is None and value < -MAX_INTEGER:
        raise ValidationError(f"moet minstens {-MAX_INTEGER} zijn", field=path)
    if minimum is not None and value < minimum:
        raise ValidationError(f"moet minstens {minimum} zijn", field=path)
    if maximum is not None and value > maximum:
        raise ValidationError(f"mag hoogstens {maximum} zijn", field=path)
    return value


def number(data, key, path=None, *, minimum=None, maximum=None, within: Range | None = None, default=_MISSING):
    path = path or key
    minimum, maximum = within if within is not None else (minimum, maximum)
    value = data.get(key, default) if isinstance(data, dict) else default
    if value is _MISSING:
        raise ValidationError(REQUIRED, field=path)
    if value is None and default is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "."))
        except ValueError:
            raise ValidationError("vul een getal in", field=path) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError("vul een getal in", field=path)
    try:
        value = float(value)
    except OverflowError:  # an integer with hundreds of digits
        raise ValidationError("vul een getal in", field=path) from None
    if not math.isfinite(value):  # NaN and Infinity ("nan", "inf" in a form, NaN in Python's JSON)
        raise ValidationError("vul een getal in", field=path)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValidationError(f"moet tussen {minimum} en {maximum} liggen", field=path)
    return value


def text(data, key, path=None, *, max_length=200, default=_MISSING, pattern=None):
    path = path or key
    value = data.get(key, default) if isinstance(data, dict) else default
    if value is _MISSING:
        raise ValidationError(REQUIRED, field=path)
    if value is None and default is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("vul tekst in", field=path)
    value = storable(value, path).strip()
    if default is _MISSING and not value:
        raise ValidationError(REQUIRED, field=path)
    if len(value) > max_length:
        raise ValidationError(f"hoogstens {max_length} tekens", field=path)
    if "<" in value or ">" in value:  # no name, reference or reason needs them; markup stays out of the data
        raise ValidationError("mag geen < of > bevatten", field=path)
    if pattern and value and not re.fullmatch(pattern, value):
        raise ValidationError("ongeldige schrijfwijze", field=path)
    return value


def is_storable(value: str) -> bool:
    """Text the database can store, also in a query: PostgreSQL refuses NUL, and a lone surrogate (JSON
    allows `\\ud800`) cannot be encoded as UTF-8; either would fail the query instead of being refused."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def storable(value: str, path: str) -> str:
    if "\x00" in value:
        raise ValidationError("mag geen NUL-teken bevatten", field=path)
    if not is_storable(value):
        raise ValidationError("bevat ongeldige tekens", field=path)
    return value


def choice(data, key, options, path=None, *, default=_MISSING):
    path = path or key
    value = data.get(key, default) if isinstance(data, dict) else default
    if value is _MISSING:
        raise ValidationError(REQUIRED, field=path)
    if value is None and default is None:
        return None
    if not isinstance(value, str) or value not in options:
        raise ValidationError(f"kies uit: {', '.join(_readable(options))}", field=path)
    return value


def _readable(options) -> list[str]:
    """The choices as a person reads them: the Dutch labels of a vocabulary (code -> label; the API's
    codes are in its OpenAPI description), else the options themselves."""
    if isinstance(options, dict) and all(isinstance(label, str) for label in options.values()):
        return list(options.values())
    return [str(option) for option in options]


def choices(data, key, options, path=None, *, default=_MISSING, allow_empty=True):
    """A list of codes from `options` (a JSON list, or a comma-separated string in a query)."""
    path = path or key
    value = data.get(key, default) if isinstance(data, dict) else default
    if value is _MISSING:
        raise ValidationError(REQUIRED, field=path)
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("moet een lijst van codes zijn", field=path)
    unknown = [v for v in value if v not in options]
    if unknown:
        raise ValidationError(f"onbekende code {unknown[0][:40]!r}; kies uit: {', '.join(options)}", field=path)
    if not value and not allow_empty:
        raise ValidationError("kies er minstens één", field=path)
    return sorted(set(value), key=list(options).index)


def boolean(data, key, path=None, *, default=_MISSING):
    path = path or key
    value = data.get(key, default) if isinstance(data, dict) else default
    if value is _MISSING:
        raise ValidationError(REQUIRED, field=path)
    if isinstance(value, str) and value.lower() in ("1", "true", "ja", "on", "0", "false", "nee", "off", ""):
        return value.lower() in ("1", "true", "ja", "on")
    if not isinstance(value, bool):
        raise ValidationError("moet true of false (ja of nee) zijn", field=path)
    return value


def weekdays(days, field, message="moet een lijst van ISO-weekdagen 1..7 zijn") -> list[int]:
    """A window's days: a non-empty list of ISO weekdays (1 = Monday ... 7 = Sunday)."""
    if (
        not isinstance(days, list)
        or not days
        or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days)
    ):
        raise ValidationError(message, field=field)
    return days


def intake_hours(value, path="intake"):
    """Intake hours: "24/7" or a list of {days: [1..7], from: "HH:MM", to: "HH:MM"} windows."""
    if value == "24/7":
        return value
    if not isinstance(value, list) or not value:
        raise ValidationError('moet "24/7" zijn of een lijst van vensters', field=path)
    clean = []
    for i, window in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(window, dict):
            raise ValidationError("moet een object met days, from en to zijn", field=where)
        days = weekdays(window.get("days"), f"{where}.days")
        start = text(window, "from", f"{where}.from", max_length=5, pattern=r"([01]\d|2[0-3]):[0-5]\d")
        end = text(window, "to", f"{where}.to", max_length=5, pattern=r"([01]\d|2[0-3]):[0-5]\d|24:00")
        if start >= end:
            raise ValidationError(
                "moet later zijn dan from (schrijf een nachtvenster als twee vensters)", field=f"{where}.to"
            )
        clean.append({"days": sorted(set(days)), "from": start, "to": end})
    return clean


# --- times ---------------------------------------------------------------------------------------

_LOCAL_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})")


def _local_to_utc(naive: dt.datetime, field: str) -> dt.datetime:
    """A Dutch local time without offset in UTC, refused when it does not exist or occurs twice on the clock."""
    early, late = naive.replace(tzinfo=AMSTERDAM, fold=0), naive.replace(tzinfo=AMSTERDAM, fold=1)
    if early.utcoffset() != late.utcoffset():
        if early.astimezone(UTC).astimezone(AMSTERDAM).replace(tzinfo=None) != naive:
            raise ValidationError("deze tijd bestaat niet (de klok gaat een uur vooruit)", field=field)
        raise ValidationError(
            "deze tijd komt twee keer voor (de klok gaat een uur terug); "
            "geef de tijdzone erbij, bijv. 2027-10-31T02:30+02:00",
            field=field,
        )
    return early.astimezone(UTC)


def local_time(value, field) -> dt.datetime:
    """A moment typed by a person: "YYYY-MM-DD HH:MM" or "YYYY-MM-DD" in Dutch local time, or ISO 8601
    (with an offset for the doubled hour of the autumn change); returned in UTC."""
    if value is not None and not isinstance(value, str):
        raise ValidationError("schrijf een tijd als tekst, JJJJ-MM-DD UU:MM", field=field)
    value = (value or "").strip()
    if not value:
        raise ValidationError("vul een tijd in", field=field)
    match = _LOCAL_TIME.fullmatch(value)
    try:
        moment = dt.datetime(*map(int, match.groups())) if match else dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"onleesbare tijd {value[:40]!r}; schrijf JJJJ-MM-DD UU:MM", field=field) from None
    return _local_to_utc(moment, field) if moment.tzinfo is None else moment.astimezone(UTC)
