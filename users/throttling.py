"""The limits on logging in and registering: per client address and per username.

A username is counted under its key (users.usernames), so that every spelling login would
take for one account counts against that account's limit, and no other. The API's login and
the admin's count in the same windows: a guess costs the same wherever it is made.
"""

from django.http import HttpRequest
from rest_framework.request import Request

from railway.throttling import ClientAddressThrottle, FixedWindowRateThrottle
from users.usernames import username_key


class UsernameThrottle(FixedWindowRateThrottle):
    """Count per username in the request's body (JSON for the API, the form for the admin), by its key."""

    def identity(self, request: Request | HttpRequest) -> str | None:
        # A body that is not JSON raises here, a 400 or 415; the address limit has counted it already.
        data = request.data if isinstance(request, Request) else request.POST
        username = data.get("username") if hasattr(data, "get") else None
        # What a serializers.CharField accepts: a string or a number, never a bool.
        if isinstance(username, bool) or not isinstance(username, str | int | float):
            return None
        return username_key(str(username))


class LoginPerAddressThrottle(ClientAddressThrottle):
    scope = "login_address"


class LoginPerUsernameThrottle(UsernameThrottle):
    scope = "login_username"


class RegisterPerAddressThrottle(ClientAddressThrottle):
    scope = "register_address"


class RegisterPerUsernameThrottle(UsernameThrottle):
    scope = "register_username"


# The address is counted first: a request whose body cannot be parsed still counts against it.
LOGIN_THROTTLES = [LoginPerAddressThrottle, LoginPerUsernameThrottle]
REGISTER_THROTTLES = [RegisterPerAddressThrottle, RegisterPerUsernameThrottle]


def login_throttle_wait(request: Request | HttpRequest) -> float | None:
    """Count a login attempt against its address and its username; the seconds to wait past either limit.

    None while the attempt is within both.
    """
    throttles = [throttle_class() for throttle_class in LOGIN_THROTTLES]
    # Each limit counts the attempt, as DRF's checks do, even when an earlier one refuses it.
    waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(request, None)]
    return max(waits) if waits else None
