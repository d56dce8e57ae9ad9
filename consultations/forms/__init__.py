"""Forms of the consultations app, one module per area of views/ (asking, answering,
conferences, metrics). They parse and check input; the workflow's rules live on the models."""
