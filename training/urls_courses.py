from django.urls import path

from . import views_courses as views

urlpatterns = [
    # Learners
    path("", views.index, name="index"),
    path("courses/<slug:slug>/", views.course, name="course"),
    path("courses/<slug:slug>/enrol/", views.enrol_self, name="enrol_self"),
    path("enrolments/<uuid:public_id>/", views.enrolment, name="enrolment"),
    path("lessons/<uuid:public_id>/", views.lesson, name="lesson"),
    path("lessons/<uuid:public_id>/video/", views.lesson_video, name="lesson_video"),
    path("lessons/<uuid:public_id>/heartbeat/", views.record_heartbeat, name="heartbeat"),
    path("lessons/<uuid:public_id>/read/", views.confirm_reading, name="confirm_reading"),
    # Training managers
    path("manage/", views.manage_courses, name="manage"),
    path("manage/new/", views.create_course, name="create_course"),
    path("manage/<slug:slug>/", views.manage_course, name="manage_course"),
    path("manage/<slug:slug>/edit/", views.edit_course, name="edit_course"),
    path("manage/<slug:slug>/publish/", views.publish_course, name="publish_course"),
    path("manage/<slug:slug>/unpublish/", views.unpublish_course, name="unpublish_course"),
    path("manage/<slug:slug>/modules/new/", views.add_module, name="add_module"),
    path("manage/modules/<uuid:public_id>/edit/", views.edit_module, name="edit_module"),
    path("manage/modules/<uuid:public_id>/lessons/new/", views.add_lesson, name="add_lesson"),
    path("manage/lessons/<uuid:public_id>/edit/", views.edit_lesson, name="edit_lesson"),
    path("manage/<slug:slug>/enrol/", views.enrol_person, name="enrol_person"),
    path("manage/<slug:slug>/cohort/", views.enrol_cohort, name="enrol_cohort"),
    path("manage/<slug:slug>/progress/", views.course_progress, name="course_progress"),
    path("manage/<slug:slug>/progress.csv", views.export_progress, name="export_progress"),
    path("manage/enrolments/<uuid:public_id>/due-date/", views.set_due_date, name="set_due_date"),
]
