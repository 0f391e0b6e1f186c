"""Token authentication for the API: DRF's `Token` header, checked against stored digests in one query."""

from django.db import connection
from django.utils import timezone
from rest_framework import authentication, exceptions

from users.models import Token, User, token_digest

# A SQL text, the same on both databases: composing it with the ORM cost more than running it.
# Expiry and a deactivated account are conditions of the one query, so that every refusal is
# the same "no such token". The token is a subquery rather than a join, which PostgreSQL takes
# longer to plan than to run. It reads only the user's fields a request needs; any other loads
# on first use.
_USER_OF_TOKEN = (
    "SELECT users_user.id, users_user.username, users_user.is_staff, users_user.is_superuser"
    " FROM users_user WHERE users_user.id = (SELECT users_token.user_id FROM users_token"
    " WHERE users_token.digest = %s AND users_token.expires_at > %s) AND users_user.is_active"
)


class TokenAuthentication(authentication.TokenAuthentication):
    model = Token

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        digest = token_digest(key)
        with connection.cursor() as cursor:
            cursor.execute(_USER_OF_TOKEN, [digest, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:
            # Unknown, expired, logged out or of a deactivated user: one answer, nothing to tell apart.
            raise exceptions.AuthenticationFailed("Invalid token.")
        user_id, username, is_staff, is_superuser = row
        # SQLite hands booleans over as integers; the query found the user active.
        loaded = {
            "id": user_id,
            "username": username,
            "is_staff": bool(is_staff),
            "is_superuser": bool(is_superuser),
            "is_active": True,
        }
        # from_db takes the values in the model's field order.
        names = [field.attname for field in User._meta.concrete_fields if field.attname in loaded]
        user = User.from_db(connection.alias, names, [loaded[name] for name in names])
        # What the request needs of its token: which one it is (logout deletes it by digest).
        return user, Token(digest=digest, user=user)
