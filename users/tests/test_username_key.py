"""One canonical key per username: registration, login and the limits compare usernames only by it.

The key is the username in Unicode's compatibility form, case-folded, normalised again
(users.usernames). Spellings with one key are one name; names with different keys are
different accounts everywhere, login included.
"""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from bookings.tests.concurrency import Call, run_together, statuses
from conftest import PASSWORD
from users.models import User

REGISTER = "/user/register/"
LOGIN = "/user/login/"


def register(username: str, email: str | None = None):
    email = email or f"{abs(hash(username))}@example.com"
    return APIClient().post(
        REGISTER, {"username": username, "email": email, "password": PASSWORD}, format="json"
    )


def log_in(username: str, *, address: str = "198.51.100.7"):
    client = APIClient(REMOTE_ADDR=address)
    return client.post(LOGIN, {"username": username, "password": PASSWORD}, format="json")


@pytest.mark.django_db
def test_a_username_too_long_once_normalised_is_a_400_naming_the_field():
    # Each U+FDFA expands to 18 characters in compatibility form: 9 of them are 162.
    response = register("\ufdfa" * 9)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert "at most 150 characters once normalised" in " ".join(response.json()["username"])
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_username_whose_normal_form_has_forbidden_characters_is_refused():
    # U+2474 PARENTHESIZED DIGIT ONE is a letter-like symbol whose normal form is "(1)".
    response = register("a\u2474")

    assert response.status_code == 400
    assert "username" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["\uff41\uff4c\uff49\uff43\uff45", "ALICE", "Alice", " alice "])
def test_another_spelling_of_a_taken_username_is_a_400_on_the_username(owner, spelling):
    response = register(spelling)

    assert response.status_code == 400, response.content
    assert response.json()["username"] == ["A user with that username already exists."]
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_a_username_is_stored_in_its_normal_form():
    assert register("\uff42\uff4f\uff42").status_code == 201

    assert User.objects.get().username == "bob"


@pytest.mark.django_db
def test_names_with_different_keys_are_different_accounts_and_each_logs_in_as_itself():
    # Dotless i: the same letters to LOWER() and UPPER() in some databases, not the same key.
    bill = register("bill").json()
    dotless = register("b\u0131ll").json()

    assert log_in("bill").json()["user_id"] == bill["id"]
    assert log_in("b\u0131ll").json()["user_id"] == dotless["id"]
    assert log_in("BILL").json()["user_id"] == bill["id"]


@pytest.mark.django_db
def test_a_name_with_another_key_does_not_log_in_as_a_similar_account(owner):
    assert log_in("al\u0131ce").status_code == 401
    assert log_in("\uff41\uff4c\uff49\uff43\uff45").status_code == 200


@pytest.mark.django_db
def test_the_login_limit_counts_by_key(owner, throttle_limits):
    throttle_limits(login_username="2/min", login_address="100/min")
    for spelling in ("alice", "\uff21\uff2c\uff29\uff23\uff25"):
        log_in(spelling)

    assert log_in("Alice").status_code == 429
    # Another key, another account, another count.
    assert log_in("al\u0131ce").status_code == 401


@pytest.mark.django_db
def test_the_database_refuses_a_second_account_under_one_key(owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="ALICE", email="other@example.com", password=PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_two_spellings_of_one_name_registering_at_once_make_one_account():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are PostgreSQL's; SQLite runs them one after the other")
    calls = [
        Call(
            client=APIClient(),
            user_id=0,
            method="post",
            path=REGISTER,
            data={"username": spelling, "email": f"{number}@example.com", "password": PASSWORD},
        )
        for number, spelling in enumerate(["carol", "CAROL", "\uff43\uff41\uff52\uff4f\uff4c", "Carol"])
    ]

    run_together(calls, workers=4)

    assert statuses(calls) == {201: 1, 400: 3}
    assert User.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_and_names_accounts_whose_usernames_share_a_key():
    executor = MigrationExecutor(connection)
    executor.migrate([("users", "0002_token")])
    old_user = executor.loader.project_state([("users", "0002_token")]).apps.get_model("users", "User")
    # LOWER() told these apart: the old constraint let both in.
    old_user.objects.create(username="dave", email="dave@example.com")
    old_user.objects.create(username="\uff24\uff21\uff36\uff25", email="dave2@example.com")
    old_user.objects.create(username="erin", email="erin@example.com")

    try:
        with pytest.raises(RuntimeError, match=r"usernames 'dave', '\uff24\uff21\uff36\uff25' are one name"):
            MigrationExecutor(connection).migrate([("users", "0003_username_key")])
    finally:
        old_user.objects.filter(username="\uff24\uff21\uff36\uff25").delete()
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert sorted(User.objects.values_list("username_key", flat=True)) == ["dave", "erin"]
