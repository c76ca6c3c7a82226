from django.apps import AppConfig


class WallboardConfig(AppConfig):
    name = "wallboard"
    verbose_name = "Wallboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from wallboard import checks, signals  # noqa: F401  (registers checks and signals)
