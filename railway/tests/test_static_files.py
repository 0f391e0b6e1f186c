"""The admin's and the API docs' static files are served by the service itself, with DEBUG off."""

import pytest
from django.conf import settings


@pytest.mark.parametrize(
    "path",
    [
        "/static/admin/css/base.css",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
    ],
)
def test_a_static_file_is_served_without_a_separate_web_server(client, path):
    assert not settings.DEBUG

    response = client.get(path)

    assert response.status_code == 200
    assert b"".join(response.streaming_content)


def test_the_docs_page_points_at_files_the_service_serves(client):
    page = client.get("/api/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
