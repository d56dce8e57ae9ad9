"""Every route of the training app.

`urlpatterns` is mounted at /training/ (namespace "training"). `verification_patterns` is
mounted at /certificates/ (namespace "certificates") by the project urlconf: the public
verification page lives outside /training/ because printed certificates and their QR codes
carry /certificates/verify/<code>/.
"""

from django.urls import path

from .views import certificates, courses, exams, teaching, verification

app_name = "training"

urlpatterns = [
    # Teaching cases, case conferences and the CME credit ledger (training/views/teaching.py)
    path("teaching-cases/", teaching.teaching_cases, name="teaching_cases"),
    path("teaching-cases/candidates/", teaching.teaching_candidates, name="teaching_candidates"),
    path("teaching-cases/from/<uuid:public_id>/", teaching.new_teaching_case, name="new_teaching_case"),
    path("teaching-cases/<uuid:public_id>/", teaching.teaching_case, name="teaching_case"),
    path("conferences/new/", teaching.new_conference, name="new_conference"),
    path("conferences/<uuid:public_id>/", teaching.conference, name="conference"),
    path("credits/", teaching.ledger, name="ledger"),
    path("credits/<str:username>/", teaching.ledger, name="ledger_of"),
    # Learners: courses and lessons
    path("", courses.index, name="index"),
    path("courses/<slug:slug>/", courses.course, name="course"),
    path("courses/<slug:slug>/enrol/", courses.enrol_self, name="enrol_self"),
    path("enrolments/<uuid:public_id>/", courses.enrolment, name="enrolment"),
    path("lessons/<uuid:public_id>/", courses.lesson, name="lesson"),
    path("lessons/<uuid:public_id>/video/", courses.lesson_video, name="lesson_video"),
    path("lessons/<uuid:public_id>/heartbeat/", courses.record_heartbeat, name="heartbeat"),
    path("lessons/<uuid:public_id>/read/", courses.confirm_reading, name="confirm_reading"),
    # Training managers: courses, modules, lessons, enrolment, progress
    path("manage/", courses.manage_courses, name="manage"),
    path("manage/new/", courses.create_course, name="create_course"),
    path("manage/<slug:slug>/", courses.manage_course, name="manage_course"),
    path("manage/<slug:slug>/edit/", courses.edit_course, name="edit_course"),
    path("manage/<slug:slug>/publish/", courses.publish_course, name="publish_course"),
    path("manage/<slug:slug>/unpublish/", courses.unpublish_course, name="unpublish_course"),
    path("manage/<slug:slug>/modules/new/", courses.add_module, name="add_module"),
    path("manage/modules/<uuid:public_id>/edit/", courses.edit_module, name="edit_module"),
    path("manage/modules/<uuid:public_id>/lessons/new/", courses.add_lesson, name="add_lesson"),
    path("manage/lessons/<uuid:public_id>/edit/", courses.edit_lesson, name="edit_lesson"),
    path("manage/<slug:slug>/enrol/", courses.enrol_person, name="enrol_person"),
    path("manage/<slug:slug>/cohort/", courses.enrol_cohort, name="enrol_cohort"),
    path("manage/<slug:slug>/progress/", courses.course_progress, name="course_progress"),
    path("manage/<slug:slug>/progress.csv", courses.export_progress, name="export_progress"),
    path("manage/enrolments/<uuid:public_id>/due-date/", courses.set_due_date, name="set_due_date"),
    # Learners: exams and certificates
    path("courses/<slug:slug>/exam-panel/", exams.exam_panel, name="exam_panel"),
    path("courses/<slug:slug>/exam/start/", exams.start_exam, name="exam_start"),
    path("attempts/<uuid:public_id>/", exams.take_exam, name="attempt"),
    path("attempts/<uuid:public_id>/answers/<int:position>/", exams.save_answer, name="attempt_answer"),
    path("attempts/<uuid:public_id>/flags/<int:position>/", exams.flag_question, name="attempt_flag"),
    path("attempts/<uuid:public_id>/summary/", exams.attempt_summary, name="attempt_summary"),
    path("attempts/<uuid:public_id>/submit/", exams.submit_attempt, name="attempt_submit"),
    path("attempts/<uuid:public_id>/result/", exams.attempt_result, name="attempt_result"),
    path("certificates/", certificates.my_certificates, name="my_certificates"),
    path("certificates/panel/", certificates.my_certificates_panel, name="my_certificates_panel"),
    path("certificates/<uuid:public_id>/", certificates.certificate_detail, name="certificate"),
    path("certificates/<uuid:public_id>/pdf-panel/", certificates.certificate_pdf_panel, name="certificate_pdf_panel"),
    path("certificates/<uuid:public_id>/pdf/", certificates.request_certificate_pdf, name="certificate_pdf_request"),
    path("certificates/<uuid:public_id>/download/", certificates.download_certificate, name="certificate_download"),
    # Training managers: question banks and exams
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
    # Training managers: certificates. Not under manage/: the courses' manage/<slug>/ would
    # take "certificates" for a course.
    path("certificates/manage/", certificates.manage_certificates, name="manage_certificates"),
    path("certificates/<uuid:public_id>/revoke/", certificates.revoke_certificate, name="certificate_revoke"),
    path("certificates/<uuid:public_id>/reissue/", certificates.reissue_certificate, name="certificate_reissue"),
]

# The public verification pages, without sign-in (namespace "certificates").
verification_patterns = (
    [
        path("verify/", verification.verify_lookup, name="verify_lookup"),
        path("verify/<str:code>/", verification.verify, name="verify"),
    ],
    "certificates",
)
