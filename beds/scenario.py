"""The registry in the matching contract's terms (shared/matching-contract.md)."""

from vocabulary import RESIDENCE_UNKNOWN, UNKNOWN


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
        # A person whose residence is unknown needs a shelter that admits both (vocabulary.PERSON_RESIDENCE).
        "excludes": list(shelter.excludes or []) + ([] if "lawful" in shelter.residence else [RESIDENCE_UNKNOWN]),
        "pools": [pool_entry(p) for p in (shelter.pools if pools is None else pools)],
    }


def person_entry(person) -> dict:
    """A stored person as the matcher reads it: "unknown" is no contract code (vocabulary.PERSON_RESIDENCE)."""
    entry = dict(person)
    if entry.get("exploitation") == UNKNOWN:
        entry.pop("exploitation")  # not given: every exploitation admits (contract rule 4)
    if entry.get("residence") == UNKNOWN:
        entry["residence"] = "none"
        entry["needs"] = [*(entry.get("needs") or []), RESIDENCE_UNKNOWN]
    return entry
