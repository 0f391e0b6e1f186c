"""Staff reach other passengers' bookings through the API only with the rights the admin asks.

Reading another user's bookings needs `bookings.view_booking`; cancelling another user's
booking needs `bookings.change_booking`. `is_staff` alone, which opens the admin's door but
none of its pages, opens no one's bookings; superusers have every right.
"""

import pytest
from django.contrib.auth.models import Group, Permission

from bookings.models import Booking
from bookings.tests.client_calls import booked
from conftest import PASSWORD, client_for
from users.models import User


@pytest.fixture
def train(make_train):
    return make_train(7, 6, "A", "B", "C")


@pytest.fixture
def staff_with(db):
    """Return a factory: staff_with("view_booking") is a client of a staff member with those rights."""

    def make(*codenames: str):
        member = User.objects.create_user(
            username=f"staff-{'-'.join(codenames) or 'none'}",
            email=f"{'-'.join(codenames) or 'none'}@example.com",
            password=PASSWORD,
            is_staff=True,
        )
        member.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="bookings", codename__in=codenames)
        )
        return client_for(member)

    return make


@pytest.mark.parametrize(
    ("rights", "may_read", "may_cancel"),
    [
        ((), False, False),
        (("view_booking",), True, False),
        (("view_booking", "change_booking"), True, True),
    ],
)
def test_staff_read_and_cancel_others_bookings_only_with_the_admins_rights(
    owner, owner_client, staff_with, train, rights, may_read, may_cancel
):
    booking = booked(owner_client, 7, 2)
    client = staff_with(*rights)

    read = client.get(f"/user/get_booking_details/{owner.pk}/")
    cancel = client.post(f"/user/cancel_booking/{booking['booking_id']}/")

    if may_read:
        assert read.status_code == 200
        assert [row["booking_id"] for row in read.json()] == [booking["booking_id"]]
    else:
        assert read.status_code == 403
        assert read.json()["code"] == "permission_denied"
    if may_cancel:
        assert cancel.status_code == 200
        assert Booking.objects.get(pk=booking["booking_id"]).status == "cancelled"
    else:
        assert cancel.status_code == 403
        assert cancel.json()["code"] == "not_booking_owner"
        assert Booking.objects.get(pk=booking["booking_id"]).status == "confirmed"


def test_a_right_given_through_a_group_counts_as_the_admin_counts_it(owner, owner_client, staff_with, train):
    booked(owner_client, 7, 1)
    client = staff_with()
    readers = Group.objects.create(name="booking readers")
    readers.permissions.add(
        Permission.objects.get(content_type__app_label="bookings", codename="view_booking")
    )
    User.objects.get(username="staff-none").groups.add(readers)

    assert client.get(f"/user/get_booking_details/{owner.pk}/").status_code == 200


def test_staff_still_read_and_cancel_their_own_bookings_without_any_right(staff_with, train):
    client = staff_with()
    member = User.objects.get(username="staff-none")
    booking = booked(client, 7, 1)

    assert client.get(f"/user/get_booking_details/{member.pk}/").status_code == 200
    assert client.post(f"/user/cancel_booking/{booking['booking_id']}/").status_code == 200
