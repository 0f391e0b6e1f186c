"""Token authentication for the API: DRF's `Token` header, checked against stored digests in one query."""

from django.db import connection
from django.utils import timezone
from rest_framework import authentication, exceptions

from railway.prepared import execute_prepared
from users.models import Token, User, token_digest

# Every authenticated request runs this. A raw query skips the ORM's compilation of a joined
# lookup, and preparing it once per connection skips PostgreSQL's planning, each of which cost
# more than running it. Expiry and a deactivated account are conditions of the query, so that
# every refusal is the same "no such token". Columns in the model's field order, for from_db().
_USER_COLUMNS = [field.column for field in User._meta.concrete_fields]
_USER_OF_TOKEN = (
    f"SELECT {', '.join(f'u.{column}' for column in _USER_COLUMNS)} "  # noqa: S608 - names only
    f"FROM {User._meta.db_table} u "
    f"JOIN {Token._meta.db_table} t ON t.user_id = u.id "
    "WHERE t.digest = %s AND t.expires_at > %s AND u.is_active"
)


class TokenAuthentication(authentication.TokenAuthentication):
    model = Token

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        digest = token_digest(key)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            execute_prepared(cursor, "users_user_of_token", _USER_OF_TOKEN, [digest, now])
            row = cursor.fetchone()
        if row is None:
            # Unknown, expired, logged out or of a deactivated user: one answer, nothing to tell apart.
            raise exceptions.AuthenticationFailed("Invalid token.")
        user = User.from_db(connection.alias, [field.attname for field in User._meta.concrete_fields], row)
        # The token row as stored, for logout to delete.
        token = Token(digest=digest, user=user)
        token._state.adding = False
        token._state.db = user._state.db
        return user, token
