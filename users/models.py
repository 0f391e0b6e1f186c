"""Passengers and staff: Django's user, unique by its username's key and by its e-mail in any case.

Also the API tokens they log in with, of which the database holds only digests.
"""

import hashlib
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Length, Lower
from django.db.models.lookups import Exact

from users.usernames import username_key


class UsernameKeyUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        """Find the user for a login by the username's key, as registration compares it."""
        return self.get(username_key=username_key(username or ""))

    def bulk_create(self, objs: Iterable["User"], *args: Any, **kwargs: Any) -> list["User"]:
        # No save() runs for these: give each its key here.
        users = list(objs)
        for user in users:
            user.username_key = username_key(user.username)
        return super().bulk_create(users, *args, **kwargs)


class User(AbstractUser):
    email = models.EmailField("email address", max_length=254)
    # users.usernames.username_key of the username: the one form usernames are compared in.
    username_key = models.CharField(max_length=150, unique=True, editable=False)

    objects = UsernameKeyUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.username_key = username_key(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_key"}
        super().save(*args, **kwargs)


def token_digest(key: str) -> str:
    """Return the SHA-256 digest of a token key, in hex: what the database stores for the key."""
    # Keys are 160 random bits, so a plain digest needs no salt or stretching to be irreversible.
    return hashlib.sha256(key.encode()).hexdigest()


class Token(models.Model):
    """An API token for one device of a user. Only the key's digest is kept, never the key itself."""

    digest = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["user", "created_at"], name="token_user_created_idx"),
            models.Index(fields=["expires_at"], name="token_expires_idx"),
        ]
        constraints = [
            # A 40-character raw key can never be stored by mistake in place of its digest.
            models.CheckConstraint(condition=Exact(Length("digest"), 64), name="token_digest_is_sha256"),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="token_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.digest[:8]}"
