"""Views of the consultations app, one module per side of the work:

- asking.py: the requesting doctor (draft, submit, my cases, the case page, messages, close)
- answering.py: the specialists (queue, claim, assign, ask for information, redirect, decline, answer)
- reports.py, conferences.py, metrics.py: the report PDF, live case conferences, metrics
"""
