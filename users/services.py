"""Writes on users: registration and API tokens."""

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

from users.models import User


def user_register(*, username: str, email: str, password: str) -> User:
    """Create a passenger account; raise a field-keyed ValidationError on any refusal."""
    username = username.strip()
    email = email.strip()
    errors = _taken_fields(username=username, email=email)
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


def _taken_fields(*, username: str, email: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["A user with that username already exists."]
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["A user with that email already exists."]
    return errors


def token_issue(*, username: str, password: str) -> Token:
    """Return the API token of the user with these credentials, creating it if needed."""
    user = authenticate(username=username, password=password)
    if user is None:
        raise exceptions.AuthenticationFailed("Invalid username or password.", code="invalid_credentials")
    try:
        with transaction.atomic():
            token, _ = Token.objects.get_or_create(user=user)
    except IntegrityError:
        # A simultaneous login of the same user created it first.
        token = Token.objects.get(user=user)
    return token


def token_revoke(*, token: Token) -> None:
    """End the session that this token stands for."""
    token.delete()
