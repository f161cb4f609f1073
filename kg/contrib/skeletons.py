"""``kg new``: a Turtle block to fill in, with every property the shapes require of its kind.

A skeleton is valid Turtle as printed; its placeholders say TODO and point at nodes that do not
exist (``id:todo-...``), so ``kg validate`` rejects it until each is replaced. Optional
properties are written as comments to uncomment; the prefixes they need are declared already (an
unused one is only a warning, and the report says which line to remove).
"""

from __future__ import annotations

import re

from kg.contrib.checks import slugify
from kg.errors import UnusableInputError

__all__ = ["KINDS", "skeleton"]

#: The source every node of this release is curated from; replace it when citing another one.
DEFAULT_SOURCE = "striving-to-create-a-new-horizon"
QUOTE = 'sc:quote "TODO: copy the sentence that supports this, exactly as the source prints it"@en'

#: kind -> (class written, what to choose instead, the lines of the block after rdfs:label).
KINDS: dict[str, tuple[str, str, list[str]]] = {
    "actor": (
        "sc:Organisation",
        "the most specific class: sc:Academy, sc:ResearchInstitution, sc:University, "
        "sc:Enterprise, sc:GovernmentBody, sc:PoliticalBody, sc:InternationalOrganisation, "
        "sc:Alliance, sc:Centre, sc:Person, or sc:ActorGroup for partners described only in "
        "aggregate",
        [
            '# skos:altLabel "TODO: acronym, e.g. CAS"@en ;',
            "# sc:country id:TODO-country ;",
        ],
    ),
    "partnership": (
        "sc:Partnership",
        "keep sc:Partnership",
        [
            "sc:party id:todo-first-party, id:todo-second-party ;",
            "sc:partnershipKind sc:JointResearch ;  # TODO: or sc:ScienceAndTechnologyPartnership, "
            "sc:CooperationAgreement, sc:Membership, sc:JointEffort",
            "# sc:partOfProgramme id:TODO-programme ;",
            '# sc:startDate "TODO-YYYY"^^xsd:gYear ;',
        ],
    ),
    "programme": (
        "sc:Programme",
        "sc:Programme, or sc:ActionPlan, sc:Initiative, sc:Project",
        [
            "sc:launchedBy id:todo-launched-by ;",
            'sc:aim "TODO: what the programme is for, in the source\'s words"@en ;',
            "# sc:participant id:TODO-participant ;",
            '# sc:startDate "TODO-YYYY"^^xsd:gYear ;',
        ],
    ),
    "outcome": (
        "sc:Outcome",
        "keep sc:Outcome",
        [
            "sc:producedBy id:todo-produced-by ;",
            "# sc:partOfProgramme id:TODO-programme ;",
        ],
    ),
    "claim": (
        "sc:QuantitativeClaim",
        "keep sc:QuantitativeClaim",
        [
            "sc:claimSubject id:todo-claim-subject ;",
            "sc:concerns id:todo-actor-or-partnership ;  # TODO: every one the figure is about",
            "sc:onMeasure id:todo-measure ;  # TODO: the sc:Measure it is a value of",
            'sc:measure "TODO: what is counted, e.g. countries and regions with ..."@en ;',
            "sc:value 0 ;  # TODO: the number, e.g. 160 or 27.3",
            'sc:qualifier sc:Exactly ;  # TODO: or sc:AtLeast, sc:MoreThan ("over"), sc:AtMost, '
            "sc:LessThan, sc:Approximately",
            "sc:unit sc:Count ;  # TODO: or sc:Percent",
            '# sc:pointInTime "TODO-YYYY-MM-DD"^^xsd:date ;',
            '# sc:periodStart "TODO-YYYY"^^xsd:gYear ;',
            '# sc:periodEnd "TODO-YYYY"^^xsd:gYear ;',
            '# sc:rank "TODO"^^xsd:positiveInteger ;',
            '# sc:rankScope "in the world"@en ;',
        ],
    ),
}

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def skeleton(kind: str, *, slug: str | None = None, label: str | None = None, base_iri: str) -> str:
    """The Turtle block for a new node of ``kind`` (one of :data:`KINDS`).

    Raises UnusableInputError for an unknown kind or a slug that is not lower-case words joined
    by hyphens.

    >>> text = skeleton("outcome", label="Big data centre", base_iri="https://w3id.org/scicoop/")
    >>> print(text.split(chr(10) * 2)[1].strip())
    id:big-data-centre a sc:Outcome ;  # TODO: keep sc:Outcome
        rdfs:label "Big data centre"@en ;
        sc:producedBy id:todo-produced-by ;
        # sc:partOfProgramme id:TODO-programme ;
        prov:wasDerivedFrom id:striving-to-create-a-new-horizon ;  # TODO: or the sc:Source you cite
        sc:quote "TODO: copy the sentence ..."@en .
    """
    if kind not in KINDS:
        raise UnusableInputError(f"{kind}: unknown kind; use one of {', '.join(KINDS)}")
    if slug is None:
        slug = slugify(label) if label else f"todo-new-{kind}"
    if not _SLUG.match(slug):
        raise UnusableInputError(
            f"--slug {slug}: use lower-case ASCII letters and digits joined by hyphens, "
            "e.g. russian-academy-of-sciences"
        )
    cls, choose, lines = KINDS[kind]
    name = (label or "TODO: the English name the source gives").replace('"', '\\"')
    body = [
        f'rdfs:label "{name}"@en ;',
        *lines,
        f"prov:wasDerivedFrom id:{DEFAULT_SOURCE} ;  # TODO: or the sc:Source you cite",
        QUOTE + " .",
    ]
    block = "\n".join([f"id:{slug} a {cls} ;  # TODO: {choose}", *("    " + line for line in body)])
    prefixes = {
        "id": f"{base_iri}id/",
        "prov": "http://www.w3.org/ns/prov#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "sc": f"{base_iri}ontology#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
    }
    header = [
        f"@prefix {prefix}: <{namespace}> ."
        for prefix, namespace in prefixes.items()
        if re.search(rf"(?<![\w.:-]){prefix}:", block)
    ]
    notes = [
        f"# A new {kind}: replace every TODO, uncomment the optional lines you need (drop the",
        "# rest), then check it with: kg validate FILE",
    ]
    return "\n".join([*notes, *header, "", block]) + "\n"
