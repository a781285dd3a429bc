"""The roles an account has, and the groups of them that the rules name: each written once, here.

A role is stored as its code (users.role). Role is a StrEnum, so a member equals its code: a role read
from the database compares equal to Role.POLICE, and templates may compare with the plain code.
Dutch labels live with the other codes' labels, in vocabulary.ROLES.

tests/test_role_literals.py fails on a role code written as a quoted string anywhere else; name the
role (Role.ADMIN) or the group (COORDINATING) instead. Groups are tuples in Role's order, so a message
that lists one reads the same every time.
"""

from enum import StrEnum


class Role(StrEnum):
    POLICE = "police"  # police, KMar and NLA officers: they ask for beds
    SHELTER_STAFF = "shelter_staff"  # a shelter's staff: availability and intakes of their own shelters
    COORDINATOR = "coordinator"  # care coordinators: on duty, accept and place requests (their regions)
    COMENSHA = "comensha"  # CoMensha's analysts: the national picture and the reports
    ADMIN = "admin"  # administrators: everything, and the registry, the rotas and the audit log


EVERYONE = tuple(Role)
# Accept, decline and place requests, fill in a phone request's profile, stand on a rota's duty.
COORDINATING = (Role.COORDINATOR, Role.ADMIN)
# Ask for beds and cancel their own requests; may be handed a case's CoMensha report.
REQUESTERS = (Role.POLICE, Role.COORDINATOR, Role.ADMIN)
# Mark a CoMensha report made (the police: a report they own; coordinators: a case they may see).
CASE_READERS = (Role.POLICE, Role.COORDINATOR, Role.COMENSHA, Role.ADMIN)
# Keep a shelter: update its availability, confirm or release its holds (staff: their own shelters).
SHELTER_KEEPERS = (Role.SHELTER_STAFF, Role.COORDINATOR, Role.ADMIN)
# Keep a shelter's profile current (target groups, contra-indications, intake, pool sizes): staff their own.
PROFILE_KEEPERS = (Role.SHELTER_STAFF, Role.ADMIN)
# Add and retire shelters and regions (the registry).
REGISTRARS = (Role.COMENSHA, Role.ADMIN)
# See a shelter's availability history: everyone but the police.
HISTORY_READERS = (Role.SHELTER_STAFF, Role.COORDINATOR, Role.COMENSHA, Role.ADMIN)
# See every request, the rotas and the regional picture (coordinators: of their regions); own a rota.
OVERSIGHT = (Role.COORDINATOR, Role.COMENSHA, Role.ADMIN)
# The whole country: the national picture, what-if, reminding any shelter.
NATIONAL = (Role.COMENSHA, Role.ADMIN)
# Open the cases and requests (each within piket/access.py's scope). CoMensha reads no case: the report list.
CASE_VIEWERS = (Role.POLICE, Role.COORDINATOR, Role.ADMIN)
# Search the audit log (who read or changed which record).
AUDIT_READERS = (Role.COMENSHA, Role.ADMIN)
# Manage accounts on /beheer/gebruikers and /api/v1/users: admins everyone; a coordinator only when they lead
# their regions (users.is_lead), and then only LEAD_MANAGED accounts of those regions (accounts/admin.py).
ACCOUNT_MANAGERS = (Role.COORDINATOR, Role.ADMIN)
LEAD_MANAGED = (Role.POLICE, Role.SHELTER_STAFF, Role.COORDINATOR)
