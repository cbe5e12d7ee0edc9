"""People and their accounts: registration, login, sessions, profile, data export and erasure,
assisted accounts created at the accueil, and acting on behalf of a person."""
