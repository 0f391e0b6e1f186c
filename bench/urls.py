"""The service's routes and the naive baseline's booking route beside them."""

from django.urls import path

from bench.naive.apis import NaiveBookSeatApi
from railway.urls import handler400, handler403, handler404, handler500, urlpatterns

urlpatterns = [
    *urlpatterns,
    path("naive/book_seat/", NaiveBookSeatApi.as_view(), name="naive-book-seat"),
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
