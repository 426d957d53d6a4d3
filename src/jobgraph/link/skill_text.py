"""Skill matching's text primitives: tokens, their keys (case-folded, lightly stemmed) and word classes.

``C++``, ``C#``, ``Node.js`` and ``.NET`` are one token each; hyphens and slashes separate. A key merges
British and American spellings and inflections ("organising", "organized"); a word class keeps derivations
apart that a stem would merge ("profiling" is not "profile", "consulting" not "consultation").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# A token: a word with inner dots, apostrophes and trailing + or # ("C++", "C#", "Node.js", ".NET", "don't").
TOKEN = re.compile(r"\.?[^\W_](?:[\w]|[.'’](?=[^\W_]))*[+#]*")

# British and American spellings, and the few inflections postings use, share a key.
_SPELLING = ((re.compile(r"is(ation|ations|e|es|ed|ing|er|ers)$"), r"iz\1"), (re.compile(r"our$"), "or"),
             (re.compile(r"yse(s|d)?$"), r"yze\1"))
_SUFFIXES = ("izations", "ization", "ations", "ation", "ings", "ing", "ers", "er", "ies", "ied", "ed", "es", "s", "e")


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude, fast key for a lower-cased word: 'organising', 'organized', 'organization' -> 'organiz'."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for rx, repl in _SPELLING:
        word = rx.sub(repl, word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word


def word_class(word: str) -> str:
    """A lower-cased word's derivational class: a verb form ("profiling", "documented"), an "-ation" noun
    ("consultation"), an agent noun ("trainer") or a bare word ("profile", "documents"). Stems merge inflections;
    a label matches only words of its own class, so "profiling" is not "profile" and "consulting" not
    "consultation"."""
    if len(word) <= 4 or not word.isalpha():
        return "b"
    if word.endswith(("ing", "ings", "ed")):
        return "v"
    if word.endswith(("ation", "ations", "tion", "tions")):
        return "n"
    if word.endswith(("er", "ers")):
        return "a"
    return "b"


def tokens(text: str) -> list[re.Match[str]]:
    return list(TOKEN.finditer(text))


def folded_key(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(stem(w.lower()) for w in words)


def label_words(label: str) -> list[str]:
    return [m.group() for m in TOKEN.finditer(label)]


def is_acronym(label: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", label)
    return len(letters) >= 2 and letters.isupper()
