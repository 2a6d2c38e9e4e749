from django.urls import path

from pumpurs.risk import absences_views, thresholds_views, views

urlpatterns = [
    path("watch/", views.watch_list, name="watch_list"),
    path("watch/<uuid:public_id>/capacity/", views.capacity_update, name="capacity_update"),
    path("flags/<uuid:public_id>/decide/", views.flag_decide, name="flag_decide"),
    path("municipality/", views.municipality_index, name="risk_municipality_index"),
    path("municipality/<uuid:public_id>/", views.municipality, name="risk_municipality"),
    path("fairness/", views.fairness, name="risk_fairness"),
    path("absences/<uuid:public_id>/", absences_views.follow_up, name="risk_absence_follow_up"),
    path("thresholds/<uuid:public_id>/", thresholds_views.thresholds, name="risk_thresholds"),
]
