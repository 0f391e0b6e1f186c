"""Token authentication that refuses, rather than crashes on, keys PostgreSQL cannot compare."""

from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple:
        # PostgreSQL rejects a NUL in a query parameter with a ValueError, which would be a 500.
        if "\x00" in key:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
