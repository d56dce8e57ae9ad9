from django.urls import path

from cloudpeds.core.views import home

app_name = "audit"

# Placeholder route until the audit pages land (replace `home` with the audit index view).
urlpatterns = [
    path("", home, name="index"),
]
