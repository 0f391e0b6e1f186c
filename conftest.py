"""Shared fixtures: the three personas (owner, another user, admin), a train factory, throttle limits."""

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from trains.models import Train
from trains.services import train_create
from users.models import User
from users.services import token_create

PASSWORD = "correct-horse-battery-staple"


def client_for(user: User | None) -> APIClient:
    """Return an API client that sends the user's token (or none)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user).key}")
    return client


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Start every test with no throttle counts left over from another."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def throttle_limits(settings) -> Callable[..., None]:
    """Return a setter: throttle_limits(login_username="2/min") sets those scopes' rates for the test."""

    def set_limits(**rates: str) -> None:
        rest_framework = settings.REST_FRAMEWORK
        current = rest_framework["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {**rest_framework, "DEFAULT_THROTTLE_RATES": {**current, **rates}}

    return set_limits


@pytest.fixture
def owner(db) -> User:
    return User.objects.create_user(username="alice", email="alice@example.com", password=PASSWORD)


@pytest.fixture
def other_user(db) -> User:
    return User.objects.create_user(username="mallory", email="mallory@example.com", password=PASSWORD)


@pytest.fixture
def staff(db) -> User:
    """A staff member with no permission yet: the admin's door opens, none of its pages."""
    return User.objects.create_user(
        username="stan", email="stan@example.com", password=PASSWORD, is_staff=True
    )


@pytest.fixture
def booking_staff(db) -> User:
    """An operator's staff member who may read and cancel passengers' bookings."""
    user = User.objects.create_user(username="bea", email="bea@example.com", password=PASSWORD, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="bookings", codename__in=["view_booking", "change_booking"]
        )
    )
    return user


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser(username="root", email="root@example.com", password=PASSWORD)


@pytest.fixture
def superuser_client(admin_user) -> Client:
    """A browser session of a superuser, for the admin."""
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def owner_client(owner) -> APIClient:
    return client_for(owner)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return client_for(other_user)


@pytest.fixture
def staff_client(staff) -> APIClient:
    return client_for(staff)


@pytest.fixture
def booking_staff_client(booking_staff) -> APIClient:
    return client_for(booking_staff)


@pytest.fixture
def admin_client_api(admin_user) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def make_train(db) -> Callable[..., Train]:
    """Return a factory: make_train(number, seats, "A", "B", "C") creates a train calling at A, B, C."""

    def make(train_number: int = 100, total_seats: int = 10, *stops: str, name: str = "") -> Train:
        route = list(stops) or ["Alpha", "Omega"]
        return train_create(
            train_number=train_number,
            source=route[0],
            destination=route[-1],
            total_seats=total_seats,
            name=name,
            stops=route,
        )

    return make
