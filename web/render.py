"""Jinja2 templates of the pages and the filters they use (money, nights, policies)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from web.i18n import CURRENCIES, LANGUAGES, html_lang, t

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def asset_urls() -> dict[str, str]:
    """`/static/NAME?v=HASH` for every static file: a changed file gets a new URL (cached for a year)."""
    return {
        f.name: f"/static/{f.name}?v={hashlib.blake2b(f.read_bytes(), digest_size=5).hexdigest()}"
        for f in STATIC.iterdir()
        if f.is_file()
    }


def money(amount: Any, currency: str | None = None) -> str:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f"{amount} {currency or ''}".strip()
    return f"{value:,.2f} {currency or ''}".strip()


def per_night(amount: Any, nights: int) -> Decimal:
    return (Decimal(str(amount)) / max(nights, 1)).quantize(Decimal("0.01"))


def utc_text(iso: str | None) -> str:
    """An ISO instant as 'YYYY-MM-DD HH:MM UTC' (the script shows it in the guest's own time zone)."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def policy_sections(metapolicy: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """`metapolicy_struct` as titled lists of readable lines (empty sections left out)."""
    sections = []
    for key, value in metapolicy.items():
        items = value if isinstance(value, list) else [value] if value else []
        lines = []
        for item in items:
            if isinstance(item, dict):
                parts = [
                    f"{k.replace('_', ' ')}: {str(v).replace('_', ' ')}"
                    for k, v in item.items()
                    if v not in (None, "", [])
                ]
                if parts:
                    lines.append("; ".join(parts))
            elif item not in (None, ""):
                lines.append(str(item))
        if lines:
            sections.append((key.replace("_", " ").capitalize(), lines))
    return sections


MEALS = {
    "nomeal": "Room only",
    "breakfast": "Breakfast included",
    "half-board": "Half board",
    "full-board": "Full board",
    "all-inclusive": "All inclusive",
}


def meal_label(meal: str | None) -> str:
    if not meal:
        return "Room only"
    return MEALS.get(meal, meal.replace("-", " ").replace("_", " ").capitalize())


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(money=money, per_night=per_night, utc_text=utc_text, meal=meal_label)
    assets = asset_urls()
    env.globals.update(
        asset=lambda name: assets.get(name, f"/static/{name}"),
        t=t,
        LANGUAGES=LANGUAGES,
        CURRENCIES=CURRENCIES,
        html_lang=html_lang,
        policy_sections=policy_sections,
    )
    return env
