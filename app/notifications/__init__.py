"""Telling people what concerns them: in-app notifications (badge + page) and e-mail."""
