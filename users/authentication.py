"""Token authentication for the API: DRF's `Token` header, checked against stored digests in one query."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from users.models import Token, User, token_digest

# A SQL text, the same on both databases: composing it with the ORM cost a quarter of a
# booking's Python. Expiry and a deactivated account are conditions of the one query, so that
# every refusal is the same "no such token"; the token is a subquery, not a join, which costs
# PostgreSQL more to plan than the lookup costs to run.
_USER_OF_TOKEN = (
    "SELECT users_user.* FROM users_user"
    " WHERE users_user.id = (SELECT users_token.user_id FROM users_token"
    " WHERE users_token.digest = %s AND users_token.expires_at > %s) AND users_user.is_active"
)


class TokenAuthentication(authentication.TokenAuthentication):
    model = Token

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        digest = token_digest(key)
        now = timezone.now()
        user = next(iter(User.objects.raw(_USER_OF_TOKEN, [digest, now])), None)
        if user is None:
            # Unknown, expired, logged out or of a deactivated user: one answer, nothing to tell apart.
            raise exceptions.AuthenticationFailed("Invalid token.")
        # What the request needs of its token: which one it is (logout deletes it by digest).
        return user, Token(digest=digest, user=user)
