"""The report PDF, live case conferences and the metrics page."""

from django.urls import path

from .views import conferences, metrics, reports

urlpatterns = [
    path("<uuid:public_id>/report-panel/", reports.report_panel, name="report_panel"),
    path("<uuid:public_id>/report/", reports.request_report, name="report_request"),
    path("<uuid:public_id>/report/download/", reports.download_report, name="report_download"),
    path("conferences/", conferences.conferences, name="conferences"),
    path("<uuid:public_id>/conference-panel/", conferences.conference_panel, name="conference_panel"),
    path("<uuid:public_id>/conferences/schedule/", conferences.schedule_conference, name="conference_schedule"),
    path("conferences/<uuid:conference_id>/summary/", conferences.record_summary, name="conference_summary"),
    path("metrics/", metrics.metrics, name="metrics"),
]
