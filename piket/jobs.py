"""The worker's periodic jobs. Each takes `now`, claims its rows in the database, and is safe to
run twice at once (a second worker finds the rows already handled)."""
from piket import placements


def expire_holds(now) -> int:
    """Holds nobody confirmed in time give their places back; their requests return to proposals."""
    return placements.expire_due(now)


JOBS = {  # name: (function, every N seconds)
    "expire_holds": (expire_holds, 30),
}
