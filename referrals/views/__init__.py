"""The referrals app's pages, one module per part of the loop:

- requesting.py: the lists, requesting a transfer (from a child, a consultation's answer or
  a handbook triage), the ICD-10 search, the referral page, answering a question, departing
  and cancelling
- deciding.py: the transfer administrators' queue, approving with a bed, asking for
  information, redirecting, rejecting, and the beds page
- arriving.py: confirming the arrival, discharge, the down-referral with its follow-up
  plan, acknowledging it and recording each follow-up
- letters.py: the referral letter PDF (made by a task) and its download
- metrics.py: charts and CSV for administrators

Every view says who may open it with `@requires(predicate)` (cloudpeds/accounts/access.py),
the predicates beside the models: `works_with_patients` for the referral pages,
`Referral.can_start` for requesting, `is_transfer_admin` for the queue and the beds,
`can_see_metrics`; anyone else gets 403 before any lookup. Then every view loads through
`Referral.objects.visible_to(user)` (another hospital's referral is a 404, its letter and
files included). The workflow is on the model: a view validates a form, calls one
transition and shows its refusal (ReferralError) as it is.
"""
