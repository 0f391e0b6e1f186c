"""Passengers and staff: Django's user, with usernames and e-mails unique regardless of case."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower


class CaseInsensitiveUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        """Find the user for a login, ignoring case as registration does."""
        return self.get(username__iexact=(username or "").strip())


class User(AbstractUser):
    email = models.EmailField("email address", max_length=254)

    objects = CaseInsensitiveUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username
