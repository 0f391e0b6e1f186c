"""Health probes for load balancers and orchestrators: /healthz (alive) and /readyz (able to serve).

Both are public, never throttled, and exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT),
so that a plain-HTTP probe from inside the network reaches them as a proxy's HTTPS request does.
"""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from railway.errors import Unavailable
from railway.openapi import error_response


class DatabaseUnavailable(Unavailable):
    default_detail = "The database cannot be reached."
    default_code = "database_unavailable"


class MigrationsPending(Unavailable):
    default_detail = "The database lacks migrations this version needs."
    default_code = "migrations_pending"


def migrations_pending() -> bool:
    """Return whether the database lacks any migration the code has; raise DatabaseError if unreachable."""
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def service_readiness_check() -> None:
    """Raise DatabaseUnavailable or MigrationsPending unless the service can serve requests."""
    try:
        pending = migrations_pending()
    except DatabaseError:
        raise DatabaseUnavailable() from None
    if pending:
        raise MigrationsPending()


class HealthOutputSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="`ok`.")


class ProbeApi(APIView):
    # No token lookup, no throttle: a probe must neither touch the database nor be turned away.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


class HealthzApi(ProbeApi):
    """Answer that the process is alive and serving HTTP; the database is not consulted.

    For liveness probes: a failure means the process should be restarted.
    """

    @extend_schema(
        tags=["health"], responses={200: HealthOutputSerializer}, extensions={"x-no-database": True}
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class ReadyzApi(ProbeApi):
    """Answer whether the service can serve requests: the database is reachable and fully migrated.

    For readiness probes and load balancers: a 503 means send no traffic here for now.
    """

    @extend_schema(
        tags=["health"],
        responses={
            200: HealthOutputSerializer,
            503: error_response(
                "`database_unavailable`: the database cannot be reached; "
                "`migrations_pending`: the database lacks migrations this version needs."
            ),
        },
    )
    def get(self, request: Request) -> Response:
        service_readiness_check()
        return Response({"status": "ok"})
