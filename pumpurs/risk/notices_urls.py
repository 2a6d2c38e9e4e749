from django.urls import path

from pumpurs.risk import notices_views

urlpatterns = [
    path("", notices_views.outbox, name="notice_outbox"),
    path("schools/<uuid:public_id>/same-day/", notices_views.same_day_setting, name="notice_same_day_setting"),
]
