from django.urls import path

from . import views_topics as views

# Included by handbook/urls.py (app_name "handbook").
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("pdf/", views.handbook_pdf, name="handbook_pdf"),
    path("pdf/<int:edition_id>/download/", views.handbook_pdf_download, name="handbook_pdf_download"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
    path("topics/<slug:slug>/pdf/", views.topic_pdf, name="topic_pdf"),
    path("topics/<slug:slug>/changes/", views.changes, name="changes"),
    path("topics/<slug:slug>/drafts/", views.start_draft, name="start_draft"),
    path("topics/<slug:slug>/v/<int:number>/", views.version_detail, name="version"),
    path("topics/<slug:slug>/v/<int:number>/pdf/", views.version_pdf, name="version_pdf"),
    path("topics/<slug:slug>/v/<int:number>/video/", views.version_video, name="video"),
    path("topics/<slug:slug>/v/<int:number>/edit/", views.edit_version, name="edit_version"),
    path("topics/<slug:slug>/v/<int:number>/submit/", views.submit_version, name="submit"),
    path("topics/<slug:slug>/v/<int:number>/return/", views.return_version, name="return"),
    path("topics/<slug:slug>/v/<int:number>/approve/", views.approve_version, name="approve"),
    path("editor/", views.editor_home, name="editor"),
    path("editor/review-due/", views.review_due, name="review_due"),
    path("editor/usage/", views.usage, name="usage"),
    path("editor/topics/new/", views.new_topic, name="new_topic"),
    path("editor/topics/<slug:slug>/settings/", views.topic_settings, name="topic_settings"),
]
