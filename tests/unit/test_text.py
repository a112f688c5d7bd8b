"""The free-text scrubber: message context and pattern detectors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scrubbers import detectors
from scrubbers import text as text_module
from scrubbers.detectors import text_features
from scrubbers.engine import MessageContext, Scrubber
from scrubbers.identity import PatientIdentifier
from scrubbers.kinds import Kind
from scrubbers.methods import Removal
from scrubbers.number_hints import personal_number_hint
from scrubbers.text import name_parts, name_spellings, name_variants, phone_spellings


@pytest.fixture
def ctx(make_scrubber: Callable[..., Scrubber]) -> MessageContext:
    context = make_scrubber().message(
        [PatientIdentifier("TST0042", "MR", "GH")], reference_year=2026
    )
    context.text.add_name("Quillfeather", "Zephyrina", "May", "[NAME]")
    context.text.add(Kind.MRN, "TST0042", "MRN-ABC")
    context.text.add(Kind.PHONE, "(617) 555-0142", Removal.VALUE)
    context.text.add(Kind.STREET_ADDRESS, "42 Lantern Row", Removal.VALUE)
    return context


@pytest.mark.parametrize(
    "spelling",
    [
        "Zephyrina Quillfeather",
        "QUILLFEATHER, ZEPHYRINA",
        "quillfeather zephyrina",
        "Z. Quillfeather",
        "Quillfeather, Z.",
        "Zephyrina May Quillfeather",
        "Quillfeather's",
    ],
)
def test_name_spellings_are_replaced(ctx: MessageContext, spelling: str) -> None:
    out = ctx.scrub_text(f"Seen: {spelling} today.")
    assert "uillfeather" not in out.lower()
    assert "zephyrina" not in out.lower()
    assert "[NAME]" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Genitives written without an apostrophe (Swedish, Danish, Norwegian, German,
        # Dutch): "Zephyrinas fasta vårdkontakt" is Zephyrina's regular contact.
        ("Zephyrinas fasta vårdkontakt", "[NAME] fasta vårdkontakt"),
        ("Mays Termin", "[NAME] Termin"),
        ("Quillfeathers Tochter", "[NAME] Tochter"),
    ],
)
def test_genitives_without_apostrophe_are_replaced(
    ctx: MessageContext, text: str, expected: str
) -> None:
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    "phone", ["617-555-0142", "(617) 555-0142", "617.555.0142", "6175550142", "555-0142"]
)
def test_phone_spellings(ctx: MessageContext, phone: str) -> None:
    assert ctx.scrub_text(f"call {phone} now") == "call [PHONE] now"


def test_identifiers_and_addresses_from_context(ctx: MessageContext) -> None:
    assert ctx.scrub_text("MRN TST0042 at 42 Lantern Row") == "MRN MRN-ABC at [ADDRESS]"


def test_words_inside_other_words_are_left_alone(ctx: MessageContext) -> None:
    assert ctx.scrub_text("Mayday: maybe in May.") == "Mayday: maybe in [NAME]."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 123-45-6789.", "SSN [SSN]."),
        ("ssn: 123456789", "ssn: [SSN]"),
        ("write to jo.doe@example.org", "write to [EMAIL]"),
        ("see https://portal.example.org/p?id=7", "see [URL]"),
        ("from 192.168.10.20.", "from [IP]."),
        ("fax: (617) 555-9999", "fax: [FAX]"),
        ("Medical record number: A778812", "Medical record number: MRN-"),
        ("a 94-year-old woman", "a 90+-year-old woman"),
        ("aged 101", "aged 90+"),
        ("an 89 year old", "an 89 year old"),
        ("a 93 y.o. female", "a 90+ y.o. female"),
        ("93yoF with CHF", "90+yoF with CHF"),
        ("94yM, 95-y-o", "90+yM, 90+-y-o"),
        ("98.6F, 93 mg", "98.6F, 93 mg"),
        ("age=93; Age: 94y", "age=90+; Age: 90+y"),
        ("call 07700 900123 or Tel. 0711/2468135", "call [PHONE] or Tel. [PHONE]"),
        ("tel 020 7946 0958; mobile 06 12 34 56 78", "tel [PHONE]; mobile [PHONE]"),
        ("Tel (0711) 24 68 135, Fax 0711-9753-246", "Tel [PHONE], Fax [FAX]"),
        ("contacted 03/04/2024, called 911 at 1430", "contacted 2024, called 911 at 1430"),
        ("Contact isolation 2024 2025; pH 7.35 7.40 7.45", "Contact isolation 2024 2025; pH 7.35"),
        ("Ins ID W123456789", "Ins ID PLAN-"),
        ("insidious onset 2 weeks, insulin 12 units", "insidious onset 2 weeks, insulin 12 units"),
        ("lives at 12B Oak St with", "lives at [ADDRESS] with"),
        ("moved to 12-14 Heron Lane", "moved to [ADDRESS]"),
        ("on 03/14/2023 and 2023-03-15", "on 2023 and 2023"),
        ("March 14, 2023; 14 Mar 2023; Mar 2023", "2023; 2023; 2023"),
        ("lives at 1234 Old Mill Road.", "lives at [ADDRESS]."),
        ("Mrs. Ingrid Vasquez", "Mrs. [NAME]"),
        ("Springfield, MA 01103", "[CITY], MA 011"),  # the town too (hold-out round 16)
        ("version 2.16.840.1 and ratio 12/45/2024", "version 2.16.840.1 and ratio 12/45/2024"),
    ],
)
def test_detectors(ctx: MessageContext, text: str, expected: str) -> None:
    out = ctx.scrub_text(text)
    assert out.startswith(expected)


def test_shifted_dates_keep_their_written_format(make_scrubber: Callable[..., Scrubber]) -> None:
    context = make_scrubber("pseudonymized").message([PatientIdentifier("P1", "MR", "GH")])
    out = context.scrub_text("on 03/14/2023 and March 14, 2023 and 2023-03-14")
    first, second, third = out[3:13], out[18:].split(" and ")[0], out[-10:]
    assert first[2] == "/" and first[5] == "/"
    assert second.split()[0] in {
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    }
    assert third[4] == "-" and third != "2023-03-14"


def test_spelling_helpers() -> None:
    assert "(617) 555-0142" in phone_spellings("6175550142")
    assert "Doe, Jane" in name_spellings("Doe", "Jane")
    assert name_spellings("", "") == []


@pytest.mark.parametrize(
    "text",
    [
        "Seen QU\u0130LLFEATHER today",  # capital dotted I (U+0130): casefolds to 'i' + U+0307
        "ZEPHYRINA QU\u0130LLFEATHER",
        "Seen Qu\u0131llfeather today",  # dotless i (U+0131)
        "Seen Qu\u00adillfeather today",  # soft hyphen inside the name
        "Seen Quill\u200bfeather today",  # zero-width space
        "Seen Quillf\u00e9ather today",  # accent the structured name does not have
        "Stra\u00dfe: Seen Quillfeather today",  # 'ß' casefolds to two letters: offsets move
    ],
)
def test_names_in_unicode_variants_never_raise_and_are_replaced(
    ctx: MessageContext, text: str
) -> None:
    out = ctx.scrub_text(text)
    assert "[NAME]" in out
    assert "feather" not in out.lower()
    assert "\u00ad" not in out and "\u200b" not in out
    assert out.endswith(" today") or out == "[NAME]"


def test_unicode_offsets_keep_the_rest_of_the_text(ctx: MessageContext) -> None:
    assert ctx.scrub_text("Stra\u00dfe 5, QU\u0130LLFEATHER, ok") == "Stra\u00dfe 5, [NAME], ok"
    assert ctx.scrub_text("\ufb01ne: Qu\u00adillfeather\u00ad.") == "\ufb01ne: [NAME]."


def test_cjk_names_are_found_without_spaces_around_them(
    make_scrubber: Callable[..., Scrubber],
) -> None:
    # Japanese and Chinese write no spaces between words: a name is glued to its
    # given name, honorific and particles ("...さんは"), one "word" to a whole-word search.
    context = make_scrubber().message([PatientIdentifier("TST0099", "MR", "GH")])
    context.text.add_name("\u9ce5\u7fbd", "\u6953\u5b50", "", "[NAME]")  # a kanji name
    context.text.add_name("\u30c8\u30d0", "\u30ab\u30a8\u30c7\u30b3", "", "[NAME]")  # its kana
    note = "\u9ce5\u7fbd\u6953\u5b50\u3055\u3093\u306f\u672c\u65e5\u6765\u9662\u3002"
    assert context.scrub_text(note) == "[NAME]\u3055\u3093\u306f\u672c\u65e5\u6765\u9662\u3002"
    kana = "\u30c8\u30d0\u30ab\u30a8\u30c7\u30b3\u69d8"
    assert context.scrub_text(kana) == "[NAME]\u69d8"
    # Korean glues particles to a name ("...님은"), Thai writes no spaces at all.
    context.text.add_name("\ud64d", "\uae38\ub3d9", "", "[NAME]")
    context.text.add_name(
        "\u0e43\u0e08\u0e14\u0e35", "\u0e2a\u0e21\u0e0a\u0e32\u0e22", "", "[NAME]"
    )
    assert "\uae38\ub3d9" not in context.scrub_text(
        "\ud658\uc790 \ud64d\uae38\ub3d9\ub2d8\uc740 \uc624\ub298"
    )
    thai = "\u0e19\u0e32\u0e22\u0e2a\u0e21\u0e0a\u0e32\u0e22\u0e43\u0e08\u0e14\u0e35\u0e21\u0e32"
    assert context.scrub_text(thai) == "\u0e19\u0e32\u0e22[NAME][NAME]\u0e21\u0e32"
    # A one-character surname is too short alone, not with its honorific; the whole
    # name is written without a space.
    context.text.add_name("\u9673", "\u52a0\u73b2", "", "[NAME]")
    chen = "\u9673\u52a0\u73b2\u4eca\u65e5\u56de\u8a3a\uff0c\u9673\u5c0f\u59d0\u8868\u793a"
    assert "\u9673" not in context.scrub_text(chen)
    assert context.scrub_text("\u9673\u8840") == "\u9673\u8840"  # the character alone stays
    # Latin names keep whole-word matching, glued to CJK text or not.
    context.text.add_name("Quillfeather", "Zephyrina", "", "[NAME]")
    assert (
        context.scrub_text("Quillfeather\u69d8, Quillfeatherton") == "[NAME]\u69d8, Quillfeatherton"
    )


@pytest.mark.parametrize(
    ("phone", "written"),
    [
        ("+31612345600", "06 1234 5600"),  # a national mobile form of an international number
        ("+31612345600", "0612345600"),
        ("+31612345600", "+31 6 1234 5600"),
        ("0172 8611693", "+49 172 8611693"),  # the international form of a national number
        ("0172 8611693", "0172/8611693"),
        ("0312345678", "03-1234-5678"),
        ("0312345678", "\u96fb\u821903-1234-5678"),  # glued to Japanese text
    ],
)
def test_international_phones_are_found_in_their_other_spellings(
    make_scrubber: Callable[..., Scrubber], phone: str, written: str
) -> None:
    # Phone spellings were NANP's; other countries' numbers are written with their
    # trunk 0 or their country code, grouped as the country groups them.
    context = make_scrubber().message([PatientIdentifier("TST0101", "MR", "GH")])
    context.text.add(Kind.PHONE, phone, Removal.VALUE)
    digits = "".join(c for c in written if c.isdigit())
    assert digits[-4:] not in context.scrub_text(f"wrote {written} today"), written


@pytest.fixture
def compound(make_scrubber: Callable[..., Scrubber]) -> MessageContext:
    context = make_scrubber().message([PatientIdentifier("TST0077", "MR", "GH")])
    context.text.add_name("Quillfeather-Smythe", "Zebulon Ambrose", "", "[NAME]")
    context.text.add_name("van der Brambleton", "Ilse", "", "[NAME]")
    return context


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ambrose was seen", "[NAME] was seen"),
        ("Mr Quillfeather arrived", "Mr [NAME] arrived"),
        ("Smythe family at bedside", "[NAME] family at bedside"),
        ("the Quillfeathers visited", "the [NAME] visited"),
        ("Quillfeather-Smythe's chart", "[NAME]'s chart"),
        ("Brambleton, I.", "[NAME], I."),
        # particles of a compound name are not names on their own
        ("van der Brambleton signed; dose van 2", "[NAME] signed; dose van 2"),
        ("de novo lesion", "de novo lesion"),
    ],
)
def test_compound_names_are_searched_part_by_part(
    compound: MessageContext, text: str, expected: str
) -> None:
    assert compound.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "feature", "expected"),
    [
        ("normal sinus rhythm, denied pain, older sibling, 2 of 3", "national-id", False),
        ("SIN: 046 454 286", "national-id", True),
        ("CPR290485-1778 on file", "national-id", True),
        ("Health card 9876-543-210", "national-id", True),
        ("hotel stay 4 nights", "phone-local", False),
        ("SĐT: 0905987654", "phone-local", True),
        ("shoulder pain x3 days", "age-local", False),
        ("Ålder: 93", "age-local", True),
        ("maintained 5 days", "foreign-month", False),
        ("seit 5. März 2024", "foreign-month", True),
    ],
)
def test_label_features_need_the_label_as_a_word(text: str, feature: str, expected: bool) -> None:
    """The pre-check for detectors keyed on a label: the label as a whole word (glued to
    digits or not), never a substring of another word (which ran them on most notes)."""
    assert (feature in text_features(text)) is expected


@pytest.mark.parametrize(
    ("labels", "feature"),
    [
        (detectors.PHONE_LABELS_LOCAL, "phone-local"),
        (detectors.NATIONAL_ID_LABELS, "national-id"),
        (detectors.AGE_LABELS_LOCAL, "age-local"),
    ],
)
def test_every_label_spelling_passes_its_detectors_pre_check(
    labels: tuple[str, ...], feature: str
) -> None:
    """A label's detector pattern and its pre-check come from one list of spellings:
    each spelling, in any case and glued to its number or not, sets the feature."""
    for label in labels:
        for text in (f"{label.upper()}: 93 0905987654", f"{label}93"):
            assert feature in text_features(text), (label, text)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        *((title, True) for title in ("Herr", "Fr.", "Dhr", "Mevr.", "Sra.", "Srta", "Do\u00f1a")),
        *((title, True) for title in ("Se\u00f1or", "Senhora", "Sig.ra", "Bpk.", "Ibu", "Sdri.")),
        *((title, False) for title in ("Dr.", "Mr.", "Mrs", "Ms.", "Sister", "Doctor")),
    ],
)
def test_titles_of_other_languages_pass_their_pre_check_and_english_ones_do_not(
    title: str, expected: bool
) -> None:
    """The pre-check of the other-language title detector comes from the same list of
    titles; it once passed on "Dr." and "Mr." and ran the detector on most notes."""
    assert ("title-local" in text_features(f"seen with {title} Quillfeather")) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pasien 94 tahun", "pasien 90+ tahun"),  # Indonesian
        ("Usia: 94", "Usia: 90+"),
        ("Umur 95", "Umur 90+"),
        ("pacientei 94 met\u0173", "pacientei 90+ met\u0173"),  # Lithuanian
        ("Am\u017eius: 93", "Am\u017eius: 90+"),
        ("pasien 45 tahun", "pasien 45 tahun"),
    ],
)
def test_ages_in_indonesian_and_lithuanian_are_top_coded(
    ctx: MessageContext, text: str, expected: str
) -> None:
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Frau Waltraud G\u00fcnther rief an", "Frau [NAME] rief an"),
        ("Herr Brannoch kam", "Herr [NAME] kam"),
        ("Mevr. Anke de Vries belde", "Mevr. [NAME] belde"),
        ("Dhr. Oakhollow", "Dhr. [NAME]"),
        ("Sra. Juana Ram\u00edrez llam\u00f3", "Sra. [NAME] llam\u00f3"),
        ("Ibu Siti Aminah datang", "Ibu [NAME] datang"),
        ("Bapak Budi", "Bapak [NAME]"),
        # Not a title before a capitalized name: kept.
        ("ibu hamil datang", "ibu hamil datang"),
        ("Frau sagt nein", "Frau sagt nein"),
    ],
)
def test_titles_of_other_languages_name_the_person_after_them(
    ctx: MessageContext, text: str, expected: str
) -> None:
    assert ctx.scrub_text(text) == expected


def test_name_parts_skip_particles_and_short_parts() -> None:
    assert name_parts("Quillfeather-Smythe") == ["Quillfeather", "Smythe"]
    assert name_parts("de la Cruz") == ["Cruz"]
    assert name_parts("Zebulon A.") == ["Zebulon"]
    assert name_parts("Quillfeather") == []
    assert name_parts("OBX-SAC-10.1") == []
    assert name_parts("Baby Girl") == []
    assert name_parts("Unknown Family") == []


def test_name_parts_of_a_whole_name_glued_with_punctuation() -> None:
    """A sender typing the whole name into one component ("QUILLFEATHER,ZEPHYRINA"), or
    declaring a component separator in MSH-2 that its fields do not use."""
    assert name_parts("QUILLFEATHER,ZEPHYRINA") == ["QUILLFEATHER", "ZEPHYRINA"]
    assert name_parts("QUILLFEATHER^ZEPHYRINA^T") == ["QUILLFEATHER", "ZEPHYRINA"]
    assert name_parts("Quillfeather;Zephyrina") == ["Quillfeather", "Zephyrina"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB: 04-Mar-1961", "DOB: 1961"),
        ("dob 04/MAR/1961.", "dob 1961."),
        ("on 4-March-1961", "on 1961"),
        ("admitted 15-JAN-2024", "admitted 2024"),
        ("on 1961/03/04 and 1961.03.04", "on 1961 and 1961"),
        ("on Mar-04-1961", "on 1961"),
        ("DOB 03041961", "DOB 1961"),
        ("DOB 030461", "DOB 1961"),
        ("DOB: 19610304", "DOB: 1961"),
        # compact (HL7 / ISO basic) dates, with or without a time
        ("admitted 20240305", "admitted 2024"),
        ("hives since 20230615.", "hives since 2023."),
        ("seen 202403050830, again 20240305083000+0215", "seen 2024, again 2024"),
        ("stay 20240305-20240309", "stay 2024-2024"),
        ("born 19610304", "born 1961"),
        ("seen Mar 4, '61", "seen 1961"),
        ("seen 4 Mar '61", "seen 1961"),
        # year first with a month name; a day joined to its month by a hyphen
        ("value (7.2 mmol/L on 2014-Dec-12 at 5:55 pm)", "value (7.2 mmol/L on 2014 at 5:55 pm)"),
        ("seen 2014/DEC/12 and 2014.Dec.02", "seen 2014 and 2014"),
        ("record authored on 27-June 2015 by", "record authored on 2015 by"),
        # day and month without a year: no year to reduce to
        ("Referral received 26-June as authorized", "Referral received [DATE] as authorized"),
        ("seen on 15 Jan for", "seen on [DATE] for"),
        ("seen Jan 15th for", "seen [DATE] for"),
        ("admitted 1/15.", "admitted [DATE]."),
        ("seen on 12/3", "seen on [DATE]"),
        # a birth year or birth date implying an age over 89 (reference year 2026)
        ("born 1920", "born [DATE]"),
        ("born in 1935, widowed", "born in [DATE], widowed"),
        ("DOB 03/04/1930", "DOB [DATE]"),
        ("born Mar 1930", "born [DATE]"),
        ("born 19300304", "born [DATE]"),
        ("born 1961", "born 1961"),
    ],
)
def test_written_dates_are_generalized(ctx: MessageContext, text: str, expected: str) -> None:
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "aspirin 81 mg daily",
        "BP 120/80, HR 72",
        "LOINC 11506-3; ICD-10 R55 and I10",
        "at 08:30 and 14:45",
        "take 1/2 tablet; on 1/2 tab; started on 3/4 of a dose",
        "pain 7/10; rated on 7/10 scale",
        "ratio 1/15 and 12/45/2024",
        "version 2.16.840.1; OID 1.2.840.10008",
        "you may 2 doses; May 5 mg",
        "troponin negative x2; 1961.03.04.5",
        "Hgb 13.5 g/dL, WBC 7.2",
        # eight digits that are not a compact date
        "order 12345678; valid to 99991231; ref 6175550142; lot 20241301 and 20240001",
        "accession ORD20240305, build 1.20240305, 2024030512 units",
        "2024-March-Madness; 12-May-Thurner syndrome",
    ],
)
def test_clinical_numbers_survive(make_scrubber: Callable[..., Scrubber], text: str) -> None:
    for preset in ("safe-harbor", "pseudonymized"):
        context = make_scrubber(preset).message(
            [PatientIdentifier("P1", "MR", "GH")], reference_year=2026
        )
        context.text.add_name("Quillfeather", "Zephyrina", "", "[NAME]")
        assert context.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("DOB: 04-Mar-1961", r"DOB: \d{1,2}-[A-Z][a-z]{2}-\d{4}"),
        ("admitted 15-JAN-2024", r"admitted \d{1,2}-[A-Z]{3}-\d{4}"),
        ("on 1961/03/04", r"on \d{4}/\d{2}/\d{2}"),
        ("on 1961.03.04", r"on \d{4}\.\d{2}\.\d{2}"),
        ("DOB 03041961", r"DOB \d{8}"),
        ("DOB 030461", r"DOB \d{6}"),
        ("admitted 20240305", r"admitted \d{8}"),
        ("seen 202403050830", r"seen \d{8}0830"),
        ("seen Mar 4, '61", r"seen [A-Z][a-z]{2} \d{1,2}, '\d{2}"),
        ("seen on 15 Jan", r"seen on \d{1,2} [A-Z][a-z]{2}"),
        ("March 14, 2023", r"[A-Z][a-z]+ \d{1,2}, \d{4}"),
        ("on 2014-Dec-12", r"on \d{4}-[A-Z][a-z]{2}-\d{1,2}"),
        ("on 27-June 2015", r"on \d{1,2}-[A-Z][a-z]+ \d{4}"),
    ],
)
def test_shifted_dates_are_rewritten_in_their_format(
    make_scrubber: Callable[..., Scrubber], text: str, pattern: str
) -> None:
    context = make_scrubber("pseudonymized").message(
        [PatientIdentifier("P1", "MR", "GH")], reference_year=2026
    )
    out = context.scrub_text(text)
    assert out != text
    assert re.fullmatch(pattern, out), out


def test_limited_data_set_keeps_written_dates(make_scrubber: Callable[..., Scrubber]) -> None:
    context = make_scrubber("limited-data-set").message(
        [PatientIdentifier("P1", "MR", "GH")], reference_year=2026
    )
    text = "DOB 03041961, born 1920, seen on 15 Jan and 15-JAN-2024"
    assert context.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SS# 123456789", "SS# [SSN]"),
        ("soc sec no 123456789", "soc sec no [SSN]"),
        ("SSN 123.45.6789", "SSN [SSN]"),
        ("tel 5553217788", "tel [PHONE]"),
        ("or 555-3217788", "or [PHONE]"),
        ("call 321-7788 today", "call [PHONE] today"),
        ("call her son at 321-7788.", "call her son at [PHONE]."),
        ("or 555/321/7788", "or [PHONE]"),
        ("or (555)3217788", "or [PHONE]"),
        ("UK +44 20 7946 0958.", "UK [PHONE]."),
        ("or 555-321-7788 x123 after 5", "or [PHONE] after 5"),
        ("or 555.321.7788 ext. 12", "or [PHONE]"),
        ("mail zq(at)example.com", "mail [EMAIL]"),
        ("mail zq [at] example [dot] com", "mail [EMAIL]"),
        ("mail zq at example dot com", "mail [EMAIL]"),
        ("VIN 1HGCM82633A004352", "VIN [VEH]"),
        ("car 1HGCM82633A004352 towed", "car [VEH] towed"),
        ("license plate 7ABC123", "license plate [VEH]"),
        ("license D1234567", "license [LIC]"),
        ("driver's license #: D1234567", "driver's license #: [LIC]"),
        ("DL# 12345678", "DL# [LIC]"),
        ("a ninety-two years old man", "a 90+ years old man"),
        ("a ninety two year old", "a 90+ year old"),
        ("aged ninety-five", "aged 90+"),
        ("one hundred and one years old", "90+ years old"),
        ("eighty-nine years old", "eighty-nine years old"),
    ],
)
def test_more_identifier_shapes(ctx: MessageContext, text: str, expected: str) -> None:
    assert ctx.scrub_text(text) == expected


def test_known_phone_with_extension(ctx: MessageContext) -> None:
    assert ctx.scrub_text("call (617) 555-0142 x204 now") == "call [PHONE] now"


@pytest.mark.parametrize(
    "text",
    [
        "glucose 100 mg/dL 1234; WBC cell count 1200000; pH 7.35",
        "+2 pitting edema, 3+ reflexes, platelets 250000",
        "call if SBP > 180; contact precautions x 10 days",
        "licensed 2020; bone plate 3.5 mm; dl 5",
        "a hundred years ago; in the last hundred years",
        "troponin negative x2; NDC 12345-6789-01",
        "order 12345678901234567 and SNOMED 22298006",
    ],
)
def test_identifier_detectors_leave_clinical_text(
    make_scrubber: Callable[..., Scrubber], text: str
) -> None:
    context = make_scrubber().message([PatientIdentifier("P1", "MR", "GH")], reference_year=2026)
    assert context.scrub_text(text) == text


def test_ages_in_words_are_kept_where_ages_are(make_scrubber: Callable[..., Scrubber]) -> None:
    context = make_scrubber("limited-data-set").message([PatientIdentifier("P1", "MR", "GH")])
    assert context.scrub_text("a ninety-two year old") == "a ninety-two year old"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Oswin Quillfeather called back.", "[NAME] called back."),
        ("Seen with Hester Quillfeather today.", "Seen with [NAME] today."),
        ("Call Quillfeather at home.", "Call [NAME] at home."),
        ("Patient Quillfeather is stable.", "Patient [NAME] is stable."),
        ("Mother Quillfeather visited.", "Mother [NAME] visited."),
        ("Dr. Quillfeather reviewed.", "Dr. [NAME] reviewed."),
    ],
)
def test_a_first_name_before_a_known_surname_goes_with_it(
    ctx: MessageContext, text: str, expected: str
) -> None:
    """Relatives named only in notes share the patient's surname: "Oswin Quillfeather"."""
    assert ctx.scrub_text(text) == expected


_ADVERSARIAL_SIZE = 200_000


@pytest.mark.parametrize(
    "unit",
    [
        "a.",
        "1-",
        "a",
        "1 ",
        "Mr. ",
        "/",
        "a@",
        "a-",
        "1.",
        "@a.",
        "a at ",
        "a dot ",
        "a (at) b [dot] ",
        "+1 ",
        "MRN ",
        "1 A ",
        "Mr A ",
        "Quill feather ",
        "ninety ",
        "DOB 1",
        "\ue000",
        "S/N ",
        "zip 1",
        "::1",
        "Mc",
    ],
)
@pytest.mark.parametrize("tail", ["", "@", "@x.com"])
def test_adversarial_runs_scrub_in_linear_time(ctx: MessageContext, unit: str, tail: str) -> None:
    """Guards against catastrophic backtracking, not a benchmark: every detector
    must take linear time on long runs without spaces (or with many of them).
    A quadratic scan of 200 KB takes minutes; linear ones take well under a
    second, so the bound leaves room for a loaded CI machine (it was 1 s and
    failed twice under load while passing alone)."""
    text = unit * (_ADVERSARIAL_SIZE // len(unit)) + tail
    started = time.perf_counter()
    ctx.scrub_text(text)
    assert time.perf_counter() - started < 10.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write jo.doe@example.org.", "write [EMAIL]."),
        ("to:zq+notes@mail.example.co.uk today", "to:[EMAIL] today"),
        ("a@b and x@y.z stay", "a@b and x@y.z stay"),
    ],
)
def test_emails_are_found_from_the_at_sign(ctx: MessageContext, text: str, expected: str) -> None:
    assert ctx.scrub_text(text) == expected


def test_an_overlong_local_part_still_hides_the_address(ctx: MessageContext) -> None:
    out = ctx.scrub_text("-" * 80 + "jo@example.org")
    assert "jo@" not in out and "example.org" not in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MRN#: 00098765 seen", "MRN#: MRN-"),
        ("MRN #: 00098765 seen", "MRN #: MRN-"),
        ("MRN:        00098765", "MRN:        MRN-"),
        ("Med Rec No. A1234567", "Med Rec No. MRN-"),
        ("Medical Record Number: 77812", "Medical Record Number: MRN-"),
        ("MR# 99812", "MR# MRN-"),
        ("Acct#: 5551234567 billed", "Acct#: ACCT-"),
        ("CSN: 1234567890", "CSN: ACCT-"),
        ("HAR 7788990011", "HAR ACCT-"),
        ("Visit ID V0012345", "Visit ID ACCT-"),
        ("Encounter #E12345", "Encounter #ACCT-"),
        ("FIN 123456", "FIN ACCT-"),
    ],
)
def test_record_and_account_numbers_after_context_words(
    make_scrubber: Callable[..., Scrubber], text: str, expected: str
) -> None:
    context = make_scrubber("pseudonymized").message([PatientIdentifier("P1", "MR", "GH")])
    out = context.scrub_text(text)
    assert out.startswith(expected), out
    assert not any(value in out for value in ("00098765", "1234567", "5551234567", "123456"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Device serial: SN-77AB12 implanted", "Device serial: [DEV] implanted"),
        ("S/N PJN123456H", "S/N [DEV]"),
        ("serial no. X123", "serial no. [DEV]"),
        ("UDI (01)00884838039557(21)A1234 placed", "UDI [DEV] placed"),
        ("label (01)00884838039557(17)250101(21)A1234.", "label [DEV]."),
        ("MBI 1EG4-TE5-MK73", "MBI PLAN-"),
        ("medicare 1EG4TE5MK73 active", "medicare PLAN-"),
        ("ZIP 01581-1234", "ZIP 015"),
        ("zip code: 01581 area", "zip code: 015 area"),
        ("PO Box 1234, Westborough", "[ADDRESS], Westborough"),
        ("P.O. Box 77", "[ADDRESS]"),
        ("from 2001:db8::1 and fe80::1ff:fe23:4567:890a.", "from [IP] and [IP]."),
        # A MAC address (hold-out round 18 probe: a home monitor's in a Device's note).
        ("MAC 00:1A:2B:3C:4D:5E, hub a0-1b-2c-3d-4e-5f.", "MAC [DEV], hub [DEV]."),
        (
            "ratio 10:20:30:40:50 and 00:1A:2B:3C:4D:5E:6F",
            "ratio 10:20:30:40:50 and 00:1A:2B:3C:4D:5E:6F",
        ),
        ("License: MA DL S12345678", "License: MA DL [LIC]"),
        ("drug 04MAR2023 and 4mar23", "drug 2023 and 2023"),
        ("seen 06/15 and on 06/15 again", "seen [DATE] and on [DATE] again"),
    ],
)
def test_more_identifier_shapes_in_safe_harbor(
    make_scrubber: Callable[..., Scrubber], text: str, expected: str
) -> None:
    context = make_scrubber().message([PatientIdentifier("P1", "MR", "GH")], reference_year=2026)
    out = context.scrub_text(text)
    assert out == expected if not expected.endswith("-") else out.startswith(expected), out


def test_compact_month_dates_keep_their_format(make_scrubber: Callable[..., Scrubber]) -> None:
    context = make_scrubber("pseudonymized").message([PatientIdentifier("P1", "MR", "GH")])
    out = context.scrub_text("given 04MAR2023, again 4mar23")
    assert re.fullmatch(r"given \d{2}[A-Z]{3}\d{4}, again \d{1,2}[a-z]{3}\d{2}", out), out
    assert "04MAR2023" not in out


@pytest.mark.parametrize(
    "text",
    [
        "at 08:30:15 and 14:45; ratio 1:2:3; std::vector",
        "zip lock bag; box of 12 gloves; 5 mg box",
        "serial dilutions 1:10; serial 3 views; sn 2",
        "PSA 4.2 on 3 mar; 12MAR; 2 mg per kg; 4MARK2023",
        "hba1c 6.5; 1E4 cells; CPT 99213; NDC 0002-3227-30",
        "encounter for screening; visit in 2 weeks; account for 3 falls",
        "finished 10 days; har 5 mg",
    ],
)
def test_new_detectors_leave_clinical_text(
    make_scrubber: Callable[..., Scrubber], text: str
) -> None:
    context = make_scrubber().message([PatientIdentifier("P1", "MR", "GH")], reference_year=2026)
    assert context.scrub_text(text) == text


@pytest.fixture
def variants(make_scrubber: Callable[..., Scrubber]) -> MessageContext:
    context = make_scrubber().message([PatientIdentifier("TST0088", "MR", "GH")])
    for family, given in [
        ("O'Brien", "Zephyrina"),
        ("de la Cruz", "Ilse"),
        ("van der Berg", "Oswin"),
        ("Quillfeather-Smythe", "Hester"),
        ("McDonald", "Ambrose"),
        ("St. John", "Perpetua"),
        ("M\u00fcller", "J\u00fcrgen"),
    ]:
        context.text.add_name(family, given, "", "[NAME]")
    return context


@pytest.mark.parametrize(
    "written",
    [
        "O\u2019Brien",
        "O`Brien",
        "OBRIEN",
        "O Brien",
        "OBrien",
        "Delacruz",
        "DELACRUZ",
        "VANDERBERG",
        "QUILLFEATHERSMYTHE",
        "Mc Donald",
        "StJohn",
        "St John",
        "Mueller",
        "MUELLER JUERGEN",
        "Juergen Mueller",
    ],
)
def test_spelling_variants_of_known_names(variants: MessageContext, written: str) -> None:
    out = variants.scrub_text(f"Seen {written} today")
    assert out == "Seen [NAME] today", out


@pytest.mark.parametrize(
    "text",
    [
        "O2 sat 98%; Mc gill pain score",
        "Mac users; the Macintosh; St. Louis trip; Romberg test",
        "de la nuit; van der Waals forces",
    ],
)
def test_name_variants_leave_ordinary_words(variants: MessageContext, text: str) -> None:
    assert variants.scrub_text(text) == text


def test_name_variant_helper() -> None:
    assert "OBrien" in name_variants("O\u2019Brien")
    assert "O Brien" in name_variants("O'Brien")
    assert "Mc Donald" in name_variants("McDonald")
    assert name_variants("Macy") == []
    assert name_variants("Quillfeather") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pt \ue000Quill\ue001feather seen", "Pt \ue000[NAME] seen"),
        ("Seen by\ue000Quillfeather today", "Seen by\ue000[NAME] today"),
        ("Seen Quill\x01feather today", "Seen [NAME] today"),
        ("Quillfeather\ue002Zephyrina", "[NAME]"),
    ],
)
def test_names_split_by_formatting_markers(ctx: MessageContext, text: str, expected: str) -> None:
    assert ctx.scrub_text(text) == expected


def test_day_first_dates_with_a_full_year(make_scrubber: Callable[..., Scrubber]) -> None:
    """European notes write the day first (18.04.2024, 25/12/1961): when the first
    number cannot be a month, it is the day. Ambiguous ones (03.04.2024) read as
    before; both are dates and are generalized or shifted in their own format."""
    for preset, expected in (("safe-harbor", "framkvæmd 2024, f. 1961; 2024"),):
        context = make_scrubber(preset).message(
            [PatientIdentifier("P1", "MR", "GH")], reference_year=2026
        )
        out = context.scrub_text("framkvæmd 18.04.2024, f. 25/12/1961; 03.04.2024")
        assert out == expected
    context = make_scrubber("pseudonymized").message(
        [PatientIdentifier("P1", "MR", "GH")], reference_year=2026
    )
    out = context.scrub_text("framkvæmd 18.04.2024")
    assert out != "framkvæmd 18.04.2024"
    day, month, year = (int(p) for p in out.split()[1].split("."))
    assert 1 <= day <= 31 and 1 <= month <= 12 and 2023 <= year <= 2025
    # Still not dates: a ratio, a short year, version-like numbers.
    safe = make_scrubber("safe-harbor").message([PatientIdentifier("P1", "MR", "GH")])
    for text in ("ratio 12/45/2024", "lot 15.6.22", "v 13.12.2024.1"):
        assert safe.scrub_text(text) == text


def test_terminology_urls_in_text_are_not_patient_urls(ctx: MessageContext) -> None:
    # Generated narratives print code systems ({http://terminology.hl7.org/... code 'N'}):
    # codes without their system cannot be used, and no patient is named by them.
    text = (
        "{http://terminology.hl7.org/CodeSystem/v2-0131 code 'N'}; http://snomed.info/sct, "
        "http://loinc.org and <http://hl7.org/fhir/v3/MaritalStatus>; "
        "portal https://portal.example.org/u/zq and http://loinc.org/x?who=zq"
    )
    out = ctx.scrub_text(text)
    for kept in (
        "http://terminology.hl7.org/CodeSystem/v2-0131 ",
        "http://snomed.info/sct,",
        "http://loinc.org ",
        "http://hl7.org/fhir/v3/MaritalStatus>",
    ):
        assert kept in out, kept
    assert "portal.example.org" not in out and "who=zq" not in out
    assert out.count("[URL]") == 2


def test_a_known_street_is_found_without_or_with_another_street_type(
    ctx: MessageContext,
) -> None:
    # A narrative writes the Patient's "534 Erewhon St" as "534 Erewhon" or "534 Erewhon Street".
    ctx.text.add(Kind.STREET_ADDRESS, "534 Erewhon St", Removal.VALUE)
    assert ctx.scrub_text("Address: 534 Erewhon, Vic") == "Address: [ADDRESS], Vic"
    assert ctx.scrub_text("lives at 534 Erewhon Street.") == "lives at [ADDRESS]."
    assert ctx.scrub_text("534 mg Erewhon") == "534 mg Erewhon"


@pytest.mark.parametrize(
    ("text", "left"),
    [
        (
            "Patient address: 9 Wrenfield Court, Ashgrove, IA 50133. Call back.",
            "IA 501. Call back.",
        ),
        ("Wohnadresse: Ulmenstra\u00dfe 7, 10117 Brackwede. R\u00fcckruf erbeten.", "R\u00fcckruf"),
        ("Adresse : 3 rue des Tilleuls, 69003 Montchalin", ""),
        ("Address (home): 8 Tansy Close, Harrowfield HX3 9QT.", ""),
        ("Home: 221 Birch Hollow Rd, Millbrook NY 12545", "NY 125"),
        ("moved to 1600 Sandpiper Dr., Port Ellery, FL 33950-1234 in May", "FL 339"),
    ],
)
def test_an_address_after_its_label_or_a_town_before_its_state_and_zip_is_scrubbed(
    ctx: MessageContext, text: str, left: str
) -> None:
    """A labelled address in free text (a Communication's payload, a text attachment)
    with no structured address to learn from: the street detector read only a US
    street and left its town, and missed every other country's address; a town before
    a state and ZIP code was left (hold-out round 16 probe). The state and ZIP3 stay."""
    out = ctx.scrub_text(text)
    for place in ("Wrenfield", "Ashgrove", "Ulmenstra", "Brackwede", "Tilleuls", "Montchalin"):
        assert place not in out, out
    for place in ("Tansy", "Harrowfield", "HX3", "Birch", "Millbrook", "Sandpiper", "Ellery"):
        assert place not in out, out
    assert left in out, out


def test_a_dutch_address_label_and_an_rtf_line_end_are_read(ctx: MessageContext) -> None:
    """Hold-out round 17 probe: a Dutch referral letter's "Adres: Keizersgracht ..."
    kept the address ("Adres" was no address label), and in an RTF letter's source
    an address ran on over the line's control words ("\\par Notiz\\par }"), which the
    replacement swallowed: the document lost its end and its closing brace."""
    out = ctx.scrub_text("Adres: Wilgenhof 221, 1016 DV Wolderwijd")
    assert out == "Adres: [ADDRESS]", out
    rtf = "{\\rtf1\\ansi Anschrift: Lindenweg 4, 10115 Musterstadt\\par Notiz\\par }"
    assert ctx.scrub_text(rtf) == "{\\rtf1\\ansi Anschrift: [ADDRESS]\\par Notiz\\par }"


def test_an_address_label_without_an_address_keeps_its_text(ctx: MessageContext) -> None:
    # No digit early in the value: no address ("same as patient", a clinic's web page).
    for text in ("Address: same as patient", "Address: see referral letter from 2019"):
        assert ctx.scrub_text(text) == text
    assert ctx.scrub_text("Address: 534 Erewhon, Vic") == "Address: [ADDRESS], Vic"


@pytest.mark.parametrize(
    "text",
    [
        "Wystan Corlew is a 67 year-old man.",
        "# History of Present Illness\nWystan482 Corlew911\n is a 31 year-old female.",
        "Seen today. Wystan Corlew was a 45-year-old teacher.",
    ],
)
def test_a_name_opening_a_note_before_the_persons_age_is_scrubbed(
    ctx: MessageContext, text: str
) -> None:
    """A note opening with an unknown name and the person's age (Synthea's notes,
    the name on its own line): kept where the document holds no Patient to learn the
    name from, a bulk export's DocumentReference line (hold-out round 16)."""
    out = ctx.scrub_text(text)
    assert "Wystan" not in out and "Corlew" not in out, out
    for kept in ("The patient is a 67 year-old man.", "Patient is a 40 year old"):
        assert ctx.scrub_text(kept) == kept


def test_a_sentence_end_does_not_make_a_street(ctx: MessageContext) -> None:
    # Hold-out round 5: "Onset 2 hours ago. ECG shows ST depression" read as a
    # street ("2 ... ST") across the end of a sentence; an abbreviation inside a
    # street line (N., St.) still joins it.
    text = "Onset 2 hours ago. ECG shows ST depression in leads II, III."
    assert ctx.scrub_text(text) == text
    assert "Oak" not in ctx.scrub_text("lives at 45 N. Oak St. since May")


def test_a_name_after_a_person_label_without_its_colon_is_scrubbed(ctx: MessageContext) -> None:
    # Hold-out round 21 probe: "Next of kin <Given> <Family> daughter" and "Patient
    # name <Given> <Family> confirmed" kept the names (labels were read from their
    # colon only). Two name words are needed; what names nobody stays. Invented people.
    out = ctx.scrub_text(
        "Patient name Ysolde Penhallow confirmed. Next of kin Hester Quill sister."
    )
    assert out == "Patient name [NAME] confirmed. Next of kin [NAME] sister.", out
    for kept in (
        "Emergency contact Not Known.",
        "Next of kin Informed By Phone",
        "next of kin aware",
    ):
        assert ctx.scrub_text(kept) == kept, kept


def test_british_street_types_are_streets_only_when_capitalized(ctx: MessageContext) -> None:
    # Hold-out round 21 probe: "14 Harrowby Close", "3 Millfield Crescent", "9 Rowan
    # Gardens", "2 Kirk Wynd" in a note were kept (the street detector knew no such
    # type). In lower case they are English words and stay. Invented places.
    out = ctx.scrub_text("At 14 Harrowby Close, was 3 Millfield Crescent and 2 Kirk Wynd.")
    assert out == "At [ADDRESS], was [ADDRESS] and [ADDRESS].", out
    kept = "Keep 2 patients close; 3 community gardens and 4 groves nearby."
    assert ctx.scrub_text(kept) == kept


@pytest.mark.parametrize(
    "spelling", ["617 5550142", "(617)-555-0142", "617-5550142", "617.555 0142", "5550142"]
)
def test_a_known_phone_is_found_in_its_other_spellings(ctx: MessageContext, spelling: str) -> None:
    """Audit finding: the patient's (617)555-0142 written "617 5550142" in a note
    survived, and "(617)-555-0142" kept its area code."""
    out = ctx.scrub_text(f"Note: {spelling} end")
    assert not any(part in out for part in ("617", "555", "0142")), out


def test_surname_likeness_is_remembered_and_bounded() -> None:
    """difflib runs in pure Python: each word before a given name is compared with
    the known surnames once per message, and past a budget of comparisons a word
    is taken for the surname (replaced rather than risked) without comparing."""
    surnames = {f"qx{i:03d}bramblecote" for i in range(200)}
    likeness: dict[str, bool] = {}
    line = "Zyxwvutsrqponmlkjihgfedcbaz, Zephyrina"
    start = line.index("Zephyrina")
    assert text_module._surname_before(line, start, surnames, likeness) == start
    assert likeness == {"zyxwvutsrqponmlkjihgfedcbaz": False}
    for i in range(60):  # fill the budget with other words
        likeness[f"word{i}"] = False
    assert text_module._surname_before(line.replace("Zyx", "Wyx"), start, surnames, likeness) == 0
    near = "Bramblecoat, Zephyrina"
    assert text_module._surname_before(near, near.index("Zeph"), {"bramblecote"}, {}) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SĐT: 0905987654 (con trai)", "SĐT: [PHONE] (con trai)"),
        ("SDT 0905 987 654", "SDT [PHONE]"),
        ("Teléfono: 0905987654", "Teléfono: [PHONE]"),
        ("Telefono 339 1234567; celular 11 98765-4321", "Telefono [PHONE]; celular [PHONE]"),
        ("telefone 21 3456 7890", "telefone [PHONE]"),
        ("Tlf. 38 39 90 26, tlf 45383990", "Tlf. [PHONE], tlf [PHONE]"),
        ("Handy 0176 12345678, Mobil: 0151/2345678", "Handy [PHONE], Mobil: [PHONE]"),
        ("Natel 079 372 12 64; Rufnummer 0522459021", "Natel [PHONE]; Rufnummer [PHONE]"),
        ("sími 567 1203", "sími [PHONE]"),
        ("Tel: 84987654321", "Tel: [PHONE]"),
        # Not phones: the words without a number, a date, counts, a mobile patient.
        ("Patient mobil seit 12.03.2024, Handy vergessen", "Patient mobil seit 2024, Handy"),
        ("tlf 2 3 4", "tlf 2 3 4"),
    ],
)
def test_phone_labels_of_other_languages(ctx: MessageContext, text: str, expected: str) -> None:
    # Hold-out round 9 (DFT^P03, Vietnam): "SDT: 0905987654" (số điện thoại, a son's
    # mobile) came out whole; so did numbers after "Teléfono", "celular", "tlf",
    # "Handy", "Natel" and "sími", and eleven bare digits after "Tel".
    assert ctx.scrub_text(text).startswith(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("病患電話0921345678, 配偶手機: 0912 345 678", "病患電話[PHONE], 配偶手機: [PHONE]"),
        ("住台中市. 電話: 04-23861234", "住台中市. 電話: [PHONE]"),
        ("联系电话\uff1a13812345678", "联系电话\uff1a[PHONE]"),
        ("보호자 연락처 010-1234-5678", "보호자 연락처 [PHONE]"),
        ("보호자 김민수 (010-1234-5678)", "보호자 김민수 ([PHONE])"),
        ("連絡先 090-1234-5678、携帯 080 1234 5678", "連絡先 [PHONE]、携帯 [PHONE]"),
        # Not phones: a count after the label, a code of another shape.
        ("電話3回", "電話3回"),
        ("NDC 00006-0749-54", "NDC 00006-0749-54"),
    ],
)
def test_phone_labels_and_mobiles_of_east_asian_notes(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Round 14, probing notes in the style of the hold-out set's Taiwanese and Korean
    # HIS messages: Chinese and Japanese write no spaces between words, so a phone
    # label (電話, 手機, 携帯) is glued to the word before it and no label of the
    # other languages' list matched; a Korean or Japanese mobile (010-1234-5678,
    # 090-...) is often written without a label. A relative's number named only in a
    # note came out whole.
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Please ring the care agency before the visit on 07700 900418.",
            "Please ring the care agency before the visit on [PHONE].",
        ),
        ("neighbour (key holder) on 01326 555 902", "neighbour (key holder) on [PHONE]"),
        ("ward clerk 0161 496 0017 or 020 7946 0321", "ward clerk [PHONE] or [PHONE]"),
        # Not phones: eleven digits without the blank (a GPI or NDC), a dose, a lot.
        ("RXO 01220200105 capsule", "RXO 01220200105 capsule"),
        ("dose 0.5 mg, lot 0123/4567 8901", "dose 0.5 mg, lot 0123/4567 8901"),
    ],
)
def test_british_numbers_without_a_label(ctx: MessageContext, text: str, expected: str) -> None:
    # Hold-out round 17 probe: UK notes write a relative's or neighbour's number with
    # its trunk 0 and no label near it ("call her daughter ... on 07700 900418"); a
    # label more than 20 characters before it was not read, and the number kept.
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("σύζυγος. Τηλ. 6912345678", "σύζυγος. Τηλ. [PHONE]"),
        ("κινητό: 691 234 5678", "κινητό: [PHONE]"),
        ("муж, телефон 8 916 123 45 67", "муж, телефон [PHONE]"),
        ("моб. 89161234567", "моб. [PHONE]"),
        ("زوجته نورة، جوال 0551234567", "زوجته نورة، جوال [PHONE]"),
        ("رقم الهاتف: 011 234 5678", "رقم الهاتف: [PHONE]"),
        ("טלפון 052-1234567", "טלפון [PHONE]"),
        # Not phones: the word without a number of seven digits.
        ("τηλ. 3 φορές", "τηλ. 3 φορές"),
    ],
)
def test_phone_labels_of_greek_russian_arabic_and_hebrew_notes(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Round 14, probing notes in the hold-out set's scripts: a relative's number after
    # a Greek (Τηλ., κινητό), Russian (телефон, моб.), Arabic (جوال, هاتف) or Hebrew
    # (טלפון) phone label, in no structured field, came out whole.
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Tel. 0711/2468135, 0171 1234567 oder (0711) 24 68 135",
            "Tel. [PHONE], [PHONE] oder [PHONE]",
        ),
        ("Phone 617-555-0142 / 617-555-0199", "Phone [PHONE] / [PHONE]"),
        ("tlf 38 39 90 26 eller 45 38 39 90", "tlf [PHONE] eller [PHONE]"),
        ("Tél. 06 12 34 56 78 ou 01 23 45 67 89", "Tél. [PHONE] ou [PHONE]"),
        # Not phones: what follows the list that is no number of seven digits, a date.
        ("Tel. 0711/2468135, 2 tablets, 5 mg", "Tel. [PHONE], 2 tablets, 5 mg"),
        ("Phone 617-555-0142 on 03/04/2026", "Phone [PHONE] on 2026"),
    ],
)
def test_the_numbers_of_a_list_after_a_phone_label_are_phones(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Hold-out round 16 probe (German and Danish contact lines): after a phone label
    # only the list's first number was found; the second and third numbers of "Tel.
    # 0711/2468135, 0171 1234567 oder ..." came out whole.
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Telemóvel 912 345 678.", "Telemóvel [PHONE]."),  # Portuguese
        ("telemovel: 912345678", "telemovel: [PHONE]"),
        ("Móvil 644 12 34 56", "Móvil [PHONE]"),  # Spanish
        ("Contacto: 644 12 34 56.", "Contacto: [PHONE]."),
        ("contato (filha) 11 98765 4321", "contato (filha) [PHONE]"),
        ("portable : 06 98 76 54 32", "portable : [PHONE]"),  # French
        ("Kontakt: 0711 2345678", "Kontakt: [PHONE]"),
        ("portable CXR, 2 views, dose 1.5 mGy", "portable CXR, 2 views, dose 1.5 mGy"),
    ],
)
def test_mobile_and_contact_labels_of_other_languages(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Hold-out round 17 probe: a Portuguese "Telemóvel", a Spanish "Contacto:" and a
    # French "portable" named no phone, and the numbers after them (grouped as those
    # countries write them, no area-code shape) stayed. A count after the word stays.
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("NHS No. 9434765919", "9434765919"),
        ("NHS: 8234567WA", "8234567WA"),
        ("CHI: 0101011234", "0101011234"),
    ],
)
def test_an_nhs_or_chi_number_after_its_label_is_an_identifier(
    ctx: MessageContext, text: str, kept: str
) -> None:
    # Hold-out round 17 probe: a UK letter's NHS number and a Scottish CHI number
    # after their labels stayed (neither label was a national identifier's).
    out = ctx.scrub_text(text)
    assert kept not in out and "ID-" in out, out


def test_nhs_and_chi_words_without_a_number_stay(ctx: MessageContext) -> None:
    for text in ("NHS Trust 2024", "chi square 12.5", "NHS 111 called"):
        assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Vehicle reg: WR12 KXT (blue badge).", "KXT"),
        ("Licence plate of delivery van KD19 XRT.", "KD19"),
        ("plate OH HTY-4412", "4412"),
        ("Number plate: 7ABC 123 parked outside", " 123 "),
        ("Kfz-Kennzeichen: M-AB 1234", "1234"),
        ("kenteken 12-ABC-3", "ABC-3"),
    ],
)
def test_a_vehicle_registration_after_its_label_is_a_vehicle_identifier(
    ctx: MessageContext, text: str, kept: str
) -> None:
    # Hold-out round 18 probe (a UK discharge letter, an Epic Z-segment, a pharmacy
    # note): a British registration has a blank in it, a US plate follows its state's
    # code, "vehicle reg" and "number plate" were no labels: the plates stayed.
    out = ctx.scrub_text(text)
    assert kept not in out and "[VEH]" in out, out


def test_plate_words_in_clinical_text_stay(ctx: MessageContext) -> None:
    for text in (
        "bone plate 3.5 mm; plate of 12 holes; platelet count 150",
        "car reg was arranged by the ward",
        "registration number of the device pending",
    ):
        assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "NAM: LEBG 3222 9912.",
        "No RAMQ LEBG32229912",
        "carte soleil : LEBG-3222-9912",
        "Health card LEBG 3222 9912",
    ],
)
def test_a_quebec_health_insurance_number_after_its_label_is_an_identifier(
    ctx: MessageContext, text: str
) -> None:
    # Hold-out round 18 probe (a Quebec discharge summary in OBX-5 FT): the health
    # insurance number (four letters, eight digits) after "NAM:" stayed under every
    # preset (no label the detectors read, and four letters before the digits).
    out = ctx.scrub_text(text)
    assert "3222" not in out and "LEBG" not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "Codice fiscale QLLZPH61H55F205W.",
        "C.F.: qllzph61h55f205w",
        "cod. fisc. QLLZPH61H55F205W",
        "Tessera sanitaria n. QLLZPH61H55F205W",
        "moglie CF QLLZPHMRH55F2Q5W",  # a digit written as a letter (omocodia)
    ],
)
def test_an_italian_tax_code_after_its_label_is_an_identifier(
    ctx: MessageContext, text: str
) -> None:
    # Hold-out round 19 probe (a referral note in OBX-5 TX): "Codice fiscale ..." and
    # "CF ..." kept the tax code (surname, name, birth date, sex and birthplace in 16
    # characters): national-id-context's value is digits with up to three letters.
    out = ctx.scrub_text(text)
    assert "qllzph" not in out.lower(), out


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("Swiss cousin insured under 756.3047.5009.62.", "3047"),
        ("numéro de sécurité sociale 2 63 11 75 118 042 17", "118 042"),
        ("numero de securite sociale: 1 71 02 69 123 456 78", "123 456"),
        ("n° sécu 1 85 04 12 345 678 90", "345 678"),
        ("NISS 71.02.14-331.07", "331"),
        ("RRN 71.02.14-331.07", "331"),
        ("rijksregisternummer 71021433107", "71021433107"),
    ],
)
def test_a_swiss_french_or_belgian_social_security_number_is_an_identifier(
    ctx: MessageContext, text: str, digits: str
) -> None:
    # Hold-out round 19 probe: a Swiss AHV number without its label, a French NIR and a
    # Belgian national register number after labels no detector read, stayed.
    out = ctx.scrub_text(text)
    assert digits not in out, out


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("Pt 290485-1779 henvist til kardiologi.", "1779"),  # Danish CPR
        ("Patient 19850730-1234 remitterad.", "0730"),  # Swedish, with the century
        ("Patient 850730-1234 remitterad.", "1234"),
        ("Hundraåring 250312+1234.", "1234"),  # Swedish, over a hundred years old
        ("Potilas 131052-308T.", "308"),  # Finnish henkilötunnus
        ("Potilas 010594A123B.", "123"),  # Finnish, born in the 2000s
        ("Rijksregister 85.07.30-033.28 ok", "033"),  # Belgian, without its label
        ("Accession 240305-0012 received.", "0012"),
    ],
)
def test_a_nordic_or_belgian_personal_number_without_a_label_is_an_identifier(
    ctx: MessageContext, text: str, digits: str
) -> None:
    # Left alone in round 19: a Danish CPR number without "CPR" stayed, and a Swedish
    # personnummer lost its date part to the date detector ("1985-1234" stayed).
    out = ctx.scrub_text(text)
    assert digits not in out and "ID-" in out, out


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("Iqama No. 2417730952 verified at desk", "2417730952"),
        ("Saudi ID: 1093318824", "1093318824"),
        ("Permanent Resident Card Number: 2400118370", "2400118370"),
        ("CNS: 704 2098 1166 3350", "1166"),
        ("Cartão SUS 704209811663350", "704209811663350"),
        ("cartão SUS nº 704 2098 1166 3350", "2098"),
        ("INSZ: 71021433107", "71021433107"),
        ("Carte Vitale 271027511804217", "271027511804217"),
        ("PHN 9698 658 215", "658"),
        ("Burgerservicenummer: 284613097", "284613097"),
    ],
)
def test_more_national_and_health_numbers_after_their_labels_are_identifiers(
    ctx: MessageContext, text: str, digits: str
) -> None:
    # Hold-out round 21 probe, after NPHIES (Saudi) and BR Core (Brazilian) examples:
    # a resident's (iqama) or Saudi national id, a Brazilian CNS, a Belgian INSZ
    # without dots, a Carte Vitale number and a BC personal health number stayed
    # after labels no detector read. Invented numbers.
    out = ctx.scrub_text(text)
    assert digits not in out, out


def test_cns_without_a_health_card_number_stays(ctx: MessageContext) -> None:
    # "CNS" is also the central nervous system: only the card's shape goes.
    for text in ("CNS 2019-2020 radiotherapy", "CNS: no focal deficit", "CNS 100000 cells"):
        assert ctx.scrub_text(text) == text


def test_numbers_like_a_nordic_personal_number_stay(ctx: MessageContext) -> None:
    for text in (
        "LOINC 12345-6 and 2947-0",
        "ref 123456-789",
        "order 241305-1234",  # no month in the middle pair
        "lot 1234567-1234",
        "version 2.10.12-003.4",
    ):
        assert ctx.scrub_text(text) == text, text


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("plz call Dana pt dtr 1st at  617) 555-0191", "5550191"),
        ("pls call her son at 714) 555-0187 if no answer", "5550187"),
        ("neighbour 213)555-0143", "5550143"),
        ("cell 617) 555 0191.", "555 0191"),
    ],
)
def test_an_area_code_without_its_opening_bracket_is_a_phone(
    ctx: MessageContext, text: str, digits: str
) -> None:
    # Hold-out round 20 (an Epic NTE): a number written "617) 555-0190", its area
    # code's "(" dropped, stayed whole. Invented numbers.
    out = ctx.scrub_text(text)
    assert digits not in out.replace("-", ""), out
    assert "[PHONE]" in out, out


def test_numbers_with_a_closing_bracket_that_are_no_phone_stay(ctx: MessageContext) -> None:
    for text in (
        "1) 500 mg 2) 250 mg",
        "items 12) 345-6789",
        "(see 617) 555-01918 ref",
        "ref 1617) 555-0191",
    ):
        assert ctx.scrub_text(text) == text


def test_numbers_like_a_swiss_social_security_number_stay(ctx: MessageContext) -> None:
    for text in ("dose 756.5 mg", "ref 1756.3047.5009.62", "756.3047.5009.621 units"):
        assert ctx.scrub_text(text) == text


def test_cf_without_a_tax_code_after_it_stays(ctx: MessageContext) -> None:
    for text in ("cf. Table 2", "CF 25 mg/kg", "CF exacerbation, FEV1 45%"):
        assert ctx.scrub_text(text) == text


def test_nam_as_a_word_without_a_number_stays(ctx: MessageContext) -> None:
    for text in ("Giới tính: Nam, 65 tuổi", "Viet Nam 2024", "NAM 12345678"):
        assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Celebrated her 97th birthday last week.", "Celebrated her 90+ birthday last week."),
        ("She turns 98 in December.", "She turns 90+ in December."),
        ("He turned 101 today", "He turned 90+ today"),
        ("his 92nd birthday", "his 90+ birthday"),
    ],
)
def test_an_age_over_89_in_a_birthday_or_after_turns_is_an_age(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Hold-out round 18 probe (a problem list's goal, a note): "her 97th birthday" and
    # "turns 98" kept an age over 89 under Safe Harbor (ages were read only before a
    # word for years or after "age").
    assert ctx.scrub_text(text) == expected


def test_birthdays_and_turns_under_90_or_of_degrees_stay(ctx: MessageContext) -> None:
    for text in ("her 80th birthday", "turned 90 degrees", "turns 95% of", "turned 180 deg"):
        assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She turned ninety-two last week.", "She turned 90+ last week."),
        ("turns one hundred in March", "turns 90+ in March"),
        ("her ninety-second birthday", "her 90+ birthday"),
        ("his ninetieth birthday party", "his 90+ birthday party"),
        ("celebrated her hundredth birthday", "celebrated her 90+ birthday"),
        ("a one hundred and first birthday", "a 90+ birthday"),
    ],
)
def test_an_age_over_89_in_words_after_turns_or_as_a_birthday_is_an_age(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Probe of 2026-12-02: "turned ninety-two" kept an age over 89 under Safe Harbor
    # (words were read only before "years old" or after "aged").
    assert ctx.scrub_text(text) == expected


def test_words_of_turning_or_birthdays_under_90_or_of_degrees_stay(ctx: MessageContext) -> None:
    for text in ("turned eighty-nine", "turned ninety degrees", "her eighty-second birthday"):
        assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Seen on the third of July 2024.", "Seen on 2024."),
        ("Born on the fifteenth of June 1931.", "Born on [DATE]."),
        ("Next visit: March twenty-first, 2025.", "Next visit: 2025."),
        ("again on July the ninth, alone", "again on [DATE], alone"),
        ("seen June fifteenth.", "seen [DATE]."),
        ("the Twenty First of October", "[DATE]"),
        ("FIRST OF JUNE 2024", "2024"),
    ],
)
def test_a_date_with_its_day_in_words_is_a_date(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Probe of 2026-12-02: "born on the fifteenth of June 1931" lost its month but kept
    # the day and a year implying an age over 89.
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She was born in nineteen twenty-nine.", "She was born in [DATE]."),
        ("DOB: nineteen oh five", "DOB: [DATE]"),
        ("born on the third of March, nineteen thirty-one; she", "born on [DATE]; she"),
        ("seen on the fifth of July, twenty twenty-four.", "seen on 2024."),
        ("born in nineteen sixty-one", "born in nineteen sixty-one"),  # under 90
        ("nineteen patients, eighteen beds", "nineteen patients, eighteen beds"),
        # A numeric day with the year in words (round 19 left the year after "[DATE]").
        ("born March 3rd, nineteen thirty-one in Leeds", "born [DATE] in Leeds"),
        ("born the 3rd of March, nineteen thirty-one.", "born [DATE]."),
        ("Born 3 March nineteen twenty-nine; well", "Born [DATE]; well"),
        ("seen March 3rd, nineteen ninety-one.", "seen 1991."),
        ("March 3 nineteen patients were seen", "[DATE] nineteen patients were seen"),
    ],
)
def test_a_year_in_words_is_read_after_a_birth_word_and_in_a_date(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Probe of 2026-12-02 (round 18's narratives): "nineteen thirty-one", the birth
    # year of a woman over 89, stayed after her birth date in words went.
    assert ctx.scrub_text(text) == expected


def test_a_birth_year_in_words_stays_as_written_where_kept(
    make_scrubber: Callable[..., Scrubber],
) -> None:
    context = make_scrubber("limited-data-set").message(
        [PatientIdentifier("TST0042", "MR", "GH")], reference_year=2026
    )
    text = "She was born in nineteen twenty-nine."
    assert context.scrub_text(text) == text


def test_ordinal_words_that_are_no_date_stay(ctx: MessageContext) -> None:
    for text in (
        "March second dose given",
        "the first of the month",
        "first Jan visit",
        "second opinion in June",
        "Third Avenue clinic",
    ):
        assert ctx.scrub_text(text) == text


def test_a_shifted_date_keeps_its_day_in_words_and_its_ordinal_ending(
    make_scrubber: Callable[..., Scrubber],
) -> None:
    context = make_scrubber("pseudonymized").message(
        [PatientIdentifier("TST0042", "MR", "GH")], reference_year=2026
    )
    shifted = context.scrub_text("Seen on the third of July 2024 and on March 3rd.")
    words = re.fullmatch(
        r"Seen on the ([a-z]+(?:-[a-z]+)?) of ([A-Z][a-z]+) (\d{4}) and on ([A-Z][a-z]+) (\d+)(st|nd|rd|th)\.",
        shifted,
    )
    assert words is not None, shifted
    assert (words[1], words[2]) != ("third", "July")
    day = int(words[5])
    ending = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    assert words[6] == ending  # "March 3rd" shifted to "January 8th", not "8rd"


@pytest.mark.parametrize(
    ("text", "kept", "label"),
    [
        ("Refund to IBAN DE89 3704 0044 0532 0130 00 (BIC X).", "3704", "ACCT-"),
        ("Paid by card 4111 1111 1111 1111 exp 09/27.", "1111", "ACCT-"),
        ("Amex: 3782 822463 10005", "822463", "ACCT-"),
        ("Birth certificate no. 1987-004412.", "004412", "[LIC]"),
        ("Death certificate number DC 2025 000123.", "000123", "[LIC]"),
        ("Firearms certificate FAC/12345.", "12345", "[LIC]"),
        ("Home monitor MAC 00:1A:2B:3C:4D:5E, on wifi", "4D:5E", "[DEV]"),
        ("handset IMEI 356938035643809.", "356938035643809", "[DEV]"),
    ],
)
def test_account_certificate_and_device_numbers_after_their_labels(
    ctx: MessageContext, text: str, kept: str, label: str
) -> None:
    # Hold-out round 18 probe (a billing note, a social history, a home-monitoring
    # note): an IBAN, a payment card, a birth, death or firearms certificate's number,
    # a MAC address and an IMEI stayed under every preset (no detector's label).
    out = ctx.scrub_text(text)
    assert kept not in out and label in out, out


def test_card_and_certificate_words_in_clinical_text_stay(ctx: MessageContext) -> None:
    for text in (
        "cardiac rehab 3 times a week; card 2 of 4 given",
        "medical certificate for 2 weeks; cert 12 days",
        "macular edema 12345; mac 2 doses",
    ):
        assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Occupation: welder. Employer: Pendleford Steelworks Ltd. Smoker.", "Pendleford"),
        ("Employer: Brackenridge Dairy Co-op, 14 Mill Lane", "Brackenridge"),
        ("Employer: St. Aldhelm's School", "Aldhelm"),
        ("Arbeitgeber: Kesselhaus Gruber GmbH", "Kesselhaus"),
        ("Empleador: Conservas Albarrán S.L.", "Albarr"),
        ("Employer name: Quaystone Logistics; shifts", "Quaystone"),
    ],
)
def test_an_employer_after_its_label_in_a_note_is_the_employers_name(
    ctx: MessageContext, text: str, kept: str
) -> None:
    # Hold-out round 18 probe (a social history in OBX-5, an occupational health NTE):
    # an OBX-3 "Employer" made its value the employer's name, but "Employer:" in a
    # note's text did not: the employer stayed under every preset.
    out = ctx.scrub_text(text)
    assert kept not in out and "[ORG]" in out, out


def test_an_employer_label_without_a_name_stays(ctx: MessageContext) -> None:
    for text in ("Employer: none", "Employer: N/A", "employer notified", "Employer: Retired"):
        assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("BCBS ID XQJ448812771; copay 20", "448812771"),
        ("Aetna member W123456789.", "123456789"),
        ("Humana #H12345678", "12345678"),
        ("Insurance: Cigna 0048812345, group 7", "0048812345"),
        ("member: ZGP90012345", "90012345"),
    ],
)
def test_a_payers_member_number_is_a_health_plan_identifier(
    ctx: MessageContext, text: str, kept: str
) -> None:
    # Hold-out round 18 probe (a billing note): a member number after the payer's
    # name or "member" without "ID" stayed under every preset (plan-context needs
    # "member ID", "policy #" and the like).
    out = ctx.scrub_text(text)
    assert kept not in out and "PLAN-" in out, out


def test_payer_and_member_words_without_a_number_stay(ctx: MessageContext) -> None:
    for text in ("family member 2 visited", "Aetna 2024 plan", "member of staff 12 years"):
        assert ctx.scrub_text(text) == text


def test_phone_labels_leave_cell_counts_alone(ctx: MessageContext) -> None:
    assert ctx.scrub_text("cell count 12345678, cells 23456789") == (
        "cell count 12345678, cells 23456789"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Follow up in 2 weeks with Dr Jones.", "Follow up in 2 weeks with Dr "),
        ("Walked 3 laps around the Court today", "Walked 3 laps around the Court today"),
        ("Return in 6 months via Hwy 9", "Return in 6 months via Hwy 9"),
        ("Take 2 tablets at Bedtime Dr orders", "Take 2 tablets at Bedtime Dr orders"),
        # Streets still are: a house number, words, a street type.
        ("Lives at 42 Lantern Row, was at 7 Days Inn Road", "Lives at [ADDRESS], was at [ADDRESS]"),
    ],
)
def test_a_count_of_time_or_doses_is_no_house_number(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Limitation listed in docs/hl7v2.md: "2 weeks with Dr" and "3 laps around the
    # Court" read as streets (a number, words, a street type). A number followed by
    # a unit of time or a count word (weeks, months, laps, tablets...) is no house
    # number.
    assert ctx.scrub_text(text).startswith(expected)


@pytest.mark.parametrize(
    "note",
    [
        "CPR 290485-1778 bekraeftet",  # Danish CPR, Icelandic kennitala: DDMMYY-NNNN
        "kt. 290485-1778, 2 pills",
        "Pt 290485 1778",
        "AHV 756.0444.5556.66",  # Swiss AHV: 756.NNNN.NNNN.NN
        "ID 38271649-5 checked",  # Israeli id with its check digit set apart
        "SSN 382 71 6495",
    ],
)
def test_a_known_number_is_found_with_separators_anywhere(
    make_scrubber: Callable[..., Scrubber], note: str
) -> None:
    # Hold-out round 9 (Danish, Icelandic, Swiss and Israeli feeds): national ids
    # sent compact in PID-3 ("2904851778", "7560444555666", "382716495") are written
    # in notes with separators where the country puts them ("290485-1778",
    # "756.0444.5556.66"); only the sender's own separators were spelled. A run of
    # digit groups whose digits are a known identifier's (eight digits or more) is
    # that identifier.
    context = make_scrubber().message([PatientIdentifier("P1", "MR", "GH")])
    context.text.add(Kind.MRN, "2904851778", "MRN-A")
    context.text.add(Kind.SSN, "7560444555666", Removal.VALUE)
    context.text.add(Kind.HEALTH_PLAN_ID, "382716495", "PLAN-B")
    out = context.scrub_text(note)
    digits = "".join(c for c in out if c.isdigit())
    for known in ("2904851778", "7560444555666", "382716495"):
        assert known not in digits
    assert out.split()[0] == note.split(maxsplit=1)[0]  # the label stays
    assert ("2 pills" in out) == ("2 pills" in note)  # a count after it stays


def test_digit_groups_that_are_no_known_number_stay(ctx: MessageContext) -> None:
    ctx.text.add(Kind.MRN, "2904851778", "MRN-A")
    text = "BP 120/80, 29 04 85 17 79 mg total, 2904-8517 lot"
    assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Wife CPR 290485-1779 on file", "290485-1779"),
        ("kt. 281194-4217", "281194-4217"),
        ("kennitala 2811944217", "2811944217"),
        ("AHV-Nr. 756.1234.5678.97", "756.1234.5678.97"),
        ("DNI 12345678Z", "12345678"),
        ("NIE X4985703Q", "4985703"),
        ("BSN 123456782", "123456782"),
        ("NIR 1 85 05 78 006 084 36", "006 084 36"),
        ("PESEL 85050512345", "85050512345"),
        ("Personnummer 19850505-1234", "1234"),
        ("SIN 046 454 286", "046 454 286"),
        ("OHIP 1234567890", "1234567890"),
        ("Health card no. 1234-567-890-AB", "1234-567-890"),
        ("CCCD 079203847591", "079203847591"),
        ("CPF 123.456.789-09", "123.456.789-09"),
        ("Medicare no 2123 45670 1", "2123 45670 1"),
    ],
)
def test_national_identifiers_after_their_label(ctx: MessageContext, text: str, gone: str) -> None:
    # Hold-out round 9 (Danish, Icelandic, Swiss, Israeli, Spanish, Vietnamese feeds):
    # national identifiers are the patient's in PID-3, but notes also give a
    # relative's or another person's after its label ("CPR", "kt.", "AHV", "DNI",
    # "CCCD"...), and none was found. After such a label, a number of six digits or
    # more (in groups, with a letter prefix or check letter) is an identifier.
    out = ctx.scrub_text(text)
    assert gone not in out
    assert out.split(maxsplit=1)[0] == text.split(maxsplit=1)[0]


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("CPR-nummer 140487-5050 ok", "5050"),
        ("cpr nummer: 140487-5050", "5050"),
        ("Versichertennummer 756.2222.3333.44", "3333"),
        ("ID number 8908185432087", "8908185432087"),
        ("SA ID 8908185432087 checked", "8908185432087"),
        ("Identity no: 8908185432087", "8908185432087"),
        ("National ID 8908185432087", "8908185432087"),
    ],
)
def test_national_identifiers_after_more_labels(ctx: MessageContext, text: str, gone: str) -> None:
    # Hold-out round 11 probes (Danish, Swiss and South African notes): the Danish
    # "CPR-nummer" (the label with "nummer" after a hyphen), the German
    # "Versichertennummer" (insured person's number: the Swiss AHV number) and the
    # English "ID number" / "SA ID" / "Identity no" before a 13-digit South African
    # identity number were no labels, and the numbers stayed.
    out = ctx.scrub_text(text)
    assert gone not in out
    assert out.split(maxsplit=1)[0] == text.split(maxsplit=1)[0]


@pytest.mark.parametrize(
    ("text", "number", "expected"),
    [
        ("CPR 140487-5050 er registreret", "5050", " er registreret"),
        ("kennitala 140890-3127 er skráð", "3127", " er skráð"),
        ("AHV 756.2222.3333.44 ok", "3333", " ok"),
        ("DNI 12345678 Z en archivo", "12345678", " en archivo"),
    ],
)
def test_a_national_identifier_ends_before_the_next_word(
    ctx: MessageContext, text: str, number: str, expected: str
) -> None:
    # Hold-out round 11 probe (Danish and Icelandic notes): the check letter a
    # national identifier may carry ("12345678Z") was read after a space as one or
    # two letters of any case, so the next word went with the number: "CPR
    # 140487-5050 er registreret" lost its "er" ("is"). After a space, only a single
    # capital letter standing alone is the number's check letter.
    out = ctx.scrub_text(text)
    assert number not in out and out.endswith(expected)
    assert " Z " not in out  # the check letter goes with its number


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Medicare 2948571630 A on file", "2948571630"),
        ("Medicaid 88812345 active", "88812345"),
        ("medicare: 2123 45670 1", "45670"),
    ],
)
def test_a_medicare_number_right_after_its_label(ctx: MessageContext, text: str, gone: str) -> None:
    # Hold-out round 11 probe: "Medicare no. 2948571630" was found, "Medicare
    # 2948571630" was not: the plan label needs "id", "number", "no" or "#" after
    # it. Medicare and Medicaid are read like a national identifier's label: a
    # number of six digits or more right after them is an identifier.
    assert gone not in ctx.scrub_text(text)


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("IC No: T7654321D, visiting", "7654321"),
        ("I/C no. S7654321Q", "7654321"),
        ("Passport No: E1234567K", "1234567"),
        ("passport number 563829174 (USA)", "563829174"),
        ("Son's HP 81234567, call after 6pm", "81234567"),
        ("H/P: 9127 4583", "9127 4583"),
    ],
)
def test_singapore_labels_and_passports(ctx: MessageContext, text: str, gone: str) -> None:
    # Hold-out round 15 probe (Singapore ADT notes): an identity card number after
    # "IC No:", a passport number after "Passport No:" and a mobile after "HP"
    # (handphone) stayed: none was a label the detectors read.
    out = ctx.scrub_text(text)
    assert gone not in out
    assert out.split(maxsplit=1)[0] == text.split(maxsplit=1)[0]


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Transferred from Waikato, NHI ZQX4826.", "ZQX4826"),
        ("NHI number: ZQX48KT", "ZQX48KT"),
        ("nhi# zqx4826 on the form", "zqx4826"),
        ("Brother's NHI is ZQX4826", "ZQX4826"),
    ],
)
def test_a_new_zealand_nhi_after_its_label(ctx: MessageContext, text: str, gone: str) -> None:
    # Hold-out round 15 probe (New Zealand lab feed): PID-3 held the NHI, and a note
    # naming another person's "NHI ABC1234" kept it: a national identifier's label
    # needs six digits after it, and an NHI has three letters and four digits (or,
    # from 2025, two digits and two letters). After "NHI" (number, no, #, is), a
    # value of that shape is an identifier.
    out = ctx.scrub_text(text)
    assert gone not in out
    assert "NHI" in out.upper()


@pytest.mark.parametrize(
    "text",
    [
        "sin 2 dosis, sin fiebre desde 2024",
        "CNS 3 lesions; since 123 days",
        "nie 12 Tage",
        "AVS 2/6 murmur",
    ],
)
def test_national_identifier_labels_need_a_number(ctx: MessageContext, text: str) -> None:
    assert ctx.scrub_text(text).startswith(text.split(" 20", maxsplit=1)[0])


def test_overlapping_spans_reaching_further_are_replaced_whole(ctx: MessageContext) -> None:
    # Hold-out round 9 probe (a patient named O'Brien): in "OBRIEN, Seamus O'Brien",
    # "Family, Given" matched the first two words, and the surname's span, widened
    # over the given name before it, overlapped that match and was dropped whole:
    # the second "O'Brien" stayed. A span that overlaps a replaced one and reaches
    # further extends the replaced region.
    ctx.text.add_name("O'Brien", "Seamus", "", "[NAME]")
    assert ctx.scrub_text("OBRIEN, Seamus O\u2019Brien called") == "[NAME] called"
    assert ctx.scrub_text("Quillfeather, Zephyrina Quillfeather") == "[NAME]"


@pytest.mark.parametrize(
    ("family", "given", "typed"),
    [
        ("Þorláksdóttir", "Sigríður", "Thorlaksdottir"),
        ("Þorláksdóttir", "Sigríður", "Sigridur"),
        ("Søndergaard", "Lisbeth", "Sondergaard"),
        ("Søndergaard", "Lisbeth", "Soendergaard"),
        ("Wałęsa", "Łukasz", "Lukasz Walesa"),
        ("Ærø", "Mads", "Aeroe"),
        ("Đặng", "Mai", "Dang"),
    ],
)
def test_names_typed_without_their_letters_are_found(
    ctx: MessageContext, family: str, given: str, typed: str
) -> None:
    # Hold-out round 9 (Icelandic, Danish feeds): letters that do not decompose into a
    # base letter and an accent (þ, ð, ø, æ, ł, đ) were kept as they are, so a note
    # typed on an ASCII keyboard ("Thorlaksdottir", "Sondergaard") kept the name.
    ctx.text.add_name(family, given, "", "[NAME]")
    assert ctx.scrub_text(f"Called {typed} today") == "Called [NAME] today"


@pytest.mark.parametrize(
    "text",
    [
        "aufgenommen am 5. März 2024 wegen",
        "vu le 5 mars 2024 pour",
        "ingresó el 5 de marzo de 2024 por",
        "ricoverato il 5 marzo 2024 per",
        "internado em 5 de março de 2024 com",
        "opgenomen op 5 maart 2024 met",
        "indlagt 5. marts 2024 med",
        "lagður inn 5. mars 2024 vegna",
        "przyjęty 5 marca 2024 z",
        "otettu 5. maaliskuuta 2024 osastolle",
        "seit 12. Dezember 2023 und am 3. Jänner 2024",
    ],
)
@pytest.mark.parametrize("preset", ["safe-harbor", "pseudonymized"])
def test_dates_with_month_names_of_other_languages(
    make_scrubber: Callable[..., Scrubber], text: str, preset: str
) -> None:
    # Hold-out round 9 (German, Swiss, Danish, Icelandic feeds): dates written with a
    # month name of the note's language ("5. März 2024", "5 de marzo de 2024") kept
    # their day and month; only English month names were read.
    context = make_scrubber(preset).message([PatientIdentifier("P1", "MR", "GH")])
    out = context.scrub_text(text)
    assert " 5" not in out and "12. Dez" not in out and "3. J" not in out
    assert out.split()[0] == text.split(maxsplit=1)[0]
    if preset == "safe-harbor":
        assert "2024" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Patientin, 93 Jahre alt", "Patientin, 90+ Jahre alt"),
        ("93-jährige Patientin", "90+-jährige Patientin"),
        ("Patient âgé de 94 ans", "Patient âgé de 90+ ans"),
        ("paciente de 95 años", "paciente de 90+ años"),
        ("paziente di 96 anni", "paziente di 90+ anni"),
        ("93-årig kvinde, 93 år gammal", "90+-årig kvinde, 90+ år gammal"),
        ("leeftijd 94 jaar, 94-jarige man", "leeftijd 90+ jaar, 90+-jarige man"),
        (
            "Alter: 93; edad: 94; âge 95; età 96; idade 97",
            "Alter: 90+; edad: 90+; âge 90+; età 90+; idade 90+",
        ),
        ("92 tuổi, 93歳, 93세, 94岁", "90+ tuổi, 90+歳, 90+세, 90+岁"),
        # Not ages, or not over 89.
        (
            "Patientin, 45 Jahre alt, seit 95 Jahren bekannt",
            "Patientin, 45 Jahre alt, seit 90+ Jahren",
        ),
        ("dose 93 mg, 12 ans", "dose 93 mg, 12 ans"),
    ],
)
def test_ages_over_89_in_other_languages(ctx: MessageContext, text: str, expected: str) -> None:
    # Hold-out round 9 (German, Danish, Icelandic, Vietnamese notes): an age over 89
    # written with the note's own word for years ("93 Jahre", "94 ans", "92 tuổi",
    # "93歳") or after its word for age ("Alter: 93") was kept; only English was read.
    assert ctx.scrub_text(text).startswith(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13013650000100", "ACCT-A"),
        ("accession 1301365000017, seen", "accession ACCT-A, seen"),
        ("Ref 00013013650000100", "Ref ACCT-A"),
    ],
)
def test_a_known_number_that_starts_a_longer_number_is_replaced_whole(
    make_scrubber: Callable[..., Scrubber], text: str, expected: str
) -> None:
    # Hold-out round 11: a filler field (OBR-20) held the account number of PID-18
    # with the order number glued after it ("1301365" + "0000100"); the known number
    # was searched as a whole word only. Seven digits or more: a shorter known number
    # starting a longer one is as likely a coincidence.
    context = make_scrubber().message([PatientIdentifier("P1", "MR", "GH")])
    context.text.add(Kind.ACCOUNT_NUMBER, "1301365", "ACCT-A")
    context.text.add(Kind.OTHER_ID, "482913", "ID-B")
    assert context.scrub_text(text) == expected
    assert context.scrub_text("lot 4829130055 and 21301365") == "lot 4829130055 and 21301365"


def test_a_known_number_written_with_separators_that_starts_a_longer_one_is_replaced(
    make_scrubber: Callable[..., Scrubber],
) -> None:
    # Found by the verifier's new prefix check: an account number sent with a
    # separator ("1301-3650") was found compact in a note ("13013650") but not where
    # its digits start a longer number ("130136500000100"). Invented numbers.
    context = make_scrubber().message([PatientIdentifier("P1", "MR", "GH")])
    context.text.add(Kind.ACCOUNT_NUMBER, "1301-3650", "ACCT-A")
    assert context.scrub_text("acct 130136500000100 sent") == "acct ACCT-A sent"
    assert context.scrub_text("lot 21301365000") == "lot 21301365000"
    # An SSN the same way ("987-65-4329" was found compact only by the SSN detector).
    context.text.add(Kind.SSN, "987-65-4329", "[SSN]")
    assert context.scrub_text("ref 9876543290000100.") == "ref [SSN]."
    assert context.scrub_text("ref 19876543290000100.") == "ref 19876543290000100."


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("CON TRAI: TRUONG VAN BAY, SDT 0912345678", ("TRUONG", "BAY"), "CON TRAI:"),
        ("Người nhà: Nguyễn Thị Hoa (vợ)", ("Nguyễn", "Hoa"), "Người nhà:"),
        ("VO: LE THI KIM ANH. ME: PHAM THI NGOC", ("KIM ANH", "NGOC"), "VO:"),
        ("Mẹ: Trần Thị Lan", ("Trần", "Lan"), "Mẹ:"),
        # Family histories list conditions after a relation: no family name, kept.
        ("ME: TIEU DUONG. CHA: TANG HUYET AP", (), "ME: TIEU DUONG. CHA: TANG HUYET AP"),
        ("Me: Hypertension", (), "Me: Hypertension"),
    ],
)
def test_a_name_after_a_vietnamese_relation_label(
    ctx: MessageContext, text: str, gone: tuple[str, ...], kept: str
) -> None:
    # A listed gap (hold-out round 10, a Vietnamese DFT^P03): "CON TRAI: TRUONG VAN
    # BAY" kept the son's given names, as Vietnamese relation words (con trai, con
    # gai, vo, chong, me, cha, bo, nguoi nha...) are also English and Spanish words
    # without their accents, and the names are in capitals. After such a label and a
    # colon, two to four capitalized words starting with a common Vietnamese family
    # name are a name; a condition after the label ("TIEU DUONG", diabetes) is not.
    out = ctx.scrub_text(text)
    for value in gone:
        assert value not in out
    assert kept in out


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("SO NGOAI TRU: 2024001234", "2024001234"),
        ("Số ngoại trú 2024001234", "2024001234"),
        ("SO BHYT: DN4010123456789", "4010123456789"),
        ("Số thẻ BHYT DN4010123456789", "4010123456789"),
        ("MA BN 0012345678", "0012345678"),
        ("Mã bệnh nhân: 0012345678", "0012345678"),
        ("SO VAO VIEN 24001234", "24001234"),
    ],
)
def test_vietnamese_identifier_labels(ctx: MessageContext, text: str, gone: str) -> None:
    # A listed gap (hold-out round 10, a Vietnamese DFT^P03): an outpatient number
    # after "SO NGOAI TRU" stayed; health-insurance card ("BHYT"), patient code
    # ("MA BN") and admission ("SO VAO VIEN") numbers are written the same way.
    out = ctx.scrub_text(text)
    assert gone not in out
    assert out.split(maxsplit=1)[0] == text.split(maxsplit=1)[0]


_SAME_SPAN_PROBE = """
from scrubbers.engine import Scrubber
from scrubbers.hl7.scrub import HL7Scrubber
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy
from tests.unit.conftest import TEST_SECRET
message = (
    "MSH|^~\\\\&|APP|FAC|RCV|RFAC|20240101||ADT^A01|12345678|P|2.5\\r"
    "PID|1||TST482913^^^HOSP^MR||QUILLFEATHER^ZEPHYRINA||19610615|F|||||||||||123456789\\r"
    "OBX|1|TX|NOTE||Billing reference 123456789 confirmed.||||||F\\r"
)
scrubber = HL7Scrubber(Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET)))
print(scrubber.scrub_bytes(message.encode()).output.decode().split("\\r")[2])
"""


def test_two_known_values_matching_one_span_give_the_same_output_in_every_process() -> None:
    """The SSN 123456789 in a note is also the control id 12345678 extended to the whole
    number: both give the same span, and which replacement won followed the order of
    a set of strings, so it changed with the process's hash seed (two workers wrote
    one note two ways). The closest match, the whole known number, wins everywhere."""
    root = Path(__file__).resolve().parents[2]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _SAME_SPAN_PROBE],
            env={**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": str(root)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(1, 7)
    }
    assert outputs == {"OBX|1|TX|NOTE||Billing reference [SSN] confirmed.||||||F\n"}


@pytest.mark.parametrize(
    "text",
    [
        "Paciente nacida el 3 de marzo de 1931 en Pamplona.",
        "Patiente née le 3 mars 1931 à Brest.",
        "Patientin, geb. 12.05.1930, lebt allein.",
        "Patientin, geboren am 12.05.1930, lebt allein.",
        "Paziente nata il 3 marzo 1931.",
        "Paciente nascida em 03/03/1931.",
        "Pasienten er født 03.03.1931.",
    ],
)
def test_a_birth_date_after_another_languages_birth_word_loses_an_old_year(
    make_scrubber: Callable[..., Scrubber], text: str
) -> None:
    """A date after a birth word of another language ("nacida el", "née le", "geb.",
    "geboren am", "nata il", "nascida em", "født") is a birth date: as a plain date
    Safe Harbor kept its year, 1930 or 1931, which implies an age over 89 (hold-out
    round 18 probe: Spanish, French and German narratives and a German letter)."""
    context = make_scrubber().message([PatientIdentifier("P1", "MR", "GH")], reference_year=2026)
    out = context.scrub_text(text)
    assert "1930" not in out and "1931" not in out, out
    recent = context.scrub_text(text.replace("1930", "1961").replace("1931", "1961"))
    assert "1961" in recent, recent


def test_names_and_towns_that_are_words_are_replaced_only_with_a_capital(
    make_scrubber: Callable[..., Scrubber],
) -> None:
    context = make_scrubber().message([PatientIdentifier("TST0042", "MR", "GH")])
    context.text.add_name("WHITE", "WILL", "", "[NAME]")
    context.text.add(Kind.CITY, "Mobile", Removal.VALUE)
    assert (
        context.scrub_text("Pt will follow up; white count normal; mobile with a walker.")
        == "Pt will follow up; white count normal; mobile with a walker."
    )
    assert (
        context.scrub_text("Will White called from Mobile. WHITE, WILL.")
        == "[NAME] called from [CITY]. [NAME]."
    )
    assert context.text.known("mobile") is None  # a field holding the word alone
    assert context.text.known("Mobile") is not None


def test_the_personal_number_hint_finds_the_century_sign_only_after_six_digits() -> None:
    for text in ("Pt 290485-1779", "850730+1234 x", "010594A123B", "RR 85.07.30-033.28"):
        assert personal_number_hint(text), text
    for text in ("Pt 19850730-1234", "(290485-1779)"):
        assert personal_number_hint(text), text
    for text in ("call 617-555-0142", "12345-6", "Avenue A 12", "1234567-", "85.07.3-03"):
        assert not personal_number_hint(text), text
    # Inside a word or a longer number, as the patterns behind the gate read it: a
    # pseudonym's hex in every scrubbed output passed the gate and cost the verifier
    # a scan of a whole FHIR Bundle's text (4 ms on a 54 KB one).
    for text in ("ID-B40763562FAB4753739A", "315EC6211668A20A338", "a290485-1779", "v2.850730-1"):
        assert not personal_number_hint(text), text
