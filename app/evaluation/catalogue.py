"""The metrics of domain.md §9, registered into `app.evaluation.metrics.REGISTRY`.

Definitions are the domain's, in French (msgids), shown next to every figure. The metrics live by
family in catalogue_volunteering.py (B), catalogue_instances.py (P), catalogue_initiatives.py (I)
and catalogue_publics.py (U); the direction's manual figures of resources (R1, R2) are here.

Registered: B1–B10, B12–B14; P1–P9 (with P7D, the median days of P7), P11; I1–I5, I8–I10;
U1–U3, U5–U9; R1_STAFF, R1_FTE, R1_CDI, R2_BUDGET, R2_CAF. Manual (entered, never invented): U3,
U7, U8, R1_*, R2_*.

Not computed (not registered), because the platform holds no data for them:
- I6 (funds granted) and I7 (leverage): there are no funds, envelopes, grants or co-funding
  amounts, only the budget an initiative asks for;
- U4 (families reached by collective family actions): there are no households, and named
  attendance at plan d'action sessions is not recorded (only anonymous headcounts);
- P10 (participants in the projet-social process): there is no diagnostic or evaluation
  contribution feature (questionnaires, workshops) to count from;
- B11 (parcours d'engagement transitions): the cohort rules (who is followed from year N-1 to N,
  over several centres, over the projet-social period) are not settled in domain.md; P11 gives the
  distribution by highest level for any period, from the same ledger.
"""

from flask_babel import lazy_gettext as _l

from app.evaluation import (  # noqa: F401  (importing registers the metrics)
    catalogue_initiatives,
    catalogue_instances,
    catalogue_publics,
    catalogue_volunteering,
)
from app.evaluation.metrics import Unit, register_manual

# --- Resources (manual: entered by the direction for a calendar year) ----------------------------

register_manual(
    "R1_STAFF",
    _l("Salariés"),
    _l("Personnes salariées au 31 décembre, tous contrats, saisies par la direction."),
    Unit.PERSONS,
    maps_to="SEN emplois",
)
register_manual(
    "R1_FTE",
    _l("ETP salariés"),
    _l("Équivalents temps plein salariés de l'année, saisis par la direction."),
    Unit.FTE,
    maps_to="SEN emplois",
)
register_manual(
    "R1_CDI",
    _l("Part de CDI"),
    _l("Part des salariés en contrat à durée indéterminée au 31 décembre, saisie par la direction."),
    Unit.PERCENT,
    maps_to="SEN emplois",
)
register_manual(
    "R2_BUDGET",
    _l("Budget"),
    _l("Total des charges de l'exercice (budget réalisé), saisi par la direction."),
    Unit.EUROS,
    maps_to="SEN finances",
)
register_manual(
    "R2_CAF",
    _l("Financements de la Caf"),
    _l(
        "Financements de la Caf de l'exercice (prestations de service animation globale, familles, autres "
        "aides), saisis par la direction."
    ),
    Unit.EUROS,
    maps_to="SEN finances",
)
