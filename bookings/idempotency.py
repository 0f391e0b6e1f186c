"""Idempotency-Key support: a retried request gets the first answer and changes nothing more.

The work and the record of its answer commit in one transaction: the record row for (user,
key) is inserted last, with the answer, in the same round trip as the work's own writes where
the database allows. Nothing is looked up first, since nearly every key is new: a retry does
the work again, its record's insert meets the first one in the unique index, its transaction
(its work included) rolls back, and it replays the first answer. Two requests racing with one
key end the same way. The record is inserted after the work's locks are taken, and a request
holding a key's record never waits on another lock, so no two requests can wait on each other
in a cycle. Refusals (4xx) are stored the same way, in a transaction of their own once the
work rolled back; a 5xx is never stored, so a retry runs anew.
"""

import datetime
import hashlib
import json
import unicodedata
from collections.abc import Callable

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.models import IdempotencyRecord
from railway.db.statements import Statement, Writes, rows_of_last
from railway.errors import DomainError

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(DomainError):
    status_code = 422
    default_detail = "This Idempotency-Key was already used with a different request."
    default_code = "idempotency_key_reused"


class _Unfinished(Exception):
    """Carries a 5xx answer out of the transaction, so that its work rolls back unrecorded."""

    def __init__(self, response: Response) -> None:
        self.response = response


def request_fingerprint(request: Request) -> str:
    """Return a digest of what makes two requests "the same": method, path and JSON body."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotency_key(request: Request) -> str | None:
    """Return the request's Idempotency-Key, None when it has none; refuse a malformed one with 400."""
    key = request.headers.get(HEADER)
    # No HTTP header may carry control characters (C0, DEL or C1), and PostgreSQL cannot store a NUL.
    if key is not None and (
        not key.strip()
        or len(key) > MAX_KEY_LENGTH
        or any(unicodedata.category(char) == "Cc" for char in key)
    ):
        message = f"The key must be 1 to {MAX_KEY_LENGTH} characters, not blank, with no control characters."
        raise exceptions.ValidationError({HEADER: [message]})
    return key


def _expiry_cutoff() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def idempotency_records_purge() -> int:
    """Delete the records whose keys have expired, so the table stays the size of a day's traffic."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=_expiry_cutoff()).delete()
    return deleted


# SQL texts, the same on both databases: composing them with the ORM cost more than running
# them, on every booking that carries a key.
_RECORD_READ = (
    "SELECT id, request_fingerprint, response_status, response_body, created_at"
    " FROM bookings_idempotencyrecord WHERE user_id = %s AND key = %s"
)
_RECORD_INSERT = (
    "INSERT INTO bookings_idempotencyrecord"
    " (user_id, key, request_fingerprint, response_status, response_body, created_at)"
    " VALUES (%s, %s, %s, %s, %s, %s)"
)


# What _replay answers when no record of the key is there at all.
_NO_RECORD = Response()


def _replay(*, user, key: str, fingerprint: str) -> Response | None:
    """Return the recorded answer under the key; None when it had expired (and is dropped now).

    _NO_RECORD when there is no record of the key.
    """
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_READ, [user.pk, key])
        row = cursor.fetchone()
    if row is None:
        return _NO_RECORD
    record_id, recorded_fingerprint, status_code, body, created_at = row
    if isinstance(created_at, str):
        created_at = parse_datetime(created_at)
    if timezone.is_naive(created_at):
        # SQLite's, in UTC as the service writes it.
        created_at = timezone.make_aware(created_at, datetime.UTC)
    if created_at < _expiry_cutoff():
        IdempotencyRecord.objects.filter(pk=record_id, created_at=created_at).delete()
        return None
    if recorded_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    # Both databases hand JSON over as text here.
    response = Response(json.loads(body), status=status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def _record(*, user, key: str, fingerprint: str, response: Response) -> Statement:
    """Return the insert of the record of `response` under the key.

    It fails with IntegrityError when another request recorded the key first.
    """
    return (
        _RECORD_INSERT,
        [
            user.pk,
            key,
            fingerprint,
            response.status_code,
            json.dumps(response.data, cls=DjangoJSONEncoder),
            connection.ops.adapt_datetimefield_value(timezone.now()),
        ],
    )


def idempotent(
    request: Request, run: Callable[[Writes | None], Response], on_error: Callable[[Exception], Response]
) -> Response:
    """Run `run(writes)` once per (user, Idempotency-Key); replay its finished answer on retries.

    `run` adds its writes to `writes` (None: it runs them itself), which go to the database with
    the record of its answer, in one round trip where the database allows. `on_error` renders
    what `run` raises; the work of a refused request rolls back first. An integrity error is
    the key's when a record of it is found: its answer is replayed, unless it has expired, when
    the request runs anew. Otherwise the work's own writes were refused, and it runs anew with
    `writes` None, so as to turn that refusal into its own answer.
    """
    key = idempotency_key(request)
    if key is None:
        return run(None)
    user, fingerprint = request.user, request_fingerprint(request)
    together = True
    # Twice at most: a second time only when the key's record had expired and has just gone, or
    # the first time's writes were refused for another reason than the key.
    for _ in range(2):
        try:
            with transaction.atomic():
                writes = Writes() if together else None
                response = run(writes)
                if response.status_code >= 500:
                    raise _Unfinished(response)
                recorded = Writes() if writes is None else writes
                recorded.add(_record(user=user, key=key, fingerprint=fingerprint, response=response))
                recorded.run()
            return response
        except _Unfinished as unfinished:
            return unfinished.response
        except IntegrityError:
            pass
        except (DomainError, exceptions.APIException) as refused:
            response = on_error(refused)
            if response.status_code >= 500:
                return response
            try:
                with transaction.atomic():
                    rows_of_last([_record(user=user, key=key, fingerprint=fingerprint, response=response)])
                return response
            except IntegrityError:
                pass
        replayed = _replay(user=user, key=key, fingerprint=fingerprint)
        if replayed is _NO_RECORD:
            together = False
        elif replayed is not None:
            return replayed
    # Recorded and expired twice over in the instant between: too late to replay, too soon to run.
    raise IdempotencyKeyReused()
