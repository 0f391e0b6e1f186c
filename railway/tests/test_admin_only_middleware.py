"""Sessions, the logged-in user and messages exist on the admin's paths only; the API runs without them."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from railway.middleware import AdminAuthenticationMiddleware, AdminMessageMiddleware, AdminSessionMiddleware


def what_the_view_sees(path: str):
    seen = {}

    def view(request):
        seen.update(
            session=hasattr(request, "session"),
            user=hasattr(request, "user"),
            messages=hasattr(request, "_messages"),
        )
        return HttpResponse()

    chain = AdminSessionMiddleware(AdminAuthenticationMiddleware(AdminMessageMiddleware(view)))
    chain(RequestFactory().get(path))
    return seen


@pytest.mark.parametrize("path", ["/admin/", "/admin/trains/train/", "/admin/login/"])
def test_the_admin_has_a_session_a_user_and_messages(path):
    assert what_the_view_sees(path) == {"session": True, "user": True, "messages": True}


@pytest.mark.parametrize(
    "path", ["/user/book_seat/", "/user/get_seat_availability/", "/api/docs/", "/healthz", "/administrator/"]
)
def test_every_other_path_has_none_of_them(path):
    assert what_the_view_sees(path) == {"session": False, "user": False, "messages": False}


@pytest.mark.django_db
def test_an_admin_session_cookie_does_not_make_an_api_call_authenticated(superuser_client):
    response = superuser_client.get("/user/get_seat_availability/", {"source": "A", "destination": "B"})

    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
