# Admin registrations arrive with the handbook issue's models.
