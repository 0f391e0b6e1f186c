"""Structured logs: one JSON object per line on stdout, each tagged with the request it belongs to.

`RequestLogMiddleware` (railway.middleware) gives every request an id, keeps it in a context
variable for the request's duration and writes one `request` line when the response leaves.
Every other record logged meanwhile (a lock timeout, a throttle fail-open) carries the same id,
so a line in an error report leads to everything that request did.
"""

import contextvars
import logging

from pythonjsonlogger.json import JsonFormatter

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Add the id of the request being served (or null) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


def logging_config(level: str) -> dict:
    """Return the LOGGING setting: JSON lines on stdout for the service, Django and gunicorn's workers."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": json_formatter}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Through the root's handler only (Django's own console handler would print twice).
            "django": {"level": "INFO"},
            # The request line says what django.request would repeat for every 4xx, without a
            # trace; 5xx still log their trace through it.
            "django.request": {"level": "ERROR"},
            # runserver's own access lines repeat the request line too; its warnings go through
            # the root's handler (Django's default stops them there and has no handler left).
            "django.server": {"level": "WARNING", "propagate": True},
        },
    }
