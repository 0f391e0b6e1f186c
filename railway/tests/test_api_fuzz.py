"""Fuzz every endpoint from the OpenAPI schema: no answer is a 5xx, and every answer is documented.

The app runs in-process (WSGI) on the test database, which holds the demo network and the
fuzzing user with one booking. Every request carries that user's token, issued anew each time
because the fuzzer also logs out, except the cases that test a missing or wrong token. Two users
fuzz: a passenger (the owner's paths and every refusal) and a superuser (adding trains, staff
reads). The run is derandomized and bounded to a few dozen cases per endpoint and user.
"""

import datetime
from collections.abc import Iterator
from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bookings.services import booking_create
from users.models import User
from users.services import token_create

FUZZ_CONFIG = {
    "seed": 4,
    "phases": {"stateful": {"enabled": False}},
    # The API ignores query parameters and headers it does not know, as HTTP APIs do.
    "generation": {"allow-extra-parameters": False},
    # The schema cannot say which well-formed input a business rule refuses (a weak password,
    # a train that does not exist); that such a 400 or 404 is documented is checked all the same.
    "checks": {"positive_data_acceptance": {"enabled": False}},
}
MAX_ID = 10**18 - 1

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", get_wsgi_application(), config=schemathesis.Config.from_dict(FUZZ_CONFIG)
)

# Hooks cannot take fixtures: the running test's user leaves its ids here, keyed by the names
# of the path parameters that take them.
OWN_IDS: dict[str, int] = {}
# Where the fuzzing user's token goes; the test puts a fresh token there as it sends the case.
FRESH_TOKEN = "Token <issued as the case is sent>"


@schema.auth()
class FuzzingUserToken:
    """Mark every case for the fuzzing user's token, except those that test a missing or wrong one.

    The token itself is issued only as the case is sent: cases are drawn before the test's
    database exists, and the fuzzer also logs out.
    """

    def get(self, case, context) -> str:
        return FRESH_TOKEN

    def set(self, case, authorization, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": authorization}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # Random ids almost never name the fuzzing user or their booking; swap those in half the
    # time, so that the owner's own paths (reading, cancelling, cancelling twice) are fuzzed too.
    # Only a valid id is swapped: an invalid one is what a negative case is testing.
    if not path_parameters:
        return st.just(path_parameters)
    own = {
        name: OWN_IDS[name] if name in OWN_IDS and type(value) is int and 0 <= value <= MAX_ID else value
        for name, value in path_parameters.items()
    }
    return st.sampled_from([path_parameters, own])


@pytest.fixture(params=["passenger", "superuser"])
def fuzzing_user(request, transactional_db) -> Iterator[User]:
    call_command("seed_demo", stdout=StringIO())
    # The credentials of the schema's login example, so that the example logs in.
    user = User.objects.create_user(
        username="asha",
        email="asha@example.com",
        password="a-long-passphrase",
        is_staff=request.param == "superuser",
        is_superuser=request.param == "superuser",
    )
    # Tomorrow's journey: today's may have left Surat already.
    booking = booking_create(
        user=user,
        train_number=12951,
        seat_count=2,
        travel_class="3A",
        source="Surat",
        destination="Kota",
        journey_date=timezone.localdate() + datetime.timedelta(days=1),
    )
    OWN_IDS.update(id=user.pk, booking_id=booking.pk)
    yield user
    OWN_IDS.clear()


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    # The database is the state under test; it is meant to carry over from case to case.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_every_answer_is_documented_and_none_is_a_server_error(case, fuzzing_user):
    headers = {}
    if (case.headers or {}).get("Authorization") == FRESH_TOKEN:
        # Passed with the call, not written into the case: cases share their headers.
        headers["Authorization"] = f"Token {token_create(user=fuzzing_user).key}"
    case.call_and_validate(headers=headers)
