"""Errors of the records area, under the monitor's tree (``monitor/errors.py``).

    MonitorError
    └── RecordsError             a record cannot be made as asked (message says why)
        ├── NotAllowed           the person may not build or open this record
        └── NotEligible          the case is not of the right kind (not a complaint,
                                 not escalated or referred)
"""

from __future__ import annotations

from monitor.errors import MonitorError


class RecordsError(MonitorError):
    """A record cannot be made as asked; the message names the case and the reason."""


class NotAllowed(RecordsError):
    """The user's role or locations do not cover this case."""


class NotEligible(RecordsError):
    """The case is not one this kind of record is made for."""
