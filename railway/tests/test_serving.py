"""The production entry point: gunicorn with the repository's config, DEBUG off, environment settings."""

import urllib.request

import pytest

from railway.tests.servers import gunicorn_server, server_user_token

pytestmark = pytest.mark.django_db(transaction=True)


def test_gunicorn_serves_the_api_the_admin_and_its_static_files(tmp_path, make_train):
    make_train(12951, 10, "Mumbai", "Surat", "Delhi")
    with gunicorn_server(tmp_path, workers=2) as server:
        assert server.request("GET", "/healthz")[0] == 200

        auth = server_user_token(server, "asha")
        status, _, body = server.request(
            "POST",
            "/user/book_seat/",
            {"train_number": 12951, "seat_count": 2, "source": "Surat"},
            headers=auth,
        )
        assert status == 201, body
        assert body["seat_numbers"] == [1, 2]

        with urllib.request.urlopen(f"{server.url}/admin/login/") as page:  # noqa: S310
            assert b"csrfmiddlewaretoken" in page.read()
        with urllib.request.urlopen(f"{server.url}/static/admin/css/base.css") as sheet:  # noqa: S310
            assert sheet.headers["Content-Type"].startswith("text/css")
