"""Stage 3, link: employer names -> organisations (ROR), skill mentions -> SKOS concepts."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlparse

from ..extract import fields as f
from ..model import Document, Evidence, OrganizationLink, Posting
from .organizations import Registry
from .skills import Vocabulary

__all__ = ["Linker", "Registry", "Vocabulary"]

# Phrases that say an organisation is the employer, not just mentioned: "join DataCite", "based at X".
EMPLOYER_CUES = re.compile(r"\b(?:join|joining|at|inside|within|for|with)\s+$|^(?:'s|’s|\s+is\s+(?:hiring|looking|"
                           r"seeking|recruiting))", re.I)


# "This post originally appeared on the Software Carpentry website": names where a text was published, not who hires.
REPOST_NOTICE = re.compile(r"\b(?:originally appeared|first appeared|cross-?posted|re-?posted from)\b", re.I)


DISTRIBUTED = re.compile(r"\b(?:distributed|global|worldwide|international|remote) team\b|\bremote[- ]first\b",
                         re.I)


class Linker:
    def __init__(self, registry: Registry, vocabulary: Vocabulary) -> None:
        self.registry = registry
        self.vocabulary = vocabulary

    def link(self, posting: Posting, doc: Document) -> Posting:
        posting.employer_link = self._employer(posting, doc)
        if posting.employer_link:
            posting.employer_name = posting.employer_link.name
            posting.employer_ror = posting.employer_link.ror
            org = self.registry.orgs.get(posting.employer_link.iri or "")
            # A job that is not remote and names no place is, as a rule, where its employer is.
            if (org and org.country and not posting.country and not posting.location
                    and posting.work_arrangement != "remote" and posting.employer_link.chosen
                    and not DISTRIBUTED.search(posting.description)):
                posting.country = org.country
                posting.evidence["country"] = Evidence(org.name, "employer-country", score=0.7)
        posting.skills = self.vocabulary.find(posting.description, posting.title)
        return posting

    def _domains(self, posting: Posting) -> list[str]:
        hosts = [e.split("@", 1)[1] for e in posting.contact_emails]
        if posting.apply_url:
            hosts.append(urlparse(posting.apply_url).hostname or "")
        return [h for h in hosts if h]

    def _employer(self, posting: Posting, doc: Document) -> OrganizationLink | None:
        """The employer, from the strongest source that names one: the posting's own header or fields; the
        source metadata; an organisation the text says is hiring or names as employer (a known one, scored
        by how and how often it is named; the site's publisher counts more when the text names it too); an
        unknown organisation the text says is hiring; and last the site's publisher. A job board publishes
        other employers' postings, so its name alone (the publisher, never named in the text) comes last."""
        domains = self._domains(posting)
        # Context for matching: a candidate in the posting's country, or the publisher itself, scores higher.
        publisher = doc.meta.get("publisher")
        context = {"country": posting.country, "publisher": str(publisher) if publisher else None}
        if posting.employer_name:
            return self._resolve_name(posting, posting.employer_name, domains, context=context)
        meta = doc.meta
        if meta.get("employer_ror") and (org := self.registry.get(str(meta["employer_ror"]))):
            return OrganizationLink(org.name, str(meta["employer_ror"]), org.ror, org.iri, "source-metadata", 1.0, True)
        if meta.get("employer"):
            link = self.registry.match(str(meta["employer"]), domains, **context)
            link.method = f"source-metadata/{link.method}"
            return link
        phrase = posting.evidence.get("employer_phrase")
        if best := self._mentioned_employer(posting, doc, phrase.text if phrase else None):
            return best
        if phrase:
            posting.evidence["employer_name"] = phrase
            return self._resolve_name(posting, phrase.text, domains, method="hiring-phrase", context=context)
        if meta.get("publisher"):
            link = self.registry.match(str(meta["publisher"]), domains)
            link.method = f"publisher/{link.method}"
            posting.evidence["employer_name"] = Evidence(str(meta["publisher"]), "source-publisher", score=link.score)
            return link
        return None

    def _resolve_name(self, posting: Posting, name: str, domains: list[str], method: str = "",
                      context: dict | None = None) -> OrganizationLink:
        """An employer string -> its organisation; a known organisation named inside it ("University College
        London Research Software Development team") is the employer and the rest its unit."""
        link = self.registry.match(name, domains, **(context or {}))
        if not link.chosen:
            inside = self.registry.mentions(name)
            if len(inside) == 1:
                iri = next(iter(inside))
                org = self.registry.orgs[iri]
                unit = self._unit_of(name, org)
                if unit and not posting.employer_unit:
                    posting.employer_unit = unit
                link = OrganizationLink(org.name, name, org.ror, org.iri, "named-inside", 0.9, True)
        if method:
            link.method = f"{method}/{link.method}"
        return link

    @staticmethod
    def _unit_of(name: str, org) -> str | None:  # type: ignore[no-untyped-def]
        rest = name
        for label in sorted(org.all_names, key=len, reverse=True):
            rest = re.sub(re.escape(label), "", rest, flags=re.I)
        rest = re.sub(r"\s+", " ", rest).strip(" ,;()-")
        return rest or None

    def _mentioned_employer(self, posting: Posting, doc: Document, phrase: str | None) -> OrganizationLink | None:
        text = f.blank(posting.description, f.sentence_spans(REPOST_NOTICE, posting.description))
        scores: Counter[str] = Counter()
        for iri, n in self.registry.mentions(posting.page_title or "").items():
            scores[iri] += 5 * n
        for iri, n in self.registry.mentions(text).items():
            scores[iri] += n
        phrase_orgs = self.registry.mentions(phrase) if phrase else Counter()
        for iri in phrase_orgs:
            scores[iri] += 10
        publisher = doc.meta.get("publisher")
        if publisher:
            link = self.registry.match(str(publisher))
            if link.chosen and link.iri in scores:
                scores[link.iri] += 5
        for iri in list(scores):
            org = self.registry.orgs[iri]
            for name in org.all_names:
                for start in f.literal_starts(name, text):
                    end = start + len(name)
                    if EMPLOYER_CUES.search(text[max(0, start - 12):start]) or EMPLOYER_CUES.search(
                            text[end:end + 20]):
                        scores[iri] += 2
        if not scores or scores.most_common(1)[0][1] < 2:
            # One plain mention is a partner or a client as often as the employer (with 100k ROR names, a
            # posting names several organisations): it takes a second mention, a cue or the title.
            return None
        if phrase and not phrase_orgs and not self.registry.match(phrase).chosen:
            # The text says an organisation we do not know is hiring: a mention of a known one elsewhere in the
            # text (a sponsor, a partner) is weaker evidence than that, unless that one is the publisher.
            best = scores.most_common(1)[0][0]
            pub = self.registry.match(str(publisher)) if publisher else None
            if not (pub and pub.chosen and pub.iri == best) and not self._unit_phrase(phrase, text):
                return None
        iri, score = scores.most_common(1)[0]
        org = self.registry.orgs[iri]
        if phrase and not phrase_orgs and not posting.employer_unit and self._unit_phrase(phrase, text):
            posting.employer_unit = phrase
        posting.evidence["employer_name"] = Evidence(org.name, "named-in-text", score=min(1.0, 0.5 + score / 20))
        return OrganizationLink(org.name, org.name, org.ror, org.iri, "named-in-text", min(1.0, 0.5 + score / 20),
                                True)

    @staticmethod
    def _unit_phrase(phrase: str, text: str) -> bool:
        """Whether the text presents the hiring name as a project or unit of another organisation ("ROR is
        looking for ... based at DataCite", "the X project")."""
        return bool(re.search(re.escape(phrase) + r"\b[^.]{0,120}\b(?:based at|part of|a project of|hosted by)", text)
                    or re.search(re.escape(phrase) + r"\s+(?:is\s+a\s+)?(?:[\w-]+\s+){0,3}project\b", text))
