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

from trains.models import ServiceException, Station
from trains.selectors import stations_with_code
from trains.services import station_code_free, station_words_write


class SuperuserWritesMixin:
    """Let staff look (with the view permission), and only superusers add, change or delete."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser


class StationAdminForm(forms.ModelForm):
    code = forms.CharField(
        required=False,
        max_length=Station.CODE_MAX_LENGTH,
        help_text="What passengers and apps pass for this station; left blank, one is made from the name.",
    )

    class Meta:
        model = Station
        fields = ["code", "name", "time_zone"]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        clash = stations_with_code(code=code).exclude(pk=self.instance.pk).first()
        if code and clash is not None:
            raise ValidationError(f"Station '{clash.name}' already has this code (codes ignore case).")
        return code

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


@admin.register(Station)
class StationAdmin(SuperuserWritesMixin, admin.ModelAdmin):
    """Stations by name and code; names may repeat, codes may not."""

    form = StationAdminForm
    list_display = ["name", "code", "time_zone"]
    search_fields = ["name", "=code"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Station, form: forms.ModelForm, change: bool) -> None:
        if not obj.code:
            obj.code = station_code_free(name=obj.name)
        super().save_model(request, obj, form, change)
        station_words_write(station=obj)


class ServiceExceptionInline(SuperuserWritesMixin, admin.TabularInline):
    model = ServiceException
    fields = ["date", "runs"]
    extra = 0
    verbose_name = "date outside the weekly pattern"
    verbose_name_plural = "dates outside the weekly pattern"
