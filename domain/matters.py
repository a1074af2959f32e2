"""The platform's controlled vocabulary of matters a compact section or code covers, with aliases."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from domain.errors import InvalidInput


@dataclass(frozen=True)
class Matter:
    key: str
    title: str
    aliases: tuple[str, ...] = ()


MATTERS: tuple[Matter, ...] = (
    Matter("funding", "Funding and finance", ("finance", "grants", "commissioning")),
    Matter("consultation", "Consultation and policy development", ("policy", "engagement")),
    Matter("volunteering", "Volunteering", ("volunteers",)),
    Matter("equality", "Equality and diversity", ("diversity", "inclusion", "bme")),
    Matter("disputes", "Disputes and complaints", ("complaints", "mediation")),
    Matter("champions", "Compact champions", ("champion",)),
    Matter("codes", "Codes of good practice", ("code", "codes of practice")),
    Matter("review", "Monitoring and annual review", ("monitoring", "annual review")),
    Matter("independence", "Independence of the sector", ("advocacy", "campaigning")),
    Matter("confidentiality", "Confidentiality and information sharing", ("information sharing", "data")),
    Matter("community-groups", "Community groups", ("community", "bme groups")),
    Matter("procurement", "Procurement and contracts", ("contracts", "tendering")),
    Matter("partnership", "Partnership working", ("joint working", "collaboration")),
)


def _normal(name: str) -> str:
    """Case, spacing, '-' and '_' do not tell matters apart: 'Community groups' is 'community-groups'."""
    return "-".join(name.replace("_", " ").replace("-", " ").split()).casefold()


_BY_NAME: dict[str, Matter] = {}
for _matter in MATTERS:
    _BY_NAME[_normal(_matter.key)] = _matter
    for _alias in _matter.aliases:
        _BY_NAME[_normal(_alias)] = _matter


def resolve_matter(name: str) -> Matter:
    """The matter a name or alias stands for, case-insensitively; else the nearest known ones."""
    cleaned = _normal(name)
    found = _BY_NAME.get(cleaned)
    if found is not None:
        return found
    nearest = difflib.get_close_matches(cleaned, list(_BY_NAME), n=3, cutoff=0.5)
    keys = list(dict.fromkeys(_BY_NAME[n].key for n in nearest)) or [m.key for m in MATTERS[:5]]
    raise InvalidInput(
        f"'{name}' is not a known matter; did you mean {', '.join(repr(k) for k in keys)}? "
        "The query `matters` lists them all."
    )


def resolve_matters(names: list[str]) -> list[str]:
    """Canonical keys for the names, in order, without repeats."""
    return list(dict.fromkeys(resolve_matter(n).key for n in names))
