"""Middleware that guards every request before any view reads it."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from railway.api import json_request_too_large
from railway.logs import current_request_id


class RequestBodyLimitMiddleware:
    """Refuse a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE with a JSON 413, without reading it.

    DRF parses JSON straight from the request stream, past Django's own check of that limit
    (which would answer a 400 anyway). The declared Content-Length is what counts: the WSGI
    request stream never yields more than it, and a body sent without one is read as empty.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return json_request_too_large(request)
        return self.get_response(request)


# A client's or proxy's own id is kept when it is a plain token (a UUID, a trace id), so that
# its logs and ours join up; anything else (too long, odd characters) is replaced, never echoed.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
request_log = logging.getLogger("railway.request")


def request_id_for(request: HttpRequest) -> str:
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    return offered if REQUEST_ID_PATTERN.fullmatch(offered) else uuid.uuid4().hex


def request_user_id(request: HttpRequest) -> int | None:
    """Return the id of the user the request was served for, without a query to find out."""
    user = getattr(request, "user", None)
    # The admin's session user is loaded lazily; if nothing needed it, the request had none.
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """Give each request an id (`X-Request-ID` in and out) and log one JSON line when it is answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request.request_id = request_id_for(request)
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            request_log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": request_user_id(request),
                },
            )
            return response
        finally:
            current_request_id.reset(token)


class AdminOnlyMixin:
    """Run a middleware for the admin's paths only, and pass every other request straight on.

    Sessions, the logged-in user and flash messages serve the admin alone: the API authenticates
    each request by its token and keeps no session. Building the three for every API request
    cost about 5% of a booking-list request's Python; skipping them also means that no API call
    ever reads a session cookie.
    """

    get_response: Callable[[HttpRequest], HttpResponse]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(settings.ADMIN_URL_PREFIX):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class AdminSessionMiddleware(AdminOnlyMixin, SessionMiddleware):
    pass


class AdminAuthenticationMiddleware(AdminOnlyMixin, AuthenticationMiddleware):
    pass


class AdminMessageMiddleware(AdminOnlyMixin, MessageMiddleware):
    pass
