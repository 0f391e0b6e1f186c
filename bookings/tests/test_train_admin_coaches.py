"""Coaches and fares inline on the train admin: the coaches always hold exactly the train's seats."""

from decimal import Decimal

import pytest

from bookings.services import booking_create
from bookings.tests.admin_forms import ADD_URL, change_url, errors_of, train_form
from trains.coach_plans import CoachPlan
from trains.models import Coach, Fare, Train
from trains.services import train_seating_set

ROUTE = [(0, "Alpha"), (1, "Omega")]


def with_coaches(data: dict, coaches: list[tuple], existing: list[Coach] = ()) -> dict:
    """Add coach forms (code, class, seats, layout) to the form data, the first standing for `existing`."""
    data.update({"coaches-TOTAL_FORMS": len(coaches), "coaches-INITIAL_FORMS": len(existing)})
    for index, (code, travel_class, seats, layout) in enumerate(coaches):
        data.update(
            {
                f"coaches-{index}-coach": code,
                f"coaches-{index}-travel_class": travel_class,
                f"coaches-{index}-seats": seats,
                f"coaches-{index}-layout": layout,
            }
        )
        if index < len(existing):
            data[f"coaches-{index}-id"] = existing[index].pk
            data[f"coaches-{index}-train"] = existing[index].train_id
    return data


def with_fares(data: dict, fares: list[tuple]) -> dict:
    data.update({"fares-TOTAL_FORMS": len(fares), "fares-INITIAL_FORMS": 0})
    for index, (travel_class, per_km, minimum) in enumerate(fares):
        data.update(
            {
                f"fares-{index}-travel_class": travel_class,
                f"fares-{index}-per_km": per_km,
                f"fares-{index}-minimum": minimum,
            }
        )
    return data


def coaches_of(train: Train) -> list[tuple]:
    return list(
        Coach.objects.filter(train=train)
        .order_by("position")
        .values_list("coach", "travel_class", "seats", "layout")
    )


def test_the_change_page_lists_the_trains_coaches_and_fares(superuser_client, make_train):
    train = make_train(101, 40)

    page = superuser_client.get(change_url(train)).content.decode()

    assert 'name="coaches-0-coach"' in page
    assert 'value="C1"' in page
    assert 'name="fares-TOTAL_FORMS"' in page


def test_a_train_added_without_coaches_has_its_seats_in_a_gen_coach(superuser_client):
    response = superuser_client.post(ADD_URL, train_form(train_number=555, total_seats=40, stops=ROUTE))

    assert response.status_code == 302, errors_of(response)
    assert coaches_of(Train.objects.get(train_number=555)) == [("C1", "GEN", 40, "seats-2x2")]


def test_a_train_added_with_coaches_and_fares_gets_them(superuser_client):
    data = with_coaches(
        train_form(train_number=555, total_seats=80, stops=ROUTE),
        [("b1", "3a", 72, "berths-8"), ("D1", "2S", 8, "seats-3x2")],
    )
    data = with_fares(data, [("3A", "1.45", "150.00")])

    response = superuser_client.post(ADD_URL, data)

    assert response.status_code == 302, errors_of(response)
    train = Train.objects.get(train_number=555)
    assert coaches_of(train) == [("B1", "3A", 72, "berths-8"), ("D1", "2S", 8, "seats-3x2")]
    assert list(Fare.objects.filter(train=train).values_list("travel_class", "per_km", "minimum")) == [
        ("3A", Decimal("1.45"), Decimal("150.00"))
    ]


def test_coaches_that_miss_the_seat_count_are_refused(superuser_client):
    data = with_coaches(
        train_form(train_number=555, total_seats=100, stops=ROUTE), [("B1", "3A", 72, "berths-8")]
    )

    response = superuser_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert "The coaches have 72 seats, but total_seats is 100." in errors_of(response)
    assert not Train.objects.filter(train_number=555).exists()


def test_a_coach_code_twice_is_refused(superuser_client):
    data = with_coaches(
        train_form(train_number=555, total_seats=20, stops=ROUTE),
        [("B1", "3A", 10, "berths-8"), ("b1", "3A", 10, "berths-8")],
    )

    response = superuser_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert "Coach B1 comes more than once." in errors_of(response)


def test_a_fare_for_a_class_no_coach_has_is_refused(superuser_client):
    data = with_fares(train_form(train_number=555, total_seats=20, stops=ROUTE), [("1A", "4.00", "500.00")])

    response = superuser_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert "No coach is of class 1A." in errors_of(response)
    assert not Train.objects.filter(train_number=555).exists()


def test_a_train_with_the_default_coaches_has_them_resized_with_its_seats(superuser_client, make_train):
    train = make_train(101, 150)

    response = superuser_client.post(
        change_url(train), train_form(train_number=101, total_seats=450, stops=ROUTE)
    )

    assert response.status_code == 302, errors_of(response)
    train.refresh_from_db()
    assert train.total_seats == 450
    assert coaches_of(train) == [
        ("C1", "GEN", 200, "seats-2x2"),
        ("C2", "GEN", 200, "seats-2x2"),
        ("C3", "GEN", 50, "seats-2x2"),
    ]


def test_the_seats_of_a_train_with_named_coaches_change_only_with_its_coaches(superuser_client, make_train):
    train = make_train(101, 80)
    train_seating_set(
        train=train,
        total_seats=80,
        coaches=[CoachPlan("B1", "3A", 72, "berths-8"), CoachPlan("D1", "2S", 8)],
    )

    refused = superuser_client.post(
        change_url(train), train_form(train_number=101, total_seats=88, stops=ROUTE)
    )
    existing = list(Coach.objects.filter(train=train).order_by("position"))
    accepted = superuser_client.post(
        change_url(train),
        with_coaches(
            train_form(train_number=101, total_seats=88, stops=ROUTE),
            [("B1", "3A", 72, "berths-8"), ("D1", "2S", 16, "seats-2x2")],
            existing,
        ),
    )

    assert refused.status_code == 200
    assert "The coaches have 80 seats, but total_seats is 88." in errors_of(refused)
    assert accepted.status_code == 302, errors_of(accepted)
    train.refresh_from_db()
    assert train.total_seats == 88
    assert coaches_of(train) == [("B1", "3A", 72, "berths-8"), ("D1", "2S", 16, "seats-2x2")]


def test_coaches_never_shrink_below_a_seat_that_is_sold(superuser_client, make_train, owner):
    train = make_train(101, 10)
    booking_create(user=owner, train_number=101, seat_count=6, source="Alpha", destination="Omega")
    existing = list(Coach.objects.filter(train=train))

    response = superuser_client.post(
        change_url(train),
        with_coaches(
            train_form(train_number=101, total_seats=4, stops=ROUTE),
            [("C1", "GEN", 4, "seats-2x2")],
            existing,
        ),
    )

    assert response.status_code == 200
    assert "Seat 6 is sold" in errors_of(response)
    assert coaches_of(train) == [("C1", "GEN", 10, "seats-2x2")]


@pytest.mark.parametrize("seats", [0, 201])
def test_a_coach_has_1_to_200_seats(superuser_client, seats):
    data = with_coaches(
        train_form(train_number=555, total_seats=seats or 1, stops=ROUTE), [("B1", "3A", seats, "berths-8")]
    )

    response = superuser_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert not Train.objects.filter(train_number=555).exists()
