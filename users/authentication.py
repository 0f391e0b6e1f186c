"""Token authentication for the API: DRF's `Token` header and tokens, read in one plain query."""

from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from users.models import User

# Every authenticated request runs this; a raw query skips the ORM's compilation of the
# select_related lookup DRF uses, which costs more than the query itself.
_USER_OF_TOKEN = (
    f"SELECT u.* FROM {User._meta.db_table} u "  # noqa: S608 - table names only
    f"JOIN {Token._meta.db_table} t ON t.user_id = u.id WHERE t.key = %s"
)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        # PostgreSQL rejects a NUL in a query parameter with a ValueError, which would be a 500.
        if "\x00" in key:
            raise exceptions.AuthenticationFailed("Invalid token.")
        user = next(iter(User.objects.raw(_USER_OF_TOKEN, [key])), None)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        # The token row as stored: logout deletes it by its key.
        token = Token(key=key, user=user)
        token._state.adding = False
        token._state.db = user._state.db
        return user, token
