"""The handbook's forms, one module per area of views/: reading, editing (topics and the
review steps), triage, pathways and dosing. Forms parse and validate; rules are on the models."""
