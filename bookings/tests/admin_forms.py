"""The train admin's add and change forms as a browser posts them, and the errors they answer with."""

import re

from trains.models import Stop, Train

ADD_URL = "/admin/trains/train/add/"


def change_url(train: Train) -> str:
    return f"/admin/trains/train/{train.pk}/change/"


def train_form(
    *,
    train_number: int,
    total_seats: int,
    stops: list[tuple[int, str]],
    name: str = "",
    existing: list[Stop] | None = None,
    deleted: set[int] = frozenset(),
) -> dict[str, str | int]:
    """Return the admin form data for a train whose stops are typed by name.

    `existing` lists the stored stops the first forms stand for; `deleted` the form indexes to delete.
    """
    existing = existing or []
    data: dict[str, str | int] = {
        "train_number": train_number,
        "name": name,
        "total_seats": total_seats,
        "departs_at": "00:00",
        "weekdays": list(range(7)),
        "service_exceptions-TOTAL_FORMS": 0,
        "service_exceptions-INITIAL_FORMS": 0,
        "coaches-TOTAL_FORMS": 0,
        "coaches-INITIAL_FORMS": 0,
        "fares-TOTAL_FORMS": 0,
        "fares-INITIAL_FORMS": 0,
        "stops-TOTAL_FORMS": len(stops),
        "stops-INITIAL_FORMS": len(existing),
        "stops-MIN_NUM_FORMS": 0,
        "stops-MAX_NUM_FORMS": 64,
        "_save": "Save",
    }
    for index, (position, station_name) in enumerate(stops):
        data[f"stops-{index}-position"] = position
        data[f"stops-{index}-station"] = ""
        data[f"stops-{index}-station_name"] = station_name
        if index < len(existing):
            data[f"stops-{index}-id"] = existing[index].pk
            data[f"stops-{index}-train"] = existing[index].train_id
        if index in deleted:
            data[f"stops-{index}-DELETE"] = "on"
    return data


def errors_of(response) -> str:
    """Return the text of the form's error lists, for assertions and failure messages."""
    return " | ".join(
        re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.DOTALL)
    )
