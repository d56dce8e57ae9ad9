"""Exams and certificates, under /training/ (joined into training/urls.py, namespace "training")."""

from django.urls import path

from . import views_certificates as certificates
from . import views_exams as exams

urlpatterns = [
    # The learner
    path("courses/<slug:slug>/exam-panel/", exams.exam_panel, name="exam_panel"),
    path("courses/<slug:slug>/exam/start/", exams.start_exam, name="exam_start"),
    path("attempts/<uuid:public_id>/", exams.take_exam, name="attempt"),
    path("attempts/<uuid:public_id>/answers/<int:position>/", exams.save_answer, name="attempt_answer"),
    path("attempts/<uuid:public_id>/submit/", exams.submit_attempt, name="attempt_submit"),
    path("attempts/<uuid:public_id>/result/", exams.attempt_result, name="attempt_result"),
    path("certificates/", certificates.my_certificates, name="my_certificates"),
    path("certificates/panel/", certificates.my_certificates_panel, name="my_certificates_panel"),
    path("certificates/<uuid:public_id>/", certificates.certificate_detail, name="certificate"),
    path("certificates/<uuid:public_id>/pdf-panel/", certificates.certificate_pdf_panel, name="certificate_pdf_panel"),
    path("certificates/<uuid:public_id>/pdf/", certificates.request_certificate_pdf, name="certificate_pdf_request"),
    path("certificates/<uuid:public_id>/download/", certificates.download_certificate, name="certificate_download"),
    # Training managers
    path("manage/courses/<slug:slug>/questions/", exams.question_bank, name="question_bank"),
    path("manage/courses/<slug:slug>/questions/categories/", exams.add_category, name="question_category_add"),
    path("manage/courses/<slug:slug>/questions/new/", exams.new_question, name="question_new"),
    path("manage/courses/<slug:slug>/questions/import/", exams.import_questions, name="question_import"),
    path("manage/questions/template.csv", exams.question_template, name="question_template"),
    path("manage/questions/<uuid:public_id>/", exams.edit_question, name="question_edit"),
    path("manage/questions/<uuid:public_id>/retire/", exams.retire_question, name="question_retire"),
    path("manage/questions/<uuid:public_id>/restore/", exams.restore_question, name="question_restore"),
    path("manage/courses/<slug:slug>/exam/", exams.exam_settings, name="exam_settings"),
    path("manage/courses/<slug:slug>/exam/publish/", exams.publish_exam, name="exam_publish"),
    path("manage/courses/<slug:slug>/exam/unpublish/", exams.unpublish_exam, name="exam_unpublish"),
    path("manage/courses/<slug:slug>/exam/overrides/", exams.exam_overrides, name="exam_overrides"),
    path("manage/courses/<slug:slug>/exam/analysis/", exams.item_analysis, name="item_analysis"),
    # Not under manage/: the courses' manage/<slug>/ would take "certificates" for a course.
    path("certificates/manage/", certificates.manage_certificates, name="manage_certificates"),
    path("certificates/<uuid:public_id>/revoke/", certificates.revoke_certificate, name="certificate_revoke"),
    path("certificates/<uuid:public_id>/reissue/", certificates.reissue_certificate, name="certificate_reissue"),
]
