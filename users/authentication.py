"""Token authentication for the API: DRF's `Token` header, checked against stored digests in one query."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from users.models import Token, User, token_digest


class TokenAuthentication(authentication.TokenAuthentication):
    model = Token

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        # Expiry and a deactivated account are conditions of the one query (the token joined to
        # its user), so that every refusal is the same "no such token".
        try:
            token = Token.objects.select_related("user").get(
                digest=token_digest(key), expires_at__gt=timezone.now(), user__is_active=True
            )
        except Token.DoesNotExist:
            # Unknown, expired, logged out or of a deactivated user: one answer, nothing to tell apart.
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        return token.user, token
