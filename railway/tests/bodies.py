"""Reading error answers in tests."""

from typing import Any


def error_body(response: Any) -> dict[str, Any]:
    """Return an error answer's JSON without its `request_id`, having checked that the id is there
    and is the one the `X-Request-ID` header carries."""
    body = response.json()
    assert body.pop("request_id") == response["X-Request-ID"]
    return body
