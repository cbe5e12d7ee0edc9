"""The one module that speaks the htmx protocol (architecture.md C.3).

Routes never read or write `HX-*` headers themselves: they call `render_page`, `redirect_to`
and `hx_trigger`. A page is returned in full unless htmx asks, outside a boost or a history
restore, for one of the fragment targets the route declared.
"""

from collections.abc import Mapping

from flask import Response, make_response, redirect, render_template, request
from htmx_flask import make_response as htmx_make_response


def wanted_fragment(fragments: Mapping[str, str] | None) -> str | None:
    """Return the fragment template htmx asked for, or None when the full page is due."""
    hx = getattr(request, "htmx", None)
    if not fragments or not hx or hx.boosted or hx.history_restore_request:
        return None
    return fragments.get(hx.target or "")


def render_page(template: str, fragments: Mapping[str, str] | None = None, status: int = 200, **context) -> Response:
    """Render `template`, or the declared fragment for the htmx target, with `status`."""
    chosen = wanted_fragment(fragments) or template
    response = make_response(render_template(chosen, **context), status)
    return response


def is_htmx_fragment_request() -> bool:
    """True for an htmx request that expects a fragment (not boosted, not a history restore)."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def redirect_to(url: str) -> Response:
    """After a successful POST: `HX-Location` for a targeted htmx request, else a 303."""
    if is_htmx_fragment_request():
        return htmx_make_response(location=url)
    # 303 so that the browser re-GETs the page after a POST.
    return redirect(url, code=303)


def hx_trigger(response: Response, event: str) -> Response:
    """Ask htmx to fire `event` on the page once the response is swapped."""
    response.headers["HX-Trigger"] = event
    return response


def add_vary(response: Response) -> Response:
    """Caches must keep full pages and fragments of the same URL apart."""
    response.vary.add("HX-Request")
    response.vary.add("HX-Target")
    return response
