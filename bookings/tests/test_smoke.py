def test_a_passenger_books_and_cancels_a_seat(owner_client, make_train):
    make_train(7, 2, "A", "B", "C")
    booked = owner_client.post("/user/book_seat/", {"train_number": 7, "seat_count": 1}, format="json")
    assert booked.status_code == 201, booked.content
    assert booked.json()["seat_numbers"] == [1]
    cancelled = owner_client.post(f"/user/cancel_booking/{booked.json()['booking_id']}/")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
