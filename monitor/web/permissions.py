"""Who may see and do what: the one table every route (HTML and JSON) consults.

| role            | sees cases                                   | may do                          |
|-----------------|----------------------------------------------|---------------------------------|
| admin           | all                                          | everything, audit, users        |
| dsl, deputy_dsl | all                                          | every decision, audit, export   |
| setting_manager | own locations, never ``safeguarding``        | ack, note, dismiss, take-down,  |
|                 |                                              | resolve (on the cases it sees)  |
| viewer          | all locations, never ``safeguarding``        | nothing (read only)             |

Why does a case the user may not see give 404 and not 403? A 403 would confirm that a
safeguarding case with that number exists; a Setting Manager must not even learn that.
The same filter (``visible_cases_clause``) is applied to lists, counts and exports, so a
hidden case never shows up as a number either.

Why filter categories with LIKE over the JSON text? ``Case.categories`` is a small JSON
list written by our own code (``["abuse", "safeguarding"]``); matching the quoted name
works identically on SQLite and PostgreSQL without JSON operators.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import String, and_, cast, false, not_, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from monitor.models import Case, User
from monitor.types import Category, Role


class Perm(StrEnum):
    VIEW_CASES = "view_cases"
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    NOTE = "note"
    DISMISS = "dismiss"
    ESCALATE = "escalate"
    TAKEDOWN = "takedown"
    RESOLVE = "resolve"
    AUDIT = "audit"
    EXPORT_AUTHOR = "export_author"
    MANAGE_USERS = "manage_users"


_DECIDE = {Perm.ACKNOWLEDGE, Perm.NOTE, Perm.DISMISS, Perm.TAKEDOWN, Perm.RESOLVE}
_DSL = {Perm.VIEW_CASES, *_DECIDE, Perm.ASSIGN, Perm.ESCALATE, Perm.AUDIT, Perm.EXPORT_AUTHOR}

ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.DSL: frozenset(_DSL),
    Role.DEPUTY_DSL: frozenset(_DSL),
    Role.SETTING_MANAGER: frozenset({Perm.VIEW_CASES, *_DECIDE}),
    Role.VIEWER: frozenset({Perm.VIEW_CASES}),
}

#: Roles that may see cases carrying the ``safeguarding`` category.
SAFEGUARDING_ROLES = frozenset({Role.ADMIN, Role.DSL, Role.DEPUTY_DSL})
#: Roles limited to the locations listed on their User row.
LOCATION_SCOPED_ROLES = frozenset({Role.SETTING_MANAGER})


def role_of(user: User) -> Role:
    try:
        return Role(user.role)
    except ValueError:  # an unknown role in the table gets nothing, not an error page
        return Role.VIEWER


def can(user: User, perm: Perm) -> bool:
    try:
        role = Role(user.role)
    except ValueError:
        return False
    return perm in ROLE_PERMS[role]


def _safeguarding_like() -> ColumnElement[bool]:
    return cast(Case.categories, String).like(f'%"{Category.SAFEGUARDING.value}"%')


def visible_cases_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the cases ``user`` may know exist."""
    if not can(user, Perm.VIEW_CASES):
        return false()
    role = role_of(user)
    parts: list[ColumnElement[bool]] = []
    if role not in SAFEGUARDING_ROLES:
        parts.append(not_(_safeguarding_like()))
    if role in LOCATION_SCOPED_ROLES:
        locs = [str(x) for x in (user.locations or [])]
        if not locs:
            return false()
        parts.append(col(Case.location_id).in_(locs))
    return and_(true(), *parts)


def can_see_case(user: User, case: Case) -> bool:
    """The Python twin of ``visible_cases_clause`` (tests check they agree)."""
    if not can(user, Perm.VIEW_CASES):
        return False
    role = role_of(user)
    if role not in SAFEGUARDING_ROLES and Category.SAFEGUARDING.value in (case.categories or []):
        return False
    return role not in LOCATION_SCOPED_ROLES or case.location_id in (user.locations or [])
