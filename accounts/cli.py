"""`flask --app app users create|token|tokens|revoke-tokens|reset-mfa`."""

import click
from flask.cli import AppGroup

from accounts import mfa, service
from accounts.roles import EVERYONE
from errors import PiketError
from timeutil import format_local, utcnow

users_cli = AppGroup("users", help="Accounts and API tokens.")


def fail(err: PiketError):
    """CLI errors: one line naming the field, exit status 2, nothing written."""
    field = f"{err.field}: " if err.field else ""
    click.echo(f"error: {field}{err.message}", err=True)
    raise SystemExit(2)


@users_cli.command("create")
# Not a click.Choice: an unknown role is refused by the service like every other field (one line, exit 2).
@click.option("--role", required=True, help=f"one of: {', '.join(EVERYONE)}")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", default="")
@click.option("--phone", default=None)
@click.option("--shelter", "shelters", multiple=True, help="shelter id or key (shelter staff)")
@click.option("--region", "regions", multiple=True, help="region code (coordinator)")
def create(role, email, password, name, phone, shelters, regions):
    try:
        user = service.create_user(
            utcnow(),
            email=email,
            password=password,
            role=role,
            name=name,
            phone=phone,
            shelter_ids=shelters,
            region_codes=regions,
        )
    except PiketError as err:
        fail(err)
    click.echo(f"created {user.email} ({user.role}), id {user.id}")


def _user(email):
    user = service.user_by_email(email)
    if user is None:
        click.echo("error: email: no such user", err=True)
        raise SystemExit(2)
    return user


@users_cli.command("token")
@click.argument("email")
def token(email):
    user = _user(email)
    click.echo(f"API token for {user.email} (shown once; store it safely):")
    click.echo(service.issue_token(utcnow(), user))


@users_cli.command("revoke-tokens")
@click.argument("email")
def revoke_tokens(email):
    user = _user(email)
    click.echo(f"revoked {service.revoke_all_tokens(utcnow(), user)} token(s) of {user.email}")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email):
    """The account no longer logs in, is paged or answers a page; its open sessions end now."""
    user = _user(email)
    ended = service.deactivate(utcnow(), user)
    click.echo(f"deactivated {user.email}; ended {ended} open session(s)")


@users_cli.command("tokens")
@click.argument("email")
def tokens(email):
    """A user's API tokens: prefix, issued, expires, last used, revoked (times in Amsterdam)."""
    user = _user(email)
    now = utcnow()
    for row in service.tokens_of(user):
        state = (
            "revoked" if row.revoked_at else "expired" if row.expires_at is None or now >= row.expires_at else "active"
        )
        click.echo(
            f"{row.prefix}…  {state:<7}  issued {format_local(row.created_at)}  expires {format_local(row.expires_at)}"
            f"  last used {format_local(row.last_used_at) if row.last_used_at else 'never'}"
        )


@users_cli.command("reset-mfa")
@click.argument("email")
def reset_mfa(email):
    """Forget a user's second factor (a lost phone): they enrol again at their next login."""
    user = _user(email)
    mfa.reset(utcnow(), user, actor=None)
    click.echo(f"second factor of {user.email} reset; they enrol again at their next login")
