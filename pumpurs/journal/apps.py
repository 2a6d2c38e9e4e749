from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "pumpurs.journal"
    label = "journal"
    verbose_name = _("School journal: attendance, grades, behaviour")

    def ready(self) -> None:
        from pumpurs.journal.partitions import school_year_saved
        from pumpurs.people.models import SchoolYear

        # A school year's fact partitions exist from the day the year does (decision 0055).
        post_save.connect(school_year_saved, sender=SchoolYear, dispatch_uid="journal.partitions.school_year_saved")
