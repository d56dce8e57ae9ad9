"""The training app's pages, one module per area:

- courses.py: the learner's courses, lessons, video and progress beats; the training
  managers' courses, modules, lessons, enrolment and progress report
- exams.py: the learner's exam panel, attempt, answers and result; the training managers'
  question bank, import, exam settings, overrides and item analysis
- certificates.py: the learner's certificates and credits, a certificate with its PDF; the
  training managers' list, revoke and reissue
- verification.py: the public verification page (no sign-in), under /certificates/

A wrong method is a 405 first. Role checks are then `@requires(predicate)`, with the
predicates beside the models (`is_training_manager`, `is_learner`, `takes_or_manages_exams`):
a 403 before any lookup. Rows load through the models' `visible_to(user)`, so anything else
is a 404. Behaviour is on the models.
"""
