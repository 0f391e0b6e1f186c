"""The spec's routes exactly as published (trailing slashes included), API docs, probes, the admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bookings.apis import (
    BookingApi,
    BookingDetailsApi,
    BookSeatApi,
    CancelBookingApi,
    CancelPassengersApi,
    ChartApi,
    ConfirmHoldApi,
    ExtendHoldApi,
    SeatAvailabilityApi,
    SeatMapApi,
)
from railway.health import HealthzApi, ReadyzApi
from trains.apis import AddTrainApi, StationSearchApi
from users.apis import LoginApi, LogoutApi, RegisterApi


class IdConverter:
    """A database id: at most 18 digits, so it always fits a 64-bit column (larger is a 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


class SwaggerUiView(SpectacularSwaggerSplitView):
    """Serve Swagger UI at /api/docs/, for GET (and HEAD) only.

    The page loads its start-up script from /api/docs/?script= rather than carrying it inline,
    so that the Content-Security-Policy allows scripts from this origin only (railway/settings.py).
    """

    # DRF would answer OPTIONS with metadata for its HTML template renderer, which has no
    # template for it: a 500. Browsers never preflight a GET of this page.
    http_method_names = ["get", "head"]


urlpatterns = [
    path(settings.ADMIN_URL_PREFIX.lstrip("/"), admin.site.urls),
    path("user/register/", RegisterApi.as_view(), name="register"),
    path("user/login/", LoginApi.as_view(), name="login"),
    path("user/logout/", LogoutApi.as_view(), name="logout"),
    path("add_train/", AddTrainApi.as_view(), name="add-train"),
    path("user/book_seat/", BookSeatApi.as_view(), name="book-seat"),
    path("user/get_seat_availability/", SeatAvailabilityApi.as_view(), name="seat-availability"),
    path("user/get_booking_details/<id:id>/", BookingDetailsApi.as_view(), name="booking-details"),
    path("user/cancel_booking/<id:booking_id>/", CancelBookingApi.as_view(), name="cancel-booking"),
    path("stations/", StationSearchApi.as_view(), name="stations"),
    path("bookings/<str:pnr>/", BookingApi.as_view(), name="booking"),
    path("bookings/<str:pnr>/cancel/", CancelPassengersApi.as_view(), name="cancel-passengers"),
    path("bookings/<str:pnr>/confirm/", ConfirmHoldApi.as_view(), name="confirm-hold"),
    path("bookings/<str:pnr>/extend/", ExtendHoldApi.as_view(), name="extend-hold"),
    path(
        "trains/<id:train_number>/journeys/<str:journey_date>/seats/", SeatMapApi.as_view(), name="seat-map"
    ),
    path("trains/<id:train_number>/journeys/<str:journey_date>/chart/", ChartApi.as_view(), name="chart"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerUiView.as_view(url_name="schema"), name="docs"),
    # No trailing slash: probes are configured with these exact paths.
    path("healthz", HealthzApi.as_view(), name="healthz"),
    path("readyz", ReadyzApi.as_view(), name="readyz"),
]

handler400 = "railway.api.json_bad_request"
handler403 = "railway.api.json_permission_denied"
handler404 = "railway.api.json_not_found"
handler500 = "railway.api.json_server_error"
