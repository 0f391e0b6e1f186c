"""HTTP endpoints for accounts: register, login, logout."""

from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from railway.api import StrictCharField
from users.services import token_issue, token_revoke, user_register


class StrictRegexField(StrictCharField, serializers.RegexField):
    pass


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()


class RegisterApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = StrictRegexField(
            r"^[\w.@+-]+\Z",
            max_length=150,
            error_messages={"invalid": "Use only letters, digits and @/./+/-/_ characters."},
        )
        email = serializers.EmailField(max_length=254)
        password = StrictCharField(max_length=128, trim_whitespace=False)

    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    def get_authenticate_header(self, request: Request) -> str:
        # Without authentication classes DRF turns AuthenticationFailed into a 403;
        # naming the scheme keeps wrong credentials a 401, as the contract says.
        return TokenAuthentication.keyword

    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = token_issue(**data.validated_data)
        return Response({"token": token.key, "user_id": token.user_id})


class LogoutApi(APIView):
    def post(self, request: Request) -> Response:
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
