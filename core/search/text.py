"""Text folding shared by every backend, so both match the same way in any script.

Names and queries go through the same `terms()`: Unicode-normalised (NFKC), case-folded, accents
and other combining marks removed (Zürich -> zurich, Ёлка -> елка; kana keep their voicing marks), split into words on anything
that is not a letter or digit. Scripts written without spaces (Chinese, Japanese, Thai...) are
also indexed by every suffix of a run, so a query can start at any character of a name.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
# Han, Hiragana, Katakana, Hangul, Thai, Lao, Khmer, Myanmar: runs written without spaces.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff]"
)
_KANA_MARKS = "\u3099\u309a"  # dakuten and handakuten tell kana apart (ka/ga): kept
MAX_SUFFIXES = 24  # a run longer than this is indexed by its first 24 suffixes


def fold(text: str) -> str:
    """`text` normalised, case-folded and without combining marks."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if c in _KANA_MARKS or not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare)


def words(text: str) -> list[str]:
    """The folded words of `text`, in order (what a query is made of)."""
    return [w.replace("_", "") for w in _WORD.findall(fold(text)) if w.strip("_")]


def terms(*texts: str) -> list[str]:
    """Index terms of names: their folded words, plus every suffix of words in unspaced scripts."""
    out: list[str] = []
    seen: set[str] = set()
    for text in texts:
        for word in words(text):
            candidates = [word]
            if _UNSPACED.search(word):
                candidates += [word[i:] for i in range(1, min(len(word), MAX_SUFFIXES))]
            for term in candidates:
                if term not in seen:
                    seen.add(term)
                    out.append(term)
    return out


def typo_budget(word: str) -> int:
    """Edits a query word may differ by: none up to 2 characters, one up to 5, two beyond."""
    n = len(word)
    return 0 if n <= 2 else 1 if n <= 5 else 2
