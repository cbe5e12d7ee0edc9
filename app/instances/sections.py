"""The instance page is made of sections that the instance modules contribute (members, upcoming
meetings, open votes, opinions…), like the home page blocks.

A module registers `(instance, user) -> dict | list[dict] | None`; a dict names the section's
template and its context, e.g. `{"template": "instances/meetings/_section.html", "meetings": [...]}`.
A list gives several sections in a row (read together, e.g. open votes and results in one query).
"""

from collections.abc import Callable

Section = Callable[..., dict | list[dict] | None]
_SECTIONS: list[tuple[int, Section]] = []


def register_section(order: int) -> Callable[[Section], Section]:
    """Decorator: add a section (or a run of sections) to the instance page at position `order`."""

    def decorator(func: Section) -> Section:
        if func not in [f for _, f in _SECTIONS]:
            _SECTIONS.append((order, func))
            _SECTIONS.sort(key=lambda pair: pair[0])
        return func

    return decorator


def instance_sections(instance, user) -> list[dict]:
    """The sections to show, in order (those that answered None are left out)."""
    sections = []
    for _order, func in _SECTIONS:
        found = func(instance, user)
        for section in found if isinstance(found, list) else [found]:
            if section:
                sections.append(section)
    return sections
