"""Pattern detectors for free text: what looks like PHI without being known.

Each detector is a precompiled pattern, the identifier kind it finds and the
group holding the value (context words such as "MRN:" stay in the text).
Dates and ages are parsed so the policy can shift or generalize them like
structured dates and ages; everything else is replaced through the policy
as the kind it is.

Detectors favour recall over precision: a false positive costs a few
characters of a note, a false negative publishes PHI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from scrubbers.kinds import Kind

MONTHS: Final = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_ALT: Final = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)


@dataclass(frozen=True, slots=True)
class Detector:
    name: str
    kind: Kind
    pattern: re.Pattern[str]
    group: str | int = 0
    # A cheap property of the text without which the pattern cannot match
    # ("digit", "@", "url", "title"): most coded text skips most detectors.
    requires: str = "digit"


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


DETECTORS: Final = (
    Detector("email", Kind.EMAIL, _re(r"\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b"), requires="@"),
    Detector("url", Kind.URL, _re(r"\b(?:https?://|ftp://|www\.)[^\s<>\"'\]\)]+"), requires="url"),
    Detector("ssn", Kind.SSN, _re(r"(?<![\d-])\d{3}[- ]\d{2}[- ]\d{4}(?![\d-])")),
    Detector(
        "ssn-context",
        Kind.SSN,
        _re(r"\b(?:ssn|social security(?: number| no\.?| #)?)\s*[:#]?\s*(?P<value>\d{9})\b"),
        "value",
    ),
    Detector(
        "fax",
        Kind.FAX,
        _re(
            r"\bfax(?: number| no\.?| #)?\s*[:#]?\s*(?P<value>(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?"
            r"|\d{3}[\s.-])\d{3}[\s.-]\d{4})(?!\d)"
        ),
        "value",
    ),
    Detector(
        "phone",
        Kind.PHONE,
        _re(r"(?<![\d-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\d-])"),
    ),
    Detector(
        "ipv4",
        Kind.IP_ADDRESS,
        _re(
            r"(?<!\d)(?<!\d\.)(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"
            r"(?!\d|\.\d)"
        ),
    ),
    Detector("ipv6", Kind.IP_ADDRESS, _re(r"\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b")),
    Detector(
        "mrn-context",
        Kind.MRN,
        _re(
            r"\b(?:mrn|mr\s?#|medical record(?: number| no\.?| #)?|record\s?#|patient id|pt id"
            r"|chart(?: number| no\.?| #))\s*[:#]?\s*(?P<value>[a-z]*\d[a-z0-9-]{2,})\b"
        ),
        "value",
    ),
    Detector(
        "account-context",
        Kind.ACCOUNT_NUMBER,
        _re(
            r"\b(?:acct|account|visit|encounter|fin)(?: number| no\.?| #)?\s*[:#]?\s*"
            r"(?P<value>[a-z]*\d[a-z0-9-]{2,})\b"
        ),
        "value",
    ),
    Detector(
        "plan-context",
        Kind.HEALTH_PLAN_ID,
        _re(
            r"\b(?:member|subscriber|policy|medicaid|medicare|insurance|plan)\s*(?:id|number|no\.?|#)"
            r"\s*[:#]?\s*(?P<value>[a-z]*\d[a-z0-9-]{2,})\b"
        ),
        "value",
    ),
)

_STREET_SUFFIX: Final = (
    r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl"
    r"|terrace|ter|circle|cir|row|highway|hwy|parkway|pkwy|square|sq)\b"
)

# Shapes that are PHI even when the message's structured fields never named them.
SHAPE_DETECTORS: Final = (
    Detector(
        "titled-name",
        Kind.NAME,
        re.compile(
            r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+(?P<value>[A-Z][a-zA-Z'-]+(?:\s+[A-Z][a-zA-Z'-]+)?)"
        ),
        "value",
        requires="title",
    ),
    Detector(
        "street",
        Kind.STREET_ADDRESS,
        re.compile(
            rf"\b\d{{1,6}}\s+(?:[A-Z][a-zA-Z'.-]*\s+){{1,4}}{_STREET_SUFFIX}", re.IGNORECASE
        ),
    ),
    Detector(
        "state-zip",
        Kind.ZIP,
        re.compile(r"\b[A-Z]{2},?\s+(?P<value>\d{5}(?:-\d{4})?)\b"),
        "value",
    ),
)

# Written dates. Each names its parts so they can be re-rendered after a shift;
# a pattern with a context word puts the date itself in group "date".
_END: Final = r"(?![\d/-]|\.\d)"  # not followed by more of a number, a ratio or a version
_YEAR: Final = r"(?P<year>\d{4}|\d{2})"
_SUFFIX: Final = r"(?:st|nd|rd|th)?"
# A month name written with a capital (partial dates without a year are too
# easily ordinary words otherwise: "you may 2", "mar").
_CAPITAL: Final = r"(?=(?-i:[A-Z]))"
_BIRTH_WORDS: Final = (
    r"(?:dob|d\.o\.b\.?|date\s+of\s+birth|birth\s?date|birthday|b/d|born(?:\s+on)?)"
)
_DATE_WORDS: Final = (
    r"(?:on|since|dated|admitted|admission|discharged|discharge|seen|visit(?:ed)?|dob|d\.o\.b\.?"
    r"|onset|surgery|injury|born)"
)
_NOT_A_DOSE: Final = (
    r"(?!\s*(?:tabs?|tablets?|pills?|caps?|capsules?|doses?|strength|mg|mcg|ml|units?|scale|of)\b)"
)
_MM: Final = r"(?P<mm>0?[1-9]|1[0-2])"
_DD: Final = r"(?P<dd>0?[1-9]|[12]\d|3[01])"

DATE_PATTERNS: Final = (
    # 2023-03-14, 2023/03/14, 2023.03.14
    _re(
        rf"(?<![\d/.-])(?P<year>(?:19|20)\d{{2}})(?P<sep>[-/.])(?P<mm>\d{{1,2}})(?P=sep)(?P<dd>\d{{1,2}}){_END}"
    ),
    # 03/14/2023, 3-14-23, 03.14.2023
    _re(rf"(?<![\d/.-])(?P<mm>\d{{1,2}})(?P<sep>[/.-])(?P<dd>\d{{1,2}})(?P=sep){_YEAR}{_END}"),
    # 14-Mar-2023, 04/MAR/1961, 4-March-61
    _re(rf"(?<![\d/.-])(?P<dd>\d{{1,2}})(?P<sep>[-/.]){_MONTH_ALT}(?P=sep){_YEAR}{_END}"),
    # Mar-04-1961, MAR/04/61
    _re(rf"\b{_MONTH_ALT}(?P<sep>[-/.])(?P<dd>\d{{1,2}})(?P=sep){_YEAR}{_END}"),
    # March 14, 2023; Mar 4, '61
    _re(rf"\b{_MONTH_ALT}\s+(?P<dd>\d{{1,2}}){_SUFFIX},?\s+(?P<year>\d{{4}})\b"),
    _re(rf"\b{_MONTH_ALT}\s+(?P<dd>\d{{1,2}}){_SUFFIX},?\s+['\u2019](?P<year>\d{{2}})\b"),
    # 14 March 2023, 14th of March, 2023, 4 Mar '61
    _re(rf"\b(?P<dd>\d{{1,2}}){_SUFFIX}\s+(?:of\s+)?{_MONTH_ALT},?\s+(?P<year>\d{{4}})\b"),
    _re(rf"\b(?P<dd>\d{{1,2}}){_SUFFIX}\s+(?:of\s+)?{_MONTH_ALT},?\s+['\u2019](?P<year>\d{{2}})\b"),
    # Mar 2023, March '61
    _re(rf"\b{_MONTH_ALT}\s+(?P<year>\d{{4}})\b"),
    _re(rf"\b{_MONTH_ALT},?\s+['\u2019](?P<year>\d{{2}})\b"),
    # DOB 03041961, DOB 030461, DOB: 19610304 (digits only after a birth word)
    _re(
        rf"\b{_BIRTH_WORDS}\s*[:#]?\s*(?P<date>(?P<mm>0[1-9]|1[0-2])(?P<dd>0[1-9]|[12]\d|3[01])"
        rf"(?P<year>(?:19|20)\d{{2}}|\d{{2}}))(?!\d)"
    ),
    _re(
        rf"\b{_BIRTH_WORDS}\s*[:#]?\s*(?P<date>(?P<year>(?:18|19|20)\d{{2}})(?P<mm>0[1-9]|1[0-2])"
        rf"(?P<dd>0[1-9]|[12]\d|3[01]))(?!\d)"
    ),
    # Without a year (Safe Harbor element C covers day and month): 15 Jan, Jan 15th,
    # and 1/15 only after a date word ("seen 1/15"; "1/2 tab" is a dose).
    _re(rf"\b(?P<dd>\d{{1,2}}){_SUFFIX}\s+(?:of\s+)?{_CAPITAL}{_MONTH_ALT}(?![a-z])"),
    _re(
        rf"\b{_CAPITAL}{_MONTH_ALT}\s+(?P<dd>\d{{1,2}}){_SUFFIX}(?![\d:.,/-]?\d|\s*%)\b{_NOT_A_DOSE}"
    ),
    _re(rf"\b{_DATE_WORDS}:?\s+(?P<date>{_MM}/{_DD}){_END}{_NOT_A_DOSE}"),
)

# "born 1920": a bare year next to a birth word; replaced when it implies an age over 89.
BIRTH_YEAR_PATTERN: Final = _re(
    rf"\b(?:{_BIRTH_WORDS}|born\s+in|year\s+of\s+birth|birth\s+year|yob)\s*[:#]?\s*"
    r"(?P<year>(?:18|19|20)\d{2})(?![\d/.-]|\s*-\s*\d)"
)
# A birth word just before a date: the date gets the birth-date rule.
BIRTH_CONTEXT: Final = _re(rf"\b(?:{_BIRTH_WORDS}|born\s+in)[\s:#.,-]*$")

AGE_PATTERNS: Final = (
    _re(r"\b(?P<age>\d{2,3})\s*-?\s*(?:years?|yrs?|y/?o|yo)\b(?:\s*-?\s*old)?"),
    _re(r"\b(?:age[ds]?|aged)\s*:?\s*(?P<age>\d{2,3})\b"),
)


def month_number(text: str) -> int:
    """1-12 for a month name or abbreviation (``Sept.`` included)."""
    key = text.lower().rstrip(".")[:3]
    return next(i for i, name in enumerate(MONTHS, start=1) if name.startswith(key))


_DIGIT: Final = re.compile(r"\d")
_TITLE: Final = re.compile(r"\bM(?:r|rs|s|iss|x)\b")


def text_features(text: str) -> frozenset[str]:
    """Which detector requirements a text meets (see :attr:`Detector.requires`)."""
    found = set()
    if _DIGIT.search(text):
        found.add("digit")
    if "@" in text:
        found.add("@")
    if "://" in text or "www." in text.lower():
        found.add("url")
    if _TITLE.search(text):
        found.add("title")
    return frozenset(found)
