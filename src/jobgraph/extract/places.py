"""Places: words of a location, and country names (also "UK", "the U.S.") as ISO 3166-1 alpha-2 codes.

pycountry holds the ISO list; the few informal names it lacks are below.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


def words(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9$£€%]+", " ", text).strip()


STOP = {"the", "of", "and", "or", "in", "at", "on", "with", "a", "an", "for", "to", "is", "be", "by", "from",
        "possible", "preferred", "largely", "partly"}
COUNTRY_ALIASES = {"uk": "GB", "u k": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "usa": "US",
                   "us": "US", "u s": "US", "u s a": "US", "america": "US", "united states of america": "US"}


@lru_cache(maxsize=4096)
def country_code(name: str) -> str | None:
    """An ISO 3166-1 alpha-2 code for a country name, alias or code, else None."""
    key = words(name)
    if not key:
        return None
    if key in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[key]
    import pycountry

    if len(key) <= 3:  # a code only as written in capitals: "and" is not Andorra, "CAN" may be Canada
        if name.strip().strip(".").upper() != name.strip().strip(".") or " " in key:
            return None
        country = pycountry.countries.get(**{f"alpha_{len(key)}": key.upper()}) if len(key) > 1 else None
        return country.alpha_2 if country else None
    try:
        return pycountry.countries.lookup(name.strip()).alpha_2
    except LookupError:
        return None


def place_tokens(text: str) -> set[str]:
    """Words of a place, with country names (also several words long) replaced by ISO codes."""
    tokens = re.sub(r"[^A-Za-z0-9$£€%]+", " ", unicodedata.normalize("NFKD", text).encode("ascii", "ignore")
                    .decode()).split()
    out: set[str] = set()
    i = 0
    while i < len(tokens):
        for n in (4, 3, 2, 1):
            chunk = " ".join(tokens[i:i + n])
            if len(tokens) - i >= n and (code := country_code(chunk)) and (n > 1 or len(chunk) > 1):
                out.add(code.lower())
                i += n
                break
        else:
            if tokens[i].casefold() not in STOP:
                out.add(tokens[i].casefold())
            i += 1
    return out


