"""The story's time: the moment each step of the seed's story happens, handed to every service the
story calls as its ``now`` (decision record 0013). It replaces nothing: the process clock stays
the real one, and a service called without ``now`` judges by it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


class StoryClock:
    """Where the story has got to. ``set`` moves it — never past the seed's ``today`` (a story of
    things that have not happened yet would be refused by the services anyway)."""

    def __init__(self, latest: dt.date) -> None:
        self.latest = latest
        self.moment = at(latest, 7)

    def set(self, moment: dt.datetime) -> dt.datetime:
        if timezone.localtime(moment).date() > self.latest:
            raise ValueError(f"The story would run past the seed's today ({moment:%Y-%m-%d %H:%M}).")
        self.moment = moment
        return moment


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
