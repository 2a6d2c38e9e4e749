from django.apps import AppConfig


class WorldConfig(AppConfig):
    name = "pumpurs.world"
    label = "world"
