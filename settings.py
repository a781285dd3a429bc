"""All configuration, read from the environment in one place.

Every setting has a default that runs with nothing set up: an SQLite file under instance/,
the console notification provider, a secret key generated once and kept in instance/.
"""

import os
import secrets
from pathlib import Path

from accounts.roles import OVERSIGHT

ROOT = Path(__file__).resolve().parent


def _int(env, name, default):
    value = env.get(name)
    return int(value) if value not in (None, "") else default


def _secret_key(env, instance: Path) -> str:
    if env.get("SECRET_KEY"):
        return env["SECRET_KEY"]
    # Keep a generated key on disk so sessions and signed links survive a restart.
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(env, instance: Path) -> str:
    url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'piket.db'}"
    # Heroku-style URLs name the driver "postgres"; we use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load(env=None) -> dict:
    """Flask config from the environment (os.environ unless a mapping is given)."""
    env = os.environ if env is None else env
    instance = Path(env.get("PIKET_INSTANCE_DIR") or ROOT / "instance")
    public_base_url = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    return {
        "SECRET_KEY": _secret_key(env, instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(env, instance),
        # Survive a database restart: test each pooled connection before use. Never put query parameters
        # (case references, phone numbers, profiles) into logged SQL or database error messages.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "PUBLIC_BASE_URL": public_base_url,
        # Cookies: never readable by scripts, not sent cross-site, Secure whenever served over https.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", str(public_base_url.startswith("https"))).lower()
        in ("1", "true", "yes"),
        "PERMANENT_SESSION_LIFETIME": _int(env, "SESSION_HOURS", 12) * 3600,  # also the server-side maximum
        # A session unused this long ends (accounts/sessions.py): short for the roles that reach victims'
        # data or the whole country (coordinators, CoMensha, admins; the BIO asks MFA of them), long for the rest.
        "SESSION_IDLE_MINUTES": _int(env, "SESSION_IDLE_MINUTES", 30),
        "SESSION_IDLE_MINUTES_OTHER": _int(env, "SESSION_IDLE_MINUTES_OTHER", 12 * 60),
        "WTF_CSRF_TIME_LIMIT": None,  # a night shift keeps a form open for hours
        # Freshness of availability, in hours since the last human confirmation.
        "FRESH_HOURS": _int(env, "FRESH_HOURS", 2),
        "STALE_HOURS": _int(env, "STALE_HOURS", 8),
        "HOLD_MINUTES": _int(env, "HOLD_MINUTES", 90),
        "HIGH_THREAT_MIN_KM": _int(env, "HIGH_THREAT_MIN_KM", 50),
        # Whether the matcher may propose pools whose numbers are stale (they are flagged either way).
        "USE_STALE_AVAILABILITY": env.get("USE_STALE_AVAILABILITY", "true").lower() in ("1", "true", "yes"),
        "MATCH_TIME_LIMIT_S": float(env.get("MATCH_TIME_LIMIT_S") or 10),
        # The proposals view's own bound: a web thread waits at most this long for the matcher.
        "MATCH_VIEW_TIME_LIMIT_S": float(env.get("MATCH_VIEW_TIME_LIMIT_S") or 2),
        "RETENTION_DAYS": _int(env, "RETENTION_DAYS", 30),
        # Paging: how long an SMS accept link works; the number the police call; when the worker counts as down.
        "LINK_HOURS": _int(env, "LINK_HOURS", 12),
        "NATIONAL_PIKET_NUMBER": env.get("NATIONAL_PIKET_NUMBER", ""),
        "WORKER_STALE_SECONDS": _int(env, "WORKER_STALE_SECONDS", 60),
        # How many worker processes should run (all hosts together): fewer alive is warned about
        # (`flask --app app worker status`, /beheer/worker, /healthz).
        "WORKERS_EXPECTED": _int(env, "WORKERS_EXPECTED", 1),
        # How often the worker looks for due escalation steps (and sends their pages at once): a new
        # request waits at most this long. An indexed query each time: cheap, also on SQLite.
        "ESCALATE_EVERY_S": float(env.get("ESCALATE_EVERY_S") or 0.2),
        # PostgreSQL: the worker is woken by NOTIFY when a request is committed; between wake-ups it
        # sleeps until the next step or message is due, and looks at least this often (seconds).
        "WORKER_LISTEN_POLL_S": float(env.get("WORKER_LISTEN_POLL_S") or 5),
        # Failed logins allowed per e-mail address and client within the window.
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5),
        "LOGIN_WINDOW_MINUTES": _int(env, "LOGIN_WINDOW_MINUTES", 15),
        # Failed logins allowed per account from all clients together within the window (rotating addresses).
        "LOGIN_ACCOUNT_MAX_FAILURES": _int(env, "LOGIN_ACCOUNT_MAX_FAILURES", 10),
        # Roles that must log in with a second factor (TOTP); the others may choose to. Comma-separated codes.
        "MFA_REQUIRED_ROLES": tuple(
            r.strip() for r in env.get("MFA_REQUIRED_ROLES", ",".join(OVERSIGHT)).split(",") if r.strip()
        ),
        # The name an authenticator app shows beside the account.
        "MFA_ISSUER": env.get("MFA_ISSUER", "Piket"),
        # An API token is refused this many days after it was issued.
        "API_TOKEN_DAYS": _int(env, "API_TOKEN_DAYS", 90),
        # A one-time link to set a password (accounts/resets.py) holds this many hours, and only once.
        "PASSWORD_RESET_HOURS": _int(env, "PASSWORD_RESET_HOURS", 24),
        # Proxies in front that append the client's address to X-Forwarded-For (0: none, use the peer address).
        "TRUST_PROXY": _int(env, "TRUST_PROXY", 0),
        # Request bodies: larger ones are refused with 413 before they are read (web.body_limit). Forms and
        # JSON need far less than 1 MB; uploads (a rota's CSV, a what-if scenario) get MAX_UPLOAD_BYTES, above the
        # views' own limits (1 MB, 5 MB) so a file somewhat too large is told so beside its field;
        # Twilio's webhook bodies are a few kB, refused above MAX_WEBHOOK_BYTES before the signature check.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_REQUEST_BYTES", 1_000_000),
        "MAX_UPLOAD_BYTES": _int(env, "MAX_UPLOAD_BYTES", 8_000_000),
        "MAX_WEBHOOK_BYTES": _int(env, "MAX_WEBHOOK_BYTES", 64_000),
        "MAX_FORM_MEMORY_SIZE": 500_000,  # one form field in memory (Werkzeug's multipart and urlencoded parsers)
        "MAX_FORM_PARTS": 1000,  # fields and files in one multipart form
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "scrypt"),
        "NOTIFY_PROVIDER": env.get("NOTIFY_PROVIDER", "console"),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER", ""),
        # Every spoken text (<Say>) is Dutch in this voice: Amazon Polly's nl-NL "Lotte", one of the Polly
        # voices Twilio offers; Twilio's default voice is not documented for nl-NL and may fail the <Say>.
        "TWILIO_VOICE": env.get("TWILIO_VOICE") or "Polly.Lotte",
        "TWILIO_TIMEOUT_S": float(
            env.get("TWILIO_TIMEOUT_S") or 10
        ),  # one API request; a hang must not stall the outbox
        # Outbox: tries per message on transient errors (back-off 5 s, 15 s, 45 s, ... at most 5 min), then failed.
        "NOTIFY_MAX_TRIES": _int(env, "NOTIFY_MAX_TRIES", 5),
        # One call at a time to a phone: a call waits this long after the last one to it went out.
        "NOTIFY_CALL_SPACING_S": _int(env, "NOTIFY_CALL_SPACING_S", 60),
        # Pages to one phone queued together go as one SMS, at most this many (1: never together).
        "NOTIFY_BUNDLE_MAX": _int(env, "NOTIFY_BUNDLE_MAX", 5),
        # The worker sends this many messages at once (threads), so one slow provider call delays no other.
        "NOTIFY_SEND_THREADS": _int(env, "NOTIFY_SEND_THREADS", 4),
        # A claimed message is a worker's to send for this long (its lease): more than one provider call
        # (TWILIO_TIMEOUT_S) plus the waits to record its answer (notify/service.py). A worker that dies
        # mid-send leaves the message to be sent again by another worker after the lease.
        "NOTIFY_CLAIM_S": _int(env, "NOTIFY_CLAIM_S", 30),
        "TIMEZONE": "Europe/Amsterdam",
        # Logs (ops/logs.py): json (one object a line, for a collector) or text (readable; `make run`), and the level.
        "LOG_FORMAT": (env.get("LOG_FORMAT") or "json").strip().lower(),
        "LOG_LEVEL": (env.get("LOG_LEVEL") or "INFO").strip().upper(),
        # GET /metrics (ops/metrics.py) answers only with `Authorization: Bearer <this>`; unset: 404.
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
    }
