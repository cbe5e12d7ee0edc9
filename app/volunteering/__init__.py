"""Volunteering: missions, shifts, sign-ups, hours and their valuation."""
