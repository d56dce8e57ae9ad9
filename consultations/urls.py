"""Every route of the consultations app."""

from django.urls import path

from .views import answering, asking, conferences, metrics, reports, signatures

app_name = "consultations"

urlpatterns = [
    # The requesting doctor's side
    path("", asking.index, name="index"),
    path("new/", asking.new_consultation, name="new"),
    path("new/<uuid:patient_id>/", asking.start_consultation, name="start"),
    path("new/<uuid:patient_id>/autosave/", asking.autosave_new, name="autosave_new"),
    path("<uuid:public_id>/", asking.detail, name="detail"),
    path("<uuid:public_id>/edit/", asking.edit_draft, name="edit"),
    path("<uuid:public_id>/autosave/", asking.autosave_draft, name="autosave_draft"),
    path("<uuid:public_id>/messages/", asking.post_message, name="post_message"),
    path("<uuid:public_id>/information/", asking.provide_info, name="provide_info"),
    path("<uuid:public_id>/close/", asking.close_consultation, name="close"),
    path("<uuid:public_id>/withdraw/", asking.withdraw_consultation, name="withdraw"),
    # The specialists' side
    path("queue/", answering.queue, name="queue"),
    path("<uuid:public_id>/specialist-panel/", answering.specialist_panel, name="specialist_panel"),
    path("<uuid:public_id>/claim/", answering.claim, name="claim"),
    path("<uuid:public_id>/assign/", answering.assign, name="assign"),
    path("<uuid:public_id>/request-info/", answering.request_info, name="request_info"),
    path("<uuid:public_id>/redirect/", answering.redirect_consultation, name="redirect"),
    path("<uuid:public_id>/decline/", answering.decline, name="decline"),
    path("<uuid:public_id>/answer/", answering.answer, name="answer"),
    # The signed opinion (issue 15)
    path("<uuid:public_id>/signature/", signatures.verify_signature, name="signature"),
    # The report PDF
    path("<uuid:public_id>/report-panel/", reports.report_panel, name="report_panel"),
    path("<uuid:public_id>/report/", reports.request_report, name="report_request"),
    path("<uuid:public_id>/report/download/", reports.download_report, name="report_download"),
    # Live case conferences
    path("conferences/", conferences.conferences, name="conferences"),
    path("<uuid:public_id>/conference-panel/", conferences.conference_panel, name="conference_panel"),
    path("<uuid:public_id>/conferences/schedule/", conferences.schedule_conference, name="conference_schedule"),
    path("conferences/<uuid:conference_id>/summary/", conferences.record_summary, name="conference_summary"),
    # Metrics
    path("metrics/", metrics.metrics, name="metrics"),
]
