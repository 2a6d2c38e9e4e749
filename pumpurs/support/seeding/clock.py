"""The story clock: ``django.utils.timezone.now`` set to each step of the story, and the
date helpers the story counts its days with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.utils import timezone


class StoryClock:
    """Stands in for ``django.utils.timezone.now`` while the seed writes a story (see the module
    docstring); ``set`` moves it, leaving the block restores the real clock."""

    def __init__(self, latest: dt.date) -> None:
        self.latest = latest
        self.moment = timezone.now()

    def __call__(self) -> dt.datetime:
        return self.moment

    def set(self, moment: dt.datetime) -> dt.datetime:
        if timezone.localtime(moment).date() > self.latest:
            raise ValueError(f"The story would run past the seed's today ({moment:%Y-%m-%d %H:%M}).")
        self.moment = moment
        return moment

    @contextmanager
    def running(self) -> Iterator[StoryClock]:
        real: Callable[[], dt.datetime] = timezone.now
        timezone.now = self  # the seed's story clock, restored below
        try:
            yield self
        finally:
            timezone.now = real


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
