"""Curator checks beyond SHACL: probable duplicates, slugs, unused prefixes, misspelt terms.

Each check is a pure function over parsed files that returns located findings, with a stable id
(:data:`CHECKS`) used as the SARIF rule id and in the JSON report's ``check`` key. They are run by
:mod:`kg.contrib.validation`; the ones that need the graph and the places of every node
are modules of their own (:mod:`kg.contrib.duplicates`, :mod:`kg.contrib.slugs`, ...).

The slug rule, decided here and documented in CONTRIBUTING.md: a slug is a readable abbreviation of
the node's name. Every word of it, stop words ("of", "and", ...) aside, must come from the node's
labels (``rdfs:label`` or ``skos:altLabel``, any language, lower-cased and folded to ASCII) or
its class's name (``id:partnership-...``): one of their words (a plural "s" aside), or the
initials of a run of them. So ``id:chinese-academy-of-sciences``, ``id:cas`` and
``id:chinese-academy-sciences`` all fit "Chinese Academy of Sciences", and ``st`` may stand for
"science and technology"; ``id:russian-academy-of-sciences`` does not fit:
a copied block whose slug was not renamed is what this catches. Word order is free. Countries
(generated from ISO 3166-1) and ontology terms are exempt.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "CHECKS",
    "hidden_characters",
    "shown_visibly",
    "slugify",
    "normalise_label",
    "slug_fits",
    "closest_term",
    "unused_prefixes",
]

#: Check id -> what it means; the ids of SHACL findings are their shapes' names instead.
CHECKS: dict[str, str] = {
    "syntax": "The file must parse as Turtle or N-Triples.",
    "shacl": "The data must satisfy the SHACL shapes in shapes/.",
    "namespace": "Things must be named under {base}id/, exactly; no IRI may only look like one.",
    "contents": "A data file may hold only the ontology's and the shapes' terms, about things.",
    "provenance": "A triple added to a node another file defines must carry its own source.",
    "characters": "Labels and quotes must hold no invisible or bidirectional-control character.",
    "reference": "Every IRI under id/ that the data uses must be defined by some file.",
    "term": "Every sc: class and property must be defined by the ontology.",
    "quote": "Every sc:quote must occur verbatim (white space aside) in its source's text.",
    "duplicate": "A node must not repeat another node's label and kind (a probable duplicate).",
    "slug": "A slug's words must come, in order, from the node's label (or altLabel).",
    "prefix": "Every declared prefix must be used in the file.",
}


def slugify(label: str) -> str:
    """The slug a label suggests: lower-case ASCII words joined by hyphens.

    >>> slugify("Chinese Academy of Sciences (CAS)")
    'chinese-academy-of-sciences-cas'
    >>> slugify("Åland Islands")
    'aland-islands'
    """
    folded = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    return "-".join(re.findall(r"[a-z0-9]+", folded.lower()))


#: Characters that print as nothing although Unicode does not class them as format characters.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: White space a quote may hold (it spans lines); any other control character is hidden.
_LAYOUT = frozenset("\t\n\r")


def hidden_characters(text: str) -> list[tuple[int, str]]:
    """The invisible and bidirectional-control characters of ``text``: (1-based position, char).

    Format characters (zero-width spaces and joiners, the bidirectional embeddings, overrides,
    isolates and marks, the byte order mark, the soft hyphen), control characters other than
    tab and line breaks, private-use and unassigned code points, and letters that print blank.

    >>> hidden_characters("Chinese\u200bAcademy")
    [(8, '\u200b')]
    """
    return [
        (position, char)
        for position, char in enumerate(text, start=1)
        if char in _BLANK_LETTERS
        or (unicodedata.category(char) in ("Cf", "Cc", "Co", "Cn") and char not in _LAYOUT)
    ]


def shown_visibly(text: str) -> str:
    """``text`` for a report, each hidden character written as its escape, so a right-to-left
    override in a label cannot turn the report around.

    >>> print(shown_visibly("Chi\\u200bnese"))
    Chi\\u200bnese
    """
    hidden = {char for _, char in hidden_characters(text)}
    return "".join(f"\\u{ord(c):04x}" if c in hidden else c for c in text)


def normalise_label(label: str) -> str:
    """A label as duplicates are compared: Unicode-normalised, case-folded, white space collapsed,
    hidden characters (:func:`hidden_characters`) dropped.

    >>> normalise_label("  Chinese   Academy of\u200b SCIENCES ")
    'chinese academy of sciences'
    """
    hidden = {char for _, char in hidden_characters(label)}
    visible = "".join(c for c in label if c not in hidden)
    return " ".join(unicodedata.normalize("NFKC", visible).casefold().split())


#: Words a slug may add or drop freely.
STOPWORDS = frozenset(
    ["a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "the", "to", "with"]
)


def slug_fits(slug: str, labels: Iterable[str]) -> bool:
    """True when every word of the slug (stop words aside) comes from the labels.

    A word comes from the labels when it is one of their words (a plural ``s`` aside) or the
    initials of a run of them (stop words skipped: ``st`` for "science and technology").

    >>> slug_fits("cas-cooperation-agreement", ["CAS cooperation agreements"])
    True
    >>> slug_fits("st-partnerships", ["science and technology partners"])
    False
    >>> slug_fits("russian-academy-of-sciences", ["Chinese Academy of Sciences"])
    False
    """
    words: set[str] = set()
    for label in labels:
        content = [w for w in slugify(label).split("-") if w and w not in STOPWORDS]
        words.update(w.removesuffix("s") for w in content)
        for start in range(len(content)):
            for end in range(start + 2, len(content) + 1):
                words.add("".join(w[0] for w in content[start:end]))
    return all(
        word in STOPWORDS or word.removesuffix("s") in words or word in words
        for word in slug.split("-")
    )


def closest_term(local_name: str, vocabulary: Iterable[str]) -> str | None:
    """The ontology term most like a misspelt one (difflib's ratio), if any is close enough.

    >>> closest_term("partys", ["party", "partyTo", "partnershipKind"])
    'party'
    """
    by_lower = {term.lower(): term for term in vocabulary}
    found = difflib.get_close_matches(local_name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None


# Whatever in Turtle can hold text that looks like "prefix:" without being one, matched in the
# order Turtle reads it: long strings, short strings, IRIs, comments.
_NOT_NAMES = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^>\s]*>|#[^\n]*'
)
_DECLARATION = re.compile(r"^\s*(@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<[^>]*>\s*\.?", re.I)


def unused_prefixes(text: str) -> list[tuple[str, int]]:
    """Prefixes declared in Turtle ``text`` but never used, with the line of each declaration.

    >>> unused_prefixes('@prefix a: <x#> .\\n@prefix b: <y#> .\\na:s a:p "b:not-a-use" .\\n')
    [('b', 2)]
    """
    declared: list[tuple[str, int]] = []
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _DECLARATION.match(line):
            declared.append((match.group(2) or "", number))
            body.append("")
        else:
            body.append(line)
    # Blank out strings, IRIs and comments, keeping the line structure.
    code = _NOT_NAMES.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), "\n".join(body))
    unused = []
    for prefix, number in declared:
        if not re.search(rf"(?<![\w.:-]){re.escape(prefix)}:", code):
            unused.append((prefix, number))
    return unused
