"""`flask --app app demo`: every domain's demo data, in order, idempotently.

The registry and one account per role (beds/demo.py), the piket's rotas and phones (piket/demo.py),
then the national history that the page draws (national/demo.py). Running it again, or on a live database, never overwrites what people entered.
"""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from accounts.models import User
from accounts.roles import Role
from beds import demo as beds_demo
from beds.models import Region
from extensions import db
from national import demo as national_demo
from piket import demo as piket_demo
from timeutil import utcnow


@click.command("demo", help="Load the national demo dataset, demo accounts and demo history (idempotent).")
@with_appcontext
def demo_command():
    now = utcnow()
    counts = beds_demo.load(now)
    counts.update(piket_demo.load(now))
    counts.update(national_demo.load(now))
    click.echo("Added: " + ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items()))
    click.echo(f"Demo accounts (password for all: {beds_demo.PASSWORD}):")
    for role, email, _name, _binding in beds_demo.ACCOUNTS:
        click.echo(f"  {role:<14} {email}")
    for email, _name, _region in piket_demo.PEOPLE:
        click.echo(f"  {Role.COORDINATOR:<14} {email}")
    click.echo(
        "Piket, around the clock in every care region: primary "
        f"{piket_demo.COORDINATOR} ({piket_demo.PHONES[piket_demo.COORDINATOR]}), back-up "
        f"{piket_demo.BACKUP} ({piket_demo.PHONES[piket_demo.BACKUP]}), national "
        f"{piket_demo.NATIONAL} ({piket_demo.PHONES[piket_demo.NATIONAL]}); alarms to "
        f"{piket_demo.OWNER} ({piket_demo.PHONES[piket_demo.OWNER]}).\n"
        "Run `flask --app app worker` to page, and `flask --app app doctor` to check the installation."
    )
    codes = db.session.execute(
        select(Region.dial_code, Region.name).where(Region.dial_code.is_not(None)).order_by(Region.dial_code)
    ).all()
    if codes:
        click.echo("National piket number, region codes: " + ", ".join(f"{code} {name}" for code, name in codes))
    if db.session.scalar(select(User).where(User.role == Role.ADMIN)) is None:
        click.echo("No admin account exists.", err=True)
