from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "pumpurs.privacy"
    label = "privacy"
