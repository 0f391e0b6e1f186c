"""The OpenAPI description of the API: the error shapes, names, and the errors every endpoint shares.

drf-spectacular builds the schema from the views. Each view declares its bodies and the errors
particular to it; `add_shared_error_responses` adds the errors that follow from how the service
works (token authentication, JSON in and out, a database that can be busy) wherever they apply.
"""

import inspect
import re
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer
from rest_framework import serializers

from railway.api import MAX_JSON_DEPTH

# The header that leads a paged list to its next page (railway.pagination.next_page_link).
NEXT_PAGE_LINK = OpenApiParameter(
    "Link",
    location=OpenApiParameter.HEADER,
    response=[200],
    description='`<url>; rel="next"` when more rows follow; absent on the last page.',
)

REQUEST_ID_HELP = "The request's id, also in the `X-Request-ID` header and in the service's logs."


class ErrorSerializer(serializers.Serializer):
    """A request-level error, the shape `railway.api.exception_handler` gives every refusal."""

    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="What went wrong, for programs: stable, e.g. `train_not_found`.")
    request_id = serializers.CharField(
        required=False,
        help_text=REQUEST_ID_HELP,
    )


class ValidationErrorSerializer(serializers.Serializer):
    """Invalid input: each offending field (or header) with its messages, and the refusal's code."""


class ValidationErrorSchema(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema: openapi.AutoSchema, direction: str) -> dict[str, Any]:
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": ValidationErrorSerializer.__doc__,
            "properties": {
                "code": {
                    "type": "string",
                    "description": (
                        "What went wrong, for programs: the code of the one refusal (e.g. `max_value`, "
                        "`source_not_on_route`), or `invalid` when the fields were refused for different "
                        "reasons."
                    ),
                },
                "request_id": {"type": "string", "description": REQUEST_ID_HELP},
            },
            "required": ["code"],
            # The items of a list field are keyed by their index: {"stops": {"2": ["..."]}}; those
            # of a list of objects by index, then field: {"coaches": {"0": {"seats": ["..."]}}}.
            "additionalProperties": {
                "anyOf": [
                    messages,
                    {
                        "type": "object",
                        "additionalProperties": {
                            "anyOf": [messages, {"type": "object", "additionalProperties": messages}]
                        },
                    },
                ]
            },
            "example": {
                "seat_count": ["Ensure this value is less than or equal to 10."],
                "code": "max_value",
            },
        }


# Invalid input is keyed by field; a body that is not JSON at all is a request-level error.
BAD_REQUEST = PolymorphicProxySerializer(
    component_name="BadRequest",
    serializers=[ValidationErrorSerializer, ErrorSerializer],
    resource_type_field_name=None,
)


def error_response(
    description: str, serializer: type[serializers.Serializer] = ErrorSerializer
) -> OpenApiResponse:
    """Return a documented error response; `description` names the codes it carries."""
    return OpenApiResponse(serializer, description=description)


def bad_request(description: str) -> OpenApiResponse:
    """Return the 400 response of an endpoint that validates input, `description` saying what it checks."""
    return OpenApiResponse(
        BAD_REQUEST,
        description=(
            f"{description} Invalid input is keyed by field; a body that is not JSON, or nests lists "
            f"and objects more than {MAX_JSON_DEPTH} deep: `parse_error`."
        ),
    )


def _error_content(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        response["headers"] = headers
    return response


SHARED_RESPONSES = {
    "Unauthenticated": _error_content(
        "`not_authenticated`: no `Authorization: Token <key>` header; "
        "`authentication_failed`: the token is unknown, expired, or was ended by logout.",
        {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Token`"}},
    ),
    "NotAcceptable": _error_content(
        "`not_acceptable`: the `Accept` header rules out `application/json`, the only type answered."
    ),
    "UnsupportedMediaType": _error_content("`unsupported_media_type`: the body is not `application/json`."),
    "Throttled": _error_content(
        "`throttled`: too many requests from this client address, for this username or by this user. "
        "The request was not processed; retry after `Retry-After` seconds.",
        {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds until the limit resets."}},
    ),
    "RequestTooLarge": _error_content(
        "`request_too_large`: the body is larger than the service accepts (1 MiB unless configured)."
    ),
    "ServiceBusy": _error_content(
        "`service_busy`: the database was busy or away. Nothing was written; a retry is safe.",
        {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}},
    ),
}


def add_shared_error_responses(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Add to every operation the errors that follow from its authentication, body and database use."""
    result["components"].setdefault("responses", {}).update(SHARED_RESPONSES)
    for path_item in result["paths"].values():
        for operation in path_item.values():
            responses = operation["responses"]
            if any("tokenAuth" in requirement for requirement in operation.get("security", [])):
                responses.setdefault("401", {"$ref": "#/components/responses/Unauthenticated"})
            if "requestBody" in operation:
                responses.setdefault("413", {"$ref": "#/components/responses/RequestTooLarge"})
                responses.setdefault("415", {"$ref": "#/components/responses/UnsupportedMediaType"})
            responses.setdefault("406", {"$ref": "#/components/responses/NotAcceptable"})
            # Every endpoint reads the database, if only to authenticate, unless it says otherwise.
            if not operation.pop("x-no-database", False):
                responses.setdefault("503", {"$ref": "#/components/responses/ServiceBusy"})
            operation["responses"] = dict(sorted(responses.items()))
    return result


class AutoSchema(openapi.AutoSchema):
    """Name operations, tags and components after the views, so that the schema reads like the API."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and self.view.throttle_classes:
            # add_shared_error_responses puts the component in place and sorts the codes.
            operation["responses"]["429"] = {"$ref": "#/components/responses/Throttled"}
        return operation

    def get_operation_id(self) -> str:
        # BookSeatApi -> book_seat
        name = type(self.view).__name__.removesuffix("Api")
        return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()

    def get_tags(self) -> list[str]:
        return [type(self.view).__module__.partition(".")[0]]

    def get_summary(self) -> str | None:
        return self._docstring()[0] or None

    def get_description(self) -> str:  # type: ignore[override]
        return self._docstring()[1]

    def get_serializer_name(self, serializer: serializers.Serializer, direction: str) -> str:
        # A view's nested serializers are named after the view: BookSeatApi.InputSerializer is
        # BookSeatRequest; a module-level BookingOutputSerializer is plain Booking.
        owner, _, name = type(serializer).__qualname__.rpartition(".")
        if owner:
            suffix = {"InputSerializer": "Request", "OutputSerializer": "Response"}.get(name, name)
            return owner.removesuffix("Api") + suffix
        return name.removesuffix("Serializer").removesuffix("Output")

    def _docstring(self) -> tuple[str, str]:
        """Return the view's docstring as (first paragraph, the rest)."""
        # The view's own docstring, not one inherited from Django's View.
        summary, _, rest = inspect.cleandoc(type(self.view).__doc__ or "").partition("\n\n")
        return " ".join(summary.split()), rest.strip()
