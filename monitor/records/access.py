"""Who may build and open which records; the one place the rules live.

| role            | safeguarding pack | other packs               | monthly report           |
|-----------------|-------------------|---------------------------|--------------------------|
| dsl, deputy_dsl | yes               | yes                       | organisation, all cases  |
| admin           | no                | yes                       | organisation, all cases  |
| setting_manager | no                | own locations only        | own locations, without   |
|                 |                   |                           | safeguarding cases       |
| viewer          | no                | no                        | no                       |

Why is the admin refused safeguarding packs when the review page shows them the case?
The issue is explicit: a pack leaves the building (to the LADO, the police), and only
the DSL and the deputy decide what safeguarding material is handed over.
"""

from __future__ import annotations

from monitor.models import Case, User
from monitor.types import Category, Role
from monitor.web.permissions import role_of

PACK_SAFEGUARDING_ROLES = frozenset({Role.DSL, Role.DEPUTY_DSL})
PACK_ORGANISATION_ROLES = frozenset({Role.ADMIN, Role.DSL, Role.DEPUTY_DSL})


def is_safeguarding(case: Case) -> bool:
    return Category.SAFEGUARDING.value in (case.categories or [])


def can_access_pack(user: User, case: Case) -> bool:
    """True when ``user`` may build or open the evidence pack of ``case``."""
    if not user.active:
        return False
    role = role_of(user)
    if is_safeguarding(case):
        return role in PACK_SAFEGUARDING_ROLES
    if role in PACK_ORGANISATION_ROLES:
        return True
    if role is Role.SETTING_MANAGER:
        return case.location_id is not None and case.location_id in (user.locations or [])
    return False


def report_scope(user: User) -> tuple[bool, list[str] | None] | None:
    """(may see safeguarding figures, locations or None for all); None: no report at all."""
    if not user.active:
        return None
    role = role_of(user)
    if role in PACK_ORGANISATION_ROLES:
        return True, None
    if role is Role.SETTING_MANAGER:
        return False, [str(x) for x in (user.locations or [])]
    return None
