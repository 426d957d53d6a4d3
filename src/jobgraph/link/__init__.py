"""Stage 3, link: employer names -> organisations (ROR), skill mentions -> SKOS concepts."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlparse

from ..model import Document, Evidence, OrganizationLink, Posting
from .organizations import Registry
from .skills import Vocabulary

__all__ = ["Linker", "Registry", "Vocabulary"]

# Phrases that say an organisation is the employer, not just mentioned: "join DataCite", "based at X".
EMPLOYER_CUES = re.compile(r"\b(?:join|joining|at|inside|within|for|with)\s+$|^(?:'s|’s|\s+is\s+(?:hiring|looking|"
                           r"seeking|recruiting))", re.I)


class Linker:
    def __init__(self, registry: Registry, vocabulary: Vocabulary) -> None:
        self.registry = registry
        self.vocabulary = vocabulary

    def link(self, posting: Posting, doc: Document) -> Posting:
        posting.employer_link = self._employer(posting, doc)
        if posting.employer_link:
            posting.employer_name = posting.employer_link.name
            posting.employer_ror = posting.employer_link.ror
        posting.skills = self.vocabulary.find(posting.description)
        return posting

    def _domains(self, posting: Posting) -> list[str]:
        hosts = [e.split("@", 1)[1] for e in posting.contact_emails]
        if posting.apply_url:
            hosts.append(urlparse(posting.apply_url).hostname or "")
        return [h for h in hosts if h]

    def _employer(self, posting: Posting, doc: Document) -> OrganizationLink | None:
        """The employer, from the strongest source that names one: the posting's own header or fields,
        the source metadata, organisations the text names as employer, and last the site's publisher."""
        domains = self._domains(posting)
        if posting.employer_name:
            return self.registry.match(posting.employer_name, domains)
        meta = doc.meta
        if meta.get("employer_ror") and meta["employer_ror"] in self.registry.orgs:
            org = self.registry.orgs[meta["employer_ror"]]
            return OrganizationLink(org.name, str(meta["employer_ror"]), org.ror, org.iri, "source-metadata", 1.0, True)
        if meta.get("employer"):
            link = self.registry.match(str(meta["employer"]), domains)
            link.method = f"source-metadata/{link.method}"
            return link
        if best := self._mentioned_employer(posting):
            return best
        if meta.get("publisher"):
            link = self.registry.match(str(meta["publisher"]), domains)
            link.method = f"publisher/{link.method}"
            posting.evidence["employer_name"] = Evidence(str(meta["publisher"]), "source-publisher", score=link.score)
            return link
        return None

    def _mentioned_employer(self, posting: Posting) -> OrganizationLink | None:
        text = posting.description
        scores: Counter[str] = Counter()
        for iri, n in self.registry.mentions(posting.page_title or "").items():
            scores[iri] += 5 * n
        for iri, n in self.registry.mentions(text).items():
            scores[iri] += n
        for iri in list(scores):
            org = self.registry.orgs[iri]
            for name in org.all_names:
                for m in re.finditer(re.escape(name), text):
                    if EMPLOYER_CUES.search(text[max(0, m.start() - 12):m.start()]) or EMPLOYER_CUES.search(
                            text[m.end():m.end() + 20]):
                        scores[iri] += 2
        if not scores:
            return None
        iri, score = scores.most_common(1)[0]
        org = self.registry.orgs[iri]
        posting.evidence["employer_name"] = Evidence(org.name, "named-in-text", score=min(1.0, 0.5 + score / 20))
        return OrganizationLink(org.name, org.name, org.ror, org.iri, "named-in-text", min(1.0, 0.5 + score / 20),
                                True)
