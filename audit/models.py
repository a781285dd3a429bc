"""The append-only audit log: every change and every sensitive read."""

from sqlalchemy import DDL, JSON, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from columns import UTCDateTime
from extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column()  # no FK: the log outlives accounts
    actor: Mapped[str] = mapped_column(String(254))  # e-mail or "system", readable without a join
    source: Mapped[str] = mapped_column(String(10))  # web, api, sms, system
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    before = mapped_column(JSON, nullable=True)
    after = mapped_column(JSON, nullable=True)
    route: Mapped[str | None] = mapped_column(String(200))  # why: the web or API route that read or changed it


APPEND_ONLY: set[type] = {AuditEntry}


@event.listens_for(Session, "before_flush")
def _refuse_rewrites(session, _context, _instances):
    """History tables take inserts only: an update or delete there is a bug, so it fails loudly."""
    for obj in list(session.dirty) + list(session.deleted):
        if type(obj) in APPEND_ONLY and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError(f"{type(obj).__name__} is append-only")


# Append-only in the database itself, not only in the ORM above: a trigger refuses UPDATE and DELETE,
# whoever connects (NEN 7513). The migration creates the same triggers; create_all (the SQLite tests) here.
PG_APPEND_ONLY = [
    """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]
SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]
for _sql in PG_APPEND_ONLY:
    event.listen(AuditEntry.__table__, "after_create", DDL(_sql).execute_if(dialect="postgresql"))
for _sql in SQLITE_APPEND_ONLY:
    event.listen(AuditEntry.__table__, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
