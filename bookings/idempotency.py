"""Idempotency-Key support: a retried request gets the first response and changes nothing more.

The record row for (user, key) is inserted first, in the same transaction as the
work it guards. A racing retry's insert waits on the unique index until the first
transaction ends, then finds the finished response and replays it. Only finished
responses (2xx to 4xx) are stored; a 5xx rolls everything back so a retry runs anew.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.models import IdempotencyRecord
from railway.api import DomainError

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with a different request."
    default_code = "idempotency_key_reused"


class _NotFinished(Exception):
    """Carries a 5xx response out of the transaction so that it rolls back."""

    def __init__(self, response: Response) -> None:
        self.response = response


def request_fingerprint(request: Request) -> str:
    """Return a digest of what makes two requests "the same": method, path and JSON body."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _claim(*, user, key: str, fingerprint: str) -> IdempotencyRecord:
    """Insert the record for (user, key), or return the finished one of an earlier request."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(user=user, key=key, request_fingerprint=fingerprint)
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.select_for_update().get(user=user, key=key)
    if _expired(record):
        record.request_fingerprint = fingerprint
        record.response_status = None
        record.response_body = None
        record.created_at = timezone.now()
        record.save(update_fields=["request_fingerprint", "response_status", "response_body", "created_at"])
    return record


def idempotency_key(request: Request) -> str | None:
    """Return the request's Idempotency-Key, None when it has none; refuse a malformed one with 400."""
    key = request.headers.get(HEADER)
    # No HTTP header may carry control characters, and PostgreSQL cannot store a NUL.
    if key is not None and (
        not key.strip()
        or len(key) > MAX_KEY_LENGTH
        or any(ord(char) < 32 or ord(char) == 127 for char in key)
    ):
        message = f"The key must be 1 to {MAX_KEY_LENGTH} characters, not blank, with no control characters."
        raise exceptions.ValidationError({HEADER: [message]})
    return key


def replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def _expiry_cutoff() -> datetime:
    return timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def _expired(record: IdempotencyRecord) -> bool:
    return record.created_at < _expiry_cutoff()


def idempotency_records_purge() -> int:
    """Delete the records whose keys have expired, so the table stays the size of a day's traffic."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=_expiry_cutoff()).delete()
    return deleted


def idempotency_store_refusal(
    *, request: Request, key: str, fingerprint: str, response: Response
) -> Response:
    """Store a finished 4xx under the key and return it, or replay what the key already holds.

    For work that commits its own record when it succeeds (bookings_sell_seats): a refusal
    wrote nothing, so storing it is one insert, unless the key already holds an answer.
    """
    if response.status_code >= 500:
        return response
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, key, request_fingerprint, response_status, response_body, "  # noqa: S608
            "created_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
            [
                request.user.pk,
                key,
                fingerprint,
                response.status_code,
                json.dumps(response.data),
                timezone.now(),
            ],
        )
        if cursor.fetchone() is not None:
            return response
    with transaction.atomic():
        record = _claim(user=request.user, key=key, fingerprint=fingerprint)
        if record.response_status is not None:
            if record.request_fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            return replay(record)
        # The key had expired: _claim took it over for this answer.
        record.response_status = response.status_code
        record.response_body = response.data
        record.save(update_fields=["response_status", "response_body"])
    return response


def idempotent(
    request: Request, run: Callable[[], Response], on_error: Callable[[Exception], Response]
) -> Response:
    """Run `run()` once per (user, Idempotency-Key); replay its finished response on retries."""
    key = idempotency_key(request)
    if key is None:
        return run()
    fingerprint = request_fingerprint(request)
    try:
        with transaction.atomic():
            record = _claim(user=request.user, key=key, fingerprint=fingerprint)
            if record.response_status is not None:
                if record.request_fingerprint != fingerprint:
                    raise IdempotencyKeyReused()
                return replay(record)
            try:
                with transaction.atomic():
                    response = run()
            except Exception as exc:
                response = on_error(exc)
            if response.status_code >= 500:
                raise _NotFinished(response)
            record.response_status = response.status_code
            record.response_body = response.data
            record.save(update_fields=["response_status", "response_body"])
            return response
    except _NotFinished as unfinished:
        return unfinished.response
