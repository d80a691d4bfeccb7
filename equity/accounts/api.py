"""Accounts and tokens (CONTRACT.md, Accounts)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from equity.accounts.models import Language
from equity.accounts.services import account_register, token_issue
from equity.rest import ScopedRateThrottle, error_responses, parse


class AccountRegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(write_only=True)
        role = serializers.CharField()
        full_name = serializers.CharField(max_length=200)
        province = serializers.CharField(max_length=3)
        country = serializers.CharField(max_length=2)
        birth_date = serializers.DateField(required=False, allow_null=True)
        language = serializers.ChoiceField(choices=Language.choices, default=Language.FRENCH)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        role = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        data = parse(self.InputSerializer, request.data)
        user = account_register(**{**data, "birth_date": data.get("birth_date")})
        return Response(self.OutputSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenObtainApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(write_only=True)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            **error_responses(400, 401, 429),
        },
    )
    def post(self, request: Request) -> Response:
        data = parse(self.InputSerializer, request.data)
        return Response({"token": token_issue(**data)})
