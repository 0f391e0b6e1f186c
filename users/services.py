"""Writes on users: registration and API tokens."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions

from users.models import Token, User, token_digest
from users.usernames import username_key, username_normalised, username_problems


def user_register(*, username: str, email: str, password: str) -> User:
    """Create a passenger account; raise a field-keyed ValidationError on any refusal.

    The username is checked as it is stored, once normalised (users.usernames).
    """
    username = username_normalised(username)
    email = email.strip()
    problems = username_problems(username)
    # A name that can never be registered is not looked up: it may hold what no database stores.
    errors = _taken_fields(username=None if problems else username, email=email)
    if problems:
        errors["username"] = problems
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise exceptions.ValidationError(errors)
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError:
        # A simultaneous registration took the name or e-mail; the database constraint decided.
        raise exceptions.ValidationError(_taken_fields(username=username, email=email)) from None


def username_taken(*, username: str, except_user_id: int | None = None) -> bool:
    """Return whether an account (other than `except_user_id`'s) has a username with this one's key."""
    others = User.objects.filter(username_key=username_key(username))
    if except_user_id is not None:
        others = others.exclude(pk=except_user_id)
    return others.exists()


def _taken_fields(*, username: str | None, email: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if username is not None and username_taken(username=username):
        errors["username"] = ["A user with that username already exists."]
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["A user with that email already exists."]
    return errors


@dataclass(frozen=True)
class IssuedToken:
    """A token as login hands it out: the key exists only here, the database keeps its digest."""

    key: str
    user_id: int
    expires_at: datetime


def token_create(*, user: User) -> IssuedToken:
    """Issue a new token for another device of the user, dropping their expired and oldest beyond the cap."""
    key = secrets.token_hex(20)
    now = timezone.now()
    expires_at = now + timedelta(hours=settings.TOKEN_TTL_HOURS)
    with transaction.atomic():
        # The user's row lock makes the logins of one user issue their tokens one at a time, so
        # that each counts the others' before trimming to the cap.
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk").first()
        Token.objects.create(digest=token_digest(key), user=user, created_at=now, expires_at=expires_at)
        kept = (
            Token.objects.filter(user=user, expires_at__gt=now)
            .order_by("-created_at", "-digest")
            .values("digest")[: settings.TOKENS_PER_USER_MAX]
        )
        Token.objects.filter(user=user).exclude(digest__in=kept).delete()
    return IssuedToken(key=key, user_id=user.pk, expires_at=expires_at)


def token_issue(*, username: str, password: str) -> IssuedToken:
    """Return a new API token for the user with these credentials."""
    user = authenticate(username=username, password=password)
    if user is None:
        # The same answer for an unknown user, a wrong password and an inactive account.
        raise exceptions.AuthenticationFailed("Invalid username or password.", code="invalid_credentials")
    return token_create(user=user)


def token_revoke(*, token: Token) -> None:
    """End the session that this token stands for; the user's other devices stay logged in."""
    Token.objects.filter(digest=token.digest).delete()


def tokens_purge_expired() -> int:
    """Delete the tokens past their expiry (they no longer authenticate); return how many."""
    deleted, _ = Token.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
