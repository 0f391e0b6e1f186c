"""Every admin list is bounded: a page of rows at a time, and the rows counted once per page."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking
from trains.models import Station, Train
from users.models import User

LISTS = {
    Booking: "/admin/bookings/booking/",
    Train: "/admin/trains/train/",
    Station: "/admin/trains/station/",
    User: "/admin/users/user/",
}


@pytest.mark.parametrize("model", LISTS, ids=lambda model: model.__name__)
def test_every_list_shows_at_most_a_hundred_rows_a_page(model):
    assert admin.site.get_model_admin(model).list_per_page <= 100


@pytest.mark.parametrize("model", LISTS, ids=lambda model: model.__name__)
@pytest.mark.parametrize("query", ["", "?q=a"], ids=["unfiltered", "searched"])
def test_every_list_counts_its_rows_once_per_page(superuser_client, model, query):
    with CaptureQueriesContext(connection) as captured:
        response = superuser_client.get(LISTS[model] + query)

    assert response.status_code == 200
    # Django's QuerySet.count(), not the counts a row's columns may compute.
    counts = [query["sql"] for query in captured if '"__count"' in query["sql"]]
    assert len(counts) == 1, counts
