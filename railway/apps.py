from django.apps import AppConfig
from django.db.models.signals import post_migrate

from railway.db.timeouts import role_timeouts_on_migrate


class RailwayConfig(AppConfig):
    name = "railway"

    def ready(self) -> None:
        # Once per `migrate`: Django sends post_migrate to each app that has a models module.
        post_migrate.connect(role_timeouts_on_migrate, sender=self, dispatch_uid="railway.role_timeouts")
