"""Operations on a whole installation: backup and restore of the database and its secrets."""
