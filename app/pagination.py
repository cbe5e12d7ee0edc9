"""A page of rows the app has already read, shaped like Flask-SQLAlchemy's pagination so that the
`pagination` macro (`_macros/ui.html`) draws its links."""

from dataclasses import dataclass


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill (at least one, even empty)."""
    return max(1, -(-total // per_page))


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
