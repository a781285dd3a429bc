"""Imports every model module, so the metadata is complete wherever tables are needed."""

from accounts.models import ApiToken, LoginAttempt, PasswordReset, PhoneCode, RecoveryCode, User  # noqa: F401
from audit.models import AuditEntry  # noqa: F401
from beds.models import (
    Organisation,  # noqa: F401
)
from national.models import OccupancySnapshot  # noqa: F401
from notify.models import NotificationAttempt, SmsOptOut  # noqa: F401
from piket.models import (
    RequestEvent,  # noqa: F401
)
from piket.rotas.models import CalendarFeed, RegionHours, Rota, RotaOverride, RotaRotation, RotaShift  # noqa: F401
