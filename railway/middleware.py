"""Middleware that guards every request before any view reads it."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from railway.api import json_request_too_large


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
