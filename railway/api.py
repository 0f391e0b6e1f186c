"""Cross-cutting API pieces: the JSON parser, strict input fields and the one exception handler."""

import copy
import datetime
import logging
import re
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from railway.errors import DomainError

logger = logging.getLogger(__name__)

# Deeper than any request of this API needs (its deepest is 2: a list inside an object), and
# far below the depth at which Python's parser runs out of stack.
MAX_JSON_DEPTH = 32

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def json_nesting_exceeds(value: Any, *, max_depth: int) -> bool:
    """Return whether `value` has lists or objects nested more than `max_depth` deep."""
    # A loop, not recursion: it must not itself run out of stack on what it measures.
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        container, depth = pending.pop()
        if depth > max_depth:
            return True
        children = container.values() if isinstance(container, dict) else container
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class SafeJSONParser(JSONParser):
    """Parse JSON, refusing documents nested more than MAX_JSON_DEPTH deep with a 400."""

    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        too_deep = f"JSON parse error - document nested deeper than {MAX_JSON_DEPTH} levels."
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(too_deep) from None
        if json_nesting_exceeds(data, max_depth=MAX_JSON_DEPTH):
            raise exceptions.ParseError(too_deep)
        return data


class JSONFirstNegotiation(DefaultContentNegotiation):
    """DRF's content negotiation, with the everyday case decided without parsing `Accept`.

    Nearly every call of this API accepts JSON plainly (no `Accept`, `*/*` or `application/json`)
    from a view whose first renderer is JSON; the full parse and precedence sort cost about a
    tenth of an availability search. Anything else goes through DRF's own negotiation.
    """

    PLAIN_ACCEPTS = frozenset({"", "*/*", "application/json"})

    def select_renderer(self, request, renderers, format_suffix=None):  # type: ignore[no-untyped-def]
        first = renderers[0] if renderers else None
        if (
            first is not None
            and first.media_type == "application/json"
            and format_suffix is None
            and request.META.get("HTTP_ACCEPT", "") in self.PLAIN_ACCEPTS
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)


class ServiceBusy(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is busy; please retry shortly."
    default_code = "service_busy"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every API error as DRF-shaped JSON, with a `code` for request-level errors.

    Every error body that is an object also carries the request's `request_id`, the id its log
    lines carry, so that a client's report of a failure leads straight to them.
    """
    # Imported here: rest_framework.views reads the DRF settings, which name this module,
    # so a module-level import fails whenever this module is imported first (as the admin does).
    from rest_framework.views import exception_handler as drf_exception_handler

    if database_unavailable(exc):
        logger.warning("database unavailable, answered 503: %s", str(exc).strip() or type(exc).__name__)
        exc = ServiceBusy()
    # Django's own refusals (an unknown `?format=`, for one) get the API's shape and code too.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, DomainError):
        response = Response(exc.body(), status=exc.status_code)
    else:
        response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException) and isinstance(response.data, dict):
        codes = exc.get_codes()
        if "detail" in response.data and isinstance(codes, str):
            response.data["code"] = codes
        elif isinstance(exc, exceptions.ValidationError):
            response.data.setdefault("code", validation_code(codes))
    if isinstance(exc, ServiceBusy):
        response["Retry-After"] = "1"
    request_id = getattr(context.get("request"), "request_id", None)
    if request_id is not None and isinstance(response.data, dict):
        response.data["request_id"] = request_id
    return response


def validation_code(codes: Any) -> str:
    """Return the one code of a refused input's field errors, or `invalid` when they differ."""
    found: set[str] = set()
    pending = [codes]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        else:
            found.add(str(item))
    return found.pop() if len(found) == 1 else "invalid"


def database_unavailable(exc: BaseException | None) -> bool:
    """Return whether `exc` means the database could not do the work: a lock or statement timeout,
    or a connection lost or refused. The transaction rolled back, so a retry is safe."""
    return isinstance(exc, OperationalError | InterfaceError)


class FlatInputSerializer(serializers.Serializer):
    """A serializer of a request's input whose fields are copied per request, not rebuilt.

    DRF deep-copies every declared field for each serializer it makes, which runs each field's
    constructor again: 45 µs of a booking's Python, as much as validating the input itself. A
    field with no fields inside it (no list, dict or serializer field) is never changed after
    it is declared, so a shallow copy, bound to the new serializer, does the same.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        nested = [
            name
            for name, field in cls._declared_fields.items()
            if isinstance(field, serializers.ListField | serializers.DictField | serializers.BaseSerializer)
        ]
        if nested:
            raise TypeError(f"{cls.__qualname__} has fields with fields inside: {', '.join(nested)}")

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that accepts only JSON integers, never "5" or 5.0."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A BooleanField that accepts only JSON true and false, never "yes", 1 or "true"."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictCharField(serializers.CharField):
    """A CharField that accepts only JSON strings, so that 12345 is not silently turned into "12345"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDateField(serializers.DateField):
    """A DateField that accepts only YYYY-MM-DD, none of the other forms ISO 8601 parsing lets by.

    DRF's DateField takes what `date.fromisoformat` does, such as "20261126" and "2026-W48-4",
    and "2026-1-5" besides.
    """

    def to_internal_value(self, data: Any) -> datetime.date:
        if not isinstance(data, str) or not _ISO_DATE.fullmatch(data):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(data)


def json_error(request: HttpRequest, status_code: int, detail: str, code: str) -> JsonResponse:
    """Answer an error outside DRF's views in the API's error shape, with the request's id."""
    body = {"detail": detail, "code": code}
    request_id = getattr(request, "request_id", None)
    if request_id is not None:
        body["request_id"] = request_id
    return JsonResponse(body, status=status_code)


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, 404, "Not found.", "not_found")


def json_server_error(request: HttpRequest) -> JsonResponse:
    """Answer an exception no view handled; Django calls this inside its `except` block."""
    if database_unavailable(sys.exc_info()[1]):
        # Outside the API's views too (the admin, a middleware's query), a database that is
        # away is a retryable 503, not a server fault.
        response = json_error(request, 503, ServiceBusy.default_detail, ServiceBusy.default_code)
        response["Retry-After"] = "1"
        return response
    return json_error(request, 500, "Internal server error.", "server_error")


def json_request_too_large(request: HttpRequest) -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return json_error(request, 413, f"The request body is larger than {limit} bytes.", "request_too_large")


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, 400, "Bad request.", "bad_request")


def json_permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, 403, "Forbidden.", "permission_denied")
