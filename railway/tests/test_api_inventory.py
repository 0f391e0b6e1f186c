"""API9, inventory: the schema lists every route the server exposes, and nothing else."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

# Not part of the API: the admin, and the schema and docs routes themselves.
UNDOCUMENTED_NAMESPACES = {"admin"}
UNDOCUMENTED_NAMES = {"schema", "docs"}


def routes(patterns: list, prefix: str = "") -> set[str]:
    """Return "METHOD /path/{param}/" for every route the URL resolver serves."""
    found: set[str] = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace not in UNDOCUMENTED_NAMESPACES:
                found |= routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and pattern.name not in UNDOCUMENTED_NAMES:
            # A regex route or a function view keeps its raw form and its "?" method, which no
            # schema path can match: the test then fails until the route is documented.
            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
            view = getattr(pattern.callback, "view_class", None)
            methods = [
                method
                for method in getattr(view, "http_method_names", [])
                if method not in {"options", "head"} and hasattr(view, method)
            ]
            found |= {f"{method.upper()} {path}" for method in methods or ["?"]}
    return found


@pytest.fixture(scope="module")
def schema_operations() -> set[str]:
    schema = APIClient().get("/api/schema/?format=json").json()
    return {f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item}


def test_every_route_the_server_exposes_is_in_the_schema(schema_operations):
    assert routes(get_resolver().url_patterns) - schema_operations == set()


def test_every_operation_in_the_schema_is_a_route_the_server_exposes(schema_operations):
    assert schema_operations - routes(get_resolver().url_patterns) == set()


def test_the_inventory_covers_the_published_api():
    assert routes(get_resolver().url_patterns) == {
        "POST /user/register/",
        "POST /user/login/",
        "POST /user/logout/",
        "POST /add_train/",
        "POST /user/book_seat/",
        "GET /user/get_seat_availability/",
        "GET /user/get_booking_details/{id}/",
        "POST /user/cancel_booking/{booking_id}/",
        "GET /stations/",
        "GET /bookings/{pnr}/",
        "POST /bookings/{pnr}/cancel/",
        "POST /bookings/{pnr}/confirm/",
        "POST /bookings/{pnr}/extend/",
        "GET /trains/{train_number}/journeys/{journey_date}/seats/",
        "GET /trains/{train_number}/journeys/{journey_date}/chart/",
        "GET /healthz",
        "GET /readyz",
    }
