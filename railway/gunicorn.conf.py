"""gunicorn settings for production: `gunicorn -c railway/gunicorn.conf.py` (see docs/deploy.md).

Every value comes from the environment, so one image serves any machine. The app tier keeps no
state of its own: any number of these servers may run side by side on one database.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


wsgi_app = "railway.wsgi:application"
bind = os.environ.get("BIND") or f"{os.environ.get('HOST', '0.0.0.0')}:{_int('PORT', 8000)}"  # noqa: S104

# Sync workers: a booking holds a database connection for its whole request anyway, so more
# concurrency per worker would only queue on the database. Two per core, plus one.
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
# A worker silent for this long is killed and replaced; a lock wait is bounded far below it
# (DB_LOCK_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS), so only a truly stuck worker gets there.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM, workers stop accepting and finish the requests they hold, for up to this long.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then, so that no slow leak can grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = max_requests // 10
# Worker heartbeats on a memory file system: a slow disk must not get healthy workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# gunicorn's control socket (for `gunicornc`) defaults to one path per user, $HOME/.gunicorn/gunicorn.ctl:
# a second server on the host takes it over from the first at every worker it starts, and any
# server that stops deletes it. Off, unless given a path of this server's own.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket

# Which proxies may set X-Forwarded-Proto (comma-separated addresses, or * behind a private network).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# The service logs one JSON line per request itself (railway.logs); gunicorn's access log would
# only repeat it. gunicorn's own messages (start, worker exits) go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
