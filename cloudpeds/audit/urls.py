from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.index, name="index"),
    path("patients/<uuid:public_id>/", views.patient_events, name="patient"),
    path("users/<uuid:public_id>/", views.user_events, name="user"),
    path("security/", views.security_log, name="security"),
]
