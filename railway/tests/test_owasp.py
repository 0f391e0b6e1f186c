"""The OWASP API Security Top 10 (2023), attacked: each risk has tests that try it and must fail.

docs/security.md maps every risk to where the project handles it and to these tests, and to
the other tests that prove it further (the endpoint tests, the schema inventory, the fuzz run).
API2 (authentication) and the rate limits of API4 are tested in users/tests.
"""

import json
import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client
from django.urls import URLPattern, get_resolver
from rest_framework.test import APIClient

from bookings.models import Booking, BookingSeat
from bookings.tests.client_calls import cancelled_whole
from conftest import PASSWORD, client_for
from railway.tests.bodies import error_body
from trains.models import Train
from users.models import User

BOOK = "/user/book_seat/"
AVAILABILITY = "/user/get_seat_availability/"
FOREIGN_ORIGIN = "https://evil.example"


def details_url(user_id: int) -> str:
    return f"/user/get_booking_details/{user_id}/"


def cancel_url(booking_id: int) -> str:
    return f"/user/cancel_booking/{booking_id}/"


@pytest.fixture
def train(make_train) -> Train:
    return make_train(7, 100, "Alpha", "Beta", "Gamma")


@pytest.fixture
def owners_booking(train, owner_client) -> dict:
    response = owner_client.post(BOOK, {"train_number": 7, "seat_count": 2}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- API1: broken object-level authorization -------------------------------------------------


def test_api1_a_user_cannot_read_another_users_bookings_by_their_id(owner, other_client, owners_booking):
    response = other_client.get(details_url(owner.pk))

    assert response.status_code == 403
    assert str(owners_booking["booking_id"]) not in json.dumps(error_body(response))


def test_api1_walking_user_ids_finds_nothing_and_tells_nothing(
    owner, staff, other_user, other_client, owners_booking
):
    # Ids that exist and ids that do not get the same refusal: no way to learn which users exist.
    ids = {0, 1, owner.pk, staff.pk, max(owner.pk, staff.pk, other_user.pk) + 1, 10**17} - {other_user.pk}
    answers = {json.dumps(error_body(other_client.get(details_url(user_id)))) for user_id in ids}

    assert answers == {
        json.dumps({"detail": "You may only read your own bookings.", "code": "permission_denied"})
    }


def test_api1_a_user_cannot_cancel_another_users_booking(other_client, owners_booking):
    response = other_client.post(cancel_url(owners_booking["booking_id"]))

    assert response.status_code == 403
    assert error_body(response) == {
        "detail": "This booking belongs to another user.",
        "code": "not_booking_owner",
    }
    assert Booking.objects.get(pk=owners_booking["booking_id"]).status == Booking.Status.CONFIRMED


def test_api1_a_user_cannot_book_on_behalf_of_another_user(owner, other_client, train):
    response = other_client.post(
        BOOK, {"train_number": 7, "seat_count": 1, "user_id": owner.pk}, format="json"
    )

    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_api1_staff_cannot_book_on_behalf_of_another_user(owner, staff_client, train):
    response = staff_client.post(
        BOOK, {"train_number": 7, "seat_count": 1, "user_id": owner.pk}, format="json"
    )

    assert response.status_code == 403
    assert not Booking.objects.exists()


# --- API3: broken object-property-level authorization ----------------------------------------


@pytest.mark.django_db
def test_api3_registering_cannot_set_privileges_or_account_state(anon_client):
    response = anon_client.post(
        "/user/register/",
        {
            "username": "eve",
            "email": "eve@example.com",
            "password": "a-long-passphrase",
            "is_staff": True,
            "is_superuser": True,
            "is_active": False,
            "groups": [1],
            "user_permissions": [1],
            "id": 1,
            "date_joined": "2000-01-01T00:00:00Z",
        },
        format="json",
    )

    assert response.status_code == 201
    assert set(response.json()) == {"id", "username", "email"}
    user = User.objects.get(username="eve")
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert not user.groups.exists() and not user.user_permissions.exists()
    assert user.date_joined.year > 2000


def test_api3_booking_cannot_choose_its_status_seats_owner_or_time(owner, other_user, owner_client, train):
    response = owner_client.post(
        BOOK,
        {
            "train_number": 7,
            "seat_count": 1,
            "status": "cancelled",
            "seat_numbers": [50, 51, 52],
            "booking_id": 999,
            "user": other_user.pk,
            "created_at": "2000-01-01T00:00:00Z",
            "cancelled_at": "2000-01-01T00:00:00Z",
            "from_position": 1,
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["seat_numbers"], body["seat_count"]) == ("confirmed", [1], 1)
    assert (body["user_id"], body["source"], body["destination"]) == (owner.pk, "Alpha", "Gamma")
    booking = Booking.objects.get(pk=body["booking_id"])
    assert (booking.user, booking.seat_numbers, booking.cancelled_at) == (owner, [1], None)
    assert not body["created_at"].startswith("2000")


def test_api3_cancelling_cannot_change_anything_but_the_status(owner_client, owners_booking):
    response = owner_client.post(
        cancel_url(owners_booking["booking_id"]),
        {"status": "confirmed", "seat_count": 1, "seat_numbers": [9], "booking_id": 1},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == cancelled_whole(owners_booking)


def test_api3_adding_a_train_cannot_set_seats_sold_or_its_id(admin_client_api):
    response = admin_client_api.post(
        "/add_train/",
        {
            "train_number": 9,
            "source": "Alpha",
            "destination": "Omega",
            "total_seats": 5,
            "id": 1,
            "available_seats": 0,
            "sold_legs": 255,
        },
        format="json",
    )

    assert response.status_code == 201
    train = Train.objects.get(train_number=9)
    admin = client_for(User.objects.get(username="root"))
    availability = admin.get(AVAILABILITY, {"source": "Alpha", "destination": "Omega"})
    assert availability.json()[0]["available_seats"] == 5
    assert not BookingSeat.objects.filter(train=train).exists()
    assert admin.post(BOOK, {"train_number": 9, "seat_count": 5}, format="json").status_code == 201


def test_api3_no_answer_carries_a_password_hash_or_another_users_email(
    owner, other_user, booking_staff, train
):
    anon, owner_client, staff_client = APIClient(), client_for(owner), client_for(booking_staff)
    answers = [
        anon.post(
            "/user/register/",
            {"username": "eve", "email": "eve@example.com", "password": "a-long-passphrase"},
            format="json",
        ),
        anon.post("/user/login/", {"username": "alice", "password": PASSWORD}, format="json"),
        owner_client.post(BOOK, {"train_number": 7, "seat_count": 1}, format="json"),
        owner_client.get(details_url(owner.pk)),
        owner_client.get(AVAILABILITY, {"source": "Alpha", "destination": "Gamma"}),
        staff_client.get(details_url(owner.pk)),
        owner_client.post(cancel_url(Booking.objects.get().pk)),
    ]
    hashes = [user.password for user in User.objects.all()]
    assert all(identify_hasher(stored) for stored in hashes)

    for response in answers:
        assert response.status_code < 300, response.content
        text = response.content.decode()
        assert "password" not in text
        assert not any(stored in text for stored in hashes)
        assert "mallory@example.com" not in text and "stan@example.com" not in text
    assert "alice@example.com" not in "".join(answer.content.decode() for answer in answers[1:])


# --- API4: unrestricted resource consumption -------------------------------------------------


@pytest.mark.parametrize("seat_count", [11, 10**6, 2**63, 10**100])
def test_api4_a_huge_seat_count_is_a_400(owner_client, train, seat_count):
    response = owner_client.post(BOOK, {"train_number": 7, "seat_count": seat_count}, format="json")

    assert response.status_code == 400
    assert "seat_count" in response.json()


def test_api4_a_number_of_ten_thousand_digits_is_a_400(owner_client, train):
    body = '{"train_number": 7, "seat_count": 1' + "0" * 10_000 + "}"

    response = owner_client.generic("POST", BOOK, body, content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize(("field", "value"), [("train_number", 10**30), ("user_id", 10**30)])
def test_api4_huge_ids_in_a_booking_are_refused_not_a_crash(owner_client, train, field, value):
    response = owner_client.post(BOOK, {"train_number": 7, "seat_count": 1, field: value}, format="json")

    assert response.status_code in {400, 403}


@pytest.mark.parametrize("path", ["/user/get_booking_details/{}/", "/user/cancel_booking/{}/"])
def test_api4_a_huge_id_in_a_path_is_a_404(owner_client, path):
    assert owner_client.get(path.format("9" * 40)).status_code == 404


@pytest.mark.parametrize("limit", ["501", "1000000", "9" * 40])
def test_api4_a_huge_page_of_bookings_is_a_400(owner, owner_client, limit):
    response = owner_client.get(details_url(owner.pk), {"limit": limit})

    assert response.status_code == 400
    assert "limit" in response.json()


@pytest.mark.parametrize("limit", ["201", "1000000", "9" * 40])
def test_api4_a_huge_page_of_trains_is_a_400(owner_client, limit):
    response = owner_client.get(AVAILABILITY, {"source": "A", "destination": "B", "limit": limit})

    assert response.status_code == 400
    assert "limit" in response.json()


LONG = "x" * 10_000
LONG_TEXT_INPUTS = [
    ("register", "username"),
    ("register", "email"),
    ("register", "password"),
    ("login", "username"),
    ("login", "password"),
    ("add_train", "name"),
    ("add_train", "source"),
    ("add_train", "destination"),
    ("add_train", "stops"),
    ("book_seat", "source"),
    ("book_seat", "destination"),
    ("availability", "source"),
    ("availability", "destination"),
    ("booking_details", "before"),
]


@pytest.mark.parametrize(("endpoint", "field"), LONG_TEXT_INPUTS)
def test_api4_a_very_long_string_in_any_text_input_is_a_400(
    endpoint, field, anon_client, owner, owner_client, admin_client_api, train
):
    valid = {
        "register": (
            "/user/register/",
            {"username": "eve", "email": "e@example.com", "password": "a-long-pass"},
        ),
        "login": ("/user/login/", {"username": "alice", "password": PASSWORD}),
        "add_train": (
            "/add_train/",
            {"train_number": 9, "source": "A", "destination": "B", "total_seats": 5},
        ),
        "book_seat": (BOOK, {"train_number": 7, "seat_count": 1}),
        "availability": (AVAILABILITY, {"source": "Alpha", "destination": "Gamma"}),
        "booking_details": (details_url(owner.pk), {}),
    }
    path, params = valid[endpoint]
    params = {**params, field: ["A", LONG, "B"] if field == "stops" else LONG}
    client = {"register": anon_client, "login": anon_client, "add_train": admin_client_api}.get(
        endpoint, owner_client
    )

    if endpoint in {"availability", "booking_details"}:
        response = client.get(path, params)
    else:
        response = client.post(path, params, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_api4_a_very_long_idempotency_key_is_a_400(owner_client, train):
    response = owner_client.post(
        BOOK, {"train_number": 7, "seat_count": 1}, format="json", HTTP_IDEMPOTENCY_KEY=LONG
    )

    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_api4_more_stops_than_a_train_can_have_is_a_400(admin_client_api):
    stops = [f"Stop {number}" for number in range(10_000)]
    response = admin_client_api.post(
        "/add_train/",
        {"train_number": 9, "source": stops[0], "destination": stops[-1], "total_seats": 5, "stops": stops},
        format="json",
    )

    assert response.status_code == 400
    assert "stops" in response.json()


POST_ENDPOINTS = ["/user/register/", "/user/login/", "/user/logout/", "/add_train/", BOOK, cancel_url(1)]


@pytest.mark.parametrize("path", POST_ENDPOINTS)
def test_api4_a_body_over_one_mib_is_a_413_on_every_endpoint(admin_client_api, path):
    response = admin_client_api.generic(
        "POST", path, b" " * (2 * 1024 * 1024), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.parametrize("path", POST_ENDPOINTS)
def test_api4_deeply_nested_json_is_a_400_on_every_endpoint(admin_client_api, path):
    response = admin_client_api.generic(
        "POST", path, "[" * 100_000 + "]" * 100_000, content_type="application/json"
    )

    # Endpoints that read no body never parse it; every one that does refuses it.
    assert response.status_code in {400, 204, 404}
    if response.status_code == 400:
        assert response.json()["code"] == "parse_error"


# --- API5: broken function-level authorization -----------------------------------------------

TRAIN = {"train_number": 9, "source": "Alpha", "destination": "Omega", "total_seats": 5}


@pytest.mark.parametrize("persona", ["anonymous", "passenger", "staff"])
def test_api5_only_superusers_add_trains_through_the_api(persona, owner, staff):
    client = {"anonymous": APIClient(), "passenger": client_for(owner), "staff": client_for(staff)}[persona]

    response = client.post("/add_train/", {**TRAIN, "is_superuser": True}, format="json")

    assert response.status_code in {401, 403}
    assert not Train.objects.exists()


@pytest.mark.parametrize("persona", ["passenger", "staff"])
def test_api5_only_superusers_add_trains_through_the_admin(persona, owner, staff):
    client = Client()
    client.force_login({"passenger": owner, "staff": staff}[persona])

    response = client.post(
        "/admin/trains/train/add/",
        {
            "train_number": 9,
            "name": "",
            "total_seats": 5,
            "stops-TOTAL_FORMS": 2,
            "stops-INITIAL_FORMS": 0,
            "stops-0-position": 0,
            "stops-0-station_name": "Alpha",
            "stops-1-position": 1,
            "stops-1-station_name": "Omega",
        },
    )

    # A passenger is sent to the admin's login page; staff are refused.
    assert response.status_code in {302, 403}
    assert not Train.objects.exists()


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/bookings/booking/", "/admin/users/user/", "/admin/trains/train/"]
)
def test_api5_passengers_cannot_open_the_admin(owner, path):
    client = Client()
    client.force_login(owner)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_api5_only_staff_who_may_view_bookings_read_other_users_bookings(
    owner, other_client, staff_client, booking_staff_client, owners_booking
):
    assert other_client.get(details_url(owner.pk)).status_code == 403
    assert staff_client.get(details_url(owner.pk)).status_code == 403
    assert booking_staff_client.get(details_url(owner.pk)).json() == [owners_booking]


def test_api5_only_staff_who_may_change_bookings_cancel_other_users_bookings(
    other_client, staff_client, booking_staff_client, owners_booking
):
    assert other_client.post(cancel_url(owners_booking["booking_id"])).status_code == 403
    assert staff_client.post(cancel_url(owners_booking["booking_id"])).status_code == 403
    assert booking_staff_client.post(cancel_url(owners_booking["booking_id"])).status_code == 200


# --- API6: unrestricted access to sensitive business flows ------------------------------------


def test_api6_one_user_cannot_hoard_a_train(owner_client, other_client, train):
    answers = [
        owner_client.post(
            BOOK, {"train_number": 7, "seat_count": 10}, format="json", HTTP_IDEMPOTENCY_KEY=f"hoard-{number}"
        )
        for number in range(10)
    ]

    assert [answer.status_code for answer in answers] == [201, 201] + [409] * 8
    assert {answer.json()["code"] for answer in answers[2:]} == {"seat_cap_reached"}
    assert (
        other_client.get(AVAILABILITY, {"source": "Alpha", "destination": "Gamma"}).json()[0][
            "available_seats"
        ]
        == 80
    )


# --- API8: security misconfiguration ---------------------------------------------------------


def every_route() -> list[str]:
    """Return a concrete path for every route the server has, the admin's login page for the admin."""
    paths = ["/admin/login/"]
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLPattern):
            paths.append("/" + re.sub(r"<\w+:\w+>", "1", str(pattern.pattern)))
    return paths


@pytest.mark.django_db
@pytest.mark.parametrize("path", every_route())
def test_api8_a_preflight_from_a_foreign_origin_is_not_allowed(path):
    response = APIClient().options(
        path,
        HTTP_ORIGIN=FOREIGN_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )

    assert not [header for header in response.headers if header.lower().startswith("access-control-")]


@pytest.mark.parametrize("path", [details_url(1), AVAILABILITY + "?source=Alpha&destination=Gamma"])
def test_api8_an_answer_to_a_foreign_origin_carries_no_cors_headers(
    owner, owner_client, owners_booking, path
):
    response = owner_client.get(path.replace("/1/", f"/{owner.pk}/"), HTTP_ORIGIN=FOREIGN_ORIGIN)

    assert response.status_code == 200
    assert not [header for header in response.headers if header.lower().startswith("access-control-")]


@pytest.fixture
def broken_availability(monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("secret internals: /srv/railway/bookings/selectors.py password=hunter2")

    monkeypatch.setattr("bookings.apis.trains_between_now", fail)


def test_api8_a_server_error_is_json_without_a_stack_trace(owner, broken_availability):
    client = client_for(owner)
    client.raise_request_exception = False

    response = client.get(AVAILABILITY, {"source": "Alpha", "destination": "Gamma"})

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert error_body(response) == {"detail": "Internal server error.", "code": "server_error"}


@pytest.mark.django_db
def test_api8_unknown_paths_and_bad_json_reveal_no_internals(owner_client):
    missing = owner_client.get("/no/such/page/")
    malformed = owner_client.generic("POST", BOOK, '{"train_number": ', content_type="application/json")

    assert error_body(missing) == {"detail": "Not found.", "code": "not_found"}
    assert malformed.status_code == 400
    for response in (missing, malformed):
        text = response.content.decode()
        assert "Traceback" not in text and 'File "' not in text and "django" not in text.lower()


def test_api8_production_settings_keep_cookies_on_https_and_turn_on_hsts(settings):
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS >= 31536000
    assert settings.SECURE_HSTS_INCLUDE_SUBDOMAINS and settings.SECURE_CONTENT_TYPE_NOSNIFF


@pytest.mark.django_db
def test_api8_answers_carry_the_browser_security_headers():
    response = APIClient().get("/healthz")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
