"""Instances de participation: comités d'usagers, commissions, CA, AG."""
