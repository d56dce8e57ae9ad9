# Models arrive with the handbook issue.
