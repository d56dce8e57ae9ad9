from django.urls import path

from .views import pages

app_name = "outcomes"

urlpatterns = [
    path("", pages.index, name="index"),
    path("<slug:code>/", pages.hospital_page, name="hospital"),
    path("<slug:code>/outcomes.csv", pages.hospital_csv, name="csv"),
    path("<slug:code>/report.pdf", pages.hospital_pdf, name="pdf"),
]
