"""Domain errors: what a service raises when a business rule refuses a request.

They are plain exceptions, not HTTP types: a service knows nothing of requests or responses.
Each carries a stable machine `code`, a human `detail`, the status the API answers it with,
and, for a refusal of one input, the `field` it concerns. railway.api.exception_handler turns
them into the API's error bodies.
"""

from typing import Any


class DomainError(Exception):
    """A business rule refused the request."""

    status_code = 400
    default_detail = "The request was refused."
    default_code = "refused"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        self.field = field
        self.extra = extra or {}
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        """Return the error as the API writes it: keyed by its field, if any, with its code."""
        if self.field is None:
            body: dict[str, Any] = {"detail": self.detail}
        else:
            body = {self.field: [self.detail]}
        return {**body, "code": self.code, **self.extra}


class Invalid(DomainError):
    """The request asks for something the rules can never grant (400)."""


class NotFound(DomainError):
    status_code = 404
    default_detail = "Not found."
    default_code = "not_found"


class Forbidden(DomainError):
    status_code = 403
    default_detail = "You do not have permission to perform this action."
    default_code = "permission_denied"


class Conflict(DomainError):
    status_code = 409
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Unavailable(DomainError):
    status_code = 503
    default_detail = "The service cannot answer now; please retry shortly."
    default_code = "unavailable"
