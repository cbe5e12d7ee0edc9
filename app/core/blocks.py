"""The home page is made of blocks that features contribute ("what's happening at my centre").

A feature registers a function `(structure, person) -> dict | None`; the dict names the block's
template and its context, e.g. `{"template": "initiatives/_home_block.html", "items": [...]}`.
Blocks render in `order`; a function returns None to show nothing.
"""

from collections.abc import Callable

HomeBlock = Callable[..., dict | None]
_BLOCKS: list[tuple[int, HomeBlock]] = []


def register_home_block(order: int) -> Callable[[HomeBlock], HomeBlock]:
    """Decorator: add a block to the home page at position `order`."""

    def decorator(func: HomeBlock) -> HomeBlock:
        if func not in [f for _, f in _BLOCKS]:
            _BLOCKS.append((order, func))
            _BLOCKS.sort(key=lambda pair: pair[0])
        return func

    return decorator


def home_blocks(structure, person) -> list[dict]:
    """The blocks to show, in order."""
    blocks = []
    for _order, func in _BLOCKS:
        block = func(structure, person)
        if block:
            blocks.append(block)
    return blocks
