"""The production entry point: gunicorn with the repository's config, DEBUG off, environment settings."""

import json
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


def test_gunicorn_writes_one_json_line_per_request_to_stdout(tmp_path, make_train):
    make_train(7, 4, "Alpha", "Beta")
    with gunicorn_server(tmp_path, workers=1) as server:
        auth = server_user_token(server, "ravi")
        for number in range(3):
            server.request(
                "GET",
                "/user/get_seat_availability/?source=Alpha&destination=Beta",
                headers={**auth, "X-Request-ID": f"availability-{number}"},
            )
        status, _, body = server.request("GET", "/no/such/page/", headers={"X-Request-ID": "lost-1"})
    assert status == 404 and body["request_id"] == "lost-1"

    lines = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
    by_id = {line["request_id"]: line for line in lines if line["logger"] == "railway.request"}
    for number in range(3):
        line = by_id[f"availability-{number}"]
        assert (line["method"], line["path"], line["status"]) == ("GET", "/user/get_seat_availability/", 200)
        assert isinstance(line["user_id"], int) and line["duration_ms"] > 0
    assert (by_id["lost-1"]["status"], by_id["lost-1"]["user_id"]) == (404, None)
