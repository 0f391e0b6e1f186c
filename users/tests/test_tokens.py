"""API tokens (OWASP API2): stored only as digests, one per device, expiring, and every refusal alike."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import PASSWORD
from railway.tests.bodies import error_body
from users.authentication import TokenAuthentication
from users.models import Token, token_digest
from users.services import token_create


def log_in(username: str = "alice") -> str:
    response = APIClient().post("/user/login/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def turn_back_the_clock(user, by: timedelta) -> None:
    """Make the user's tokens as old as if they had been issued `by` earlier."""
    Token.objects.filter(user=user).update(created_at=F("created_at") - by, expires_at=F("expires_at") - by)


def bookings_of(user, key: str):
    return client_with(key).get(f"/user/get_booking_details/{user.id}/")


# --- Stored hashed -----------------------------------------------------------------------


def test_the_database_keeps_the_digest_of_the_key_never_the_key(owner):
    key = log_in()

    token = Token.objects.get(user=owner)
    assert token.digest == token_digest(key)
    assert key not in {token.digest, str(token.pk)}


def test_a_dump_of_the_whole_database_holds_no_key(owner):
    key = log_in()
    dump = StringIO()

    call_command("dumpdata", stdout=dump)

    assert token_digest(key) in dump.getvalue()
    assert key not in dump.getvalue()


def test_a_digest_copied_from_the_database_is_no_token(owner):
    log_in()
    stolen = Token.objects.get(user=owner).digest

    response = bookings_of(owner, stolen)

    assert response.status_code == 401
    assert error_body(response) == {"detail": "Invalid token.", "code": "authentication_failed"}


def test_the_database_refuses_a_raw_key_in_place_of_a_digest(owner):
    now = timezone.now()

    with pytest.raises(IntegrityError):
        Token.objects.create(
            digest="0123456789abcdef0123456789abcdef01234567",
            user=owner,
            created_at=now,
            expires_at=now + timedelta(hours=1),
        )


# --- Expiry --------------------------------------------------------------------------------


def test_a_token_expires_token_ttl_hours_after_login(owner, settings):
    settings.TOKEN_TTL_HOURS = 3

    log_in()

    token = Token.objects.get(user=owner)
    assert token.expires_at - token.created_at == timedelta(hours=3)


def test_an_expired_token_is_refused_like_an_unknown_one(owner, settings):
    key = log_in()
    turn_back_the_clock(owner, by=timedelta(hours=settings.TOKEN_TTL_HOURS, seconds=1))

    expired = bookings_of(owner, key)
    unknown = bookings_of(owner, "0" * 40)

    assert expired.status_code == unknown.status_code == 401
    assert (
        error_body(expired)
        == error_body(unknown)
        == {"detail": "Invalid token.", "code": "authentication_failed"}
    )
    assert expired["WWW-Authenticate"] == "Token"


def test_a_token_works_until_it_expires(owner, settings):
    key = log_in()
    turn_back_the_clock(owner, by=timedelta(hours=settings.TOKEN_TTL_HOURS, seconds=-30))

    assert bookings_of(owner, key).status_code == 200


def test_purging_deletes_expired_tokens_and_keeps_live_ones(owner, other_user, settings):
    live = token_create(user=owner)
    token_create(user=other_user)
    turn_back_the_clock(other_user, by=timedelta(hours=settings.TOKEN_TTL_HOURS, minutes=1))
    output = StringIO()

    call_command("purge_expired_tokens", stdout=output)

    assert list(Token.objects.values_list("digest", flat=True)) == [token_digest(live.key)]
    assert "Deleted 1 expired token" in output.getvalue()


# --- Logout and several devices ------------------------------------------------------------


def test_a_logged_out_token_is_refused_like_an_unknown_one(owner):
    key = log_in()
    assert client_with(key).post("/user/logout/").status_code == 204

    logged_out = bookings_of(owner, key)
    unknown = bookings_of(owner, "0" * 40)

    assert logged_out.status_code == unknown.status_code == 401
    assert error_body(logged_out) == error_body(unknown)


def test_a_user_may_be_logged_in_on_several_devices_at_once(owner):
    phone, laptop = log_in(), log_in()

    assert bookings_of(owner, phone).status_code == 200
    assert bookings_of(owner, laptop).status_code == 200


def test_logging_out_one_device_keeps_the_others_logged_in(owner):
    phone, laptop = log_in(), log_in()

    client_with(phone).post("/user/logout/")

    assert bookings_of(owner, phone).status_code == 401
    assert bookings_of(owner, laptop).status_code == 200


def test_a_new_login_past_the_device_cap_ends_the_oldest_session(owner, settings):
    settings.TOKENS_PER_USER_MAX = 2
    oldest, middle = log_in(), log_in()

    newest = log_in()

    assert bookings_of(owner, oldest).status_code == 401
    assert bookings_of(owner, middle).status_code == 200
    assert bookings_of(owner, newest).status_code == 200
    assert Token.objects.filter(user=owner).count() == 2


def test_a_new_login_clears_the_users_expired_tokens(owner, settings):
    log_in()
    turn_back_the_clock(owner, by=timedelta(hours=settings.TOKEN_TTL_HOURS, seconds=1))

    key = log_in()

    assert list(Token.objects.filter(user=owner).values_list("digest", flat=True)) == [token_digest(key)]


# --- Deactivated accounts --------------------------------------------------------------------


def test_a_deactivated_users_token_is_refused_like_an_unknown_one(owner):
    key = log_in()
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    response = bookings_of(owner, key)

    assert response.status_code == 401
    assert error_body(response) == {"detail": "Invalid token.", "code": "authentication_failed"}


def test_deleting_a_user_deletes_their_tokens(owner):
    token_create(user=owner)

    owner.delete()

    assert not Token.objects.exists()


def test_a_token_authenticates_its_user_with_every_field_as_stored(owner):
    owner.is_staff, owner.first_name = True, "Alice"
    owner.save()
    key = log_in()

    user, _ = TokenAuthentication().authenticate_credentials(key)

    assert (user.pk, user.username, user.is_active, user.is_staff, user.is_superuser) == (
        owner.pk,
        owner.username,
        True,
        True,
        False,
    )
    # The fields a request does not need are read when first used.
    assert (user.first_name, user.email, user.date_joined) == (
        owner.first_name,
        owner.email,
        owner.date_joined,
    )
