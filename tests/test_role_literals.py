"""Role codes are written once, in accounts/roles.py. Everywhere else the code names the role
(Role.ADMIN) or its group (COORDINATING), so that who may do what is found by searching for a name.

The check reads every .py file of the project (not the tests, the migrations, or a virtualenv) as
text and fails on a role code in quotes ("admin", 'police', ...) wherever it stands: code, a string
of SQL ("role = 'admin'"), a comment, a docstring. The one place such a string may stand is the value
of a member of an enum listed in VOCABULARIES: Role itself, and the vocabularies whose codes are
spelled like a role but mean something else (the organisation that asks for a bed, a kind of region).
Nothing else in those files is exempt.
"""

import ast
import re
from pathlib import Path

import pytest

from accounts.roles import Role

ROOT = Path(__file__).resolve().parents[1]
NOT_PROJECT = {"tests", "migrations"}  # top-level folders that may spell codes out
CODES = "|".join(re.escape(code) for code in Role)
QUOTED = re.compile(rf"""(["'])({CODES})\1""")
VOCABULARIES = {
    "accounts/roles.py": {"Role"},
    "vocabulary.py": {"RequesterOrg", "RegionKind"},
}


def project_files():
    """The project's .py files: hidden folders, caches and virtualenvs (pyvenv.cfg) left out."""

    def walk(folder):
        for path in sorted(folder.iterdir()):
            if path.is_dir():
                skip = path.name.startswith(".") or path.name == "__pycache__" or (path / "pyvenv.cfg").exists()
                if not skip and not (folder == ROOT and path.name in NOT_PROJECT):
                    yield from walk(path)
            elif path.suffix == ".py":
                yield path

    return list(walk(ROOT))


def enum_members(source: str, enums) -> set[tuple[int, int]]:
    """(line, column) of each string value given to a member of the named enum classes."""
    places = set()
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and node.name in enums:
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and isinstance(stmt.value, ast.Constant)
                    and isinstance(stmt.value.value, str)
                ):
                    line = lines[stmt.value.lineno - 1]
                    column = len(line.encode()[: stmt.value.col_offset].decode())  # ast counts UTF-8 bytes
                    places.add((stmt.value.lineno, column))
    return places


def role_literals(source: str, enums=()) -> list[tuple[int, str]]:
    """(line, code) of every quoted role code that is not the value of a member of `enums`."""
    allowed = enum_members(source, enums) if enums else set()
    return [
        (number, match.group(2))
        for number, line in enumerate(source.splitlines(), 1)
        for match in QUOTED.finditer(line)
        if (number, match.start()) not in allowed
    ]


def test_no_role_code_is_quoted_outside_the_roles_module():
    files = project_files()
    assert ROOT / "accounts" / "roles.py" in files and ROOT / "piket" / "service.py" in files
    found = []
    for path in files:
        name = path.relative_to(ROOT).as_posix()
        found += [f"{name}:{n}: {code!r}" for n, code in role_literals(path.read_text(), VOCABULARIES.get(name, ()))]
    assert not found, "quoted role codes; name them from accounts.roles (Role.ADMIN, COORDINATING, ...):\n" + "\n".join(
        found
    )


@pytest.mark.parametrize("name,enums", VOCABULARIES.items())
def test_the_exempt_enums_exist(name, enums):
    """An exemption for a class that is gone (renamed, moved) would silently exempt the next one."""
    tree = ast.parse((ROOT / name).read_text())
    assert enums <= {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}


@pytest.mark.parametrize(
    "source,expected",
    [
        ('x = "admin"\n', [(1, "admin")]),
        ("if user.role in ('coordinator', 'admin'):\n    pass\n", [(1, "coordinator"), (1, "admin")]),
        ("sql = \"SELECT * FROM users WHERE role = 'police'\"\n", [(1, "police")]),
        ('# only a "comensha" analyst\n', [(1, "comensha")]),
        ('"""Docstring.\n\nFor "shelter_staff" only."""\n', [(3, "shelter_staff")]),
        ('f"{x}" + f"admin"\n', [(1, "admin")]),
        # Not a role code: a longer word, an address, a path, another vocabulary's own code, a name.
        ('url, email = "/beheer/audit", "admin@demo.piket.nl"\n', []),
        ('org, kind = "kmar", "care"\n', []),
        ('s = "coordinators"; t = "the admin\'s"\n', []),
        ("role = Role.ADMIN\n", []),
        # Enum members: exempt only in the classes named, and only their value.
        ('class Role(StrEnum):\n    ADMIN = "admin"\n', []),
        ('class Role(StrEnum):\n    ADMIN = "admin"  # not "police"\n', [(2, "police")]),
        ('class Other(StrEnum):\n    ADMIN = "admin"\n', [(2, "admin")]),
        ('class Role(StrEnum):\n    def f(self):\n        return "admin"\n', [(3, "admin")]),
        ('ADMIN = "admin"\n', [(1, "admin")]),
    ],
)
def test_the_check_finds_role_codes_and_nothing_else(source, expected):
    assert role_literals(source, {"Role"}) == expected
