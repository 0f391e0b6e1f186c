"""Admin for users: Django's own user admin, with pages that count the users only once."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from users.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    # Every passenger is a row here: no second, unfiltered count of them on each page.
    show_full_result_count = False
