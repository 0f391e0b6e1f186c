"""Cross-cutting API pieces: the JSON parser, domain errors and the one exception handler."""

from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

# Deeper than any request of this API needs (its deepest is 2: a list inside an object), and
# far below the depth at which Python's parser runs out of stack.
MAX_JSON_DEPTH = 32


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


class DomainError(exceptions.APIException):
    """A business rule refused the request; carries a stable machine `code` beside `detail`."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request was refused."
    default_code = "refused"

    def __init__(self, detail: str | None = None, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail or self.default_detail, self.default_code)
        self.extra = extra or {}


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."
    default_code = "not_found"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You do not have permission to perform this action."
    default_code = "permission_denied"


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class ServiceBusy(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is busy; please retry shortly."
    default_code = "service_busy"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every API error as DRF-shaped JSON, with a `code` for request-level errors."""
    # Imported here: rest_framework.views reads the DRF settings, which name this module,
    # so a module-level import fails whenever this module is imported first (as the admin does).
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, OperationalError | InterfaceError):
        # A lock or statement timeout, or a lost database connection: the transaction rolled
        # back, so the request did nothing and retrying is safe.
        exc = ServiceBusy()
        response = drf_exception_handler(exc, context)
        response["Retry-After"] = "1"
        response.data["code"] = "service_busy"
        return response
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException) and isinstance(response.data, dict):
        if "detail" in response.data and not isinstance(exc, exceptions.ValidationError):
            codes = exc.get_codes()
            if isinstance(codes, str):
                response.data["code"] = codes
        if isinstance(exc, DomainError):
            response.data.update(exc.extra)
    return response


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that accepts only JSON integers, never "5" or 5.0."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A CharField that accepts only JSON strings, so that 12345 is not silently turned into "12345"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)


def json_request_too_large(request: HttpRequest) -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return JsonResponse(
        {"detail": f"The request body is larger than {limit} bytes.", "code": "request_too_large"},
        status=413,
    )


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)


def json_permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Forbidden.", "code": "permission_denied"}, status=403)
