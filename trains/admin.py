"""Admin for the network's stations, and the pieces of the train admin that need no bookings.

Only superusers change the network, as only they may add trains through the API. The train
admin itself lives in the bookings app (train_admin.py), since changing a train that may be
on sale is a matter of its bookings (network_changes.py there).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from trains.models import ServiceException, Station, station_key


class SuperuserWritesMixin:
    """Let staff look (with the view permission), and only superusers add, change or delete."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser


class StationAdminForm(forms.ModelForm):
    class Meta:
        model = Station
        fields = ["name", "time_zone"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Station.objects.filter(key=station_key(name)).exclude(pk=self.instance.pk).first()
        if clash is not None:
            raise ValidationError(
                f"Station '{clash.name}' already has this name (names ignore case and spaces)."
            )
        return name


@admin.register(Station)
class StationAdmin(SuperuserWritesMixin, admin.ModelAdmin):
    form = StationAdminForm
    list_display = ["name", "time_zone"]
    search_fields = ["name"]
    show_full_result_count = False


class ServiceExceptionInline(SuperuserWritesMixin, admin.TabularInline):
    model = ServiceException
    fields = ["date", "runs"]
    extra = 0
    verbose_name = "date outside the weekly pattern"
    verbose_name_plural = "dates outside the weekly pattern"
