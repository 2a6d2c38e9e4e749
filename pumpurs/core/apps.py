from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pumpurs.core"
    label = "core"
