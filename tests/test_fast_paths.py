"""Fast paths of ingest give what the slow, general code they skip gives (ftfy, dateparser)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import dateparser
import ftfy
import pytest

from jobgraph.extract.fields import ENGLISH_MONTHS, literal_starts, literal_then, parse_date, plain_date
from jobgraph.link.organizations import gram_key, normalize
from jobgraph.read import decode, iter_files, read_document, repair

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
    alphabet = ("ab &;<>\n\r\t\x01\x1b[m\u00c3\u00a9\u00e2\u20ac\u2122\u201c\ufb01\u0301\u00a0\uff21\u3000\x85"
                "\x9d\u2028\u0133\ufeff\u200b\ud800\u00e9\u00c2\u00a3\u20ac")
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert repair(text) == _ftfy(text), repr(text)


def test_real_postings_are_decoded_as_before():
    files = [p for folder in (shared_path("corpus", "postings"), shared_path("seeds"), DATA / "postings")
             for p in folder.iterdir() if p.is_file() and not p.name.endswith(".yaml")]
    assert len(files) > 30
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


def test_literal_search_is_the_escaped_pattern():
    import re

    suffix = re.compile(r" (?:Project|Foundation)\b")
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(["a", "aa", "b", ".", " ", " Project", " Projects", " Foundation", "(", "*"])
                       for _ in range(rng.randint(0, 12)))
        literal = "".join(rng.choice(["a", "b", ".", " ", "(", "*", "a."]) for _ in range(rng.randint(0, 3)))
        assert list(literal_starts(literal, text)) == [m.start() for m in re.finditer(re.escape(literal), text)]
        found = re.search(re.escape(literal) + suffix.pattern, text)
        assert literal_then(literal, suffix, text) == (found.group(0) if found else None)


def test_nquads_are_what_the_serializer_writes(tmp_path):
    """rdf.document_nquads writes, byte for byte, what pyoxigraph serialises of rdf.document_quads, also for
    values full of characters N-Quads escapes."""
    from pyoxigraph import RdfFormat, serialize

    from jobgraph.ingest import linker_for_extract, process
    from jobgraph.rdf import document_nquads, document_quads

    linker = linker_for_extract(None)
    weird = 'Tab\there, "quoted" \\ back\rslash, \x01\x7f\u2028 \U0001f600 é <tag> &amp;'
    (tmp_path / "w.md").write_text(f"# Data Steward {weird}\n\nLocation: Zürich {weird}\n\nApply by 1 May 2026 "
                                   f"to jobs@example.org. {weird}\n", encoding="utf-8")
    paths = [tmp_path / "w.md", *iter_files([DATA / "postings"])]
    first = read_document(paths[0])
    assert rb'\t' in document_nquads(first, process(first, linker))[0]  # escaped as N-Quads escapes
    assert rb'\"quoted\" \\ back' in document_nquads(first, process(first, linker))[0]
    for path in paths:
        doc = read_document(path)
        postings = process(doc, linker)
        now = datetime(2026, 1, 1, tzinfo=UTC)
        data, count = document_nquads(doc, postings, now)
        quads = list(document_quads(doc, postings, now))
        assert data == serialize(quads, format=RdfFormat.N_QUADS) and count == len(quads), path.name


def test_fuzzy_matching_compares_only_names_of_a_near_length():
    """Registry._fuzzy, which skips names too short or too long to reach the cut-off, finds what rapidfuzz finds
    over every name, ties in the same order, also when asked twice (cached)."""
    from rapidfuzz import fuzz, process

    from jobgraph.link.organizations import Organization, Registry

    rng = random.Random(4)
    letters = "abcdefgh "
    names = ["".join(rng.choice(letters) for _ in range(rng.randint(6, 30))).strip() or "x" for _ in range(3000)]
    names = [name for name in names if len(normalize(name)) >= 8]  # shorter keys are never fuzzy-matched
    registry = Registry(Organization(iri=f"urn:o:{i}", name=name) for i, name in enumerate(names))
    keys = list(registry.by_name)
    for _ in range(300):
        base = rng.choice([k for k in keys if len(k) >= 9])
        query = "".join(c if rng.random() > 0.08 else rng.choice(letters) for c in base) + rng.choice(["", "a", "ab"])
        expected = [(name, score) for name, score, _ in process.extract(normalize(query), keys, scorer=fuzz.ratio,
                                                                       limit=3, score_cutoff=90)]
        for _ in range(2):
            got = [(link.matched, link.score) for link in registry._fuzzy(query)]
            assert got == [(name, round(score / 100 * 0.95, 3)) for name, score in expected for _ in
                           registry.by_name[name]], query
