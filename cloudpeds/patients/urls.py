from django.urls import path

from . import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.register_patient, name="register"),
    path("<uuid:public_id>/", views.patient_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.edit_patient, name="edit"),
    path("<uuid:public_id>/measurements/", views.add_measurement, name="add_measurement"),
    path("<uuid:public_id>/consent/", views.record_consent, name="record_consent"),
    path("<uuid:public_id>/consent/withdraw/", views.withdraw_consent, name="withdraw_consent"),
    path(
        "<uuid:public_id>/service-consent/withdraw/",
        views.withdraw_service_consent,
        name="withdraw_service_consent",
    ),
]
