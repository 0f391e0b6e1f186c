"""Token authentication for the API: DRF's `Token` header, checked against stored digests in one query."""

from django.db import connection
from django.utils import timezone
from rest_framework import authentication, exceptions

from users.models import Token, User, token_digest

# Every authenticated request runs this; a raw query skips the ORM's compilation of a joined
# lookup, which costs more than the query itself. Expiry and a deactivated account are
# conditions of the query, so that every refusal is the same "no such token".
_USER_OF_TOKEN = (
    f"SELECT u.* FROM {User._meta.db_table} u "  # noqa: S608 - table names only
    f"JOIN {Token._meta.db_table} t ON t.user_id = u.id "
    "WHERE t.digest = %s AND t.expires_at > %s AND u.is_active"
)


class TokenAuthentication(authentication.TokenAuthentication):
    model = Token

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        digest = token_digest(key)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        user = next(iter(User.objects.raw(_USER_OF_TOKEN, [digest, now])), None)
        if user is None:
            # Unknown, expired, logged out or of a deactivated user: one answer, nothing to tell apart.
            raise exceptions.AuthenticationFailed("Invalid token.")
        # The token row as stored, for logout to delete.
        token = Token(digest=digest, user=user)
        token._state.adding = False
        token._state.db = user._state.db
        return user, token
