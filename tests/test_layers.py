"""Imports run one way, and one domain reads another's tables through its service (DESIGN.md, shape of the code)."""

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("package", ["piket", "beds", "national"])
def test_the_outbox_is_read_through_notify_service(package):
    offenders = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / package).rglob("*.py") if "notify.models" in path.read_text()
    )
    assert offenders == []
