"""Placement requests, the placements chosen for them, and each request's timeline.

No names, birth dates or addresses of victims: a request carries the requester's own case
reference and the minimal profile that matching needs (DESIGN.md, privacy).
"""

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.models import APPEND_ONLY
from columns import UTCDateTime
from extensions import db


class Case(db.Model):
    """One submission: the requests (groups of persons placed together) found together."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("created_by_id", "idempotency_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at = mapped_column(UTCDateTime, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: a call to the national number
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    case_reference: Mapped[str] = mapped_column(String(60))  # the requester's own reference, e.g. a BVH number
    callback_phone: Mapped[str] = mapped_column(String(20))
    requester_org: Mapped[str] = mapped_column(String(20))  # police, kmar, nla, coordinator
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)  # where found
    found_lat = mapped_column(db.Float)
    found_lon = mapped_column(db.Float)
    source: Mapped[str] = mapped_column(String(10), default="web")  # web, api, phone
    # Who owes the victim's report to CoMensha: the coordinator who placed, unless handed to someone named.
    report_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    report_owner_since = mapped_column(UTCDateTime, nullable=True)
    # The report itself: only that it was made, by whom and when (no identity data here).
    report_made_at = mapped_column(UTCDateTime, nullable=True)
    report_made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    report_reminded_at = mapped_column(UTCDateTime, nullable=True)  # the last reminder to the owner
    requests = relationship("PlacementRequest", back_populates="case", order_by="PlacementRequest.id", lazy="selectin")
    region = relationship("Region", lazy="joined")


class PlacementRequest(db.Model):
    __tablename__ = "placement_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    short_code: Mapped[str] = mapped_column(String(8), unique=True)  # said over the phone, typed in an SMS
    status: Mapped[str] = mapped_column(String(12), index=True)  # piket/lifecycle.py: RequestStatus, its only writer
    created_at = mapped_column(UTCDateTime, index=True)
    urgency: Mapped[str] = mapped_column(String(12))
    threat: Mapped[str] = mapped_column(String(8))
    persons = mapped_column(JSON)  # [{gender, age, residence, exploitation, needs}], purged after retention
    children: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer)  # persons + children, kept after the profile is purged
    # Anonymous aggregates of the profile, kept after the purge for unmet demand:
    # {"groups": vocabulary.TARGET_GROUPS codes, "needs": contra-indication codes}
    profile_stats = mapped_column(JSON, nullable=True)
    apart_from = mapped_column(JSON)  # ids of requests that must not share a shelter
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at = mapped_column(UTCDateTime, nullable=True)
    closed_at = mapped_column(UTCDateTime, nullable=True)
    # Why no bed: {"capacity": 12, "contra_indication:active_addiction": 3, ...}, kept for statistics.
    blocking_reasons = mapped_column(JSON, nullable=True)
    purged_at = mapped_column(UTCDateTime, nullable=True)
    # Escalation, snapshotted at creation (piket/escalation.py): the ladder, the next step to run and when.
    escalation = mapped_column(JSON, nullable=True)
    escalation_step: Mapped[int] = mapped_column(Integer, default=0)
    next_action_at = mapped_column(UTCDateTime, nullable=True, index=True)
    case = relationship(Case, back_populates="requests", lazy="joined")
    placements = relationship("Placement", back_populates="request", order_by="Placement.id", lazy="selectin")


class Placement(db.Model):
    """A proposal the coordinator chose: a hold on a pool, then the shelter's yes or no."""

    __tablename__ = "placements"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("placement_requests.id"), index=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelters.id"), index=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("bed_pools.id"))
    hold_id: Mapped[int] = mapped_column(ForeignKey("holds.id"))
    status: Mapped[str] = mapped_column(String(12))  # piket/lifecycle.py: PlacementStatus
    distance_km = mapped_column(db.Float)
    chosen_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chosen_at = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at = mapped_column(UTCDateTime, nullable=True)
    refusal_reason: Mapped[str | None] = mapped_column(String(40))
    request = relationship(PlacementRequest, back_populates="placements")
    shelter = relationship("Shelter", lazy="joined")
    hold = relationship("Hold", lazy="joined")


class RequestEvent(db.Model):
    """The request's timeline, append-only: every step and its outcome."""

    __tablename__ = "request_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("placement_requests.id"), index=True)
    at = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column()
    detail = mapped_column(JSON, nullable=True)


class EscalationPolicy(db.Model):
    """A region's ladders (after hours, office hours); no row means the defaults in escalation.py."""

    __tablename__ = "escalation_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), unique=True)
    after_hours = mapped_column(JSON, nullable=True)  # [{"after": minutes, "level": ..., "channels": [...]}]
    office_hours = mapped_column(JSON, nullable=True)
    backup_region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id")
    )  # its on-duty stands in for a missing back-up
    rounds: Mapped[int | None] = mapped_column(Integer)  # runs of the ladder before exhausted (None: escalation.ROUNDS)
    # Minutes an accepted request may go without a held place before the ladder runs again (None: the default)
    ack_timeout_minutes: Mapped[int | None] = mapped_column(Integer)


class WebhookReceipt(db.Model):
    """Inbound webhooks already handled (by Twilio's sid, or a link's use): a replay has no second effect."""

    __tablename__ = "webhook_receipts"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    at = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(db.Text)  # what we answered, answered again on a replay


class WorkerHeartbeat(db.Model):
    """One worker process's last sign of life (one row per process: `name` is host and pid); paging
    depends on the workers, so pages and /healthz warn when too few beat. `jobs`: {job name:
    {"runs": n, "last_at": ISO time}} of the jobs this process ran. Rows of dead workers are purged
    a while after their last beat (piket/heartbeat.py)."""

    __tablename__ = "worker_heartbeats"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    hostname: Mapped[str] = mapped_column(String(120))
    pid: Mapped[int] = mapped_column(Integer)
    started_at = mapped_column(UTCDateTime)
    beat_at = mapped_column(UTCDateTime, index=True)
    jobs = mapped_column(JSON, nullable=True)


APPEND_ONLY.add(RequestEvent)


class CaseProposals(db.Model):
    """A case's proposals as the worker (or one first view) computed them (piket/proposals.py): the
    answer the case page and the API show, so a view never runs the matcher while this is fresh.

    `key` is the version it was computed for: a hash of the case's waiting requests (status, profile,
    apart) and of the registry as the matcher sees it then (pools' counts and freshness, shelters'
    rules and whether their intake is open). A different key now: stale, shown as such and recomputed.
    Holds no victim data beyond the request ids; rows go with their case."""

    __tablename__ = "case_proposals"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    computed_at = mapped_column(UTCDateTime)
    took_ms: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10))  # the matcher's: optimal | feasible
    objective = mapped_column(JSON)
    # {request id: its proposals}, as JSON text: the API answers with it as is (60 groups: about 1 MB to
    # decode and encode again on every view otherwise).
    requests: Mapped[str] = mapped_column(Text)
