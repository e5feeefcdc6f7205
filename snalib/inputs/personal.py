"""Personal data at the door: columns that look like it are refused, not read.

Only the data contract's columns pass ingest (extra columns are dropped unread). A column
whose *name* looks like personal data (a name, an address, a postcode, a date of birth,
free text, a crime reference, an NHS number, a phone number, an email address...) is
nevertheless refused, naming the file and the column: an extract that carries it was
made with the wrong query, and the data owner should know before anything else is done
with it. A column the data owner has checked can be listed under
``sources.<name>.options.allow_columns``: it is then dropped unread like any extra column.
See ``docs/data-protection.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from snalib.errors import InputError

__all__ = ["PERSONAL_DATA_PATTERNS", "check_personal_columns", "looks_personal"]

#: What a column name looks like (in words for the message) → pattern on the name written
#: in lower case with every run of other characters as one "_" and "_" at both ends.
PERSONAL_DATA_PATTERNS: dict[str, str] = {
    "a name": r"_(names?|forenames?|surnames?|(first|last|given|family|full|middle|maiden)_?names?)_",
    "an address": r"_(address(es)?|addr|address_?line_?\d*|street_?address|house_?(no|number))_",
    "a postcode": r"_(post_?codes?|postal_?codes?|zip_?(code)?|pcode)_",
    "a date of birth": r"_(dob|d_o_b|date_?of_?birth|birth_?date|born)_",
    "free text": r"_(narratives?|notes?|comments?|free_?text|summary|details|mo|modus_?operandi"
    r"|statement|circumstances)_",
    "a crime reference": r"_(crime_?(ref|reference|no|number|num)|urn|occurrence_?(ref|reference"
    r"|no|number)|incident_?(ref|reference|no|number)|pnc(_?id)?|cro(_?no)?)_",
    "an NHS number": r"_(nhs(_?(no|number|num))?|chi_?(no|number))_",
    "a National Insurance number": r"_(ni_?(no|number)|nino|national_?insurance(_?number)?)_",
    "a phone number": r"_((tele)?phone(_?(no|number))?|mobile(_?(no|number))?|tel(_?no)?)_",
    "an email address": r"_(e_?mail(_?address)?)_",
}
_COMPILED = {what: re.compile(p) for what, p in PERSONAL_DATA_PATTERNS.items()}


def _normalised(name: str) -> str:
    # camelCase and PascalCase words are split first: "VictimDOB", "dateOfBirth".
    split = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    split = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", split)
    return "_" + re.sub(r"[^a-z0-9]+", "_", split.lower()).strip("_") + "_"


def looks_personal(name: str) -> str | None:
    """What kind of personal data the column ``name`` looks like, or None.

    Examples
    --------
    >>> looks_personal("Victim Surname")
    'a name'
    >>> looks_personal("victim_age") is None
    True
    """
    key = _normalised(name)
    for what, pattern in _COMPILED.items():
        if pattern.search(key):
            return what
    return None


def check_personal_columns(
    columns: Iterable[str],
    *,
    contract: Iterable[str],
    allowed: Iterable[str] = (),
    file: str | Path,
    source: str,
) -> None:
    """Refuse a file whose non-contract columns look like personal data.

    Parameters
    ----------
    columns
        The file's header names (as stripped by the reader).
    contract
        Column names that are read: the contract's, and for a force extract the extract
        columns its mapping reads. They are never refused here.
    allowed
        Names the data owner has listed under ``sources.<source>.options.allow_columns``.
    file, source
        For the message.

    Raises
    ------
    InputError
        Naming the file and every such column, and how to resolve it.
    """
    keep = set(contract) | {a.strip() for a in allowed}
    found = [(c, what) for c in columns if c not in keep and (what := looks_personal(c))]
    if not found:
        return
    listed = "; ".join(f"'{c}' looks like {what}" for c, what in found)
    raise InputError(
        f"the {source} file has {len(found)} column(s) that look like personal data ({listed}). "
        "sna reads only the columns of the data contract and must not be given personal data: "
        "remove them from the extract. If the data owner has checked that a column holds none, "
        f"list it under sources.{source}.options.allow_columns (it is then dropped unread). "
        "See docs/data-protection.md.",
        file=file,
        column=found[0][0],
    )
