from django.urls import URLPattern

app_name = "support_catalogue"
urlpatterns: list[URLPattern] = []
