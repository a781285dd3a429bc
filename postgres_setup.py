"""How the app runs PostgreSQL: psycopg keeps its prepared statements when a transaction that read
only (or wrote nothing it kept) ends in a ROLLBACK.

psycopg prepares a statement on the server once it has run five times on a connection, so the server
parses and plans it once. But on every ROLLBACK it forgets them all and sends DEALLOCATE ALL (in case
the transaction dropped or altered what they refer to). Every request that only reads ends its
transaction with a ROLLBACK (Flask-SQLAlchemy closes the session at the end of the request), so under
the mixed load the statements every request runs were never prepared for long: PostgreSQL spent about
0.8 ms of CPU per request planning them again (benchmarks/load.py, README).

The app changes no schema outside the migrations, which run in a process of their own. So a
transaction that is still healthy is rolled back without forgetting; one in error, or any other
state, takes psycopg's own rollback (which forgets), as do the migrations and the tests' schema.
"""

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import event


class KeepPreparedConnection(psycopg.Connection):
    def rollback(self) -> None:
        if self.info.transaction_status != TransactionStatus.INTRANS or self._pipeline or self._num_transactions:
            super().rollback()  # in error, in a pipeline or a psycopg transaction block: psycopg's own way
            return
        with self.lock:  # as psycopg's rollback(), without clearing the prepared statements
            self.wait(self._exec_command(b"ROLLBACK"))


def configure_postgres(engine):
    """PostgreSQL through psycopg: connections that keep their prepared statements over a ROLLBACK."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _record, cargs, cparams):
        return KeepPreparedConnection.connect(*cargs, **cparams)
