"""The national page's periodic jobs, for the worker (same shape as piket.jobs.JOBS).

Both are idempotent per slot (an hour, a day), so running them every minute, twice at once or
after a restart writes and sends nothing twice."""

from national import freshness, snapshots

JOBS = {  # name: (function(now), every N seconds)
    "occupancy_snapshots": (snapshots.take, 60),  # the hourly slot, and the daily one from 04:00 local time
    "freshness_reminders": (freshness.remind_stale, 600),  # stale shelters, 09:00-20:00 local, once a day
}
