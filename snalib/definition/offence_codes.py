"""Home Office Counting Rules (HOCR) offence codes: the packaged reference and how to match it.

Police recorded crime carries a HOCR classification code on every crime (``8N`` assault with
injury, ``34B`` robbery of personal property, ...). The VRN serious violence definition is a
list of these codes, so every count in the SNA starts by matching codes against the reference
shipped in ``snalib/data/offence_codes.csv`` (see ``docs/offence-codes.md`` for its sources and
every decision in it).

Codes arrive written in different ways: force systems write ``4/1`` where the Home Office open
data tables write ``4.1``; extracts add spaces, lower case or zero padding. Always pass codes
through :func:`normalise_code` / :func:`normalise_codes` before comparing them with anything.
"""

from __future__ import annotations

import math
import numbers
import re
from functools import cache
from importlib.resources import files

import pandas as pd

__all__ = [
    "DEFINITION_CODES",
    "DEFINITION_GROUPS",
    "HOMICIDE_COMPONENTS",
    "HOMICIDE_OPEN_DATA_CODE",
    "REFERENCE_COLUMNS",
    "code_sort_key",
    "expand_open_data_code",
    "load_offence_codes",
    "lookup_codes",
    "map_retired_codes",
    "normalise_code",
    "normalise_codes",
]

#: The combined Homicide row of the Home Office open data tables, kept exactly as published.
#: It is not a HOCR code: it is one count for murder, manslaughter, corporate manslaughter and
#: infanticide, and it is the canonical form :func:`normalise_code` returns for it.
HOMICIDE_OPEN_DATA_CODE = "1/4.1/4.10/4.2"

#: The HOCR codes inside :data:`HOMICIDE_OPEN_DATA_CODE`, in the order published.
HOMICIDE_COMPONENTS: tuple[str, ...] = ("1", "4/1", "4/10", "4/2")

#: Canonical codes in the VRN serious violence definition (DOMAIN.md, "The VRN serious
#: violence definition"). Typed here, not derived from the CSV, so that the tests can catch a
#: wrong CSV. It includes the combined open data Homicide row, which counts as Homicide as a
#: whole because the open data cannot split out corporate manslaughter (4/10) and infanticide
#: (4/2). Changing the definition is done with the definition options in the params file
#: (docs/params.md), not by editing this constant.
DEFINITION_CODES: frozenset[str] = frozenset(
    {
        "1",  # murder
        "1/1",  # murder of persons aged 1 year or over
        "1/2",  # murder of persons under 1 year of age
        "4/1",  # manslaughter
        HOMICIDE_OPEN_DATA_CODE,  # open data Homicide row (includes 4/10 and 4/2)
        "2",  # attempted murder
        "5D",  # assault with intent to cause serious harm
        "5E",  # endangering life
        "8N",  # assault with injury
        "8P",  # racially or religiously aggravated assault with injury
        "34A",  # robbery of business property
        "34B",  # robbery of personal property
    }
)

#: Crime-type groups of the definition for monthly series, in reporting order.
DEFINITION_GROUPS: tuple[str, ...] = (
    "Homicide",
    "Attempted murder",
    "Wounding with intent / endangering life",
    "Assault with injury",
    "Robbery",
)

#: Columns of the packaged reference, in file order.
REFERENCE_COLUMNS: tuple[str, ...] = (
    "hocr_code",
    "open_data_code",
    "description",
    "offence_group",
    "offence_subgroup",
    "in_definition",
    "definition_group",
    "knife_eligible",
    "sexual_offence",
    "police_uk_crime_type",
    "valid_from",
    "valid_to",
    "maps_to",
    "notes",
)

_BOOLEAN_COLUMNS = ("in_definition", "knife_eligible", "sexual_offence")
_DATE_COLUMNS = ("valid_from", "valid_to")
_CSV_BOOLEANS = {"true": True, "false": False}

# A single HOCR code: classification number, optional letters, optional "/n" sub-classification.
_HOCR_SLASH = re.compile(r"(\d+)([A-Z]*)(?:/(\d+))?")
# The open data dotted form of a sub-classification: 4.1, 37.1, 4.10.
_OPEN_DATA_DOTTED = re.compile(r"(\d+)\.(\d+)")
# Anything shaped like a HOCR code once spaces are gone: starts with a digit, then digits,
# letters, and dots, slashes or commas between them.
_CODE_LIKE = re.compile(r"[0-9][0-9A-Z]*(?:[./,][0-9A-Z]+)*")


def _strip_zero_padding(number: str, *, has_suffix: bool) -> str:
    """Drop zero padding from a classification number where HOCR writes none.

    ``008N`` and ``034B`` (a letter follows) and three-digit ``002`` / ``004`` are zero-padded
    HOCR classifications; longer all-digit strings such as ``00801`` are Home Office
    class/subclass offence codes, a different scheme, and are left alone so that they stay
    unknown instead of colliding with a HOCR code (``00802`` is not ``802``).
    """
    if not number.startswith("0") or number.strip("0") == "":
        return number
    if has_suffix or len(number) <= 3:
        return number.lstrip("0")
    return number


def _as_text(code: object) -> str | None:
    """Turn one raw code into upper-case text, or None when it is missing."""
    if code is None or code is pd.NA or code is pd.NaT:
        return None
    if isinstance(code, bool):
        raise TypeError(f"offence code must be text, got a boolean: {code!r}")
    if isinstance(code, numbers.Integral):
        return str(int(code))
    if isinstance(code, numbers.Real):
        value = float(code)
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
        raise ValueError(
            f"offence code {code!r} arrived as a number: 4.1 and 4.10 are different codes but the "
            "same number, so read the code column as text (dtype=str)"
        )
    if not isinstance(code, str):
        raise TypeError(f"offence code must be text, got {type(code).__name__}: {code!r}")
    text = code.strip().upper()
    return text or None


def _normalise_single(compact: str) -> str | None:
    """Canonical slash form of one code without spaces, or None if it is not HOCR-shaped."""
    dotted = _OPEN_DATA_DOTTED.fullmatch(compact)
    if dotted:
        compact = f"{dotted[1]}/{dotted[2]}"
    match = _HOCR_SLASH.fullmatch(compact)
    if not match:
        return None
    number, letters, sub = match.groups()
    number = _strip_zero_padding(number, has_suffix=bool(letters) or sub is not None)
    if sub is None:
        return f"{number}{letters}"
    return f"{number}{letters}/{int(sub)}"


def normalise_code(code: object) -> str | None:
    """Write one offence code in the canonical form used by the reference.

    Parameters
    ----------
    code : str or None
        A code as found in a force extract or in the Home Office open data tables, e.g.
        ``"4.1"``, ``" 8n "``, ``"008N"``, ``"1/4.1/4.10/4.2"``. Whole numbers (``2``, ``2.0``,
        as spreadsheets deliver them) are accepted.

    Returns
    -------
    str or None
        The canonical code: HOCR slash notation (``"4/1"``, ``"37/1"``, ``"4/10"``, ``"8N"``),
        the combined open data Homicide code exactly as published
        (:data:`HOMICIDE_OPEN_DATA_CODE`), or, for text that is not shaped like a HOCR code
        (``"UK Finance"``), the text upper-cased with runs of spaces collapsed. None for a
        missing or empty code.

    Raises
    ------
    ValueError
        If the code arrived as a non-whole number: ``4.1`` and ``4.10`` are different codes
        but the same float, so the column must be read as text.
    TypeError
        If the code is neither text nor a number.

    Notes
    -----
    The rules, in order:

    1. Surrounding spaces are stripped and letters upper-cased. Spaces inside a code
       (``"8 N"``, ``"4 / 1"``) are removed when what remains is shaped like a code.
    2. Open data dots become HOCR slashes: ``4.1`` -> ``4/1``, ``37.1`` -> ``37/1``,
       ``4.10`` -> ``4/10`` (never ``4/1``).
    3. Zero padding of the classification number is dropped where HOCR writes none:
       ``008N`` -> ``8N``, ``034B`` -> ``34B``, ``004/1`` -> ``4/1``, ``002`` -> ``2``. Some
       force systems pad the classification to three digits. All-digit codes of four or more
       characters (``00801``) are Home Office class/subclass offence codes, a different
       scheme, and are left unchanged so that they stay unknown.
    4. Any spelling of the combined Homicide row whose components are exactly murder,
       manslaughter, corporate manslaughter and infanticide (``"1/4.1/4.10/4.2"``,
       ``"1, 4.1/10/2"``) becomes :data:`HOMICIDE_OPEN_DATA_CODE`.

    Normalising never decides whether a code exists: look it up with :func:`lookup_codes`.

    Examples
    --------
    >>> normalise_code("4.1"), normalise_code(" 8n "), normalise_code("008N")
    ('4/1', '8N', '8N')
    >>> normalise_code("4.10")
    '4/10'
    >>> normalise_code(None) is None
    True
    """
    text = _as_text(code)
    if text is None:
        return None
    compact = re.sub(r"\s+", "", text)
    if not _CODE_LIKE.fullmatch(compact):
        return re.sub(r"\s+", " ", text)
    if "," in compact or ("." in compact and "/" in compact):
        if frozenset(expand_open_data_code(compact)) == frozenset(HOMICIDE_COMPONENTS):
            return HOMICIDE_OPEN_DATA_CODE
        return compact
    single = _normalise_single(compact)
    return single if single is not None else compact


def normalise_codes(codes: pd.Series) -> pd.Series:
    """Vectorised :func:`normalise_code` over a Series of codes.

    Parameters
    ----------
    codes : pandas.Series
        Raw offence codes, ideally read as text.

    Returns
    -------
    pandas.Series
        Canonical codes with the same index and name, string dtype, missing where the input
        was missing or empty.

    Raises
    ------
    ValueError, TypeError
        As :func:`normalise_code`, for the first offending value.
    """
    mapping = {value: normalise_code(value) for value in pd.unique(codes.dropna())}
    normalised = codes.map(mapping)
    return normalised.astype("string").rename(codes.name)


def expand_open_data_code(code: object) -> list[str]:
    """Split an open data offence code into the HOCR codes it counts.

    Parameters
    ----------
    code : str
        A code as published, usually a single code (``"8N"``, ``"4.1"``) or a combined row
        (``"1/4.1/4.10/4.2"``).

    Returns
    -------
    list of str
        Canonical HOCR codes in published order: ``["1", "4/1", "4/10", "4/2"]`` for the
        combined Homicide row, a one-element list for a single code (``"4.1"`` ->
        ``["4/1"]``; slash forms such as ``"4/1"`` are single codes), an empty list for a
        missing code.

    Notes
    -----
    A combined code is recognised by its dots: the open data write sub-classifications with a
    dot and join codes with ``/`` (older tables also use commas and abbreviate a shared
    classification, ``"4.4/6/8"`` meaning 4/4, 4/6 and 4/8; that shorthand is expanded too).

    Examples
    --------
    >>> expand_open_data_code("1/4.1/4.10/4.2")
    ['1', '4/1', '4/10', '4/2']
    >>> expand_open_data_code("37.1")
    ['37/1']
    """
    text = _as_text(code)
    if text is None:
        return []
    compact = re.sub(r"\s+", "", text)
    if "." not in compact and "," not in compact:
        single = normalise_code(compact)
        return [single] if single is not None else []
    components: list[str] = []
    shared_classification: str | None = None
    for part in filter(None, re.split(r"[/,]", compact)):
        dotted = _OPEN_DATA_DOTTED.fullmatch(part)
        if dotted:
            shared_classification = dotted[1]
        elif part.isdigit() and shared_classification is not None:
            part = f"{shared_classification}/{part}"
        else:
            shared_classification = None
        single = _normalise_single(part)
        components.append(single if single is not None else part)
    return components


def code_sort_key(code: str) -> tuple:
    """Natural sort key for canonical codes: ``2`` < ``4/2`` < ``4/10`` < ``5D`` < ``34A``.

    Parameters
    ----------
    code : str
        A canonical code (see :func:`normalise_code`).

    Returns
    -------
    tuple
        Key that orders HOCR codes by classification number, letters and sub-classification;
        the combined Homicide row sorts just before murder (1) and codes that are not HOCR
        codes (``"AF"``, ``"CIFAS"``) sort last, alphabetically.
    """
    if code == HOMICIDE_OPEN_DATA_CODE:
        return (0, 1, "", -1, "")
    match = _HOCR_SLASH.fullmatch(code)
    if not match:
        return (1, 0, "", 0, code)
    number, letters, sub = match.groups()
    return (0, int(number), letters, -1 if sub is None else int(sub), "")


@cache
def _reference() -> pd.DataFrame:
    source = files("snalib").joinpath("data", "offence_codes.csv")
    with source.open("r", encoding="utf-8", newline="") as handle:
        raw = pd.read_csv(handle, dtype=str, keep_default_na=False)
    if tuple(raw.columns) != REFERENCE_COLUMNS:
        raise ValueError(f"offence_codes.csv columns {list(raw.columns)} != {REFERENCE_COLUMNS}")
    duplicated = raw.loc[raw["hocr_code"].duplicated(), "hocr_code"].tolist()
    if duplicated:
        raise ValueError(f"offence_codes.csv repeats hocr_code {duplicated}")
    reference = raw.copy()
    for column in _BOOLEAN_COLUMNS:
        unexpected = sorted(set(raw[column]) - set(_CSV_BOOLEANS))
        if unexpected:
            raise ValueError(f"offence_codes.csv {column} must be true/false, found {unexpected}")
        reference[column] = raw[column].map(_CSV_BOOLEANS).astype(bool)
    for column in _DATE_COLUMNS:
        reference[column] = pd.to_datetime(raw[column].replace("", None), format="%Y-%m-%d")
    text_columns = [c for c in REFERENCE_COLUMNS if c not in _BOOLEAN_COLUMNS + _DATE_COLUMNS]
    for column in text_columns:
        reference[column] = raw[column].replace("", None).astype("string")
    return reference


def load_offence_codes() -> pd.DataFrame:
    """Read the packaged offence code reference.

    Returns
    -------
    pandas.DataFrame
        One row per code, columns :data:`REFERENCE_COLUMNS`: ``in_definition``,
        ``knife_eligible`` and ``sexual_offence`` as bool, ``valid_from`` / ``valid_to`` as
        datetimes (NaT when not known), text columns as string dtype with missing values
        where the CSV cell is empty. A fresh copy on every call; the parsed file is cached.

    Raises
    ------
    ValueError
        If the packaged CSV has other columns, a repeated ``hocr_code`` or a boolean cell
        other than ``true`` / ``false``.

    Notes
    -----
    Sources and decisions behind each column: ``docs/offence-codes.md``.
    """
    return _reference().copy()


def lookup_codes(codes: pd.Series) -> pd.DataFrame:
    """Attach the reference columns to a Series of offence codes.

    Parameters
    ----------
    codes : pandas.Series
        Raw offence codes (force or open data notation); normalised here.

    Returns
    -------
    pandas.DataFrame
        Same index as ``codes``, columns :data:`REFERENCE_COLUMNS` plus ``known``.
        ``hocr_code`` holds the normalised input for every row, so unknown codes can be
        listed. ``known`` is False where the code is missing or not in the reference; on those
        rows the other columns are missing, and ``in_definition``, ``knife_eligible`` and
        ``sexual_offence`` use the nullable ``boolean`` dtype so that an unknown code is never
        silently read as "out of the definition".

    Notes
    -----
    Unknown codes are not an error here: the caller decides (report them, stop, or count them
    as out of scope) and says so in its outputs. Retired pre-2012 codes are known but out of
    the definition; call :func:`map_retired_codes` first to build a back series.
    """
    normalised = normalise_codes(codes)
    reference = _reference().set_index("hocr_code")
    matched = reference.reindex(pd.Index(normalised.to_numpy(dtype=object), dtype=object))
    matched.index = codes.index
    for column in _BOOLEAN_COLUMNS:
        matched[column] = matched[column].astype("boolean")
    matched.insert(0, "hocr_code", normalised)
    matched["known"] = normalised.isin(reference.index).fillna(False).astype(bool)
    return matched[[*REFERENCE_COLUMNS, "known"]]


def map_retired_codes(codes: pd.Series) -> pd.Series:
    """Replace retired codes by the current code they are mapped to, for a back series.

    Parameters
    ----------
    codes : pandas.Series
        Raw offence codes; normalised here.

    Returns
    -------
    pandas.Series
        Normalised codes, where a code with a ``maps_to`` in the reference (the pre-2012
        violence codes 5, 5A-5C, 8A, 8D, 8F-8J) is replaced by that code (e.g. 8G -> 8N).
        Other codes, including unknown ones, are returned normalised and otherwise unchanged.

    Notes
    -----
    The mapping is approximate where a retired code was split across two current codes (5 and
    5A also covered acts now in 5E): both targets are in the same definition group, so
    definition-group series are consistent, but code-level series before 2012 are not. See
    the ``notes`` column and ``docs/offence-codes.md``.
    """
    normalised = normalise_codes(codes)
    reference = _reference()
    retired = reference.dropna(subset=["maps_to"])
    mapping = dict(zip(retired["hocr_code"], retired["maps_to"], strict=True))
    return normalised.replace(mapping).astype("string")
