"""cloudpeds.core.related: the rows a record's foreign keys name, one query per model."""

from __future__ import annotations

import pytest

from cloudpeds.core.related import fill_foreign_keys
from consultations.models import Consultation
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def test_one_query_per_model_and_empty_keys_cost_nothing(django_assert_num_queries):
    made = ConsultationFactory()
    case = Consultation.objects.select_related("patient").get(pk=made.pk)
    assert case.assigned_to_id is None
    with django_assert_num_queries(2):  # the hospitals, the people
        fill_foreign_keys(
            (case, "requesting_hospital"),
            (case.patient, "hospital"),
            (case, "requested_by"),
            (case, "assigned_to"),  # empty: no query
            (None, "anything"),  # no object: nothing to do
        )
    with django_assert_num_queries(0):
        assert case.requesting_hospital == made.requesting_hospital
        assert case.patient.hospital == made.patient.hospital
        assert case.requested_by == made.requested_by
        assert case.assigned_to is None


def test_what_is_already_loaded_is_not_read_again(django_assert_num_queries):
    made = ConsultationFactory()
    case = Consultation.objects.select_related("requesting_hospital").get(pk=made.pk)
    with django_assert_num_queries(0):
        fill_foreign_keys((case, "requesting_hospital"))
