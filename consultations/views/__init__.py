"""Views of the consultations app, one module per side of the work:

- asking.py: the requesting doctor (draft, submit, my cases, the case page, messages, close, withdraw)
- answering.py: the specialists (queue, claim, assign, ask for information, redirect, decline, answer)
- reports.py, conferences.py, metrics.py: the report PDF, live case conferences, metrics
- common.py: what the case page's views share (loading the case, going back to it)

Who may open a page is `@requires(<predicate>)`, the predicates beside the models.
"""
