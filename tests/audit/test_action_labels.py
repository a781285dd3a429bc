"""Every audit action the code writes has a Dutch label on /beheer/audit (vocabulary.AUDIT_ACTIONS)."""

import ast
import itertools

import vocabulary
from accounts.sessions import end as end_session
from beds.holds import HoldStatus
from piket.lifecycle import RequestStatus
from tests.conftest import project_files

# The actions written from a pattern, and every value the pattern takes in the code.
PATTERNS = {
    "user.{reason}": ["logout"],  # accounts/sessions.end, only called with its default
    "hold.{status}": [str(s) for s in HoldStatus if s != HoldStatus.HELD],
    # piket/lifecycle.transition: the new status, or the event_kind its callers give
    "request.{kind}": [str(s) for s in RequestStatus]
    + ["ack_timeout", "paged", "placement_chosen", "intake_confirmed", "intake_confirmed_by_phone"],
}
FROM_CALLERS = {"action": ["shelter.update", "shelter.profile"]}  # beds/registry._update's callers


def written_actions() -> tuple[set[str], set[str]]:
    """(the literal actions, the patterns) of every audit.record and audit.record_many call outside the tests."""
    literals, patterns = set(), set()
    for path in project_files(".py", skip=("tests",)):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("record", "record_many")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                action = node.args[1]
                if isinstance(action, ast.Constant):
                    literals.add(action.value)
                else:
                    patterns.add(ast.unparse(action).removeprefix("f'").removesuffix("'"))
    return literals, patterns


def test_every_action_written_has_a_dutch_label():
    literals, patterns = written_actions()
    assert len(literals) > 40 and "user.login" in literals and "case.read" in literals
    assert patterns == set(PATTERNS) | set(FROM_CALLERS), "a new computed audit action: list its values here"
    built = {p.split(".")[0] + "." + value for p, values in PATTERNS.items() for value in values}
    actions = literals | built | set(itertools.chain.from_iterable(FROM_CALLERS.values()))
    unlabelled = sorted(a for a in actions if vocabulary.audit_action_label(a) == a)
    assert not unlabelled, f"audit actions without a Dutch label in vocabulary.AUDIT_ACTIONS: {unlabelled}"


def test_labels_read_as_dutch():
    assert vocabulary.audit_action_label("user.login") == "ingelogd"
    assert vocabulary.audit_action_label("request.exhausted") == "aanvraag: NIEMAND BEREIKT: alarm"
    assert vocabulary.audit_action_label("hold.expired") == "plaats verlopen"
    assert vocabulary.audit_action_label("made.up") == "made.up"  # unknown: shown as stored, never an error
    assert end_session.__defaults__ == ("logout",)  # PATTERNS' only user.{reason}
