from django.urls import path

from . import views

app_name = "attachments"

urlpatterns = [
    path("patient/<uuid:patient_id>/", views.patient_files, name="patient_files"),
    path("patient/<uuid:patient_id>/all/", views.patient_files_page, name="patient_files_page"),
    path("patient/<uuid:patient_id>/upload/", views.upload, name="upload"),
    path("<uuid:attachment_id>/download/", views.download, name="download"),
    path("<uuid:attachment_id>/view/", views.inline, name="inline"),
    path("<uuid:attachment_id>/thumbnail/", views.thumbnail, name="thumbnail"),
]
