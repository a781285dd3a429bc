"""`flask --app app users ...`: help on every command and option, the role as a choice, the password asked
for without echo, bad input one line and exit status 2, and a one-time link instead of a password."""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from accounts.cli import users_cli
from accounts.models import PasswordReset, User
from extensions import db


def run(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["users", *args], **kwargs)


def test_every_command_and_option_has_a_help_text():
    assert users_cli.help
    for name, command in users_cli.commands.items():
        assert command.help, name
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, (name, param.name)


def test_the_role_is_a_choice_of_the_roles(app):
    option = next(p for p in users_cli.commands["create"].params if p.name == "role")
    assert set(option.type.choices) == {"police", "shelter_staff", "coordinator", "comensha", "admin"}
    assert "coordinator" in run(app, "create", "--help").output


def test_the_password_is_asked_without_echo_and_twice(app, registry):
    result = run(
        app,
        "create",
        "--role",
        "police",
        "--email",
        "p@test.nl",
        input="geheim-en-lang-7\ngeheim-en-lang-7\n",
    )
    assert result.exit_code == 0, result.output
    assert "geheim-en-lang-7" not in result.output
    assert db.session.scalar(select(User).where(User.email == "p@test.nl")) is not None


def test_a_password_given_twice_differently_is_asked_again(app, registry):
    result = run(
        app, "create", "--role", "police", "--email", "p@test.nl", input="geheim-en-lang-7\nanders-en-lang-8\n"
    )
    assert result.exit_code != 0 and "geheim-en-lang-7" not in result.output
    assert db.session.scalar(select(User).where(User.email == "p@test.nl")) is None


@pytest.mark.parametrize(
    "args,field",
    [
        (["--role", "janitor", "--email", "a@test.nl", "--password", "long-enough-1"], "role"),
        (["--email", "a@test.nl", "--password", "long-enough-1"], "role"),
        (["--role", "police", "--password", "long-enough-1"], "email"),
        (["--role", "police", "--email", "a@test.nl", "--password", "kort"], "password"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(app, registry, args, field):
    result = run(app, "create", *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}:"), result.stderr
    assert db.session.scalar(select(User).where(User.email == "a@test.nl")) is None


def test_password_link_prints_a_one_time_link(app, client, users):
    result = run(app, "password-link", users["police"].email)
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert "/wachtwoord/" in link and db.session.scalar(select(PasswordReset.user_id)) == users["police"].id
    assert client.get(urlsplit(link).path).status_code == 200


def test_deactivate_and_reactivate(app, users):
    email = users["police"].email
    assert run(app, "deactivate", email).exit_code == 0
    assert run(app, "password-link", email).exit_code == 2  # no link for a deactivated account
    assert run(app, "reactivate", email).exit_code == 0
    db.session.expire_all()
    assert users["police"].active
    result = run(app, "reactivate", "niemand@test.nl")
    assert result.exit_code == 2 and result.stderr.strip() == "error: email: no such user"
