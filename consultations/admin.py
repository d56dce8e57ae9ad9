# Admin registrations arrive with the consultations issue's models.
