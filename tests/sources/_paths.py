"""Paths shared by the source adapter tests.

``FIXTURES`` holds small real excerpts (see ``tests/fixtures/public/README.md``). ``PUBLIC``
is the full public data in the ``shared`` folder beside the checkout; tests that need it
are marked ``shared`` and take the ``public`` fixture, which skips when it is absent.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "public"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
PUBLIC = SHARED / "data" / "public"

STREET_FIXTURES = FIXTURES / "police_uk"
PRC_FIXTURE = FIXTURES / "home_office_prc" / "prc-pfa-2017-18-excerpt.csv"
ROLLING_FIXTURE = FIXTURES / "home_office_prc" / "rec-crime-pfa-excerpt.csv"
WARD_FIXTURE = FIXTURES / "lookups" / "lsoa11_ward19_lad19.csv"
PFA_FIXTURE = FIXTURES / "lookups" / "lad_csp_pfa_2017.csv"
POPULATION_FIXTURE = FIXTURES / "population" / "2019_population.csv"
IMD_FIXTURE = FIXTURES / "imd2019" / "imd2019_file1_llr.xlsx"
CENSUS_FIXTURES = sorted((FIXTURES / "census2011").glob("*.csv"))

LEICESTERSHIRE = "E23000021"
#: The nine LLR districts (SOURCES.md, sections 3 and 5).
LLR_DISTRICTS = {
    "E06000016": "Leicester",
    "E06000017": "Rutland",
    "E07000129": "Blaby",
    "E07000130": "Charnwood",
    "E07000131": "Harborough",
    "E07000132": "Hinckley and Bosworth",
    "E07000133": "Melton",
    "E07000134": "North West Leicestershire",
    "E07000135": "Oadby and Wigston",
}

WARD_LOOKUP = "Lower_Layer_Super_Output_Area_(2011)_to_Ward_(2019)_Lookup_in_England_and_Wales.csv"
PFA_LOOKUP = (
    "Local_Authority_District_to_Community_Safety_Partnerships_to_Police_Force_Areas__"
    "January_2017__Lookup_in_England_and_Wales_Version_2.csv"
)
