"""Pure matching: a scenario in, an assignment out (shared/matching-contract.md).

No Flask, no SQLAlchemy, nothing from the rest of the project: the service builds a scenario
from its database, and CoMensha's what-if questions and the CLI use the very same function.
"""

from matching.eligibility import distance_km, pool_fits
from matching.scenario import ScenarioError, validate
from matching.solver import solve, solve_parsed, waivers, waivers_of

__all__ = ["solve", "solve_parsed", "validate", "waivers", "waivers_of", "distance_km", "pool_fits", "ScenarioError"]
