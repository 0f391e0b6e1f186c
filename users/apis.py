"""HTTP endpoints for accounts: register, login, logout."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from railway.api import StrictCharField
from railway.openapi import bad_request, error_response
from users.services import token_issue, token_revoke, user_register
from users.throttling import LOGIN_THROTTLES, REGISTER_THROTTLES


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()


class RegisterApi(APIView):
    """Register a passenger account.

    Usernames and e-mails are unique ignoring case; the password must pass the password validators.
    Attempts are limited per client address and per username.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = REGISTER_THROTTLES

    class InputSerializer(serializers.Serializer):
        # Length and characters are the registration's to check, once the name is normalised
        # (users.usernames); this bounds what is read.
        username = StrictCharField(
            max_length=150,
            help_text="Letters, digits and @ . + - _, at most 150 characters once normalised (NFKC).",
        )
        email = serializers.EmailField(max_length=254)
        password = StrictCharField(max_length=128, trim_whitespace=False)

    @extend_schema(
        request=InputSerializer,
        examples=[
            OpenApiExample(
                "A passenger",
                value={"username": "asha", "email": "asha@example.com", "password": "a-long-passphrase"},
                request_only=True,
            )
        ],
        responses={
            201: UserOutputSerializer,
            400: bad_request(
                "A field is missing or invalid, the password is weak, or the username or e-mail is taken."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    """Log in: exchange a username and password for an API token.

    Send the token as `Authorization: Token <key>` on every other call. Each login issues a new
    token (one per device) that works until it expires (`TOKEN_TTL_HOURS`, 7 days by default) or
    is logged out. The username matches ignoring case. Attempts are limited per client address
    and per username, whether the password is right or not.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = LOGIN_THROTTLES

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        user_id = serializers.IntegerField()

    def get_authenticate_header(self, request: Request) -> str:
        # Without authentication classes DRF turns AuthenticationFailed into a 403;
        # naming the scheme keeps wrong credentials a 401, as the contract says.
        return TokenAuthentication.keyword

    @extend_schema(
        request=InputSerializer,
        examples=[
            OpenApiExample(
                "A passenger",
                value={"username": "asha", "password": "a-long-passphrase"},
                request_only=True,
            )
        ],
        responses={
            200: OutputSerializer,
            400: bad_request("A field is missing or invalid."),
            401: error_response("`invalid_credentials`: wrong username or password."),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = token_issue(**data.validated_data)
        return Response(self.OutputSerializer({"token": issued.key, "user_id": issued.user_id}).data)


class LogoutApi(APIView):
    """Log out: the token used for this call stops working; the user's other devices stay logged in."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
