"""Error pages a guest understands: what happened and what to do, never a stack trace.

Each kind of `GuestError` (web/api.py) has its page; anything unexpected gets the generic page with
a reference the guest can quote, while the traceback goes to the log only.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from web.api import GuestError
from web.stay import locale

log = logging.getLogger(__name__)

# kind -> (HTTP status, title, what happened, what to do)
PAGES: dict[str, tuple[int, str, str, str]] = {
    "sold_out": (409, "This room is no longer available",
                 "The hotel sold the last room at this rate while you were choosing.",
                 "Go back to the hotel and choose another room or rate, or try other dates."),
    "price_changed": (409, "The price has changed",
                      "The hotel changed the price of this rate since you chose it.",
                      "Check the new price and confirm it if you still want the room."),
    "supplier": (502, "The hotel's system did not answer",
                 "We could not reach the hotel's reservation system just now. Nothing was booked or charged.",
                 "Please try again in a minute."),
    "timeout": (504, "This took too long",
                "The hotel's reservation system did not answer in time. Nothing was booked or charged.",
                "Please try again; if you were booking, open “My booking” first to check it was not made."),
    "not_found": (404, "Page not found",
                  "We could not find what you were looking for.",
                  "Start a new search from the home page."),
    "invalid": (400, "Please check your request",
                "Some of the details could not be used.",
                "Go back and check the highlighted fields."),
    "link": (403, "This link is not valid",
             "The link is incomplete or has expired.",
             "Open “My booking” and enter your booking number and email."),
    "other": (500, "Something went wrong",
              "An unexpected error stopped this page.",
              "Please try again. If it keeps happening, contact us with the reference below."),
}  # fmt: skip


def error_page(request: Request, kind: str, detail: str = "", reference: str | None = None) -> HTMLResponse:
    status, title, what, todo = PAGES.get(kind, PAGES["other"])
    web = request.app.state.web
    lang, cur = locale(request.query_params)
    body = web.templates.get_template("error.html").render(
        title=title, what=what, todo=todo, detail=detail if kind in ("invalid", "sold_out") else "",
        reference=reference, kind=kind, lang=lang, cur=cur, request=request,
    )  # fmt: skip
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def install(app: FastAPI) -> None:
    @app.exception_handler(GuestError)
    async def guest_error(request: Request, exc: GuestError) -> HTMLResponse:
        log.info("guest error on %s: %s", request.url.path, exc)
        return error_page(request, exc.kind, exc.detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        if exc.status_code == 404:
            return error_page(request, "not_found")
        if exc.status_code == 405:
            return error_page(request, "not_found")
        return error_page(request, "invalid" if exc.status_code < 500 else "other")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> HTMLResponse:
        reference = secrets.token_hex(6)
        log.exception("unexpected error %s on %s", reference, request.url.path)
        return error_page(request, "other", reference=reference)
