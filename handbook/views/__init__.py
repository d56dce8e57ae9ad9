"""The handbook's pages, one module per area:

- reading.py: the topics by symptom, search, a topic and its versions, the video lecture,
  what changed between two versions
- pdf.py: a topic's PDF (made in the request) and the whole handbook's (made by a task)
- editing.py: the editors' pages for topics: their home, reviews due, usage, a new topic,
  its settings, a draft and the review steps
- triage.py: running a published pathway, its result and the handover to a consultation
- pathways.py: the editors' pages for triage pathways: the list, a new pathway, a version
  with its test cases, its table as a JSON document and the review steps
- dosing.py: a topic's dosing calculator

Everyone signed in reads published and superseded versions and runs published pathways;
handbook editors also see work in progress and the editors' pages (`@requires(is_editor)`:
others get a 403 before any lookup). Transitions are model methods; a view loads, validates
a form, calls one, redirects.
"""
