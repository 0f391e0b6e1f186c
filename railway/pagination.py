"""Keyset pagination for list endpoints: the `limit` parameter, opaque cursors and the Link header.

A page is fetched with one row more than asked for; that row only says whether a next page
exists, and the next page starts strictly after the last row shown, so rows are never
skipped or repeated however deep the client walks and whatever is written meanwhile.
"""

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

from rest_framework import serializers
from rest_framework.request import Request

Row = TypeVar("Row")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_QUERY_INTEGER = re.compile(r"-?[0-9]{1,18}")
_CURSOR = re.compile(r"(-?[0-9]{1,18})\.([0-9]{1,18})")


class QueryIntegerField(serializers.IntegerField):
    """An integer query parameter written as plain digits: "1.0", "1e3" and " 5" are refused."""

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str) or not _QUERY_INTEGER.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class PageLimitField(QueryIntegerField):
    """The `limit` parameter: how many rows a page holds, 1..max_value."""

    def __init__(self, *, default: int, max_value: int, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=max_value, default=default, **kwargs)


def cursor_encode(*, created_at: datetime, row_id: int) -> str:
    """Return an opaque cursor for the position (created_at, row_id) in a newest-first list."""
    microseconds = (created_at - _EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"{microseconds}.{row_id}".encode()).decode().rstrip("=")


class CursorField(serializers.CharField):
    """An opaque cursor made by `cursor_encode`, read back as (created_at, row_id)."""

    default_error_messages = {"invalid_cursor": "Invalid cursor."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=64, **kwargs)

    def to_internal_value(self, data: Any) -> tuple[datetime, int]:
        text = super().to_internal_value(data)
        try:
            decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
            match = _CURSOR.fullmatch(decoded)
            if match is None:
                raise ValueError(decoded)
            return _EPOCH + timedelta(microseconds=int(match[1])), int(match[2])
        except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
            self.fail("invalid_cursor")


def page_split(rows: list[Row], *, limit: int) -> tuple[list[Row], bool]:
    """Return the first `limit` of rows fetched as limit + 1, and whether more rows follow."""
    return rows[:limit], len(rows) > limit


def next_page_link(request: Request, **params: str | int) -> str:
    """Return a Link header value pointing at this URL with `params` replacing those given."""
    query = request.query_params.copy()
    for name, value in params.items():
        query[name] = str(value)
    url = request.build_absolute_uri(request.path)
    return f'<{url}?{urlencode(sorted(query.items()))}>; rel="next"'
