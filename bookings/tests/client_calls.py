"""The API calls that the booking tests make again and again, through a test client."""

import re

BOOK_URL = "/user/book_seat/"
AVAILABILITY_URL = "/user/get_seat_availability/"


def book(client, train_number, seat_count=1, **extra):
    """POST book_seat and return the response, whatever it is."""
    return client.post(
        BOOK_URL, {"train_number": train_number, "seat_count": seat_count, **extra}, format="json"
    )


def booked(client, train_number, seat_count=1, **extra):
    """POST book_seat, require a 201 and return the booking."""
    response = book(client, train_number, seat_count, **extra)
    assert response.status_code == 201, response.content
    return response.json()


def available(client, source, destination):
    """Return {train number: seats free from source to destination} from get_seat_availability."""
    response = client.get(AVAILABILITY_URL, {"source": source, "destination": destination})
    assert response.status_code == 200, response.content
    return {row["train_number"]: row["available_seats"] for row in response.json()}


def next_url(response):
    """Return the URL of the next page from the response's Link header, or None on the last page."""
    link = response.get("Link")
    if link is None:
        return None
    match = re.fullmatch(r'<(http://testserver/[^>]+)>; rel="next"', link)
    assert match, link
    return match[1]
