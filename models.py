"""Imports every model module, so the metadata is complete wherever tables are needed."""
from accounts.models import ApiToken, LoginAttempt, User  # noqa: F401
from audit.models import AuditEntry  # noqa: F401
from beds.models import (AvailabilitySnapshot, BedPool, CapacityChange, EmptySearch, Hold, Organisation,  # noqa: F401
                         Region, Shelter)
from piket.models import (Case, EscalationPolicy, Placement, PlacementRequest, RequestEvent,  # noqa: F401
                          WebhookReceipt, WorkerHeartbeat)
from notify.models import NotificationAttempt, SmsOptOut  # noqa: F401
from piket.rotas.models import CalendarFeed, RegionHours, Rota, RotaOverride, RotaRotation, RotaShift  # noqa: F401
from national.models import OccupancySnapshot  # noqa: F401
