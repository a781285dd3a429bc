"""`flask --app app users create|token|tokens|revoke-tokens|deactivate|reactivate|password-link|reset-mfa`."""

import click
from flask.cli import AppGroup

from accounts import admin, mfa, resets, service
from accounts.roles import Role
from errors import PiketError
from timeutil import local, utcnow


class OneLineErrors(click.Command):
    """Bad input on the command line: one line naming the option, exit status 2 (as fail() below), not
    click's usage block."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as err:
            param = getattr(err, "param", None)
            line = f"{param.name}: {err.message}" if param is not None else err.format_message()
            click.echo(f"error: {' '.join(line.split())}", err=True)
            ctx.exit(2)


users_cli = AppGroup("users", help="Accounts and API tokens (pages: /beheer/gebruikers).")
users_cli.command_class = OneLineErrors


def fail(err: PiketError):
    """CLI errors: one line naming the field, exit status 2, nothing written."""
    field = f"{err.field}: " if err.field else ""
    click.echo(f"error: {field}{err.message}", err=True)
    raise SystemExit(2)


@users_cli.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="The account's role.")
@click.option("--email", required=True, help="E-mail address; also the login name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password (at least 12 characters). Asked for without echo when not given; prefer that, "
    "or let the person set their own: `users password-link EMAIL`.",
)
@click.option("--name", default="", help="The person's name, as pages show it.")
@click.option("--phone", default=None, help="Mobile number for pages and SMS.")
@click.option("--shelter", "shelters", multiple=True, help="Shelter id or key (shelter staff); repeat for more.")
@click.option("--region", "regions", multiple=True, help="Region code (coordinator); repeat for more.")
def create(role, email, password, name, phone, shelters, regions):
    """Add an account."""
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
    """Print a new API token for EMAIL (last line; shown once)."""
    user = _user(email)
    click.echo(f"API token for {user.email} (shown once; store it safely):")
    click.echo(service.issue_token(utcnow(), user))


@users_cli.command("revoke-tokens")
@click.argument("email")
def revoke_tokens(email):
    """Revoke every API token of EMAIL."""
    user = _user(email)
    click.echo(f"revoked {service.revoke_all_tokens(utcnow(), user)} token(s) of {user.email}")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email):
    """The account no longer logs in, is paged or answers a page; its open sessions end now."""
    user = _user(email)
    ended = service.deactivate(utcnow(), user)
    click.echo(f"deactivated {user.email}; ended {ended} open session(s)")


@users_cli.command("reactivate")
@click.argument("email")
def reactivate(email):
    """Let a deactivated account log in again."""
    user = _user(email)
    admin.reactivate(utcnow(), None, user)
    click.echo(f"reactivated {user.email}")


@users_cli.command("password-link")
@click.argument("email")
def password_link(email):
    """Print a one-time link (last line) with which EMAIL sets a new password: valid PASSWORD_RESET_HOURS,
    used once; using it ends the account's sessions. No password is shown or sent."""
    user = _user(email)
    try:
        _via, token = admin.password_link(utcnow(), None, user, "show")
    except PiketError as err:
        fail(err)
    click.echo(f"one-time link for {user.email} (shown once; give it to them yourself):")
    click.echo(resets.link(token))


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
            f"{row.prefix}…  {state:<7}  issued {_stamp(row.created_at)}  expires {_stamp(row.expires_at)}"
            f"  last used {_stamp(row.last_used_at) if row.last_used_at else 'never'}"
        )


@users_cli.command("reset-mfa")
@click.argument("email")
def reset_mfa(email):
    """Forget a user's second factor (a lost phone): they enrol again at their next login."""
    user = _user(email)
    mfa.reset(utcnow(), user, actor=None)
    click.echo(f"second factor of {user.email} reset; they enrol again at their next login")


def _stamp(moment) -> str:
    """A local time for an administrator's terminal: sortable, not the pages' Dutch words."""
    return local(moment).strftime("%Y-%m-%d %H:%M")
