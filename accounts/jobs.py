"""The accounts' periodic jobs, for the worker (same shape as piket.jobs.JOBS)."""

from accounts import login_guard

JOBS = {  # name: (function(now), every N seconds)
    "purge_login_attempts": (login_guard.purge_attempts, 600),  # attempts older than LOGIN_WINDOW_MINUTES
}
