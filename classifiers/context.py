"""What a classifier knows about the setting: its locations, schools, uniforms, nearby
places, and the roster of children's names.

It is built by the monitor from configuration and the encrypted roster table, and handed
to classifiers at construction. ``SettingContext.default()`` is the built-in context used
when there is no configuration (``safeguard classify`` without a config file).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RosterChild:
    name: str  # full name as on the register
    known_as: str | None = None
    location: str | None = None
    photo_consent: str = "unknown"  # yes | no | internal_only | unknown


@dataclass(frozen=True, slots=True)
class LocationContext:
    id: str
    name: str
    schools: tuple[str, ...] = ()
    uniforms: tuple[str, ...] = ()  # e.g. "green jumper with the oak tree badge"
    places: tuple[str, ...] = ()  # nearby parks, estates, streets


@dataclass(frozen=True, slots=True)
class SettingContext:
    organisation_names: tuple[str, ...] = ()
    locations: tuple[LocationContext, ...] = ()
    roster: tuple[RosterChild, ...] = field(default_factory=tuple)

    @classmethod
    def default(cls) -> "SettingContext":
        return cls()

    def location(self, location_id: str | None) -> LocationContext | None:
        return next((loc for loc in self.locations if loc.id == location_id), None)
