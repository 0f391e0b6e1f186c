"""Admin for users: Django's own user admin, comparing usernames by their key as the API does."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from users.models import User
from users.services import username_taken
from users.usernames import username_normalised, username_problems


def username_cleaned(form: forms.ModelForm) -> str:
    """Return the form's username as it is stored, refusing one that is invalid or another's."""
    username = username_normalised(form.cleaned_data.get("username") or "")
    problems = username_problems(username)
    if problems:
        raise forms.ValidationError(problems)
    if username_taken(username=username, except_user_id=form.instance.pk):
        raise forms.ValidationError("A user with that username already exists.", code="unique")
    return username


class UserAddForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User

    def clean_username(self) -> str:
        return username_cleaned(self)


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def clean_username(self) -> str:
        return username_cleaned(self)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAddForm
    form = UserEditForm
    # Every passenger is a row here: no second, unfiltered count of them on each page.
    show_full_result_count = False
