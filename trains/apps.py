from django.apps import AppConfig


class TrainsConfig(AppConfig):
    name = "trains"
    default_auto_field = "django.db.models.BigAutoField"
