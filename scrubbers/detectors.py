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

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Final

from scrubbers.kinds import Kind
from scrubbers.number_hints import personal_number_hint

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


# Month names of other languages, folded (lower case) -> month: German, French,
# Spanish, Italian, Portuguese, Dutch, Danish/Norwegian/Swedish, Icelandic, Polish
# (genitive, as dates write them) and Finnish (partitive). English names are read by
# _MONTH_ALT.
_FOREIGN_MONTH_NAMES: Final[dict[int, tuple[str, ...]]] = {
    1: ("januar", "jänner", "janvier", "janv", "enero", "gennaio", "janeiro", "januari",
        "janúar", "stycznia", "tammikuuta"),
    2: ("februar", "feber", "février", "fevrier", "févr", "fevr", "febrero", "febbraio",
        "fevereiro", "februari", "febrúar", "lutego", "helmikuuta"),
    3: ("märz", "maerz", "mars", "marzo", "março", "marco", "maart", "marts", "marca",
        "maaliskuuta"),
    4: ("avril", "avr", "abril", "aprile", "apríl", "kwietnia", "huhtikuuta"),
    5: ("mai", "mayo", "maggio", "maio", "mei", "maj", "maí", "maja", "toukokuuta"),
    6: ("juni", "juin", "junio", "giugno", "junho", "júní", "czerwca", "kesäkuuta"),
    7: ("juli", "juillet", "juil", "julio", "luglio", "julho", "júlí", "lipca",
        "heinäkuuta"),
    8: ("août", "aout", "agosto", "augustus", "augusti", "ágúst", "sierpnia", "elokuuta"),
    9: ("septembre", "septiembre", "setiembre", "settembre", "setembro", "września",
        "wrzesnia", "syyskuuta"),
    10: ("oktober", "okt", "octobre", "octubre", "ottobre", "outubro", "október",
         "października", "pazdziernika", "lokakuuta"),
    11: ("novembre", "noviembre", "novembro", "nóvember", "listopada", "marraskuuta"),
    12: ("dezember", "dez", "décembre", "decembre", "déc", "diciembre", "dicembre",
         "dezembro", "desember", "grudnia", "joulukuuta"),
}  # fmt: skip
FOREIGN_MONTHS: Final[dict[str, int]] = {
    name: month for month, names in _FOREIGN_MONTH_NAMES.items() for name in names
}
_FOREIGN_MONTH_ALT: Final = "(?P<fmonth>{})\\.?".format(
    "|".join(sorted((re.escape(name) for name in FOREIGN_MONTHS), key=len, reverse=True))
)


def foreign_month_number(text: str) -> int:
    """1-12 for a month name of another language (see FOREIGN_MONTHS)."""
    return FOREIGN_MONTHS[text.lower().rstrip(".")]


_INFORMATION_SEPARATORS: Final = re.compile("[\x1c-\x1f]")


def plain_ascii(text: str) -> bool:
    """Whether ``text`` is ASCII without the information separators U+001C-U+001F
    (whitespace to Unicode ``\\s``, not to ASCII ``\\s``): on such text a pattern
    compiled with :data:`re.ASCII` (see :func:`ascii_variant`) matches exactly as
    compiled for Unicode."""
    return text.isascii() and _INFORMATION_SEPARATORS.search(text) is None


def ascii_variant(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` with ASCII classes and case folding, for :func:`plain_ascii` text:
    ``\\d``, ``\\w``, ``\\b`` and case-insensitive letters become table lookups
    instead of calls into the Unicode database for every character scanned."""
    return re.compile(pattern.pattern, (pattern.flags & ~re.UNICODE) | re.ASCII)


@dataclass(slots=True)
class Detector:
    name: str
    kind: Kind
    pattern: re.Pattern[str]
    group: str | int = 0
    # A cheap property of the text without which the pattern cannot match
    # ("digit", "@", "url", "title"): most coded text skips most detectors.
    requires: str = "digit"
    # The pattern matches from an "@" (the domain of an email address); the value
    # extends left over the local part, found by a bounded scan back from the "@".
    local_part: bool = False
    ascii_pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.ascii_pattern = ascii_variant(self.pattern)

    def spans(self, text: str, plain: bool = False) -> Iterator[tuple[int, int]]:
        """Where the detector's value occurs in ``text``, as (start, end); ``plain``:
        the text is :func:`plain_ascii`."""
        pattern = self.ascii_pattern if plain else self.pattern
        if not self.local_part:
            for match in pattern.finditer(text):
                yield match.span(self.group)
            return
        for match in pattern.finditer(text):
            at, end = match.span(self.group)
            start = at
            while start > 0 and at - start < MAX_LOCAL_PART and text[start - 1] in _LOCAL_CHARS:
                start -= 1
            if start < at:
                yield start, end


# RFC 5321 limits: what an email pattern may span. Every detector quantifier is
# bounded or unambiguous, so a long run without spaces ("a.a.a....@") costs
# linear time, not a rescan from every position.
MAX_LOCAL_PART: Final = 64
_LOCAL_CHARS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-"
)
_LABEL: Final = r"[a-z0-9-]{1,63}"


def _re(pattern: str) -> re.Pattern[str]:
    """Case-insensitive. Patterns that start with a lookbehind, a word boundary or
    words begin with a lookahead of their possible first characters, ``(?=[...])``:
    the engine then scans for those characters at C speed instead of trying the
    whole pattern at every position (three to four times faster on a note). Better
    still, where the first character is a digit: consume it first and check what may
    precede it with a lookbehind after it (``\\d(?<!\\w\\d)`` for ``\\b\\d``), since
    only a leading character class gives the engine its fast scan for a start. A
    pattern led by words gets one too from a case-sensitive class of every letter
    IGNORECASE reads as their first letters, ``(?-i:[MRmr])(?<!\\w[mr])``, each word
    then continuing after ``(?<=m)``: the engine takes no case-insensitive class."""
    return re.compile(pattern, re.IGNORECASE)


# A ten-digit phone number: (617) 555-0100, 617-555-0100, 617.555.0100, 617/555/0100.
_PHONE_NUMBER: Final = (
    r"(?:\(\d{3}\)\s?\d{3}[\s.-]?\d{4}|\d{3}[\s.-]\d{3}[\s.-]\d{4}|\d{3}/\d{3}/\d{4}|\d{3}-\d{7})"
)
# A phone number as digit groups with separators (6 to 15 digits, a group at most 8
# digits, an optional "+" or "00" and area code in parentheses; not a date): separators
# are required between groups, so a failed match backtracks linearly.
_GROUPED_NUMBER: Final = (
    r"(?=(?:[\s()./-]*\d){6})(?!(?:[\s()./-]*\d){16})(?!\d{1,4}(?P<dsep>[/.-])\d{1,2}(?P=dsep)\d{2,4}(?!\d))"
    # A trunk prefix (0), "+" or "(" first, or three groups ("55 7414 0974"): not two
    # years or a pair of counts.
    r"(?=[+(0]|(?:\d{1,8}(?:[\s./]|\s?-\s?)){2}\d)"
    # Not a trunk prefix or "(" first: one group has three digits or more (not
    # counts: "12 15 20 25 mmHg"). A date written with spaces ("10 05 2024"), which
    # the date patterns do not read, stays a match: removed rather than kept.
    r"(?=[+(0]|(?:\d{1,2}(?:[\s./]|\s?-\s?))*\d{3})"
    r"(?:\+|00)?(?:\(\d{1,5}\)\s?)?\d{1,8}"
    r"(?:(?:[\s./]|\s?-\s?)\(?\d{1,8}\)?){0,7}(?![\d/-]|\.\d)"
)
# A number after a phone label: 7 to 15 digits, bare ("0905987654") or in groups of
# any size ("38 39 90 26", "339 1234567"); not a date ("12.03.2024").
_LABELLED_NUMBER: Final = (
    r"(?=(?:[\s()./-]*\d){7})(?!(?:[\s()./-]*\d){16})"
    r"(?!\d{1,4}(?P<lsep>[/.-])\d{1,2}(?P=lsep)\d{2,4}(?!\d))"
    r"(?:(?:\+|00)?(?:\(\d{1,5}\)\s?)?\d{1,8}(?:(?:[\s./]|\s?-\s?)\(?\d{1,8}\)?){0,7}|\d{9,15})"
    r"(?![\d/-]|\.\d)"
)
# A phone extension: "555-123-4567 x123", "ext. 12".
_EXTENSION: Final = r"(?:\s*(?:x|ext\b\.?|extension)\s*\d{1,6}\b)?"
# "." in an address, or "(dot)", "[dot]", " dot " when it is spelled out.
_DOT: Final = r"(?:\s{0,3}[(\[{<]\s{0,3}dot\s{0,3}[)\]}>]\s{0,3}|\s{1,3}dot\s{1,3}|\.)"
# Between a context word and its value: "MRN 1", "MRN: 1", "MRN# 1", "MRN #: 1",
# "MRN = 1" (as generated narratives print an identifier).
# Unambiguous (each run of spaces has one place to go): column-aligned values match too.
_SEP: Final = r"\s*(?:#\s*)?(?:[:#=]\s*)?"
_MBI_ALPHA: Final = r"[ac-hj-km-np-rt-y]"
_MBI_ALNUM: Final = r"[ac-hj-km-np-rt-y\d]"
_ID_VALUE: Final = r"(?P<value>(?=[a-z0-9-]{0,19}\d)[a-z0-9][a-z0-9-]{3,19})\b"

# A code system's URL, as generated narratives print it ({http://loinc.org code ...}):
# a terminology host and a plain path, nothing after it but punctuation (no query,
# fragment or user part, which could carry anything).
_TERMINOLOGY_URL: Final = (
    r"https?://(?:terminology\.hl7\.org|hl7\.org/fhir|snomed\.info|loinc\.org"
    r"|unitsofmeasure\.org)(?:/[\w.-]*)*[,;:]*(?![^\s<>\"'\]\)])"
)

# Payers whose name, or the word "member", stands before a member's number.
PAYER_LABEL: Final = (
    r"aetna|bcbs|blue\s+cross|blue\s+shield|anthem|cigna|humana|uhc"
    r"|united\s?healthcare|kaiser|tricare|molina|ambetter|oscar|member"
)

# Labels of the detectors keyed on a label word: other languages' phone labels,
# national identifiers, other languages' age labels. Each list of spellings gives
# both its detector's label pattern and the detector's pre-check (the label among
# the text's words, _WORD_LABEL_FEATURES), so the two cannot disagree. A space in a
# spelling is optional whitespace in the pattern ("health card", "healthcard").
PHONE_LABELS_LOCAL: Final = (
    *("telefon", "telefono", "telefone", "tel\u00e9fon", "tel\u00e9fono", "tel\u00e9fone"),
    *("telefoon", "tfno", "tlf", "celular", "handy", "natel", "mobil", "mobiltelefon"),
    *("mobilnummer", "mobilnr", "rufnummer", "sdt", "s\u0111t", "\u0111t", "simi"),
    *("s\u00edmi", "puhelin", "gsm", "cellulare", "cellphone", "tel", "telephone"),
    *("phone", "mobile"),
    # Portugal's and Spain's mobile, the French mobile, a contact number in Spanish,
    # Portuguese, German and the Nordic languages ("Telemóvel 912 345 678", "Contacto:
    # 644 12 34 56", "portable : 06 98 76 54 32"; hold-out round 17 probe).
    *("telem\u00f3vel", "telemovel", "m\u00f3vil", "movil", "portable", "contacto"),
    *("contato", "kontakt"),
    # Singapore's and Malaysia's "handphone" ("HP 81234567", "H/P: 9127 4583").
    *("hp", "handphone", "h/p"),
    # Greek, Russian, Arabic and Hebrew: Τηλ., κινητό, телефон, моб., جوال, هاتف, טלפון.
    *("\u03c4\u03b7\u03bb", "\u03c4\u03b7\u03bb\u03ad\u03c6\u03c9\u03bd\u03bf"),
    *("\u03ba\u03b9\u03bd\u03b7\u03c4\u03cc", "\u0442\u0435\u043b"),
    *("\u0442\u0435\u043b\u0435\u0444\u043e\u043d", "\u043c\u043e\u0431"),
    *("\u0441\u043e\u0442\u043e\u0432\u044b\u0439", "\u062c\u0648\u0627\u0644"),
    *("\u0647\u0627\u062a\u0641", "\u0645\u0648\u0628\u0627\u064a\u0644"),
    *("\u05d8\u05dc\u05e4\u05d5\u05df", "\u05e0\u05d9\u05d9\u05d3"),
)
NATIONAL_ID_LABELS: Final = (
    *("cpr", "cpr-nr", "cprnr", "kennitala", "kt", "personnummer", "personnumer"),
    *("personnr", "f\u00f8dselsnummer", "fodselsnummer", "henkil\u00f6tunnus"),
    *("henkilotunnus", "hetu", "ahv", "ahv-nr", "ahvnr", "avs", "dni", "nie", "nif"),
    *("bsn", "nir", "insee", "pesel", "sin", "ohip", "hcn", "health card"),
    *("health card number", "cccd", "cmnd", "curp", "cpf", "nric", "aadhaar", "nhi"),
    *("emirates id", "teudat zehut", "codice fiscale", "svnr"),
    # France's social security number (NIR) and Belgium's national register number as
    # notes label them ("numéro de sécurité sociale", "n° sécu", "NISS", "RRN",
    # "rijksregisternummer"; hold-out round 19 probe: kept).
    *("s\u00e9curit\u00e9 sociale", "securite sociale", "s\u00e9cu", "secu", "niss", "rrn"),
    *("rijksregisternummer", "registre national"),
    # A passport's number, and Singapore's and Malaysia's identity card ("IC No:").
    *("passport", "ic no", "ic number", "i/c no"),
    *("sozialversicherungsnummer", "kvnr", "ppsn", "nino"),
    # The UK's NHS number and Scotland's CHI number ("NHS No. 943 476 5919", "CHI:
    # 0101011234"; hold-out round 17 probe: kept in a letter, or read as a phone).
    *("nhs", "chi"),
    # US and Australian Medicare, US Medicaid: "Medicare 2948571630" names no "no."
    # or "id" the plan label needs.
    *("medicare", "medicaid"),
    # An identity document's number ("ID number", "SA ID", "Identity no", a South
    # African 13-digit id) and the German insured person's number (the Swiss AHV).
    *("id number", "id no", "id nr", "id card", "identity number", "identity no"),
    *("identification number", "national id", "sa id", "rsa id"),
    *("versichertennummer", "versicherungsnummer", "versichertennr"),
    # Vietnamese: health-insurance card, outpatient, patient-code and admission
    # numbers ("Số thẻ BHYT", "SO NGOAI TRU", "Mã BN", "Số vào viện").
    *("bhyt", "so ngoai tru", "s\u1ed1 ngo\u1ea1i tr\u00fa", "ma bn", "m\u00e3 bn"),
    *("ma benh nhan", "m\u00e3 b\u1ec7nh nh\u00e2n", "so vao vien"),
    *("s\u1ed1 v\u00e0o vi\u1ec7n", "so luu tru", "s\u1ed1 l\u01b0u tr\u1eef"),
    # Saudi Arabia's national id and resident's (iqama) number as NPHIES narratives and
    # notes label them ("Iqama No. ...", "Permanent Resident Card Number: ..."),
    # Belgium's INSZ/SSIN without dots, France's Carte Vitale number and British
    # Columbia's personal health number (hold-out round 21: each stayed in a note).
    *("iqama", "saudi id", "resident card", "insz", "ssin", "carte vitale", "phn"),
    *("burgerservicenummer",),
)
# Chinese, Japanese and Korean phone labels: written without spaces between words,
# so found as substrings ("病患電話0921345678"), not as words.
PHONE_LABELS_CJK: Final = (
    *("\u96fb\u8a71", "\u7535\u8bdd", "\u624b\u6a5f", "\u624b\u673a", "\u643a\u5e2f"),
    *("\u9023\u7d61\u5148", "\u806f\u7d61", "\u8054\u7cfb", "\uc804\ud654"),
    *("\uc5f0\ub77d\ucc98", "\ud734\ub300\ud3f0", "\ud578\ub4dc\ud3f0"),
)
# Quebec's health insurance card: "NAM" (numéro d'assurance maladie), "RAMQ", the
# "carte soleil", a "health card". Not national identifier labels: "nam" is also the
# Vietnamese for male, and the number has four letters.
QC_HEALTH_CARD_LABELS: Final = (
    *("nam", "ramq", "carte soleil", "assurance maladie", "health card", "hcn"),
)
# Italy's tax code (codice fiscale: surname, name, birth date, sex and birthplace in
# 16 letters and digits, RSSMRA50M15L219X) after its label, as Italian letters and the
# health card (tessera sanitaria) write it: "codice fiscale", "cod. fisc.", "C.F.",
# "CF". Hold-out round 19 probe: "Codice fiscale RSSMRA50M15L219X" and "CF ..."
# stayed (national-id-context's value is digits with up to three letters).
TAX_CODE_LABELS_IT: Final = (
    *("codice fiscale", "cod fiscale", "cod fisc", "cf", "c f", "tessera sanitaria"),
)
# Brazil's national health card (Cartão Nacional de Saúde, CNS) as a note labels it:
# "CNS", "cartão SUS". Not national identifier labels: "CNS" is also the central
# nervous system, so its value is the card's own shape only (see "cns-br").
CNS_LABELS_BR: Final = (
    *("cns", "cart\u00e3o sus", "cartao sus", "cart\u00e3o nacional de sa\u00fade"),
)
AGE_LABELS_LOCAL: Final = (
    *("alter", "\u00e2ge", "edad", "et\u00e0", "idade", "leeftijd", "\u00e5lder"),
    *("alder", "wiek", "ik\u00e4", "tu\u1ed5i", "usia", "umur", "am\u017eius", "amzius"),
)


def _label_alternation(labels: tuple[str, ...]) -> str:
    """The spellings as one alternation, longest first."""
    return "|".join(
        r"\s?".join(re.escape(word) for word in label.split(" "))
        for label in sorted(labels, key=len, reverse=True)
    )


_PHONE_LABEL_LOCAL: Final = (
    rf"(?<![^\W\d_])(?:{_label_alternation(PHONE_LABELS_LOCAL)})(?![^\W\d_])"
)
_NATIONAL_ID_LABEL: Final = (
    rf"(?<![^\W\d_])(?:{_label_alternation(NATIONAL_ID_LABELS)})(?![^\W\d_])"
)

# A British phone number from its trunk 0 (see the "phone-uk" detector), not inside a
# longer number; the verifier reads the same shape by its own pattern.
UK_PHONE: Final = (
    r"0(?<![\d+/.-]0)(?:7\d{3} (?: ?\d){6}|1\d{3} (?: ?\d){6}|1\d1 (?: ?\d){7}|2\d (?: ?\d){8})"
    r"(?![\d/-]|\.\d)"
)


DETECTORS: Final = (
    Detector(
        "email",
        Kind.EMAIL,
        _re(r"@[a-z0-9.-]{1,253}\.[a-z]{2,24}\b"),
        requires="@",
        local_part=True,
    ),
    Detector(
        "email-obfuscated",
        Kind.EMAIL,
        _re(
            r"(?=[a-z0-9._%+-])(?<![a-z0-9._%+-])"
            r"[a-z0-9._%+-]{1,64}(?:\s{0,3}[(\[{<]\s{0,3}at\s{0,3}[)\]}>]\s{0,3}|\s{0,3}@\s{0,3}"
            r"|\s{1,3}at\s{1,3}(?=[a-z0-9-]{1,63}\s{1,3}dot\s))"
            rf"{_LABEL}(?:{_DOT}{_LABEL}){{0,8}}{_DOT}[a-z]{{2,24}}\b"
        ),
        requires="obfuscated",
    ),
    Detector(
        "url",
        Kind.URL,
        _re(rf"(?=[hfw])\b(?!{_TERMINOLOGY_URL})(?:https?://|ftp://|www\.)[^\s<>\"'\]\)]+"),
        requires="url",
    ),
    Detector("ssn", Kind.SSN, _re(r"\d(?<![\d-]\d)\d{2}[- ]\d{2}[- ]\d{4}(?![\d-])")),
    Detector(
        "ssn-context",
        Kind.SSN,
        _re(
            r"(?=s)\b(?:ssn|ss\s?#|ss\s?no\b\.?|soc(?:ial)?\.?\s*sec(?:urity)?\b\.?"
            r"(?:\s*(?:number|num|no\b\.?|#))?)\s*[:#]?\s*"
            r"(?P<value>\d{3}(?P<ssep>[-. ]?)\d{2}(?P=ssep)\d{4})(?![\d-]|\.\d)"
        ),
        "value",
        requires="ssn",
    ),
    Detector(
        "fax",
        Kind.FAX,
        _re(
            r"(?=f)\bfax(?: number| no\.?| #)?\s*[:#]?\s*"
            r"(?P<value>(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4})(?!\d)"
        ),
        "value",
        requires="fax",
    ),
    Detector(
        "phone",
        Kind.PHONE,
        # (?<![\d-])(?:\+?1[\s.-]?)?{_PHONE_NUMBER}, led by its first character (see
        # _re): "+1" then a number, "1" then a number, or a number from its "(" or digit.
        _re(
            r"[(+\d](?<![\d-][(+\d])"
            rf"(?:(?<=\+)1[\s.-]?{_PHONE_NUMBER}|(?<=1)[\s.-]?{_PHONE_NUMBER}"
            r"|(?<=\()\d{3}\)\s?\d{3}[\s.-]?\d{4}"
            # An area code whose "(" was dropped ("call Dana at 617) 555-0191": an Epic
            # NTE, hold-out round 20; the number stayed whole).
            r"|(?<=\d)(?:\d{2}[\s.-]\d{3}[\s.-]\d{4}|\d{2}/\d{3}/\d{4}|\d{2}-\d{7}"
            r"|\d{2}\)[ \t]?\d{3}[\s.-]?\d{4}))"
            rf"{_EXTENSION}(?![\d-])"
        ),
    ),
    Detector(
        "phone-context",
        Kind.PHONE,
        _re(
            r"(?-i:[TPCMBtpcmb])(?<!\w[tpcmb])(?:(?<=t)el(?:ephone)?|(?<=p)(?:hone|h\s*[:#]|ager)"
            r"|(?<=c)(?:ell(?:\s?phone|\s*[:#])|all(?:ed)?|ontact(?:ed)?)|(?<=m)obile|(?<=b)eeper)"
            r"\b\.?(?:\s*(?:no\b\.?|number|num|#))?[^\d\n]{0,20}?"
            r"(?P<value>(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s./-]?)?\d{3}[\s./-]?\d{4}"
            rf"{_EXTENSION})(?![\d/-]|\.\d)"
        ),
        "value",
        requires="phone",
    ),
    # After the same words, a number written the way other countries group digits
    # ("07700 900123", "0711/2468135", "Tel (0711) 24 68 135", "06 12 34 56 78"): 6 to
    # 15 digits in groups joined by spaces, "-", "/" or "."; a "tel 020 7946 0958" was
    # cut after its first seven digits.
    Detector(
        "phone-context-grouped",
        Kind.PHONE,
        _re(
            r"(?-i:[TPCMBtpcmb])(?<!\w[tpcmb])(?:(?<=t)(?:el(?:ephone|efon)?|\u00e9l(?:\u00e9phone)?)"
            r"|(?<=p)(?:hone|h\s*[:#]|ager)|(?<=c)(?:ell(?:\s?phone|\s*[:#])|all(?:ed)?|ontact(?:ed)?)"
            r"|(?<=m)ob(?:ile)?|(?<=b)eeper)"
            rf"\b\.?(?:\s*(?:no\b\.?|number|num|#))?[^\d\n+]{{0,20}}?(?P<value>{_GROUPED_NUMBER})"
        ),
        "value",
        requires="phone",
    ),
    # Phone labels of other languages ("Teléfono", "celular", "tlf", "Handy", "Natel",
    # "SĐT", "sími"), and after any label a number written without separators
    # ("SĐT: 0905987654", "Tel: 84987654321"): 8 to 15 digits, or digit groups as above.
    Detector(
        "phone-context-local",
        Kind.PHONE,
        _re(
            _PHONE_LABEL_LOCAL + r"\.?(?:\s*(?:no\b\.?|nr\b\.?|number|num|#))?[^\d\n+]{0,20}?"
            rf"(?P<value>{_LABELLED_NUMBER})"
        ),
        "value",
        requires="phone-local",
    ),
    # 電話: 0921345678, 手機 0912 345 678, 연락처 010-1234-5678: a label glued to the
    # text before it, a number of 7 to 15 digits as after other languages' labels.
    Detector(
        "phone-context-cjk",
        Kind.PHONE,
        _re(rf"(?:{'|'.join(PHONE_LABELS_CJK)})[^\d\n+]{{0,8}}?(?P<value>{_LABELLED_NUMBER})"),
        "value",
        requires="phone-cjk",
    ),
    # A Korean or Japanese mobile written without a label: 010-1234-5678, 090-1234-5678.
    Detector(
        "phone-mobile-kr-jp",
        Kind.PHONE,
        _re(r"0(?<![\d-]0)[1-9]0-\d{3,4}-\d{4}(?![\d-])"),
    ),
    # A British number written without a label, as UK notes write them ("call his
    # daughter on 07700 900123", "neighbour ... on 01326 555 901"): a mobile 07xxx
    # xxxxxx, a geographic 01xxx xxx xxx / 01xxx xxxxxx / 01x1 xxx xxxx, a London or
    # other 02x xxxx xxxx; eleven digits from the trunk 0, the area code or mobile prefix
    # set off by a blank (an eleven-digit run is as often a drug code, GPI or NDC).
    # Kept when a label was more than 20 characters before it (hold-out round 17 probe).
    Detector(
        "phone-uk",
        Kind.PHONE,
        _re(UK_PHONE),
    ),
    Detector(
        "fax-grouped",
        Kind.FAX,
        _re(rf"(?=f)\bfax(?: number| no\.?| #)?\s*[:#]?\s*(?P<value>{_GROUPED_NUMBER})"),
        "value",
        requires="fax",
    ),
    Detector(
        "phone-international",
        Kind.PHONE,
        _re(r"\+(?<![\w+]\+)(?=(?:[\s().-]*\d){8})[1-9]\d{0,2}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?!\d)"),
        requires="+",
    ),
    Detector(
        "ipv4",
        Kind.IP_ADDRESS,
        _re(
            r"(?=\d)(?<!\d)(?<!\d\.)(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"
            r"(?!\d|\.\d)"
        ),
        requires="ipv4",
    ),
    Detector(
        "ipv6",
        Kind.IP_ADDRESS,
        _re(r"(?=[0-9a-f])\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b"),
        requires="7:",
    ),
    Detector(
        "mrn-context",
        Kind.MRN,
        _re(
            r"(?-i:[MRPCmrpc])(?<!\w[mrpc])(?:(?<=m)(?:rn|r\s?#|ed(?:ical)?\.?\s?rec(?:ord)?\b\.?"
            r"(?:\s?(?:number|num|no\b\.?|#))?)|(?<=r)ecord\s?#|(?<=p)(?:atient id|t id)"
            rf"|(?<=c)hart(?: number| no\.?| #)){_SEP}"
            r"(?P<value>[a-z]*-?\d[a-z0-9-]{2,})\b"
        ),
        "value",
    ),
    Detector(
        "account-context",
        Kind.ACCOUNT_NUMBER,
        _re(
            r"(?-i:[AVEFCHavefch])(?<!\w[avefch])"
            r"(?:(?<=a)(?:cct|ccount)|(?<=v)isit|(?<=e)(?:ncounter|nc)|(?<=f)in|(?<=c)sn|(?<=h)ar)\b\.?"
            rf"(?:\s?(?:number|num|no\b\.?|id|#))?{_SEP}"
            r"(?P<value>[a-z]*-?\d[a-z0-9-]{2,})\b"
        ),
        "value",
    ),
    Detector(
        "plan-context",
        Kind.HEALTH_PLAN_ID,
        _re(
            # Every letter IGNORECASE reads as m, s, p or i (long s, dotless and dotted I).
            "(?-i:[MSPImspi\u0130\u0131\u017f])(?<!\\w[mspi])"
            r"(?:(?<=m)(?:ember|edicaid|edicare)|(?<=s)ubscriber|(?<=p)(?:olicy|lan)"
            r"|(?<=i)ns(?:urance|\.)?)"
            r"\s*(?:id|number|no\.?|#)"
            rf"{_SEP}(?P<value>[a-z]*-?\d[a-z0-9-]{{2,}})\b"
        ),
        "value",
    ),
    # A member number after a payer's name or "member" without "ID" ("BCBS ID
    # XQJ448812771", "Aetna member W123456789", "Humana #H12345678"; hold-out round 18
    # probe): up to four letters, then five to fifteen digits.
    Detector(
        "payer-member-context",
        Kind.HEALTH_PLAN_ID,
        _re(
            rf"(?=[abchkmtuo])\b(?:{PAYER_LABEL})\b(?:\s+(?:member|id|no\b\.?|number|#))?"
            r"\s*[:#]?\s*(?P<value>[a-z]{0,4}\d{5,15})(?![\w-])"
        ),
        "value",
        requires="payer",
    ),
    # A national identifier after its label: Nordic personal numbers (CPR, kennitala,
    # personnummer, fødselsnummer, henkilötunnus), Swiss AHV/AVS, Spanish DNI/NIE,
    # Dutch BSN, French NIR, Polish PESEL, Canadian SIN and health cards, Brazilian
    # CPF, Vietnamese CCCD/CMND, Mexican CURP... The value: six digits or more, in
    # groups joined by a space, "." or "-", with up to three letters before and a
    # check letter or two after ("X4985703Q", "1234-567-890-AB"); after a space only
    # a single capital ("12345678 Z"): "140487-5050 er" keeps its next word.
    Detector(
        "national-id-context",
        Kind.OTHER_ID,
        _re(
            _NATIONAL_ID_LABEL
            + r"\.?(?:[\s-]?(?:no\b\.?|nr\b\.?|nummer|number|num|#))?\s*[:#=]?\s*"
            r"(?P<value>(?=(?:[a-z]{0,3}[ .-]?)(?:[ .-]?\d){6})(?:[a-z]{1,3}[ -]?)?"
            r"\d{1,15}(?:[ .-]\d{1,12}){0,6}(?:-?[a-z]{1,2}|\s(?-i:[A-Z]))?)(?![\w-]|\.\d)"
        ),
        "value",
        requires="national-id",
    ),
    # New Zealand's National Health Index number after its label: three letters
    # (no I or O) and four digits, or two digits and two letters (2025 format):
    # "NHI ZQX4826", "NHI number: ZQX48KT". Too short for national-id-context.
    Detector(
        "nhi-context",
        Kind.OTHER_ID,
        _re(
            r"(?=n)(?<![^\W\d_])nhi\b\.?(?:\s*(?:no\b\.?|nr\b\.?|number|num|#))?"
            r"(?:\s+is\s+|\s*[:#=]?\s*)"
            r"(?P<value>[a-hj-np-z]{3}\d{2}(?:\d{2}|[a-hj-np-z]{2}))(?![\w-])"
        ),
        "value",
        requires="national-id",
    ),
    # Brazil's CNS number after its label: fifteen digits starting 1, 2, 7, 8 or 9,
    # whole or in groups of 3, 4, 4 and 4 ("CNS: 898 0012 3456 7891"; hold-out round
    # 21 probe, after BR Core's examples: kept). "CNS 2019-2020" stays.
    Detector(
        "cns-br",
        Kind.OTHER_ID,
        _re(
            rf"(?=c)(?<![^\W\d_])(?:{_label_alternation(CNS_LABELS_BR)})(?![^\W\d_])"
            r"\.?(?:\s*(?:no\b\.?|n[o\u00b0\u00ba]\.?|n\u00famero|numero|number|#))?\s*[:#=]?\s*"
            r"(?P<value>[12789]\d{2}(?:[ .-]?\d{4}){3})(?![\w-]|\.\d)"
        ),
        "value",
        requires="cns-br",
    ),
    # Quebec's health insurance number (NAM, the RAMQ card) after its label: four
    # letters and eight digits, grouped or not ("NAM: LEBG 3222 9912"; hold-out round
    # 18 probe). Four letters are one too many for national-id-context's value.
    Detector(
        "health-card-qc",
        Kind.OTHER_ID,
        _re(
            rf"(?=[nrcah])(?<![^\W\d_])(?:{_label_alternation(QC_HEALTH_CARD_LABELS)})"
            r"(?![^\W\d_])\.?(?:\s*(?:no\b\.?|number|num|#|n[o\u00b0\u00ba]))?\s*[:#=]?\s*"
            r"(?P<value>[a-z]{4}[ -]?\d{4}[ -]?\d{4})(?![\w-])"
        ),
        "value",
        requires="health-card-qc",
    ),
    # Italy's tax code after its label (see TAX_CODE_LABELS_IT): six letters, the
    # year's two digits, the month's letter, the day's two digits, the town's letter
    # and three digits, a check letter; a digit may be written as a letter (L to V)
    # where two people share a code.
    Detector(
        "tax-code-it",
        Kind.OTHER_ID,
        _re(
            r"(?=[ct])(?<![^\W\d_])(?:codice|cod\.?)?\s?(?:fiscale|fisc\.?|c\.?\s?f\.?"
            r"|tessera\s?sanitaria)(?![^\W\d_])\s*(?:n[o\u00b0\u00ba]?\.?)?\s*[:#=]?\s*"
            r"(?P<value>[a-z]{6}[\dl-np-v]{2}[abcdehlmprst][\dl-np-v]{2}[a-z][\dl-np-v]{3}[a-z])"
            r"(?![\w-])"
        ),
        "value",
        requires="tax-code-it",
    ),
    # A Medicare Beneficiary Identifier: 1EG4-TE5-MK73 (no S, L, O, I, B or Z).
    Detector(
        "mbi",
        Kind.HEALTH_PLAN_ID,
        _re(
            rf"[1-9](?<![\w-][1-9]){_MBI_ALPHA}{_MBI_ALNUM}\d-?{_MBI_ALPHA}{_MBI_ALNUM}\d-?"
            rf"{_MBI_ALPHA}{{2}}\d{{2}}(?![\w-])"
        ),
    ),
    Detector(
        "ipv6-compressed",
        Kind.IP_ADDRESS,
        _re(
            r"(?=[0-9a-f:])(?<![0-9a-f:.])(?=[0-9a-f:]{0,45}\d)"
            r"(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?::[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}"
            r"(?![0-9a-f:])"
        ),
        requires="::",
    ),
    Detector(
        "zip-context",
        Kind.ZIP,
        _re(rf"(?=z)\bzip(?:\s?code)?\b{_SEP}(?P<value>\d{{5}}(?:-\d{{4}})?)(?![\d-])"),
        "value",
        requires="zip",
    ),
    # An address written after its label ("Patient address: 12 Orchard Lane,
    # Kellerton, IA 50133.", "Wohnadresse: Hauptstra\u00dfe 12, 10115 Musterstadt",
    # "Adresse : 14 rue des Lilas, 69003 Lyon"): the whole of it, to the end of its line
    # or sentence, when it starts with a digit or a capital and a digit (a house
    # number, a postcode) comes early; a state and postcode ending it stay. The street
    # detector reads only a US street, and left the town after it and every other
    # country's address (hold-out round 16 probe).
    Detector(
        "address-context",
        Kind.STREET_ADDRESS,
        _re(
            r"(?=[a-z])(?<![^\W_])(?:(?:(?:home|patient|postal|mailing|current|residential"
            r"|permanent|private)\s+)?(?:address|addr\.?|adress?e?|anschrift|wohnadresse"
            r"|wohnort|domicile|domicilio|direcci(?:\u00f3|o)n|endere(?:\u00e7|c)o|indirizzo"
            r"|woonadres)\s*(?:\([^()\n]{0,20}\)\s*)?[:=])\s*"
            # Not past a backslash: an RTF letter's control words ("\par }") follow
            # the address on its source line (hold-out round 17 probe).
            r"(?P<value>(?=[^\n]{0,40}\d)(?-i:[\dA-Z\u00c0-\u00de])[^\n;\\]{2,118}?)"
            # A state (abbreviated) and postcode ending it stay: ", Vic", ", IA 50133".
            r"(?=,\s*(?-i:[A-Z][A-Za-z]{1,2})\.?(?:\s+\d{4,5}(?:-\d{4})?)?\s*(?:[.;\n]|$)"
            r"|\s*(?:\n|;|\\|$)|\.(?<!\bst\.)(?<!\bdr\.)(?<!\bmt\.)(?<!\bft\.)(?<!\bave\.)"
            r"(?<!\brd\.)(?<!\bapt\.)(?<!\bno\.)(?:\s+(?-i:[A-Z\u00c0-\u00de])|\s*$))"
        ),
        "value",
        requires="address",
    ),
    Detector(
        "po-box",
        Kind.STREET_ADDRESS,
        _re(r"(?=[pb])\b(?:p\.?\s?o\.?\s?|post\s+office\s+)?box\s{0,3}#?\s{0,3}\d{1,8}\b"),
        requires="box",
    ),
)

# Element K (certificate/license numbers) and L (vehicle identifiers, plates).
# A vehicle registration's labels and the plate's shapes (the verifier reads its own):
# a British plate (WR12 KXT), a German one (M-AB 1234), letters and digits in up to
# three groups joined by a blank or a hyphen (HTY 4412, 7ABC 123, 12-ABC-3).
VEHICLE_LABEL: Final = (
    r"(?:vehicle|car|van)\s+(?:reg(?:istration)?|licen[cs]e)\b\.?"
    r"(?:\s*(?:no\b\.?|number|mark|plate))?"
    r"|(?:(?:licen[cs]e|number|registration)\s+)?plate(?:\s*(?:no\b\.?|number|#))?"
    r"|(?:kfz-?)?kennzeichen|kenteken|immatriculation"
)
PLATE_VALUE: Final = (
    r"[a-z]{2}\d{2}\s?[a-z]{3}|[a-z]{1,3}-[a-z]{1,2}\s?\d{1,4}"
    r"|(?-i:(?=[A-Z0-9]{0,7}[A-Z])[A-Z0-9]{2,8}[ -]\d[A-Z0-9]{0,4})"
    r"|(?=[a-z0-9-]{0,9}\d)(?=[a-z0-9-]{0,9}[a-z])[a-z0-9][a-z0-9-]{1,9}"
)
_V3_ID_TAG: Final = r"<(?!(?:[\w-]+:)?(?:templateId|interactionId)\b)[\w:.-]+\s"
_V3_OID: Final = r"[\"'][0-2](?:\.\d+)+[\"']"
_V3_ID_VALUE: Final = r"[\"'](?P<value>[^\"'<>&\s][^\"'<>&]{0,63})[\"']"
IDENTIFIER_DETECTORS: Final = (
    # The patient's employer after its label in a note ("Employer: Pendleford
    # Steelworks Ltd."; hold-out round 18 probe): the name, up to the sentence's or
    # clause's end ("St." goes on), not a word naming none ("none", "N/A", "Retired").
    Detector(
        "employer-label",
        Kind.ORGANIZATION_NAME,
        _re(
            r"(?=[aeipw])(?<![^\W_])(?:employer(?:'s)?(?:\s+name)?|arbeitgeber|employeur"
            r"|empleador|empregador|werkgever|place\s+of\s+(?:work|employment))\s*[:=]\s*"
            r"(?!(?:none|n/?a|unknown|self|retired|unemployed|student|disabled|homemaker)\b)"
            r"(?P<value>(?-i:[A-Z0-9\u00c0-\u00de])(?:[^\n.;,()\\]|(?<=\bst)\.){1,60}?)"
            r"(?=\s*(?:[;,()\n\\]|\.(?<!\bst\.)|$))"
        ),
        "value",
        requires="employer",
    ),
    Detector(
        "license-context",
        Kind.LICENSE_NUMBER,
        _re(
            r"(?=[dl])\b(?:(?:driver'?s?\s+)?licen[cs]e(?:\s*(?:no\b\.?|number|num|#))?"
            rf"|(?<!/)(?:dl|lic)\b\.?\s*(?:#|no\b\.?|number)){_SEP}"
            rf"(?:[a-z]{{2}}\s{{1,3}}(?:dl\b\.?\s{{0,3}}#?\s{{0,3}})?)?{_ID_VALUE}"
        ),
        "value",
        requires="vehicle",
    ),
    Detector(
        "vin-context",
        Kind.VEHICLE_ID,
        _re(r"(?=v)\bvin\b\.?(?:\s*(?:no\b\.?|number|#))?\s*[:#]?\s*(?P<value>[a-z0-9]{11,17})\b"),
        "value",
        requires="vehicle",
    ),
    Detector(
        "plate-context",
        Kind.VEHICLE_ID,
        _re(
            r"(?=[lp])\b(?:licen[cs]e\s+)?plate(?:\s*(?:no\b\.?|number|#))?\s*[:#]?\s*"
            r"(?P<value>(?=[a-z0-9-]{0,9}\d)(?=[a-z0-9-]{0,9}[a-z])[a-z0-9][a-z0-9-]{1,9})\b"
        ),
        "value",
        requires="vehicle",
    ),
    # A registration after a vehicle's own label (hold-out round 18 probe: "Vehicle
    # reg: WR12 KXT", "plate OH HTY-4412", "Number plate: 7ABC 123", "Kennzeichen:
    # M-AB 1234", "kenteken 12-ABC-3"): a plate may hold a blank and follow its US
    # state's code. The value needs a letter and a digit; "plate of 12 holes" stays.
    Detector(
        "plate-registration",
        Kind.VEHICLE_ID,
        _re(
            rf"(?=[vcnlrpki])\b(?:{VEHICLE_LABEL})\s*[:#]?\s*(?:(?-i:[A-Z]{{2}})\s+)?"
            rf"(?P<value>{PLATE_VALUE})(?![\w-])"
        ),
        "value",
        requires="vehicle",
    ),
    # A British registration (two letters, two digits, three letters, in capitals)
    # in a text about a vehicle, wherever it stands ("Licence plate of delivery van
    # KD19 XRT").
    Detector(
        "plate-uk",
        Kind.VEHICLE_ID,
        re.compile(r"[A-Z](?<![\w-][A-Z])[A-Z]\d\d ?[A-Z]{3}(?![\w-])"),
        requires="vehicle",
    ),
    # Element J (account numbers) after their labels: an IBAN, a payment card's number
    # (16 digits in fours, or American Express's 4-6-5). Hold-out round 18 probe.
    Detector(
        "iban-context",
        Kind.ACCOUNT_NUMBER,
        _re(
            r"(?=i)\biban\b\s*[:#]?\s*"
            r"(?P<value>[a-z]{2}\d{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,3})?)(?![\w-])"
        ),
        "value",
        requires="account",
    ),
    Detector(
        "card-context",
        Kind.ACCOUNT_NUMBER,
        _re(
            r"(?=[cvma])\b(?:card|visa|mastercard|amex|cc)\b(?:\s*(?:no\b\.?|number|num|#))?"
            r"\s*[:#]?\s*(?P<value>\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}|\d{4}[ -]?\d{6}[ -]?\d{5})"
            r"(?![\d-])"
        ),
        "value",
        requires="account",
    ),
    # Element K: a certificate's number (birth, death, firearms...) after its label, five
    # digits or more, a prefix of capitals allowed ("DC 2025 000123", "FAC/12345").
    Detector(
        "certificate-context",
        Kind.LICENSE_NUMBER,
        _re(
            r"(?=c)\bcert(?:ificate)?\b\.?(?:\s*(?:no\b\.?|number|num|#))?\s*[:#]?\s*"
            r"(?P<value>(?=[a-z /-]{0,6}(?:\d[ /-]?){5})(?:(?-i:[A-Z]{1,4})[ /-]?)?"
            r"\d[\d /-]{3,20}\d)(?![\w/-])"
        ),
        "value",
        requires="certificate",
    ),
    # Element M: a phone's IMEI or MEID after its label (a MAC address needs none:
    # see mac-address).
    Detector(
        "imei-context",
        Kind.DEVICE_ID,
        _re(
            r"(?=[im])\b(?:imei|meid)\b\s*(?:no\b\.?|number|#)?\s*[:#]?\s*(?P<value>\d{14,16})(?![\w:-])"
        ),
        "value",
        requires="device",
    ),
    # Element M: device serial numbers and UDIs.
    Detector(
        "device-serial",
        Kind.DEVICE_ID,
        _re(
            r"(?=[dsu])\b(?:(?:device\s+)?serial(?:\s?(?:number|num|no\b\.?|#))?|s/n|sn\b\.?"
            rf"|udi\b(?:\s?di\b)?){_SEP}"
            r"(?P<value>(?=[a-z0-9-]{0,29}\d)[a-z0-9][a-z0-9-]{2,29})(?![\w(])"
        ),
        "value",
        requires="device",
    ),
    # A GS1 UDI in human-readable form: (01) and 14 digits, then more (AI)value parts.
    Detector(
        "udi",
        Kind.DEVICE_ID,
        _re(r"(?=\()\(01\)\d{14}(?:\(\d{2,4}\)[a-z0-9-]{1,20}){0,5}"),
        requires="device",
    ),
    # A network card's MAC address, six hex pairs joined by ":" or "-" ("MAC
    # 00:1A:2B:3C:4D:5E" of a home monitor in a Device's note): a device identifier
    # (Safe Harbor (M)); kept until hold-out round 18 probe. One separator throughout.
    Detector(
        "mac-address",
        Kind.DEVICE_ID,
        _re(r"(?=[0-9a-f])(?<![\w:-])[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}(?![\w:-])"),
        requires="mac",
    ),
    # A Swiss social security number (AHV/AVS, 756.1234.5678.97: the EAN-13 country
    # prefix 756, then ten digits in groups of 4, 4 and 2) needs no label: nothing else
    # is written so. Hold-out round 19 probe: "insured under 756.xxxx.xxxx.xx" stayed
    # (national-id-context reads it only after "AHV" or "AVS").
    Detector(
        "ahv-number",
        Kind.OTHER_ID,
        _re(r"7(?<![\w.]7)56\.\d{4}\.\d{4}\.\d{2}(?![\w]|\.\d)"),
        requires="756.",
    ),
    # A Nordic personal identity number without its label: a Danish CPR number
    # (DDMMYY-NNNN), a Swedish personnummer or samordningsnummer (YYMMDD-NNNN,
    # YYYYMMDD-NNNN, "+" past a hundred years), a Finnish henkilötunnus (DDMMYY, a
    # century sign "-", "+" or "A", three digits and a check character; the signs B
    # to F and U to Y of 2023 are not read, see scrubbers/number_hints.py).
    # Either order puts the month in the middle pair, so the shape is six or eight
    # digits with a month there, the sign and four characters: nothing clinical is
    # written so (a lab's accession number of the same shape is an identifier too).
    # Hold-out rounds 19 and 20: a Danish note's CPR without "CPR" stayed, and a
    # Swedish one lost its date part to the date detector ("1985-1234" was left).
    Detector(
        "nordic-personal-number",
        Kind.OTHER_ID,
        _re(r"\d(?<![\w.+-]\d)(?:\d\d)?\d(?:0[1-9]|1[0-2])\d\d[-+a]\d{3}[\da-y](?![\w-])"),
        requires="personal-number",
    ),
    # Belgium's national register number (rijksregisternummer, NISS) as it is written,
    # YY.MM.DD-NNN.CC, without its label.
    Detector(
        "belgian-national-number",
        Kind.OTHER_ID,
        _re(r"\d(?<![\w.]\d)\d\.(?:0\d|1[0-2])\.\d\d-\d{3}\.\d\d(?![\w]|\.\d)"),
        requires="personal-number",
    ),
    # An HL7 v3 / CDA instance identifier (II) in embedded XML: the ``extension`` of an
    # element whose ``root`` is an OID, either attribute first ("<id extension="..."
    # root="2.16..."/>", an IHE PIX/PDQ query's patientIdentifier). Template and
    # interaction ids are codes of the specification, not identifiers of anyone.
    Detector(
        "v3-id-extension-first",
        Kind.OTHER_ID,
        _re(
            rf"(?=<){_V3_ID_TAG}[^<>]{{0,200}}?\bextension\s*=\s*{_V3_ID_VALUE}"
            rf"(?=[^<>]{{0,200}}?\broot\s*=\s*{_V3_OID})"
        ),
        "value",
        requires="v3-id",
    ),
    Detector(
        "v3-id-root-first",
        Kind.OTHER_ID,
        _re(
            rf"(?=<){_V3_ID_TAG}[^<>]{{0,200}}?\broot\s*=\s*{_V3_OID}"
            rf"[^<>]{{0,200}}?\bextension\s*=\s*{_V3_ID_VALUE}"
        ),
        "value",
        requires="v3-id",
    ),
    # A VIN: 17 capitals and digits without I, O or Q, with both letters and digits.
    Detector(
        "vin",
        Kind.VEHICLE_ID,
        re.compile(
            r"[A-HJ-NPR-Z0-9](?<![A-Za-z0-9_][A-HJ-NPR-Z0-9])(?=[A-HJ-NPR-Z0-9]{0,15}\d)"
            r"(?=[A-HJ-NPR-Z0-9]{0,15}[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{16}(?![A-Za-z0-9_])"
        ),
    ),
)

# Words after a number that make it a count, not a house number: units of time,
# doses, laps, visits ("2 weeks with Dr", "3 laps around the Court", "6 months via Hwy"),
# in lower case (a street's words are capitalized: "7 Days Inn Road" stays a street).
_NOT_A_HOUSE: Final = (
    r"(?!(?-i:weeks?|wks?|days?|months?|mos?|years?|yrs?|hours?|hrs?|minutes?|mins?|times?"
    r"|laps?|doses?|tablets?|tabs?|capsules?|caps?|pills?|puffs?|drops?|units?|sessions?"
    r"|visits?|cycles?|rounds?|sets?|reps?|steps?|blocks?|miles?|km)\b)"
)
_STREET_SUFFIX: Final = (
    r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl"
    r"|terrace|ter|circle|cir|row|highway|hwy|parkway|pkwy|square|sq)\b"
)
# British and Irish street types that are also English words ("keep 2 patients
# close", "3 community gardens"): a street's type only when capitalized or in
# capitals ("14 Harrowby Close", "3 Millfield Crescent", "9 Rowan Gardens", "2 Kirk
# Wynd"; hold-out round 21 probe: a note's such streets were kept whole).
_STREET_SUFFIX_CAPITALIZED: Final = (
    r"(?-i:Close|CLOSE|Crescent|CRESCENT|Gardens|GARDENS|Grove|GROVE|Mews|MEWS|Wynd|WYND)\b"
)

# Titles of other languages before a person's name (German, Dutch, Spanish,
# Portuguese, Italian, Indonesian), as regex fragments that each start with their
# capital letter: the detector and its pre-check (_TITLE_LOCAL) are built from them.
_LOCAL_TITLES: Final = (
    "Herr", "Frau", r"Hr\.", r"Fr\.", r"Dhr\.?", r"Mevr\.?", r"Mw\.", r"Sr\.", r"Sra\.?",
    r"Srta\.?", "Dona", "Do\u00f1a", "Se\u00f1ora?", "Senhora?", r"Sig\.(?:ra)?", "Signora",
    "Bapak", r"Bpk\.?", "Ibu", r"Sdri?\.?",
)  # fmt: skip

# Vietnamese relation labels before a colon, with and without their accents: son,
# daughter, wife, husband, mother, father, elder brother, elder sister, younger
# brother and sister, family member, relative, contact person, guardian ("CON TRAI:",
# "Người nhà:"). Without accents several are English or Spanish words ("me", "cha",
# "vo"): the name after them must start with a Vietnamese family name.
_VI_RELATION: Final = (
    r"(?<![^\W\d_])(?:con[ \t]+(?:trai|g[a\u00e1]i)|v[o\u1ee3]|ch[o\u1ed3]ng|m[e\u1eb9]"
    r"|b[o\u1ed1]|cha|(?:anh|em)[ \t]+trai|(?:ch[i\u1ecb]|em)[ \t]+g[a\u00e1]i"
    r"|ng(?:u|\u01b0)(?:o|\u1edd)i[ \t]+(?:nh[a\u00e0]|th[a\u00e2]n"
    r"|li[e\u00ea]n[ \t]+h[e\u1ec7]|gi[a\u00e1]m[ \t]+h[o\u1ed9]))[ \t]*:"
)
_VI_RELATION_LABEL: Final = re.compile(_VI_RELATION + r"\Z", re.IGNORECASE)
# The last word of each label: the cheap test at a colon before the label's regex.
_VI_RELATION_LAST_WORDS: Final = frozenset(
    {"trai", "gai", "g\u00e1i", "vo", "v\u1ee3", "chong", "ch\u1ed3ng", "me", "m\u1eb9"}
    | {"bo", "b\u1ed1", "cha", "nha", "nh\u00e0", "than", "th\u00e2n", "he", "h\u1ec7"}
    | {"ho", "h\u1ed9"}
)
_VI_RELATION_REACH: Final = 24  # "người giám hộ :", with room before it


def vi_relation_hint(text: str) -> bool:
    """Whether a Vietnamese relation label stands before a colon of ``text``: found
    from each colon, looking back (a scan of the whole text for the labels costs
    about 100 microseconds per 1 KB note, a colon's last word one set lookup)."""
    at = text.find(":")
    while at >= 0:
        head = text[max(0, at - _VI_RELATION_REACH) : at].rstrip()
        last = head[head.rfind(" ") + 1 :].lower() if head else ""
        if last in _VI_RELATION_LAST_WORDS and _VI_RELATION_LABEL.search(head + ":") is not None:
            return True
        at = text.find(":", at + 1)
    return False


# Common Vietnamese family names (about nine in ten people bear one), with and
# without accents.
_VI_FAMILY_NAMES: Final = (
    r"(?:nguy(?:e|\u1ec5)n|tr(?:a|\u1ea7)n|l(?:e|\u00ea)|ph(?:a|\u1ea1)m|ho(?:a|\u00e0)ng"
    r"|hu(?:y|\u1ef3)nh|phan|v(?:u|\u0169)|v(?:o|\u00f5)|(?:d|\u0111)(?:a|\u1eb7)ng|b(?:u|\u00f9)i"
    r"|(?:d|\u0111)(?:o|\u1ed7)|h(?:o|\u1ed3)|ng(?:o|\u00f4)|d(?:u|\u01b0)(?:o|\u01a1)ng"
    r"|l(?:y|\u00fd)|tr(?:u|\u01b0)(?:o|\u01a1)ng|(?:d|\u0111)inh|(?:d|\u0111)o(?:a|\u00e0)n"
    r"|l(?:a|\u00e2)m|mai|tr(?:i|\u1ecb)nh|l(?:u|\u01b0)(?:o|\u01a1)ng|cao|t(?:a|\u1ea1)|chu"
    r"|qu(?:a|\u00e1)ch|h(?:a|\u00e0)|th(?:a|\u00e1)i|kh(?:u|\u1ed5)(?:o|\u01b0)ng|t(?:o|\u00f4)n)"
)
# A word of a name written with a capital (or in capitals): Latin capitals and the
# Vietnamese ones of Latin Extended Additional (which alternate with small ones).
_VI_NAME_WORD: Final = r"(?-i:[A-Z\u0110\u00c0-\u00dd\u1ea0-\u1ef8])[^\W\d_]*"

# The identifier the FHIR IG publisher's summary of a Patient prints after the birth
# date, in parentheses (see the "ig-summary-identifier" detector below). The FHIR
# scrubber also reads it before the free text, to replace it wherever else the
# document writes it (an extension's string, a list in the narrative).
# The FHIR IG publisher's summary of a Patient: see the ig-patient-summary detector.
IG_PATIENT_SUMMARY: Final = re.compile(
    r"(?<![\w'\u2019.-])(?P<value>[A-Z\u00c0-\u00de][\w'\u2019.-]{0,30}"
    r"(?:,?[ \t]+(?:[A-Z\u00c0-\u00de][\w'\u2019.-]{0,30}|[a-z]{1,3}|\d{1,4})){0,4}"
    r"|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]{2,8})"
    r"(?:[ \t]*\((?:official|usual|temp|nickname|anonymous|old|maiden)\))?"
    r"[ \t]+(?:[Mm]ale|[Ff]emale|[Oo]ther|[Uu]nknown|\(no stated gender\)),[ \t]*DoB\b"
)
IG_SUMMARY_IDENTIFIER: Final = re.compile(
    r"DoB(?:[ \t\u00a0]*:[ \t\u00a0]*[^\s()<]{1,30}|[ \t\u00a0]+Unknown)"
    r"[ \t\u00a0]*\([ \t\u00a0]*[^<>\n]{0,160}?(?:#|:[ \t\u00a0])[ \t\u00a0]*"
    r"(?P<value>(?=[A-Za-z./_-]{0,40}\d)[A-Za-z0-9][\w./-]{2,40})"
    r"(?=[ \t\u00a0]*(?:\(use:|\)))"
)

# Shapes that are PHI even when the message's structured fields never named them.
SHAPE_DETECTORS: Final = (
    # A Vietnamese relation label and a colon before a name that starts with a
    # Vietnamese family name ("CON TRAI: TRUONG VAN BAY", "Mẹ: Trần Thị Lan"); a
    # condition after it stays ("ME: TIEU DUONG", diabetes).
    Detector(
        "relation-vi",
        Kind.NAME,
        re.compile(
            _VI_RELATION
            + rf"[ \t]*(?P<value>(?-i:(?=[A-Z\u0110\u00c0-\u00dd\u1ea0-\u1ef8])){_VI_FAMILY_NAMES}"
            + rf"(?:[ \t]+{_VI_NAME_WORD}){{1,3}})(?![^\W\d_])",
            re.IGNORECASE,
        ),
        "value",
        requires="relation-vi",
    ),
    # A title of another language before a capitalized name ("Frau Waltraud Günther",
    # "Mevr. Anke de Vries", "Sra. Juana Ramírez", "Ibu Siti Aminah").
    Detector(
        "titled-name-local",
        Kind.NAME,
        re.compile(
            rf"(?<![\w.])(?:{'|'.join(_LOCAL_TITLES)})"
            r"\s+(?P<value>[A-Z\u00c0-\u00d6\u00d8-\u00de][^\W\d_]+(?:['-][^\W\d_]+)*"
            r"(?:\s+(?:(?:van|de|der|den|von|da|dos|del|la)\s+)*"
            r"[A-Z\u00c0-\u00d6\u00d8-\u00de][^\W\d_]+(?:['-][^\W\d_]+)*)?)"
        ),
        "value",
        requires="title-local",
    ),
    Detector(
        "titled-name",
        Kind.NAME,
        re.compile(
            # English titles, and French ones (M. Dupont, M.Dupont, Mme, Mlle).
            r"(?=M)\b(?:(?:Mr|Mrs|Ms|Miss|Mx|Mme|Mlle)\.?\s+|M\.\s*)"
            r"(?P<value>[A-Z][a-zA-Z'-]+(?:\s+[A-Z][a-zA-Z'-]+)?)"
        ),
        "value",
        requires="title",
    ),
    # A note opening with the person's name and their age ("Osric Brannoch is a 67
    # year-old man", Synthea's "Corrin41 Sau887\n is a 31 year-old ..."): two to four
    # capitalized (or Synthea-numbered) words from a line's or sentence's start, the
    # phrase on the same line or the next. Without the Patient in the document (a bulk
    # export's DocumentReference line) the name was kept; the verifier flags it, and
    # missed it across the line break (hold-out round 16). "The patient is a ..." names
    # nobody.
    Detector(
        "aged-name",
        Kind.NAME,
        re.compile(
            r"(?<![^\n.!?:;])[ \t]*(?!(?:The|This|That|Our|Your|Patient|Pt|He|She|They|It)\b)"
            # Every word numbered (Synthea) or none: "Type2 Diabetes" is no name.
            r"(?P<value>[A-Z][a-z]+(?:['\u2019-][A-Z]?[a-z]+)*\d{1,4}"
            r"(?:[ \t]+[A-Z][a-z]+(?:['\u2019-][A-Z]?[a-z]+)*\d{1,4}){1,3}"
            r"|[A-Z][a-z]+(?:['\u2019-][A-Z]?[a-z]+)*"
            r"(?:[ \t]+[A-Z][a-z]+(?:['\u2019-][A-Z]?[a-z]+)*){1,3}"
            r"(?![\w'\u2019-]))"
            r"[ \t]*\n?[ \t]*[ \t](?:is|was)[ \t]+an?[ \t]+\d{1,3}[ \t-]*"
            r"(?:years?|yrs?)[ \t-]*old\b"
        ),
        "value",
        requires="aged-name",
    ),
    # The FHIR IG publisher's summary of a Patient ("Smith-Jones, Ann Female, DoB: 1950-11-15
    # ( MBI#...)", "Peter Chalmers Male, DoB Unknown"), printed in narratives of resources
    # that only reference the Patient: up to five name words before the gender. Run only
    # on texts with ", DoB" (feature "gender-dob"); each attempt is bounded. Newer
    # publishers print the name's use before the gender ("ANN SMITH (official) Female,
    # DoB: ...", Lithuanian examples "Jonas Jonaitis(official) Male, ..."), "(no stated
    # gender)" for none; a test patient's name may hold a number
    # ("NUMMER 15 KWS-TESTPATIENT"), a Taiwanese or Japanese one is written whole
    # ("陳明慧 Female, DoB: ..."). Those three were kept (hold-out round 17, Belgian
    # patient-monitoring IG: a CareTeam and an Appointment referencing their patient).
    Detector("ig-patient-summary", Kind.NAME, IG_PATIENT_SUMMARY, "value", "gender-dob"),
    # The identifier that summary prints after the birth date, in parentheses: after
    # the last "#" of "system#value" or "system#type#value" ("( urn:oid:...#IHEPCCEX-1234)"),
    # or after a type's label and colon ("( National Person Identifier (TWN): A123456789
    # (use: official, ))"). A type's label with no value ("( Medical record number)")
    # holds none. Kept when no label the other detectors know named it (hold-out round
    # 17 probe of the IPS and Taiwanese long-term-care IGs' shapes).
    Detector("ig-summary-identifier", Kind.OTHER_ID, IG_SUMMARY_IDENTIFIER, "value", "gender-dob"),
    Detector(
        "street",
        Kind.STREET_ADDRESS,
        re.compile(
            # A word of the street line ends with a period only as an abbreviation
            # (N., St.): "2 hours ago. ECG shows ST" crosses a sentence end.
            # The house number may carry a unit letter or a range ("12B", "12-14").
            # A count of time or doses is no house number ("in 2 weeks with Dr",
            # "3 laps around the Court").
            rf"\d(?<!\w\d)\d{{0,5}}(?:[A-Z]|-\d{{1,5}})?\s+{_NOT_A_HOUSE}"
            rf"(?:(?:[A-Z]{{1,2}}\.|[A-Z][a-zA-Z'-]*(?:\.[A-Z][a-zA-Z'-]*)*)\s+){{1,4}}"
            rf"(?:{_STREET_SUFFIX}|{_STREET_SUFFIX_CAPITALIZED})",
            re.IGNORECASE,
        ),
    ),
    Detector(
        "state-zip",
        Kind.ZIP,
        re.compile(r"[A-Z](?<!\w[A-Z])[A-Z],?\s+(?P<value>\d{5}(?:-\d{4})?)\b"),
        "value",
        requires="zip5",
    ),
    # The town before a state and ZIP code ("..., Port Ellery, FL 33950", "Millbrook
    # NY 12545"): one to three capitalized words. It was left after the street the
    # street detector replaced (hold-out round 16 probe).
    Detector(
        "city-state-zip",
        Kind.CITY,
        re.compile(
            r"(?P<value>[A-Z](?<![\w'\u2019.-][A-Z])[a-z][A-Za-z'\u2019.-]*"
            r"(?:[ \t]+[A-Z][a-z][A-Za-z'\u2019.-]*){0,2})"
            r",?[ \t]+[A-Z](?<!\w[A-Z])[A-Z],?[ \t]+\d{5}(?:-\d{4})?\b"
        ),
        "value",
        requires="zip5",  # a run of five digits: most texts with a digit have none
    ),
)

# Written dates. Each names its parts so they can be re-rendered after a shift.
# Patterns start with a digit or a month name where they can (a leading
# lookbehind or alternation of words costs the regex engine its fast scan);
# context words are checked just before a candidate (DatePattern.before).
_END: Final = r"(?![\d/-]|\.\d)"  # not followed by more of a number, a ratio or a version
_NUM: Final = r"\d(?<![\d/.-]\d)\d?"  # one or two digits, not inside a number or a date
_YEAR: Final = r"(?P<year>\d{4}|\d{2})"
# A written year: four digits, or two after an apostrophe ('61).
_WRITTEN_YEAR: Final = r"['\u2019]?(?P<year>\d{4}|(?<=['\u2019])\d{2})\b"
_SUFFIX: Final = r"(?:st|nd|rd|th)?"
# A month name written with a capital (partial dates without a year are too
# easily ordinary words otherwise: "you may 2", "mar").
_CAPITAL: Final = r"(?=(?-i:[A-Z]))"
_BIRTH_WORDS: Final = (
    r"(?:dob|d\.o\.b\.?|date\s+of\s+birth|birth\s?date|birthday|b/d|born(?:\s+on)?"
    # Other languages' ("geb. 12.05.1930", "geboren am", "née le", "nacida el", "nata
    # il", "nascida em", "født"): as a plain date Safe Harbor kept a year implying an
    # age over 89 (hold-out round 18 probe).
    r"|geb\.|geboren(?:\s+(?:am|op))?|n[\u00e9e]e?\s+le|nacid[oa](?:\s+el)?|nat[oa]\s+il"
    r"|nascid[oa](?:\s+(?:em|a))?|f\u00f8dt(?:\s+den)?|f\u00f6dd(?:\s+den)?)"
)
_DATE_WORDS: Final = (
    r"(?:on|since|dated|admitted|admission|discharged|discharge|seen|visit(?:ed)?|onset"
    r"|surgery|injury|died|death|deceased|expired|appt|appointment|scheduled|delivered"
    rf"|{_BIRTH_WORDS})"
)
_NOT_A_DOSE: Final = (
    r"(?!\s*(?:tabs?|tablets?|pills?|caps?|capsules?|doses?|strength|mg|mcg|ml|units?|scale|of)\b)"
)
# Words that must come just before some candidates (searched in a short window).
BEFORE_WINDOW: Final = 32
_AFTER_BIRTH_WORD: Final = _re(
    rf"\b(?:{_BIRTH_WORDS}|born\s+in|year\s+of\s+birth|birth\s+year|yob)\s*[:#]?\s*$"
)
_AFTER_DATE_WORD: Final = _re(rf"\b{_DATE_WORDS}:?\s+$")


@dataclass(slots=True)
class DatePattern:
    pattern: re.Pattern[str]
    requires: str = "digit"  # see Detector.requires; "month": a month name is present
    before: re.Pattern[str] | None = None  # must match the text just before the date
    ascii_pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.ascii_pattern = ascii_variant(self.pattern)

    def finditer(self, text: str, plain: bool = False) -> Iterator[re.Match[str]]:
        """The pattern's matches; ``plain``: the text is :func:`plain_ascii`."""
        return (self.ascii_pattern if plain else self.pattern).finditer(text)


DATE_PATTERNS: Final = (
    # 2023-03-14, 2023/03/14, 2023.03.14
    DatePattern(
        _re(
            r"(?P<year>(?:19|20)\d{2})(?<![\d/.-]\d{4})(?P<sep>[-/.])(?P<mm>\d{1,2})(?P=sep)"
            rf"(?P<dd>\d{{1,2}}){_END}"
        )
    ),
    # 20230314, 202303140830, 20230314083000(.1234)(+0100), 20230314T0830: compact (HL7,
    # ISO basic) dates, with an optional time. Years 1900-2099 and valid months and
    # days only: other eight-digit numbers (orders, 99991231, phone digits) stay.
    DatePattern(
        _re(
            r"(?P<year>(?:19|20)(?<![\w./](?:19|20))\d{2})(?P<mm>0[1-9]|1[0-2])"
            r"(?P<dd>0[1-9]|[12]\d|3[01])"
            r"(?:t?(?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d(?:\.\d{1,4})?)?(?:[+-](?:[01]\d|2[0-3])[0-5]\d)?)?"
            r"(?!\w|[./]\d)"
        )
    ),
    # 03/14/2023, 3-14-23, 03.14.2023
    DatePattern(_re(rf"(?P<mm>{_NUM})(?P<sep>[/.-])(?P<dd>\d{{1,2}})(?P=sep){_YEAR}{_END}")),
    # 14-Mar-2023, 04/MAR/1961, 4-March-61
    DatePattern(_re(rf"(?P<dd>{_NUM})(?P<sep>[-/.]){_MONTH_ALT}(?P=sep){_YEAR}{_END}"), "month"),
    # 2014-Dec-12, 2014/DEC/12 (year first, with a month name)
    DatePattern(
        _re(
            rf"(?P<year>(?:19|20)\d{{2}})(?<![\d/.-]\d{{4}})(?P<sep>[-/.]){_MONTH_ALT}(?P=sep)"
            rf"(?P<dd>\d{{1,2}}){_END}"
        ),
        "month",
    ),
    # 04MAR2023, 4mar23 (military and pharmacy style, no separators)
    DatePattern(
        _re(rf"(?=\d)(?<![\w/.-])(?P<dd>\d{{1,2}}){_MONTH_ALT}(?P<year>\d{{4}}|\d{{2}})(?!\w)"),
        "month",
    ),
    # Mar-04-1961, MAR/04/61
    DatePattern(
        _re(rf"(?=[adfjmnos])\b{_MONTH_ALT}(?P<sep>[-/.])(?P<dd>\d{{1,2}})(?P=sep){_YEAR}{_END}"),
        "month",
    ),
    # March 14, 2023; Mar 4, '61
    DatePattern(
        _re(rf"(?=[adfjmnos])\b{_MONTH_ALT}\s+(?P<dd>\d{{1,2}}){_SUFFIX},?\s+{_WRITTEN_YEAR}"),
        "month",
    ),
    # 14 March 2023, 14th of March, 2023, 4 Mar '61, 27-June 2015
    DatePattern(
        _re(
            rf"(?=\d)\b(?P<dd>\d{{1,2}})(?:{_SUFFIX}\s+(?:of\s+)?|-){_MONTH_ALT},?\s+"
            rf"{_WRITTEN_YEAR}"
        ),
        "month",
    ),
    # Mar 2023, March '61
    DatePattern(_re(rf"(?=[adfjmnos])\b{_MONTH_ALT},?\s+{_WRITTEN_YEAR}"), "month"),
    # 5. März 2024, 5 de marzo de 2024, 5 marca 2024: a month name of another language
    # between the day and a four-digit year.
    DatePattern(
        _re(
            rf"(?=\d)\b(?P<dd>\d{{1,2}})\.?\s+(?:de\s+)?{_FOREIGN_MONTH_ALT}(?![^\W\d_]),?\s+"
            r"(?:de\s+)?(?P<year>(?:18|19|20)\d{2})\b"
        ),
        "foreign-month",
    ),
    # Without a year (Safe Harbor element C covers day and month): 15 Jan, Jan 15th, 26-June
    DatePattern(
        _re(rf"(?=\d)\b(?P<dd>\d{{1,2}}){_SUFFIX}\s+(?:of\s+)?{_CAPITAL}{_MONTH_ALT}(?![a-z])"),
        "month",
    ),
    DatePattern(_re(rf"(?=\d)\b(?P<dd>\d{{1,2}})-{_CAPITAL}{_MONTH_ALT}(?![\w-])"), "month"),
    DatePattern(
        _re(
            rf"(?=[adfjmnos])\b{_CAPITAL}{_MONTH_ALT}\s+(?P<dd>\d{{1,2}}){_SUFFIX}(?![\d:.,/-]?\d|\s*%)\b"
            rf"{_NOT_A_DOSE}"
        ),
        "month",
    ),
    # 1/15 only after a date word ("seen 1/15"; "1/2 tab" is a dose)
    DatePattern(
        _re(rf"(?P<mm>{_NUM})/(?P<dd>\d{{1,2}}){_END}{_NOT_A_DOSE}"),
        "slash",
        _AFTER_DATE_WORD,
    ),
    # 1961年6月15日, 1961年6月 (Japanese, Chinese), 1961년 6월 15일 (Korean)
    DatePattern(
        _re(
            r"(?P<year>(?:18|19|20)\d{2})(?<![\d/.-]\d{4})\s?[年년]\s?(?P<mm>\d{1,2})\s?[月월]"
            r"(?:\s?(?P<dd>\d{1,2})\s?[日일])?"
        )
    ),
    # DOB 03041961, DOB 030461, DOB: 19610304 (digits only after a birth word)
    DatePattern(
        _re(
            r"(?P<mm>0[1-9]|1[0-2])(?<![\d/.-]\d\d)(?P<dd>0[1-9]|[12]\d|3[01])"
            r"(?P<year>(?:19|20)\d{2}|\d{2})(?![\d/.-]\d|\d)"
        ),
        "birth",
        _AFTER_BIRTH_WORD,
    ),
    DatePattern(
        _re(
            r"(?P<year>(?:18|19|20)\d{2})(?<![\d/.-]\d{4})(?P<mm>0[1-9]|1[0-2])"
            r"(?P<dd>0[1-9]|[12]\d|3[01])(?![\d/.-]\d|\d)"
        ),
        "birth",
        _AFTER_BIRTH_WORD,
    ),
)

# "born 1920": a bare year after a birth word; replaced when it implies an age over 89.
BIRTH_YEAR: Final = DatePattern(
    _re(r"(?P<year>(?:18|19|20)\d{2})(?<![\d/.-]\d{4})(?![\d/.-]|\s*-\s*\d)"),
    "birth",
    _AFTER_BIRTH_WORD,
)
# A birth word just before a date: the date gets the birth-date rule.
BIRTH_CONTEXT: Final = _re(rf"\b(?:{_BIRTH_WORDS}|born\s+in)[\s:#.,-]*$")

_UNITS: Final = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS: Final = (
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
_TENS: Final = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_UNIT_ALT: Final = "|".join(_UNITS)
# Ages over 89 in words: "ninety-two", "one hundred and one".
_AGE_WORDS: Final = (
    rf"(?P<age>ninety(?:[\s-]+(?:{_UNIT_ALT}))?|(?:(?:one|a)[\s-]+)?hundred(?:[\s-]+(?:and[\s-]+)?"
    rf"(?:(?:{'|'.join(_TENS)})(?:[\s-]+(?:{_UNIT_ALT}))?|{'|'.join(_TEENS)}|{_UNIT_ALT}))?)"
)
# Ordinals in words, the units' and the tens' (a day of the month, a birthday).
_UNIT_ORDINALS: Final = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
)  # fmt: skip
_TEEN_ORDINALS: Final = (
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth",
)  # fmt: skip
_UNIT_ORDINAL_ALT: Final = "|".join(_UNIT_ORDINALS)
# An old age's birthday in words: "ninety-second", "ninetieth", "hundredth", "one
# hundred and first".
_AGE_ORDINAL_WORDS: Final = (
    rf"(?P<age>ninety[\s-]+(?:{_UNIT_ORDINAL_ALT})|ninetieth|(?:(?:one|a)[\s-]+)?hundred"
    rf"(?:th|[\s-]+(?:and[\s-]+)?(?:{_UNIT_ORDINAL_ALT}|{'|'.join(_TEEN_ORDINALS)})))"
)
AGE_WORD_PATTERNS: Final = (
    _re(rf"(?=[noah])\b{_AGE_WORDS}[\s-]+(?:(?:years?|yrs?)[\s-]*(?:old|of\s+age)|y/?o)\b"),
    _re(rf"(?=a)\b(?:age[ds]?|aged)\s*:?\s*{_AGE_WORDS}\b"),
    # The age a person turns, and a birthday's ordinal, in words ("turned ninety-two
    # last week", "her ninety-second birthday"): kept as written before (words were
    # read only before "years old" or after "aged"). Not a turn of degrees.
    _re(rf"(?=t)\bturn(?:s|ed|ing)?\s+{_AGE_WORDS}\b(?![\s-]+(?:degrees?|percent|times)\b)"),
    _re(rf"(?=[noah])\b{_AGE_ORDINAL_WORDS}[\s-]+birthday\b"),
)


def age_in_words(text: str) -> int:
    """The number an age in words names: 'ninety-two' is 92, 'one hundred and one' 101,
    'ninety-second' 92, 'hundredth' 100."""
    total = 0
    for word in re.split(r"[\s-]+", text.lower()):
        if word in ("hundred", "hundredth"):
            total = max(total, 1) * 100
        elif word in _UNITS:
            total += _UNITS.index(word) + 1
        elif word in _UNIT_ORDINALS:
            total += _UNIT_ORDINALS.index(word) + 1
        elif word in _TEENS:
            total += _TEENS.index(word) + 10
        elif word in _TEEN_ORDINALS:
            total += _TEEN_ORDINALS.index(word) + 10
        elif word in _TENS:
            total += (_TENS.index(word) + 2) * 10
        elif word == "ninetieth":
            total += 90
    return total


# A day of the month in words: "first" to "thirty-first".
_DAY_ORDINALS: Final[dict[str, int]] = {
    **{word: day for day, word in enumerate((*_UNIT_ORDINALS, *_TEEN_ORDINALS), start=1)},
    "twentieth": 20,
    "thirtieth": 30,
    **{f"twenty-{word}": 21 + i for i, word in enumerate(_UNIT_ORDINALS)},
    "thirty-first": 31,
}
_DAY_ORDINAL_ALT: Final = "|".join(
    sorted((name.replace("-", r"[\s-]") for name in _DAY_ORDINALS), key=len, reverse=True)
)


def day_in_words(text: str) -> int:
    """The day an ordinal in words names: 'fifteenth' is 15, 'twenty first' 21."""
    return _DAY_ORDINALS[re.sub(r"[\s-]+", "-", text.lower())]


_DAY_WORDS: Final = {day: word for word, day in _DAY_ORDINALS.items()}


def day_as_words(day: int, written: str) -> str:
    """Day ``day`` as an ordinal in words, spelled like ``written`` (its case, and a
    blank or a hyphen between "twenty" and the unit)."""
    word = _DAY_WORDS[day]
    if " " in written.strip():
        word = word.replace("-", " ")
    if written.isupper():
        return word.upper()
    return word.capitalize() if written[:1].isupper() else word


# A year in words: "nineteen thirty-one", "nineteen hundred and five", "nineteen oh
# five", "two thousand and three", "twenty twenty-four" (a dictated note's or a
# letter's spelling).
_TENS_ALT: Final = "|".join(_TENS)
_TEENS_ALT: Final = "|".join(_TEENS)
_UNDER_HUNDRED: Final = rf"(?:(?:{_TENS_ALT})(?:[\s-]+(?:{_UNIT_ALT}))?|{_TEENS_ALT}|{_UNIT_ALT})"
_YEAR_WORDS: Final = (
    rf"(?P<wyear>(?:eighteen|nineteen)[\s-]+(?:hundred(?:[\s-]+(?:and[\s-]+)?{_UNDER_HUNDRED})?"
    rf"|oh[\s-]+(?:{_UNIT_ALT})|{_UNDER_HUNDRED})"
    rf"|two[\s-]+thousand(?:[\s-]+(?:and[\s-]+)?{_UNDER_HUNDRED})?"
    rf"|twenty[\s-]+(?:{_TENS_ALT})(?:[\s-]+(?:{_UNIT_ALT}))?)(?![\w-])"
)


def year_in_words(text: str) -> int:
    """The year a year in words names: 'nineteen thirty-one' is 1931, 'nineteen oh
    five' 1905, 'two thousand and three' 2003, 'twenty twenty-four' 2024."""
    words = re.split(r"[\s-]+", text.lower())
    if words[0] == "two":  # two thousand ...
        return 2000 + age_in_words(" ".join(words[2:]))
    century = {"eighteen": 1800, "nineteen": 1900, "twenty": 2000}[words[0]]
    return century + age_in_words(" ".join(w for w in words[1:] if w != "hundred"))


# A birth year in words after a birth word ("born in nineteen twenty-nine"): replaced
# when it implies an age over 89, as "born 1920" is (see BIRTH_YEAR).
BIRTH_YEAR_WORDS: Final = _re(rf"(?=[etn])\b{_YEAR_WORDS}")

# Dates with the day in words ("the fifteenth of June 1931", "June the fifteenth",
# "March twenty-first, 1930"): a letter's or a dictated note's spelling, kept as
# written before (hold-out probe of 2026-12-02: the month went, the day and a year
# implying an age over 89 stayed). The month has its capital, as for partial dates;
# without "the", "of" or a year, a month name may open a sentence ("May second dose
# ...", "first Jan ..."), so the phrase must end there.
WORD_DATE_PATTERNS: Final = (
    _re(
        rf"(?=[tfsen])\b(?P<the>the\s+)?(?P<wdd>{_DAY_ORDINAL_ALT})\s+(?P<of>of\s+)?{_CAPITAL}"
        rf"{_MONTH_ALT}(?![a-z])(?:,?\s+(?:{_WRITTEN_YEAR}|{_YEAR_WORDS})"
        r"|(?(the)|(?(of)|(?=\s*(?:[.,;:)]|$)))))"
    ),
    _re(
        rf"(?=[adfjmnos])\b{_CAPITAL}{_MONTH_ALT}\s+(?P<the>the\s+)?(?P<wdd>{_DAY_ORDINAL_ALT})"
        rf"\b(?:,?\s+(?:{_WRITTEN_YEAR}|{_YEAR_WORDS})|(?(the)|(?=\s*(?:[.,;:)]|$))))"
    ),
)

# A numeric day with a year in words ("March 3rd, nineteen thirty-one", "the 3rd of
# March, nineteen thirty-one", "3 March nineteen thirty-one"): read whole, so that
# the year goes with the date (round 19 left such a birth year, implying an age
# over 89, after the date's "[DATE]"). Tried on texts naming an 1800s or 1900s year.
NUMERIC_DAY_WORD_YEAR_PATTERNS: Final = (
    _re(
        rf"(?=[adfjmnos])\b{_CAPITAL}{_MONTH_ALT}\s+(?:the\s+)?(?P<dd>\d{{1,2}})"
        rf"(?:st|nd|rd|th)?\b,?\s+(?:of\s+)?{_YEAR_WORDS}"
    ),
    _re(
        rf"\b(?:the\s+)?(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_CAPITAL}{_MONTH_ALT}"
        rf"(?![a-z])"
        rf",?\s+{_YEAR_WORDS}"
    ),
)

# Numeric ages (on texts with a digit); the second needs the word "age".
AGE_PATTERNS: Final = (
    DatePattern(
        # "93 yo", "93 y/o", "93 y.o.", "93-y-o", and the clinical shorthand with the
        # sex glued on ("93yoF", "93yM").
        _re(
            r"(?P<age>\d(?<!\w\d)\d{1,2})\s*-?\s*(?:(?:years?|yrs?)\b|y[/.-]?o\b\.?|y\.\s?o\b\.?"
            r"|y(?:o|/o)?(?=[FM]\b))(?:\s*-?\s*old)?"
        )
    ),
    # "age 93", "age: 93", "age=93", "Age: 93y".
    DatePattern(
        _re(r"(?=a)\b(?:age[ds]?|aged)\s*[:=]?\s*(?P<age>\d{2,3})(?:y(?:rs?|o)?)?\b"), "age"
    ),
    # Other languages' words for years after the number ("93 Jahre", "93-jährige",
    # "94 ans", "95 años", "96 anni", "93-årig", "93 år", "94 jaar", "94-jarige",
    # "93 lat", "93-vuotias", "92 tuổi", "93歳", "93세", "94岁").
    DatePattern(
        _re(
            r"(?P<age>\d(?<!\w\d)\d{1,2})\s*-?\s*(?=[jaltvm\u00e5\u6b73\uc138\uc0b4\u5c81])"
            r"(?:j(?:ahre?n?|\u00e4hrig\w*|aehrig\w*|aar|arige?)"
            r"|ans|a\u00f1os|anos|anni|\u00e5r(?:ig\w*|s)?|lat|vuotias\w*|tu\u1ed5i|tuoi"
            r"|tahun|met(?:\u0173|ai|u)"
            r"|\u6b73|\uc138|\uc0b4|\u5c81)(?![^\W\d_])"
        )
    ),
    # Other languages' words for age before the number ("Alter: 93", "edad 94",
    # "âge 95", "età 96", "idade 97", "leeftijd 94", "ålder 93", "wiek 93", "ikä 93").
    DatePattern(
        _re(
            rf"(?<![^\W\d_])(?:{_label_alternation(AGE_LABELS_LOCAL)})"
            r"\s*[:=]?\s*(?P<age>\d{2,3})\b"
        ),
        "age-local",
    ),
    # A birthday's ordinal and the age a person turns ("her 97th birthday", "turns 98
    # in May", "turned 101 today"; hold-out round 18 probe), but a turn of degrees or
    # a share ("turned 90 degrees", "turns 95% of").
    DatePattern(
        _re(r"(?P<age>\d(?<!\w\d)\d{1,2})(?P<ordinal>st|nd|rd|th)[\s-]+birthday\b"), "birth"
    ),
    DatePattern(
        _re(
            r"(?=t)\bturn(?:s|ed|ing)?\s+(?P<age>\d{2,3})\b"
            r"(?![.,]\d|\s*(?:%|\u00b0|deg\b|degrees?\b|times\b|x\b|mg\b|ml\b|units?\b))"
        ),
        "turn",
    ),
)


def month_number(text: str) -> int:
    """1-12 for a month name or abbreviation (``Sept.`` included)."""
    key = text.lower().rstrip(".")[:3]
    return next(i for i, name in enumerate(MONTHS, start=1) if name.startswith(key))


_DIGIT: Final = re.compile(r"\d")
_DIGIT_DOT_DIGIT: Final = re.compile(r"\d\.\d")  # in every IPv4 address
# Five digits in a row (a ZIP code): spelled out, the engine scans faster than \d{5}.
_FIVE_DIGITS: Final = re.compile(r"\d\d\d\d\d")
_TITLE: Final = re.compile(r"M(?<!\wM)(?:r|rs|s|iss|x|me|lle)?\b")  # \bM..., led by "M"
# The pre-check of _LOCAL_TITLES: led by their first letters (the engine scans for
# those fast), then each letter's own endings, so "Dr." and "Mr." (in most notes)
# do not pass it.
_LOCAL_TITLE_ENDINGS: Final = {
    first: "|".join(title[1:] for title in _LOCAL_TITLES if title[0] == first)
    for first in dict.fromkeys(title[0] for title in _LOCAL_TITLES)
}
_TITLE_LOCAL: Final = re.compile(
    f"[{''.join(_LOCAL_TITLE_ENDINGS)}](?<!\\w[{''.join(_LOCAL_TITLE_ENDINGS)}])(?:"
    + "|".join(f"(?<={first})(?:{endings})" for first, endings in _LOCAL_TITLE_ENDINGS.items())
    + ")"
)
# On lower-cased text; starts with a character class so the engine scans fast.
_MONTH_WORD: Final = re.compile(
    r"[adfjmnos](?<![a-z][adfjmnos])(?:an|eb|ar|pr|ay|un|ul|ug|ep|ct|ov|ec)"
)
# A month name with its capital (as WORD_DATE_PATTERNS want it), led by a capital
# letter (the engine scans fast for those); then an ordinal day's ending in words.
_CAPITAL_MONTH: Final = re.compile(
    r"[ADFJMNOS](?<![A-Za-z][ADFJMNOS])(?i:an|eb|ar|pr|ay|un|ul|ug|ep|ct|ov|ec)"
)
_DAY_WORD: Final = re.compile(
    r"(?:fir|seco|thi|four|fif|six|seven|eigh|nin|ten|elev|twel|teen|tie)(?:st|nd|rd|th)\b"
)
# A MAC address's inner pairs, each search led by a literal (a fast scan).
_MAC_COLONS: Final = re.compile(r":[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}:")
_MAC_DASHES: Final = re.compile(r"-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-")
_BIRTH_HINTS: Final = (
    *("dob", "d.o.b", "birth", "born", "yob", "b/d"),
    *("geb", "n\u00e9e le", "n\u00e9 le", "nee le", "ne le", "nacid", "nato il", "nata il"),
    *("nascid", "f\u00f8dt", "f\u00f6dd"),
)
# Words of an employer's label ("Employer:", "Arbeitgeber:", "Place of work:").
_EMPLOYER_HINTS: Final = ("employ", "emplead", "empregad", "arbeitgeber", "werkgever", "place of")
_OBFUSCATED_HINTS: Final = ("at)", "at]", "at}", "at>", " dot ", " @", "@ ")
# Substrings without which a context detector cannot match (a cheap pre-check).
_CONTEXT_HINTS: Final = (
    ("ssn", ("ssn", "ss#", "ss #", "ss no", "soc")),
    (
        "phone",
        ("tel", "t\u00e9l", "phone", "ph", "cell", "mob", "pager", "beeper", "call", "contact"),
    ),
    (
        "vehicle",
        ("licen", "lic", "dl", "vin", "plate", "reg", "kennzeichen", "kenteken", "immatricul"),
    ),
    ("device", ("serial", "s/n", "sn", "udi", "(01)", "mac", "imei", "meid")),
    ("account", ("iban", "card", "visa", "amex", "cc")),
    ("certificate", ("cert",)),
    ("payer", ("aetna", "bcbs", "blue ", "anthem", "cigna", "humana", "uhc", "united")),
    ("payer", ("kaiser", "tricare", "molina", "ambetter", "oscar", "member")),
    ("v3-id", ("extension",)),
    ("zip", ("zip",)),
    ("aged-name", ("year-old", "year old", "years old", "yr old", "yrs old", "yr-old")),
    (
        "address",
        ("addr", "adres", "anschrift", "wohnort", "domicil", "direcci", "endere", "indirizzo"),
    ),
    ("box", ("box",)),
    ("fax", ("fax",)),
    ("age", ("age",)),
    ("turn", ("turn",)),
)


# Short texts (code texts, names of places and units) recur in every message of a
# feed: their features are memoized, bounded, in this process.
SHORT_TEXT: Final = 64


def text_features(text: str) -> frozenset[str]:
    """Which detector requirements a text meets (see :attr:`Detector.requires`).

    Substring checks and one short scan: most detectors are skipped for most
    texts, and the rest run only where their context words could be.
    """
    return _short_text_features(text) if len(text) <= SHORT_TEXT else _text_features(text)


@functools.lru_cache(maxsize=8192)
def _short_text_features(text: str) -> frozenset[str]:
    return _text_features(text)


# Each feature's hints as one alternation: one search in C instead of a substring
# test per hint.
_CONTEXT_HINT_PATTERNS: Final = tuple(
    (feature, re.compile("|".join(re.escape(hint) for hint in hints)))
    for feature, hints in _CONTEXT_HINTS
)
_CJK_PHONE_LABEL: Final = re.compile("|".join(PHONE_LABELS_CJK))
# Features whose detectors need a label as a whole word (the label spellings above,
# other languages' month names): found among the text's words, collected once. As
# substrings, short labels are inside most notes' words ("sin" in "sinus" and
# "using", "nie" in "denied", "lder" in "older"), and a label pattern costs a scan of
# its whole alternation at every position.
_LETTERS: Final = re.compile(r"[^\W\d_]+")


def _label_words(labels: Iterable[str]) -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
    """The words that find each spelling: a one-word spelling itself, or all the words
    of one of several ("health card"), or their joined form ("healthcard")."""
    single: set[str] = set()
    together: list[tuple[str, ...]] = []
    for label in labels:
        words = tuple(_LETTERS.findall(label))
        if len(words) == 1:
            single.add(words[0])
        else:
            together.append(words)
            if " " in label:
                single.add(label.replace(" ", ""))
    return frozenset(single), tuple(together)


_WORD_LABEL_FEATURES: Final[tuple[tuple[str, frozenset[str], tuple[tuple[str, ...], ...]], ...]] = (
    ("phone-local", *_label_words(PHONE_LABELS_LOCAL)),
    ("national-id", *_label_words(NATIONAL_ID_LABELS)),
    ("foreign-month", *_label_words(FOREIGN_MONTHS)),
    ("age-local", *_label_words(AGE_LABELS_LOCAL)),
    ("health-card-qc", *_label_words(QC_HEALTH_CARD_LABELS)),
    ("cns-br", *_label_words(CNS_LABELS_BR)),
    ("tax-code-it", *_label_words(TAX_CODE_LABELS_IT)),
)
# ASCII text's words the same way, cheaper: every ASCII character but a letter a space.
_NOT_LETTERS: Final = str.maketrans(
    {chr(code): " " for code in range(128) if not chr(code).isalpha()}
)


def _text_features(text: str) -> frozenset[str]:
    found: set[str] = set()
    lower = text.lower()
    if "@" in text:
        found.add("@")
    if any(hint in lower for hint in _OBFUSCATED_HINTS):
        found.add("obfuscated")
    if "ninet" in lower or "hundred" in lower:  # "ninety", "ninetieth"
        found.add("age-words")
    if _CAPITAL_MONTH.search(text) is not None and _DAY_WORD.search(lower) is not None:
        found.add("day-words")
    if "nineteen" in lower or "eighteen" in lower:
        found.add("year-words")
    if "://" in text or "www." in lower:
        found.add("url")
    if _TITLE.search(text):
        found.add("title")
    if _TITLE_LOCAL.search(text):
        found.add("title-local")
    if ", dob" in lower:
        found.add("gender-dob")
    if len(text) > 5 and relation_words(lower):
        found.add("relation")
    if "(" in text and parenthesized_relation_hint(lower):
        found.add("relation-paren")
    if person_label_hint(lower):
        found.add("person-label")
    if (":" in text or "=" in text) and any(hint in lower for hint in _MAIDEN_NAME_HINTS):
        found.add("maiden-name")  # the label needs its ":" or "="
    if ":" in text and vi_relation_hint(text):
        found.add("relation-vi")
    if (":" in text or "=" in text) and any(hint in lower for hint in _EMPLOYER_HINTS):
        found.add("employer")
    if _DIGIT.search(text) is None:
        return frozenset(found)
    found.add("digit")
    if "/" in text:
        found.add("slash")
    if _FIVE_DIGITS.search(text):
        found.add("zip5")
    if _MONTH_WORD.search(lower):
        found.add("month")
    if any(hint in lower for hint in _BIRTH_HINTS):
        found.add("birth")
    if "+" in text:
        found.add("+")
    if "::" in text:
        found.add("::")
    if "." in text and _DIGIT_DOT_DIGIT.search(text):
        found.add("ipv4")
    if text.count(":") >= 7:
        found.add("7:")  # an uncompressed IPv6 address has seven
    if _MAC_COLONS.search(text) is not None or _MAC_DASHES.search(text) is not None:
        found.add("mac")
    if "756." in text:
        found.add("756.")
    if personal_number_hint(text):
        found.add("personal-number")
    for feature, hints in _CONTEXT_HINT_PATTERNS:
        if hints.search(lower) is not None:
            found.add(feature)
    if not text.isascii() and _CJK_PHONE_LABEL.search(text) is not None:
        found.add("phone-cjk")
    words = frozenset(
        lower.translate(_NOT_LETTERS).split() if lower.isascii() else _LETTERS.findall(lower)
    )
    for feature, labels, together in _WORD_LABEL_FEATURES:
        if not labels.isdisjoint(words) or any(words.issuperset(pair) for pair in together):
            found.add(feature)
    return frozenset(found)


# Relatives and household members a note names after the relation ("her son
# Jacob", "wife, Marisol Quill,", "daughter named Rosalind"): Safe Harbor removes
# their names like the patient's, and no structured field may hold them. The name
# is one or two capitalized words (not an acronym: "father HTN") and not a word
# that starts a clause ("mother Reports"). Found from the relation word (located
# with str.find, then one anchored match), not by a regex scan of the whole text.
# Plural relation words: read only in lower case ("Children Hospital", "Kids Club"
# name places).
_PLURAL_RELATION_WORDS: Final = frozenset(
    {"children", "kids", "grandchildren", "stepchildren", "daughters", "granddaughters"}
    | {"grandsons"}
)
RELATION_WORDS: Final = frozenset(
    {"wife", "husband", "spouse", "partner", "fiance", "fiancee", "girlfriend", "boyfriend"}
    | {"mother", "father", "mom", "dad", "son", "daughter", "brother", "sister", "sibling"}
    | {"child", "grandmother", "grandfather", "grandson", "granddaughter", "grandchild"}
    | {"stepson", "stepdaughter", "stepmother", "stepfather", "aunt", "uncle", "niece"}
    | {"nephew", "cousin", "guardian", "caregiver", "carer", "neighbor", "neighbour"}
    | {"roommate", "friend"}
    # Plurals naming one of several ("my 5 children, Tamsin, ...": a patient story in
    # New Zealand's patient summary IG kept the child's name, hold-out round 20).
    # "sons", "brothers" and "sisters" are left out: firms are named so ("& Sons").
    | _PLURAL_RELATION_WORDS
    # A note's shorthand ("pt dtr Keziah", "her sis Marla"; hold-out round 20, an Epic
    # NTE): read as a relation written in lower case or capitalized only ("DTR" is a
    # deep tendon reflex, see _RELATION_ABBREVIATIONS).
    | {"dtr", "dau", "sis", "bro"}
    # Spanish, Portuguese, Italian, German and French notes ("su hija Marisol",
    # "Sohn Konrad", "sa fille Ines"); "prima"/"primo" and "femme" are left out (also
    # "first" and "woman").
    | {"esposa", "esposo", "marido", "madre", "padre", "hijo", "hija", "hermano"}
    | {"hermana", "abuela", "abuelo", "nieto", "nieta", "tía", "tío", "tia", "tio"}
    | {"sobrino", "sobrina", "novia", "novio", "vecino", "vecina", "cuidador"}
    | {"cuidadora", "mamá", "papá", "mãe", "pai", "filho", "filha", "irmão", "irmã"}
    | {"avó", "avô", "neto", "neta", "moglie", "marito", "figlio", "figlia"}
    | {"fratello", "sorella", "nonna", "nonno", "zia", "zio", "ehefrau", "ehemann"}
    | {"mutter", "vater", "sohn", "tochter", "bruder", "schwester", "oma", "opa"}
    | {"großmutter", "grossmutter", "großvater", "grossvater", "enkel", "enkelin"}
    | {"tante", "onkel", "neffe", "nichte", "lebensgefährtin", "lebensgefährte"}
    | {"nachbar", "nachbarin", "betreuer", "betreuerin", "épouse", "époux", "mari"}
    | {"mère", "père", "fils", "fille", "frère", "sœur", "soeur", "oncle", "neveu"}
    | {"nièce", "cousine", "voisin", "voisine", "conjoint", "conjointe", "compagne"}
    | {"compagnon"}
    # Danish, Norwegian, Swedish, Dutch and Icelandic ("kæreste Rasmus", "datter
    # Signe", "dottern Astrid", "dochter Femke", "dóttir Sigrún"), with the Nordic
    # definite forms; "far", "make", "man" and "vrouw" are left out (also English
    # words, or "woman").
    | {"hustru", "hustruen", "kone", "konen", "kona", "mand", "manden", "ektemann"}
    | {"ægtefælle", "ektefelle", "datter", "datteren", "søn", "sønnen", "sønn"}
    | {"bror", "broren", "broderen", "søster", "søsteren", "mor", "moren", "moderen"}
    | {"faren", "faderen", "kæreste", "kæresten", "kjæreste", "samlever", "samboer"}
    | {"bedstemor", "bedstefar", "farmor", "mormor", "farfar", "morfar", "barnebarn"}
    | {"nabo", "naboen", "fru", "frun", "maka", "maken", "dotter", "dottern", "sonen"}
    | {"syster", "systern", "brodern", "mamma", "pappa", "sambo", "flickvän", "pojkvän"}
    | {"granne", "echtgenote", "echtgenoot", "dochter", "zoon", "broer", "zus"}
    | {"moeder", "vader", "oma", "opa", "buurman", "buurvrouw", "vriendin"}
    | {"dóttir", "sonur", "eiginkona", "eiginmaður", "móðir", "faðir", "bróðir"}
    | {"systir", "kærasta", "kærasti", "amma", "afi"}
    # Relatives by marriage and by a step, partners and carers in those languages
    # ("su nuera Begoña", "son gendre Thibault", "Schwiegertochter Annegret",
    # "svigerdatteren Ingvild", "schoondochter Femke"), with the Nordic definite forms
    # (hold-out round 17 probe: their names came out whole). "genero" (also Spanish for
    # "kind") and "vicino" (also "near") are left out.
    | {"nuera", "yerno", "suegra", "suegro", "cuñada", "cuñado", "cunada", "cunado"}
    | {"pareja", "hijastra", "hijastro", "bisnieta", "bisnieto", "nora", "genro", "sogra"}
    | {"sogro", "cunhada", "cunhado", "companheira", "companheiro", "namorada", "namorado"}
    | {"enteada", "enteado", "bisneta", "bisneto", "vizinha", "vizinho", "sobrinha"}
    | {"sobrinho", "acompanhante", "nuora", "suocera", "suocero", "cognata", "cognato"}
    | {"nipote", "compagna", "compagno", "fidanzata", "fidanzato", "badante", "gendre"}
    | {"bru", "concubin", "concubine", "tuteur", "tutrice", "aidant", "aidante"}
    | {"schwiegertochter", "schwiegersohn", "schwiegermutter", "schwiegervater"}
    | {"schwägerin", "schwager", "stiefsohn", "stieftochter", "stiefmutter", "stiefvater"}
    | {"partnerin", "lebenspartner", "lebenspartnerin", "freundin", "enkelsohn"}
    | {"enkeltochter", "schoondochter", "schoonzoon", "schoonmoeder", "schoonvader"}
    | {"schoonzus", "zwager", "kleindochter", "kleinzoon", "neef", "vriend", "stiefdochter"}
    | {"stiefzoon", "mantelzorger", "svigerdatter", "svigerdatteren", "svigersønn"}
    | {"svigersønnen", "svigersøn", "svigermor", "svigermoren", "svigerfar", "svigerfaren"}
    | {"svigerinde", "svoger", "nevø", "ektemannen", "ektefellen", "samboeren", "kjæresten"}
    | {"mannen", "barnebarnet", "bestemor", "bestefar", "svärdotter", "svärdottern"}
    | {"svärson", "svärsonen", "svärmor", "svärfar", "barnbarn", "barnbarnet", "hustrun"}
    | {"sambon", "svägerska", "svåger", "dotterdotter", "sondotter", "sonson", "dotterson"}
    | {"tengdadóttir", "tengdasonur", "tengdamóðir", "tengdafaðir", "barnabarn"}
    | {"sambýlismaður", "sambýliskona"}
    # Greek and Russian ("σύζυγος Μαρία", "κόρη Ελένη", "муж Иван", "дочь Ольга"),
    # nominative forms.
    | {"σύζυγος", "σύζυγο", "γιος", "κόρη", "μητέρα", "πατέρας", "αδελφός", "αδελφή"}
    | {"αδερφός", "αδερφή", "εγγονός", "εγγονή", "γιαγιά", "παππούς", "θεία", "θείος"}
    | {"муж", "жена", "сын", "дочь", "мать", "отец", "брат", "сестра", "бабушка"}
    | {"дедушка", "внук", "внучка", "тётя", "тетя", "дядя", "супруг", "супруга", "соседка"}
    | {"сосед", "опекун"}
)
_WORD_BREAKS: Final = str.maketrans(dict.fromkeys("-,.;:()[]{}'\"/!?\t\r\n", " "))
_NOT_A_NAME: Final = (
    r"(?:And|Or|But|Nor|The|This|That|A|An|At|In|On|Of|To|For|With|From|By|As|Who|Whom"
    r"|Was|Were|Is|Are|Has|Had|Have|Also|Reports?|Reported|States?|Stated|Says|Said|Denies"
    r"|Notes|Called|Will|Would|Can|Could|Did|Does|Not|No|Present|Here|There|Today"
    r"|Yesterday|Tomorrow|Mr|Mrs|Ms|Dr|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday"
    r"|Sunday)\b"
)
# Any letters (José, Zoë, Åsa); whether a word is capitalized and not an acronym
# is checked after the match (str.isupper knows every script).
_NAME_WORD: Final = r"(?:Mc|Mac|O['\u2019])?[^\W\d_]+(?:-[^\W\d_]+)?"
# A family name's particle written in lower case between a name's words ("schoonzoon
# Pieter de Wit", "esposa Maria da Conceicao", "hija Ana de la Fuente", "Sohn Jan van
# der Berg", "wife Fatima bint Rashid"): hold-out round 19 probe, the reading stopped
# at the particle and the family name after it stayed.
_NAME_PARTICLE: Final = (
    r"(?:[ \t]+(?:de|da|do|dos|das|di|del|della|van|von|der|den|ter|ten|du|des|la|le"
    r"|bin|bint|ibn|al|el)(?:[ \t]+(?:la|las|los|der|den|de))?)?"
)
_AFTER_RELATION: Final = re.compile(
    r"(?:(?:step|half)-?|grand)?[^\W\d_]+(?:-in-law)?"
    r"(?:,\s*|\s+\(\s*|\s+(?:is|named)\s+|\s+)"
    rf"(?!{_NOT_A_NAME})(?P<first>{_NAME_WORD})"
    rf"(?:{_NAME_PARTICLE}[ \t]+(?!{_NOT_A_NAME})(?P<second>{_NAME_WORD})"
    # A third word: Spanish and Portuguese names carry two family names ("su hija
    # Marisol Ferrandiz Cuesta"; hold-out round 17 probe: the second stayed).
    rf"(?:{_NAME_PARTICLE}[ \t]+(?!{_NOT_A_NAME})(?P<third>{_NAME_WORD}))?)?"
    r"(?![\w'\u2019-])"
)


# A person a note names after a label that introduces one ("Emergency Contact:
# DOYLE, SINEAD", "Next of kin: Marta Quill", "Guarantor: Mrs Ana Reyes", "Mother's
# name: Reyes, Ana"): two to four name words, capitalized or all capitals (forms
# write names in capitals), as "Family, Given" or "Given Family". Bare relation
# labels ("Mother:", "Father:") are left out: family histories list conditions
# after them ("Father: Heart Disease").
_PERSON_LABEL_WORDS: Final = (
    r"(?:emergency[ \t]+contact|next[ \t]+of[ \t]+kin|nok|contact[ \t]+person"
    r"|guarantor|subscriber|policy[ \t]*holder|responsible[ \t]+party|informant|spouse"
    r"|guardian|caregiver|carer|(?:patient|pt|mother|father|wife|husband|parent|son|daughter"
    r"|brother|sister|partner)(?:['\u2019]s)?[ \t]+name|name[ \t]+of[ \t]+patient"
    # German, Spanish, Portuguese, French and Dutch contact labels.
    r"|notfallkontakt|kontaktperson|angeh(?:\u00f6|oe)rige[rn]?|contacto[ \t]+de[ \t]+emergencia"
    r"|persona[ \t]+de[ \t]+contacto|contato[ \t]+de[ \t]+emerg(?:\u00ea|e)ncia"
    r"|respons(?:\u00e1|a)vel|personne[ \t]+(?:\u00e0|a)[ \t]+pr(?:\u00e9|e)venir"
    r"|personne[ \t]+de[ \t]+confiance|contactpersoon|noodcontact"
    # A spouse or partner by the word for them ("Partner: Joost van Drunen", "Wife:",
    # "Ehefrau:", "Echtgenoot:", "Conjoint :"): no family history lists one (it lists
    # blood relatives: "Father: Heart Disease"). Hold-out round 17 probe: a referral
    # letter's "Partner:" line kept the name. Then the Norwegian and Danish next of
    # kin and the Swedish closest relative (an observation so labelled kept the name).
    r"|partner|wife|husband|fianc(?:\u00e9|e)e?|girlfriend|boyfriend|ehemann|ehefrau"
    r"|ehepartner(?:in)?|lebensgef(?:\u00e4|ae)hrt(?:e|in)|partnerin|echtgeno(?:ot|te)"
    r"|conjointe?|(?:\u00e9|e)poux|(?:\u00e9|e)pouse|esposo|esposa|c(?:\u00f3|o)nyuge"
    r"|marido|c(?:\u00f4|o)njuge|companheir[ao]|moglie|marito|coniuge|ektefelle"
    r"|(?:\u00e6|ae)gtef(?:\u00e6|ae)lle|samboer|hustru|ektemann"
    r"|(?:n(?:\u00e6|ae)rmeste[ \t]+)?p(?:\u00e5|aa|a)r(?:\u00f8|oe|o)rende"
    r"|(?:n(?:\u00e4|a)rmaste[ \t]+)?anh(?:\u00f6|o)rig)"
)
# The label is found from its colon, looking back at most this far: a scan of
# the whole note for the label words tried the alternation at every character
# (about 50 microseconds per 1 KB note), a note has few colons.
_PERSON_LABEL_REACH: Final = 80
_PERSON_LABEL_BEFORE_COLON: Final = re.compile(
    rf"(?i:(?<![^\W_]){_PERSON_LABEL_WORDS}(?:[ \t]+name)?[ \t]*)\Z"
)
_PERSON_LABEL_AFTER_COLON: Final = re.compile(
    # The name may start the next line when nothing follows the colon on its own (a
    # form's or letter's layout, "Next of kin:" then "Bryony Ashcombe (granddaughter)
    # 07700 900456"; an HL7 line-break escape is a private-use marker here). Hold-out
    # round 17 probe: name and phone stayed.
    r"[ \t]*(?:(?:\r?\n|[\ue000-\uf8ff\U000f0000-\U000ffffd])[ \t]*)?"
    r"(?i:(?:(?:mr|mrs|ms|miss|mx|dr|herr|frau|sr|sra|mme|m)\.?[ \t]+)?)"
)


def _person_label_ends(text: str) -> Iterator[tuple[int, bool]]:
    """Where each label naming a person ends in ``text`` (after its colon and a
    title), left to right, labels not overlapping; and whether the label asks for a
    name ("Father's name:", "Guarantor name:")."""
    floor = 0
    colon = text.find(":")
    while colon >= 0:
        start = max(floor, colon - _PERSON_LABEL_REACH)
        label = _PERSON_LABEL_BEFORE_COLON.search(text, start, colon)
        if label is not None:
            # Every part of the pattern is optional: it always matches.
            after = _PERSON_LABEL_AFTER_COLON.match(text, colon + 1)
            floor = after.end() if after is not None else colon + 1
            yield floor, label.group(0).rstrip().lower().endswith("name")
        colon = text.find(":", max(colon + 1, floor))


_LABELLED_NAME_WORD: Final = re.compile(rf"{_NAME_WORD}(?![\w'\u2019-])")
_LABELLED_NAME_GAP: Final = re.compile(r"[ \t]*,[ \t]*|[ \t]+")
_NOT_LABELLED_NAMES: Final = frozenset(
    {"none", "not", "unknown", "known", "self", "same", "given", "declined", "refused"}
    | {"see", "above", "below", "na", "deceased", "alive", "listed", "file", "yes", "no"}
    | {"as", "per", "patient", "pt", "chart", "record", "other", "family", "friend"}
    | {"and", "or", "the", "of", "on", "in", "at", "to", "with", "for", "is", "was"}
    | {"tel", "phone", "mobile", "cell", "dob", "mrn", "relationship", "address"}
    | {"mother", "father", "wife", "husband", "son", "daughter", "spouse", "sister"}
    | {"brother", "parent", "guardian", "same", "mr", "mrs", "ms", "dr", "miss"}
    # What follows a label written without its colon when it names nobody ("Emergency
    # contact Details Updated", "Next of kin Informed By Phone"; hold-out round 21).
    | {"details", "detail", "information", "info", "number", "informed", "notified"}
    | {"updated", "reviewed", "verified", "confirmed", "aware", "called", "contacted"}
)
_MAX_LABELLED_NAME_WORDS: Final = 4
# Lower-case particles inside a written name ("Anneke de Vries", "Tom van der
# Berg", "Joana dos Santos", "Siti binti Ahmad"): a name's word, not its end.
NAME_PARTICLES_INSIDE: Final = frozenset(
    {"de", "da", "das", "do", "dos", "di", "del", "della", "van", "von", "vom", "der", "den"}
    | {"ter", "ten", "te", "la", "le", "du", "y", "e", "zu", "af", "av", "al", "bin", "binti"}
    | {"ibn"}
)


def person_label_hint(lower: str) -> bool:
    """Whether ``lower`` (lower-cased) may hold a label naming a person: a cheap
    substring test before :func:`labelled_person_names`' scan."""
    return (":" in lower and any(hint in lower for hint in _PERSON_LABEL_HINTS)) or any(
        hint in lower for hint in _COLONLESS_LABEL_HINTS
    )


# Labels of several words that name a person even without their colon ("Next of kin
# Hester Quillfeather daughter", "Contact person Bram Okonedo 617 ...", "Patient name
# Oswin Trevanion confirmed"): hold-out round 21 probe, round 20's gap "labels without
# a colon". Only these: after a one-word label ("Spouse", "Guardian") a capitalized
# word is as often a heading's next word. The name still needs two words.
_COLONLESS_LABEL_HINTS: Final = (
    "next of kin", "emergency contact", "contact person", "patient name", "patient's name",
    "name of patient", "kontaktperson", "contactpersoon",
)  # fmt: skip
_COLONLESS_PERSON_LABEL: Final = re.compile(
    r"(?<![^\W_])(?i:next[ \t]+of[ \t]+kin|emergency[ \t]+contact|contact[ \t]+person"
    r"|patient(?:['\u2019]s)?[ \t]+name|name[ \t]+of[ \t]+patient|kontaktperson|contactpersoon)"
    r"[ \t]+(?=[^\W\d_])"
)


def _colonless_person_label_ends(text: str) -> Iterator[int]:
    """Where each label of :data:`_COLONLESS_PERSON_LABEL` written without its colon
    ends in ``text`` (the name's first letter)."""
    lower = text.lower()
    if any(hint in lower for hint in _COLONLESS_LABEL_HINTS):
        for match in _COLONLESS_PERSON_LABEL.finditer(text):
            yield match.end()


_PERSON_LABEL_HINTS: Final = (
    "contact", "kin", "nok", "guarant", "subscriber", "holder", "party", "informant",
    "spouse", "guardian", "carer", "caregiver", "name", "kontakt", "angeh", "respons",
    "personne", "contacto", "contato", "rende", "anh", "partner", "wife", "husband",
    "fianc", "friend", "ehe", "lebensgef", "echtgeno", "conjoint", "poux", "pouse",
    "espos", "nyuge", "marido", "njuge", "companheir", "moglie", "marito", "coniuge",
    "ektef", "gtef", "samboer", "hustru", "ektemann",
)  # fmt: skip


def labelled_person_names(text: str) -> Iterator[tuple[int, int]]:
    """Where a name follows a label naming a person in ``text``, as (start, end): the
    words up to the first that is no capitalized or all-capitals name word, at least
    two of them (one word after "Contact:" is as often a ward or "Self"); one after a
    label asking for a name ("Father's name: Jarkko": hold-out round 21 probe, kept
    where a sentence came before it). A label written without its colon ("Next of
    kin Ilse Marrowmead daughter") is followed by two words or more."""
    colonless = ((end, False) for end in _colonless_person_label_ends(text))
    for label_end, asks_name in chain(_person_label_ends(text), colonless):
        at = label_end
        words: list[tuple[int, int]] = []
        commas = 0
        while len(words) < _MAX_LABELLED_NAME_WORDS:
            word = _LABELLED_NAME_WORD.match(text, at)
            if word is None:
                break
            value = word.group(0)
            if value in NAME_PARTICLES_INSIDE and words:
                # "Anneke de Vries", "Joana da Silva": the particle goes with the name
                # when a name word follows it.
                particle_gap = _LABELLED_NAME_GAP.match(text, word.end())
                if particle_gap is None or "," in particle_gap.group(0):
                    break
                after = _LABELLED_NAME_WORD.match(text, particle_gap.end())
                if after is None or not after.group(0)[:1].isupper():
                    break
                at = particle_gap.end()
                continue
            if not value[:1].isupper() or value.casefold() in _NOT_LABELLED_NAMES:
                break
            words.append(word.span())
            gap = _LABELLED_NAME_GAP.match(text, word.end())
            if gap is None:
                break
            if "," in gap.group(0):
                commas += 1
                if commas > 1 or len(words) > 1:  # "Family, Given" has one comma, first
                    break
            at = gap.end()
        if len(words) >= (1 if asks_name else 2):
            yield words[0][0], words[-1][1]


# A maiden or birth name after its label ("Mother's maiden name: Brekkestø", "Nom de
# jeune fille : Kerhervé", "Geburtsname: Brenzinger"): one word (two with a double
# name), capitalized or in capitals. One word is too few after the other person
# labels (see labelled_person_names); after these it is the value the label asks
# for. Hold-out round 20 probe: the name stayed. Read only in a text holding a
# piece of a label (the feature "maiden-name"; the word-label features are read
# only in texts with a digit).
_MAIDEN_NAME_HINTS: Final = (
    "maiden", "geburtsn", "dchenn", "meisjesn", "jeune fille", "solter", "nubile",
)  # fmt: skip
_MAIDEN_NAME: Final = re.compile(
    r"(?i:(?:mother['\u2019]?s[ \t]+|mothers[ \t]+)?maiden[ \t]+name"
    r"|nom[ \t]+de[ \t]+jeune[ \t]+fille|geburtsname|m(?:\u00e4|ae)dchenname"
    r"|apellido[ \t]+de[ \t]+soltera|nome[ \t]+de[ \t]+solteira|meisjesnaam"
    r"|cognome[ \t]+da[ \t]+nubile)"
    r"[ \t]*[:=][ \t]*"
    rf"(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD})?)(?![\w'\u2019-])"
)


def maiden_names(text: str) -> Iterator[tuple[int, int]]:
    """Where a maiden or birth name follows its label in ``text`` (see _MAIDEN_NAME),
    as (start, end): its words up to the first that is no name word."""
    for match in _MAIDEN_NAME.finditer(text):
        end = match.start("name")
        for word in _NAME_TOKEN.finditer(text, match.start("name"), match.end("name")):
            value = word.group()
            if not value[:1].isupper() or value.casefold() in _NOT_LABELLED_NAMES:
                break
            end = word.end()
        if end > match.start("name"):
            yield match.start("name"), end


# The contact's phone right after a labelled person's name ("Emergency contact:
# Pedro Alvarado (brother) 555-1234"): seven digits or more, a relation or a short
# word in brackets and a separator allowed between. A local number without an area
# code fits no phone shape elsewhere.
_CONTACT_PHONE: Final = re.compile(
    r"[ \t]*(?:\([^()\n]{1,20}\)[ \t]*)?[,:;\-\u2013]?[ \t]*"
    r"(?!\d{4}-\d\d-\d\d(?!\d))(?P<phone>\+?\(?\d(?:[\d ().\-]{5,18})\d)(?![\w\-]|[./]\d)"
)
_MIN_CONTACT_PHONE_DIGITS: Final = 7


def contact_phone_after(text: str, end: int) -> tuple[int, int] | None:
    """The span of a phone number that follows a labelled person's name ending at
    ``end`` (see :func:`labelled_person_names`), or None."""
    match = _CONTACT_PHONE.match(text, end)
    if match is None or sum(c.isdigit() for c in match["phone"]) < _MIN_CONTACT_PHONE_DIGITS:
        return None
    return match.span("phone")


# The numbers of a list that starts with a phone number ("Tel. 0711/2468135, 0171
# 1234567 oder (0711) 24 68 135"): each joined to the one before by a comma, a
# semicolon, a slash or "or"/"and" in the languages of the phone labels, and written
# as a labelled number is (seven digits or more, not a date). Hold-out round 16
# probe: only the list's first number was found, after its label.
_LISTED_PHONE: Final = re.compile(
    r"[ \t]*(?:[,;/]|[ \t](?:or|oder|ou|o|of|eller|og|und|and|bzw\.?|y|e|et|en|i|lub|tai)"
    r"(?=[ \t]))[ \t]*"
    rf"(?P<phone>{_LABELLED_NUMBER})",
    re.IGNORECASE,
)
# A list of phone numbers is short: a line of contacts, not a table of numbers.
_MAX_LISTED_PHONES: Final = 4


def listed_phones_after(text: str, end: int) -> Iterator[tuple[int, int]]:
    """The spans of the phone numbers that continue a list after a phone number
    ending at ``end`` (see :data:`_LISTED_PHONE`)."""
    for _ in range(_MAX_LISTED_PHONES):
        match = _LISTED_PHONE.match(text, end)
        if match is None:
            return
        yield match.span("phone")
        end = match.end()


# A town and a British postcode that end a street line the street detector found
# ("12 Chapel Terrace, Penzance TR18 4AB", "9 Mill Lane, Llandeilo SA19 6AB", a
# postcode alone: ", PL25 5DR"): one to three capitalized words, then the outward
# code (one or two letters, a digit, a digit or letter) and the inward code (a digit
# and two letters of those a postcode uses). Round 18 left them (the street went, the
# town and postcode stayed); hold-out round 20 probes met them in a Communication, a
# Task and a text letter.
_TOWN_POSTCODE_AFTER_STREET: Final = re.compile(
    r"(?:,[ \t]*|[ \t]+)(?:(?P<town>[A-Z][a-z'\u2019-]+(?:[ \t]+[A-Z][a-z'\u2019-]+){0,2})"
    r",?[ \t]+)?(?P<postcode>[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[ABD-HJLNP-UW-Z]{2})(?![\w'\u2019-])"
)


def town_postcode_after(text: str, end: int) -> Iterator[tuple[int, int, Kind]]:
    """The town (``Kind.CITY``) and British postcode (``Kind.ZIP``) that end a street
    line ending at ``end`` (see :data:`_TOWN_POSTCODE_AFTER_STREET`)."""
    match = _TOWN_POSTCODE_AFTER_STREET.match(text, end)
    if match is None:
        return
    if match["town"] is not None:
        yield match.start("town"), match.end("town"), Kind.CITY
    yield match.start("postcode"), match.end("postcode"), Kind.ZIP


def _capitalized(word: str) -> bool:
    """A name's word: a capital first letter and not all capitals ("HTN", "CAD")."""
    after_apostrophe = word.rpartition("'")[2].rpartition("\u2019")[2]  # O'Rourke
    return word[:1].isupper() and not word.isupper() and after_apostrophe[:1].isupper()


def relation_words(lower: str) -> frozenset[str]:
    """The relation words ``lower`` (a lower-cased text) holds as whole words."""
    return RELATION_WORDS.intersection(lower.translate(_WORD_BREAKS).split())


# A relative named before the relation, the relation in parentheses ("Rowena
# Castlebury (daughter)", "Mari Maasikas (abikaasa), tel ...", "Linnet Brackwater
# (guardian)"): a form's answer, a message's payload or a note lists the people
# around the patient so. Hold-out round 19 (an Estonian advance directive's answer,
# probes in a Communication, a Task, an Immunization note): only a reference's
# display was read so, and the names came out whole. The words of the relation
# detector, and those of languages that write the relation only so in the samples
# (Estonian, Finnish, Polish, Czech); "naine"/"mees" (also "woman"/"man"), and
# "ema"/"isa" after a name only.
PAREN_RELATION_WORDS: Final = RELATION_WORDS | frozenset(
    {"abikaasa", "tütar", "poeg", "ema", "isa", "vend", "õde", "vanaema", "vanaisa"}
    | {"lapselaps", "elukaaslane", "hooldaja", "eestkostja", "vaimo", "aviomies"}
    | {"puoliso", "avopuoliso", "äiti", "isä", "poika", "tytär", "veli", "sisko"}
    | {"sisar", "isoäiti", "isoisä", "mummo", "ukki", "lapsenlapsi", "huoltaja"}
    | {"żona", "mąż", "córka", "syn", "matka", "ojciec", "brat", "siostra", "babcia"}
    | {"dziadek", "wnuk", "wnuczka", "opiekun", "opiekunka", "manželka", "manžel"}
    | {"dcera", "otec", "bratr", "sestra", "babička", "dědeček", "vnuk", "vnučka"}
    | {"pečovatel", "pečovatelka"}
)
_PAREN_RELATION: Final = re.compile(
    r"\([ \t]*(?:(?:his|her|their|pt['\u2019]?s|patient['\u2019]?s)[ \t]+)?"
    r"(?P<word>[^\W\d_]+)(?:-in-law)?[ \t]*\)"
)
# What a family history writes before a relative in parentheses ("Breast Cancer
# (mother)", "Coronary Artery Disease (father)"), and a label's words ("Emergency
# Contact (spouse)", "Patient Reports (son)"): no name.
_NOT_RELATIVE_NAME_WORDS: Final = frozenset(
    {"patient", "family", "member", "contact", "emergency", "next", "kin", "primary"}
    | {"legal", "power", "attorney", "unknown", "none"}
) | frozenset(
    {"cancer", "carcinoma", "disease", "diabetes", "mellitus", "hypertension", "failure"}
    | {"attack", "stroke", "syndrome", "disorder", "tumor", "tumour", "infarction"}
    | {"arrest", "asthma", "dementia", "anemia", "anaemia", "arthritis", "heart", "breast"}
    | {"colon", "lung", "prostate", "ovarian", "kidney", "renal", "liver", "type", "high"}
    | {"blood", "pressure", "cholesterol", "death", "died", "deceased", "history"}
    | {"sudden", "cardiac", "coronary", "artery", "cerebral", "depression", "obesity"}
    | {"epilepsy", "migraine", "alzheimer", "alzheimer's", "parkinson", "parkinson's"}
    | {"leukemia", "leukaemia", "lymphoma", "melanoma", "glaucoma", "osteoporosis"}
    | {"thyroid", "bipolar", "schizophrenia", "alcoholism", "aneurysm", "clots"}
)
_NAME_TOKEN: Final = re.compile(_NAME_WORD)
_NAME_REACH: Final = 120  # how far before the parenthesis the name is looked for


def parenthesized_relation_hint(lower: str) -> bool:
    """Whether ``lower`` (a lower-cased text with a "(") holds a relation word alone
    in parentheses; one scan for "(" per text."""
    return any(
        match.group("word") in PAREN_RELATION_WORDS for match in _PAREN_RELATION.finditer(lower)
    )


def parenthesized_relative_names(text: str) -> Iterator[tuple[int, int]]:
    """Where two to four capitalized name words end right before a relation in
    parentheses ("Tobias Wrenfield (husband)"), as (start, end); a family history's
    condition there ("Heart Disease (father)") is none."""
    lower = text.lower()
    if len(lower) != len(text):  # keep positions aligned, as relative_names does
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for match in _PAREN_RELATION.finditer(lower):
        if match.group("word") not in PAREN_RELATION_WORDS:
            continue
        base = max(0, match.start() - _NAME_REACH)
        head = text[base : match.start()]
        tokens = [(t.start(), t.end()) for t in re.finditer(r"\S+", head)]
        words: list[tuple[int, int]] = []
        capitalized = 0
        for start, end in reversed(tokens):
            word = head[start:end]
            if words and "\n" in head[end : words[-1][0]]:
                break  # a name is on one line
            if capitalized == 4:
                break
            if words and word in NAME_PARTICLES_INSIDE:
                words.append((start, end))  # "Juan de la Cruz (esposo)"
                continue
            if not (_NAME_TOKEN.fullmatch(word) and _capitalized(word)):
                break
            words.append((start, end))
            capitalized += 1
        while words and head[words[-1][0] : words[-1][1]] in NAME_PARTICLES_INSIDE:
            words.pop()  # a particle before the name's first word belongs to the sentence
        if not words or head[words[0][1] :].strip():
            continue  # the last word before the parenthesis is no name word
        while words and re.fullmatch(_NOT_A_NAME, head[words[-1][0] : words[-1][1]]):
            words.pop()  # "With Rowena ..." at a sentence's start: not the name
        names = [head[start:end] for start, end in words if head[start:end][:1].isupper()]
        if len(names) < 2 or any(
            word.lower() in _NOT_RELATIVE_NAME_WORDS or re.fullmatch(_NOT_A_NAME, word)
            for word in names
        ):
            continue
        yield base + words[-1][0], base + words[0][1]


# The shorthand relation words: all in capitals they are something else ("DTR 2+",
# deep tendon reflexes; "SIS", a sonohysterogram).
_RELATION_ABBREVIATIONS: Final = frozenset({"dtr", "dau", "sis", "bro"})
# The patient's own relative, named before the relation ("plz call Keziah pt dtr 1st",
# "Marla, pt's sister, called", "Called Ysolde Amsel patient's daughter"): one to
# three capitalized words, then "pt" or "patient" (possessive or not) right before
# the relation word. Hold-out round 20 (an Epic NTE): the name stayed. Matched in a
# short window ending at the relation word, only where "pt"/"patient" stands before
# it; the words must follow a word in lower case, a verb or a personal title, or be
# set off by a comma: a heading's or a sentence's first words are as often
# something else ("Discharge pt son to drive", "Cardiology Consult pt daughter"),
# and a doctor is no relative ("Dr Ames pt wife").
_PATIENTS_BEFORE: Final = ("pt", "pts", "pt's", "pt\u2019s", "patient", "patients", "patient's")
_NAME_BEFORE_PATIENTS_RELATION: Final = re.compile(
    rf"(?<![\w'\u2019-])(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}})"
    r"[ \t]*,?[ \t]+(?i:pt|patient)(?:['\u2019]?s)?[ \t]+\Z"
)
# Words a note starts such a sentence with: what was done, and with whom ("Called pt
# dtr", "Per pt's son", "Spoke with Dr Ames pt wife"), not a name.
_NOT_NAME_BEFORE_PATIENT: Final = frozenset(
    {"per", "call", "calls", "spoke", "informed", "notified", "phoned", "contacted"}
    | {"updated", "discussed", "told", "asked", "met", "saw", "seen", "via", "please"}
    | {"pls", "plz", "notify", "contact", "family", "reviewed", "explained", "educated"}
    | {"instructed", "left", "message", "msg", "visited", "texted", "emailed", "awaiting"}
    | {"consent", "consented", "signed", "witnessed", "nurse", "home", "lives", "care"}
)
_NAME_BEFORE_REACH: Final = 80
_PERSONAL_TITLES: Final = frozenset({"mr", "mrs", "ms", "miss", "mx"})


def _name_before_patients_relation(text: str, lower: str, start: int) -> tuple[int, int] | None:
    """The span of the name before "pt"/"patient" and a relation word starting at
    ``start`` (see _NAME_BEFORE_PATIENTS_RELATION), or None."""
    if not lower[:start].rstrip().endswith(_PATIENTS_BEFORE):
        return None
    match = _NAME_BEFORE_PATIENTS_RELATION.search(text, max(0, start - _NAME_BEFORE_REACH), start)
    if match is None:
        return None
    words = [(word.start(), word.end()) for word in _NAME_TOKEN.finditer(match.group("name"))]
    base = match.start("name")
    kept: list[tuple[int, int]] = []
    for word_start, word_end in reversed(words):
        word = match.group("name")[word_start:word_end]
        if (
            not _capitalized(word)
            or re.fullmatch(_NOT_A_NAME, word)
            or word.lower() in _NOT_NAME_BEFORE_PATIENT
        ):
            break
        kept.append((base + word_start, base + word_end))
    if not kept:
        return None
    if "," not in text[kept[0][1] : start]:
        before = text[max(0, kept[-1][0] - _NAME_BEFORE_REACH) : kept[-1][0]].split()
        previous = before[-1] if before else ""
        if not (
            previous.islower()
            or previous.lower().rstrip(".") in _NOT_NAME_BEFORE_PATIENT | _PERSONAL_TITLES
            or previous in ("Called", "Call", "Spoke", "Phoned", "Notified", "Informed")
        ):
            return None
    elif text[max(0, kept[-1][0] - 4) : kept[-1][0]].rstrip().lower().rstrip(".") == "dr":
        return None
    return kept[-1][0], kept[0][1]


def relative_names(text: str) -> Iterator[tuple[int, int]]:
    """Where a name follows a relation word in ``text``, as (start, end); or, for the
    patient's relative, precedes it (see _NAME_BEFORE_PATIENTS_RELATION)."""
    lower = text.lower()
    if len(lower) != len(text):  # "İ" lowers to two characters: keep positions aligned
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for word in relation_words(lower):
        at = lower.find(word)
        while at >= 0:
            end = at + len(word)
            whole = (at == 0 or not lower[at - 1].isalnum()) and (
                end == len(lower) or not lower[end].isalnum()
            )
            if whole and word in _PLURAL_RELATION_WORDS and not text[at].islower():
                whole = False  # "Children Hospital", "Kids Club": a place's name
            if whole and word in _RELATION_ABBREVIATIONS and text[at:end].isupper():
                whole = False  # "DTR 2+ Symmetric": reflexes, not a daughter
            if whole:
                start = at
                for prefix in ("step-", "half-", "step", "half"):
                    if lower.startswith(prefix, at - len(prefix)):
                        start = at - len(prefix)
                        break
                before = _name_before_patients_relation(text, lower, start)
                if before is not None:
                    yield before
                match = _AFTER_RELATION.match(text, start)
                if match is not None and match.end(0) > end and _capitalized(match["first"]):
                    second, third = match["second"], match["third"]
                    if second is None or not _capitalized(second):
                        yield match.span("first")
                    elif third is not None and _capitalized(third):
                        yield match.start("first"), match.end("third")
                    else:
                        yield match.start("first"), match.end("second")
            at = lower.find(word, end)
