"""Languages and currencies the front end offers, and the words of its pages.

The languages are those the RateHawk API (and its dump) carry; the booking API passes the language
through to the supplier, so suggestions and rate names come back in it. The page chrome is
translated for English and German; other languages keep English chrome around supplier content in
the chosen language. Currencies are those the supplier quotes in (RateHawk's `currency`).
"""

from __future__ import annotations

DEFAULT_LANGUAGE = "en"
DEFAULT_CURRENCY = "EUR"

LANGUAGES: dict[str, str] = {
    "en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano",
    "pt": "Português", "ru": "Русский", "tr": "Türkçe", "pl": "Polski", "uk": "Українська",
    "ro": "Română", "bg": "Български", "el": "Ελληνικά", "ar": "العربية", "zh_CN": "简体中文",
    "ja": "日本語",
}  # fmt: skip
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "AED", "TRY", "CNY", "JPY", "THB", "INR", "BRL", "MXN", "CZK")

_DE = {
    "Find a hotel": "Hotel finden",
    "Destination": "Reiseziel",
    "Check-in": "Anreise",
    "Check-out": "Abreise",
    "Guests": "Gäste",
    "Search": "Suchen",
    "My booking": "Meine Buchung",
    "Room": "Zimmer",
    "Adults": "Erwachsene",
    "Children's ages": "Alter der Kinder",
    "Add a room": "Zimmer hinzufügen",
    "per night": "pro Nacht",
    "total": "gesamt",
    "Free cancellation before": "Kostenlose Stornierung bis",
    "Non-refundable": "Nicht erstattbar",
    "Choose": "Auswählen",
    "Language": "Sprache",
    "Currency": "Währung",
}
_WORDS = {"de": _DE}


def t(language: str, text: str) -> str:
    """`text` in `language` when translated, else the English text."""
    return _WORDS.get(language, {}).get(text, text)


def html_lang(language: str) -> str:
    return language.replace("_", "-")
