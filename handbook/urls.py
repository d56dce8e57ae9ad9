from django.urls import path

from .views import dosing, editing, pathways, pdf, reading, reference, triage

app_name = "handbook"

urlpatterns = [
    # Reading
    path("", reading.index, name="index"),
    path("search/", reading.search, name="search"),
    path("topics/<slug:slug>/", reading.topic, name="topic"),
    path("topics/<slug:slug>/changes/", reading.changes, name="changes"),
    path("topics/<slug:slug>/v/<int:number>/", reading.version_detail, name="version"),
    path("topics/<slug:slug>/v/<int:number>/video/", reading.version_video, name="video"),
    # PDFs
    path("pdf/", pdf.handbook_pdf, name="handbook_pdf"),
    path("pdf/<int:edition_id>/download/", pdf.handbook_pdf_download, name="handbook_pdf_download"),
    path("topics/<slug:slug>/pdf/", pdf.topic_pdf, name="topic_pdf"),
    path("topics/<slug:slug>/v/<int:number>/pdf/", pdf.version_pdf, name="version_pdf"),
    # Editing topics
    path("editor/", editing.editor_home, name="editor"),
    path("editor/review-due/", editing.review_due, name="review_due"),
    path("editor/usage/", editing.usage, name="usage"),
    path("editor/preview/", editing.preview_markdown, name="preview"),
    path("editor/topics/new/", editing.new_topic, name="new_topic"),
    path("editor/topics/<slug:slug>/settings/", editing.topic_settings, name="topic_settings"),
    path("topics/<slug:slug>/drafts/", editing.start_draft, name="start_draft"),
    path("topics/<slug:slug>/v/<int:number>/edit/", editing.edit_version, name="edit_version"),
    path("topics/<slug:slug>/v/<int:number>/submit/", editing.submit_version, name="submit"),
    path("topics/<slug:slug>/v/<int:number>/return/", editing.return_version, name="return"),
    path("topics/<slug:slug>/v/<int:number>/approve/", editing.approve_version, name="approve"),
    # Triage
    path("triage/", triage.triage_index, name="triage_index"),
    path("triage/patients/", triage.triage_patient_search, name="triage_patient_search"),
    path("triage/runs/<uuid:public_id>/", triage.triage_result, name="triage_result"),
    path("triage/runs/<uuid:public_id>/consultation/", triage.start_consultation, name="triage_start_consultation"),
    path("topics/<slug:slug>/triage/", triage.triage, name="triage"),
    # Dosing
    path("topics/<slug:slug>/dosing/", dosing.dosing, name="dosing"),
    # Editing pathways
    path("pathways/", pathways.pathway_list, name="pathway_list"),
    path("pathways/new/", pathways.create_pathway, name="pathway_create"),
    path("pathways/<slug:slug>/drafts/", pathways.start_pathway_draft, name="pathway_start_draft"),
    path("pathways/<slug:slug>/v/<int:number>/", pathways.pathway_version, name="pathway_version"),
    path("pathways/<slug:slug>/v/<int:number>/table/", pathways.edit_pathway_document, name="pathway_document"),
    path("pathways/<slug:slug>/v/<int:number>/submit/", pathways.submit_pathway_version, name="pathway_submit"),
    path("pathways/<slug:slug>/v/<int:number>/return/", pathways.return_pathway_version, name="pathway_return"),
    path("pathways/<slug:slug>/v/<int:number>/approve/", pathways.approve_pathway_version, name="pathway_approve"),
    # Reference cases (clinical safety)
    path("reference/", reference.reference_index, name="reference_index"),
    path("reference/<slug:slug>/", reference.reference_cases, name="reference_cases"),
    path("reference/<slug:slug>/propose/", reference.propose_reference_case, name="reference_propose"),
    path("reference/<slug:slug>/<int:pk>/retire/", reference.retire_reference_case, name="reference_retire"),
    path("reference/proposals/<int:pk>/approve/", reference.approve_reference_proposal, name="reference_approve"),
    path("reference/proposals/<int:pk>/reject/", reference.reject_reference_proposal, name="reference_reject"),
]
