"""Notification providers behind one interface: console (default), fake (tests), Twilio.

Pure: imports nothing from the project. A provider sends one SMS or starts one call and returns
the provider's sid, or raises one of the errors below; `_translate` is the one place where
Twilio's errors become ours.
"""

import sys
import threading
import uuid

# --- errors -------------------------------------------------------------------------------------


class ProviderError(Exception):
    """The provider did not take the message. `code` is the provider's error code, as a string."""

    def __init__(self, code, message: str = ""):
        super().__init__(f"{code}: {message}" if message else str(code))
        self.code = str(code)
        self.message = message


class TransientError(ProviderError):
    """Worth retrying later: the provider is down or busy (5xx, 429), a timeout, no connection."""


class PermanentError(ProviderError):
    """Retrying will not help: invalid number, not reachable, not a mobile number, no permission."""


class OptedOut(PermanentError):
    """The recipient replied STOP to our number (Twilio 21610): no SMS until they reply START."""


# --- the interface ------------------------------------------------------------------------------


class Provider:
    def send_sms(self, to: str, body: str, status_callback: str) -> str:
        """Send one SMS; return the provider's sid."""
        raise NotImplementedError

    def call(self, to: str, url: str, status_callback: str) -> str:
        """Start one call whose script (TwiML) is fetched from `url`; return the provider's sid."""
        raise NotImplementedError


class ConsoleProvider(Provider):
    """Prints each message: the service runs out of the box, without an account anywhere."""

    _lock = threading.Lock()  # one line at a time, from any sending thread, to any stream

    def __init__(self, stream=None):
        self.stream = stream  # None: whatever sys.stdout is when printing
        self.sent = []

    def _emit(self, record, line):
        # One write of the whole line: print() writes the line and its newline apart, so the worker's
        # sending threads ran one line into another ("[sms] ...[call] ...") and a page went unseen.
        stream = self.stream or sys.stdout
        with self._lock:
            stream.write(line + "\n")
            stream.flush()
        self.sent.append(record)
        return record["sid"]

    def send_sms(self, to, body, status_callback):
        sid = f"console-{uuid.uuid4().hex}"
        return self._emit(
            {"kind": "sms", "to": to, "body": body, "status_callback": status_callback, "sid": sid},
            f"[sms] {to}: {body}",
        )

    def call(self, to, url, status_callback):
        sid = f"console-{uuid.uuid4().hex}"
        return self._emit(
            {"kind": "call", "to": to, "url": url, "status_callback": status_callback, "sid": sid},
            f"[call] {to} -> {url}",
        )


class FakeProvider(Provider):
    """For tests. `.sent` holds what was sent (failed sends are in `.failures`, not in `.sent`);
    `fail_next(exc, times)` makes the next `times` sends raise `exc`. Thread-safe, so concurrent
    dispatchers can share one."""

    def __init__(self):
        self.sent = []
        self.failures = []
        self._fail = []  # exceptions to raise, one per coming send
        self._lock = threading.Lock()
        self._count = 0

    def fail_next(self, exc: Exception, times: int = 1):
        with self._lock:
            self._fail.extend([exc] * times)

    def _record(self, record):
        with self._lock:
            if self._fail:
                exc = self._fail.pop(0)
                self.failures.append(dict(record, error=exc))
                raise exc
            self._count += 1
            record["sid"] = f"fake-{record['kind']}-{self._count}"
            self.sent.append(record)
            return record["sid"]

    def send_sms(self, to, body, status_callback):
        return self._record({"kind": "sms", "to": to, "body": body, "status_callback": status_callback})

    def call(self, to, url, status_callback):
        return self._record({"kind": "call", "to": to, "url": url, "status_callback": status_callback})


# --- Twilio -------------------------------------------------------------------------------------

OPTED_OUT_CODES = {21610}  # "Attempt to send to unsubscribed recipient"
TRANSIENT_CODES = {20429, 20500, 20503}  # too many requests, internal error, service unavailable
CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]
RING_SECONDS = 25  # long enough to wake someone, short enough to go on to the next step


class TwilioProvider(Provider):
    def __init__(self, account_sid: str, auth_token: str, from_number: str, http_client=None, timeout: float = 10):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.from_number = from_number
        # A request that hangs must not hold up the whole outbox.
        self.client = Client(account_sid, auth_token, http_client=http_client or TwilioHttpClient(timeout=timeout))

    def send_sms(self, to, body, status_callback):
        try:
            message = self.client.messages.create(
                to=to, from_=self.from_number, body=body, status_callback=status_callback
            )
        except Exception as exc:
            raise _translate(exc) from exc
        return message.sid

    def call(self, to, url, status_callback):
        try:
            call = self.client.calls.create(
                to=to,
                from_=self.from_number,
                url=url,
                status_callback=status_callback,
                status_callback_event=CALL_EVENTS,
                # AnsweredBy in the status callbacks: a voicemail counts as no_answer, never as answered.
                # The call's script asks its question whatever AnsweredBy says (piket/webhooks.page_call),
                # so a person taken for a machine can still press 1.
                machine_detection="Enable",
                timeout=RING_SECONDS,
            )
        except Exception as exc:
            raise _translate(exc) from exc
        return call.sid


def _translate(exc: Exception) -> Exception:
    """Twilio's exceptions and network failures as TransientError / PermanentError / OptedOut.
    Anything else (a bug) is returned unchanged, so it is not mistaken for a provider answer."""
    import requests
    from twilio.base.exceptions import TwilioRestException, TwilioServiceException

    if isinstance(exc, (TwilioRestException, TwilioServiceException)):
        status = getattr(exc, "status", None)
        code = getattr(exc, "code", None) or status
        message = str(getattr(exc, "msg", None) or getattr(exc, "detail", None) or getattr(exc, "title", None) or "")[
            :300
        ]
        try:
            numeric = int(code)
        except (TypeError, ValueError):
            numeric = None
        if numeric in OPTED_OUT_CODES:
            return OptedOut(code, message)
        if status is None or status == 429 or status >= 500 or numeric in TRANSIENT_CODES:
            return TransientError(code, message)
        return PermanentError(code, message)  # any other 4xx: the request itself is wrong
    if isinstance(exc, (requests.exceptions.Timeout, TimeoutError)):
        return TransientError("timeout", type(exc).__name__)
    if isinstance(exc, (requests.exceptions.ConnectionError, ConnectionError)):
        return TransientError("connection", type(exc).__name__)
    return exc


def make_provider(config: dict) -> Provider:
    """The provider named by NOTIFY_PROVIDER. A misconfiguration fails here, at startup, not at 3 a.m."""
    name = (config.get("NOTIFY_PROVIDER") or "console").lower()
    if name == "console":
        return ConsoleProvider()
    if name == "twilio":
        missing = [k for k in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER") if not config.get(k)]
        if missing:
            raise RuntimeError(f"NOTIFY_PROVIDER=twilio needs {', '.join(missing)}")
        return TwilioProvider(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            config["TWILIO_FROM_NUMBER"],
            timeout=float(config.get("TWILIO_TIMEOUT_S") or 10),
        )
    raise RuntimeError(f"unknown NOTIFY_PROVIDER {name!r}: use 'console' or 'twilio'")
