# Admin registrations arrive with the training issue's models.
