"""Fast paths of ingest give what the slow, general code they skip gives (ftfy, dateparser)."""

from __future__ import annotations

import random

import dateparser
import ftfy
import pytest

from jobgraph.extract.fields import ENGLISH_MONTHS, parse_date, plain_date
from jobgraph.link.organizations import gram_key, normalize
from jobgraph.read import decode, repair

from .conftest import DATA, shared_path


def _ftfy(text: str) -> str:
    return ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)


def test_every_ascii_character_is_repaired_as_ftfy_does():
    for code in range(128):
        for text in (f"a{chr(code)}b\n", f"{chr(code)}\n{chr(code)}", f"x &amp;{chr(code)}&lt;y\n<p>&amp;"):
            assert repair(text) == _ftfy(text), repr(text)


@pytest.mark.parametrize("text", [
    "Caf\u00c3\u00a9 and na\u00c3\u00afve\nplain line\n",  # mojibake on one line only
    "&amp; before markup\n<b>&amp; after</b>\n&amp; still off\n",  # HTML unescaping stops at the first "<"
    "line\r\nwindows\rold mac\n", "\x1b[31mred\x1b[0m\n", "e\u0301 decomposed\nok\n",  # NFC
    "\ufb01ne ligature\n", "\uff2c\uff2f\uff35\uff24\n", "ctrl\x07\x00chars\n", "\x85next line\n",
    "x" * 1_500_000 + "\u00c3\u00a9",  # one line over ftfy's segment length
])
def test_repairs_match_ftfy(text):
    assert repair(text) == _ftfy(text)


def test_random_texts_are_repaired_as_ftfy_does():
    rng = random.Random(5)
    alphabet = "ab &;<>\n\r\t\x01\x1b[m\u00c3\u00a9\u00e2\u20ac\u2122\u201c\ufb01\u0301\u00a0"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert repair(text) == _ftfy(text), repr(text)


def test_real_postings_are_decoded_as_before():
    files = [p for folder in (shared_path("corpus", "postings"), shared_path("seeds"), DATA / "postings")
             for p in folder.iterdir() if p.is_file() and not p.name.endswith(".yaml")]
    assert len(files) > 50
    for path in files:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        assert repair(text) == _ftfy(text), path.name
        assert decode(path.read_bytes(), path.name)[0] == repair(text)


def _dateparser(phrase: str) -> str | None:
    settings = {"STRICT_PARSING": True, "PREFER_DATES_FROM": "future", "REQUIRE_PARTS": ["day", "month"]}
    parsed = dateparser.parse(phrase, languages=["en", "de"], settings=settings)
    return parsed.date().isoformat() if parsed else None


def test_plain_dates_are_read_as_dateparser_reads_them():
    """Every day 1-31 (also zero-padded) of every English month name and abbreviation, day first and month
    first, with and without commas and dots: where the fast path answers, dateparser gives the same answer."""
    answered = 0
    rng = random.Random(1)
    for month in ENGLISH_MONTHS:
        for day in [*range(1, 32), "01", "09"]:
            year = rng.choice([1999, 2014, 2024, 2026, 2031])
            forms = [f"{day} {month} {year}", f"{month} {day}, {year}", f"{day} {month.title()}, {year}",
                     f"{month.upper()}. {day} {year}", f"{day} {month.title()}. {year}"]
            for phrase in rng.sample(forms, 2):
                fast = plain_date(phrase)
                if fast is not None:
                    answered += 1
                    assert fast == _dateparser(phrase), phrase
                assert parse_date(phrase) == _dateparser(phrase), phrase
    assert answered > 1000


@pytest.mark.parametrize("phrase", ["14 of March 2026", "3. März 2026", "31 April 2026", "March 2026",
                                    "14  March 2026", "Smarch 14, 2026"])
def test_other_phrases_go_to_dateparser(phrase):
    assert plain_date(phrase) is None
    assert parse_date(phrase) == _dateparser(phrase)


WORD = r"[\w][\w&.'’-]*"  # how Registry.mentions splits text into words


def test_name_keys_joined_from_words_are_normalize():
    """Every n-gram (1-6 words) of the real postings, and random ones of awkward words, keyed from cached
    per-word parts is exactly ``normalize`` of the n-gram."""
    import re

    texts = [p.read_text(encoding="utf-8", errors="replace")
             for folder in (shared_path("corpus", "postings"), shared_path("seeds"), DATA / "postings")
             for p in folder.iterdir() if p.is_file()]
    checked = 0
    for text in texts:
        words = re.findall(WORD, text)
        for i in range(len(words)):
            for n in range(1, 7):
                gram = words[i:i + n]
                assert gram_key(gram) == normalize(" ".join(gram)), gram
                checked += 1
    awkward = ["The", "the", "THE", "thé", "Theory", "Inc", "Inc.", "inc", "GmbH", "gGmbH", "e.V.", "e.", "V.", "v",
               "Co.", "Ltd", "LLC", "l.l.c.", "plc", "S.A.", "b.v.", "A", "DataCite's", "O'Reilly's", "Zürich",
               "Universität", "中文", "_", "__init__", "ﷺ", "⑴", "ﬁne", "Ａ", "x-y", "&", "R&D", "’s", "s", "'s"]
    rng = random.Random(2)
    for _ in range(20000):
        gram = [rng.choice(awkward) for _ in range(rng.randint(1, 6))]
        gram = [w for w in gram if re.fullmatch(WORD, w)] or ["A"]
        assert gram_key(gram) == normalize(" ".join(gram)), gram
    assert checked > 50000
