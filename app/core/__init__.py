"""Pages that belong to no feature: home, language switch, centre picker, health check."""
