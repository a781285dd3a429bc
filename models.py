"""Imports every model module, so the metadata is complete wherever tables are needed."""
from accounts.models import ApiToken, LoginAttempt, User  # noqa: F401
from audit.models import AuditEntry  # noqa: F401
from beds.models import AvailabilitySnapshot, BedPool, Hold, Organisation, Region, Shelter  # noqa: F401
from piket.models import Case, Placement, PlacementRequest, RequestEvent  # noqa: F401
