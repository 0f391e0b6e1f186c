"""The admin site, whose login counts against the same limits as the API's.

Every login posted to the admin counts against its client address and its username (by the
username's key) in the windows the API's login uses. Past either limit the form answers 429
with `Retry-After` and an error, and checks no password, the right one included: a guess costs
the same here as through the API, and no more hashing than the limit allows.
"""

import math

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from users.throttling import login_throttle_wait


class ThrottledLoginForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": "Too many login attempts. Try again in %(seconds)s seconds.",
    }

    def clean(self) -> dict:
        wait = login_throttle_wait(self.request)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            # Read by the site, which answers 429 with it.
            self.request.login_retry_after = seconds
            raise ValidationError(
                self.error_messages["throttled"], code="throttled", params={"seconds": seconds}
            )
        return super().clean()


class ThrottledAdminSite(admin.AdminSite):
    login_form = ThrottledLoginForm

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().login(request, extra_context)
        retry_after = getattr(request, "login_retry_after", None)
        if retry_after is not None:
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
        return response
