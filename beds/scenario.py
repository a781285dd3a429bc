"""The registry in the matching contract's terms (shared/matching-contract.md)."""


def pool_entry(pool) -> dict:
    entry = {"id": str(pool.id), "kind": pool.kind, "free": max(pool.free, 0)}
    if pool.kind == "family_room":
        entry["room_size"] = pool.room_size
    return entry


def shelter_entry(shelter, pools=None) -> dict:
    """A shelter as the matcher reads it; ids are the database ids as strings."""
    return {
        "id": str(shelter.id),
        "lat": shelter.lat,
        "lon": shelter.lon,
        "region": shelter.region.code,
        "intake": shelter.intake,
        "admits": {
            "genders": list(shelter.genders),
            "adults": shelter.adults,
            "minors": shelter.minors,
            "residence": list(shelter.residence),
            "exploitation": list(shelter.exploitation),
        },
        "excludes": list(shelter.excludes or []),
        "pools": [pool_entry(p) for p in (shelter.pools if pools is None else pools)],
    }
