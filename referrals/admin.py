# Admin registrations arrive with the referrals issue's models.
