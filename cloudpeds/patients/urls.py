from django.urls import path

from cloudpeds.core.views import home

app_name = "patients"

# Placeholder route until the patient pages land (replace `home` with the list view).
urlpatterns = [
    path("", home, name="list"),
]
