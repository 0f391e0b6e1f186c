"""The API calls that the booking tests make again and again, through a test client."""

import re
from decimal import Decimal

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


def cancelled_whole(booking, *, refunds=None, currency="INR"):
    """Return the answer to cancelling every passenger of `booking` (an answer of book_seat), each refunded
    `refunds[i]` (default nothing): the booking cancelled, with this cancellation's `refund`."""
    refunds = refunds or ["0.00"] * len(booking["passengers"])
    total = sum(Decimal(refund) for refund in refunds)
    return {
        **booking,
        "status": "cancelled",
        "reason": "requested",
        "passengers": [
            {**passenger, "status": "cancelled", "refund": refund}
            for passenger, refund in zip(booking["passengers"], refunds, strict=True)
        ],
        "refunded": {"amount": f"{total:.2f}", "currency": currency},
        "refund": {"amount": f"{total:.2f}", "currency": currency},
    }


def as_listed(answer):
    """Return a booking as a list of bookings shows it: what a cancellation answered, less its `refund`."""
    return {key: value for key, value in answer.items() if key != "refund"}
