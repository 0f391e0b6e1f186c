"""Logins racing each other never leave a user more live tokens than the cap.

Real concurrent requests, each on its own database connection: on SQLite the database's one
write lock already orders them; on PostgreSQL the user's row lock does.
"""

import pytest
from rest_framework.test import APIClient

from bookings.tests.concurrency import Call, run_together, statuses
from conftest import PASSWORD
from users.models import Token, User
from users.services import token_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_logins_leave_at_most_the_cap_of_live_tokens(settings):
    settings.TOKENS_PER_USER_MAX = 3
    user = User.objects.create_user(username="racer", email="racer@example.com", password=PASSWORD)
    for _ in range(3):
        token_create(user=user)
    logins = [
        Call(
            client=APIClient(),
            user_id=user.pk,
            method="post",
            path="/user/login/",
            data={"username": "racer", "password": PASSWORD},
        )
        for _ in range(8)
    ]

    run_together(logins, workers=8)

    assert statuses(logins) == {200: 8}
    assert Token.objects.filter(user=user).count() == 3
