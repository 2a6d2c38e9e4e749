from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pumpurs.core"
    label = "core"

    def ready(self) -> None:
        # Registers the SQLite text-folding function on every new connection.
        from pumpurs.core import text  # noqa: F401
