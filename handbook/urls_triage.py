"""Triage pathways, their runs and handovers, the editors' pathway pages and the dosing calculator.

Included by handbook/urls.py (app_name "handbook").
"""

from django.urls import path

from . import views_triage as views

urlpatterns = [
    path("triage/", views.triage_index, name="triage_index"),
    path("triage/patients/", views.triage_patient_search, name="triage_patient_search"),
    path("triage/runs/<uuid:public_id>/", views.triage_result, name="triage_result"),
    path("triage/runs/<uuid:public_id>/consultation/", views.start_consultation, name="triage_start_consultation"),
    path("topics/<slug:slug>/triage/", views.triage, name="triage"),
    path("topics/<slug:slug>/dosing/", views.dosing, name="dosing"),
    path("pathways/", views.pathway_list, name="pathway_list"),
    path("pathways/new/", views.create_pathway, name="pathway_create"),
    path("pathways/<slug:slug>/drafts/", views.start_pathway_draft, name="pathway_start_draft"),
    path("pathways/<slug:slug>/v/<int:number>/", views.pathway_version, name="pathway_version"),
    path("pathways/<slug:slug>/v/<int:number>/table/", views.edit_pathway_document, name="pathway_document"),
    path("pathways/<slug:slug>/v/<int:number>/submit/", views.submit_pathway_version, name="pathway_submit"),
    path("pathways/<slug:slug>/v/<int:number>/return/", views.return_pathway_version, name="pathway_return"),
    path("pathways/<slug:slug>/v/<int:number>/approve/", views.approve_pathway_version, name="pathway_approve"),
]
