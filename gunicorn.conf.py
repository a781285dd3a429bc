"""Production settings for `gunicorn 'app:create_app()'` (read from the working directory).

Threaded workers: a request spends much of its time waiting on PostgreSQL (round trips, and the
commit's flush to disk). A sync worker sits idle through those waits and serves one request at a
time, and closes every connection; with threads a worker runs another request meanwhile and keeps
connections alive. benchmarks/load.py measures the difference (see the README's load section).
Each thread holds at most one pooled database connection: SQLAlchemy's default pool (5 + 10
overflow) per worker covers the threads. The periodic jobs never run here: `flask --app app worker`.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
keepalive = 5  # seconds an idle client connection stays open

# Logs: gunicorn's own lines and one access line per request, in LOG_FORMAT (json by default) as the app's
# (ops/logs.py): the path without its query string, status, duration in ms and the request id.
from ops import logs  # noqa: E402  (gunicorn reads this file from the project folder)

accesslog = "-"
access_log_format = logs.ACCESS_FORMAT
logconfig_dict = logs.gunicorn_logconfig((os.environ.get("LOG_FORMAT") or "json").strip().lower())
