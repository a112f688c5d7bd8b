"""Names of relatives and household members that only free text gives.

Safe Harbor removes the names of the patient's relatives and household members,
not only the patient's. A note often names them where no structured field does
("her son Jacob drove her in"): the relation word is the cue. All names here are
invented.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from scrubbers.engine import MessageContext, Scrubber
from scrubbers.identity import PatientIdentifier


@pytest.fixture
def ctx(make_scrubber: Callable[..., Scrubber]) -> MessageContext:
    return make_scrubber().message([PatientIdentifier("TST0042", "MR", "GH")], reference_year=2026)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Patient's wife Marisol called twice.", "Patient's wife [NAME] called twice."),
        ("her son, Jacob Hollowell, visited", "her son, [NAME], visited"),
        ("Daughter named Rosalind will drive.", "Daughter named [NAME] will drive."),
        ("brother-in-law Tobias stays overnight", "brother-in-law [NAME] stays overnight"),
        ("Granddaughter Perpetua at bedside", "Granddaughter [NAME] at bedside"),
        ("lives with partner Ansel O'Rourke.", "lives with partner [NAME]."),
        ("husband (Rufus) is the health care proxy", "husband ([NAME]) is the health care proxy"),
        ("neighbour Ilse Brandvold found him", "neighbour [NAME] found him"),
        ("caregiver is Oswin", "caregiver is [NAME]"),
        ("step-daughter Margot-Anne", "step-daughter [NAME]"),
    ],
)
def test_a_name_after_a_relation_word_is_removed(
    ctx: MessageContext, text: str, expected: str
) -> None:
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mother had breast cancer at 52; father with CAD.",
        "Mother: breast cancer. Father: MI at 60.",
        "Wife at bedside. Plan reviewed with her.",
        "son And daughter both present",
        "father HTN, brother T2DM",
        "Discussed with husband. The Patient agrees.",
        "sister In good health",
        "Family history: maternal aunt with Lupus",
        "mother Reports no falls at home",
        "Son of a farmer; lives in Brookvale",
    ],
)
def test_relation_words_without_a_name_leave_the_text(ctx: MessageContext, text: str) -> None:
    assert ctx.scrub_text(text) == text


@pytest.mark.parametrize("unit", ["wife ", "son A", "daughter, ", "brother-in-law "])
def test_relation_cues_scan_in_linear_time(ctx: MessageContext, unit: str) -> None:
    """Guards against catastrophic backtracking, not a benchmark."""
    text = unit * (200_000 // len(unit))
    started = time.perf_counter()
    ctx.scrub_text(text)
    assert time.perf_counter() - started < 10.0  # quadratic would take minutes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("her son José drove her in", "her son [NAME] drove her in"),
        ("wife Zoë Quill called", "wife [NAME] called"),
        ("daughter Åsa Lind at bedside", "daughter [NAME] at bedside"),
        ("her son\nJacob drove her in", "her son\n[NAME] drove her in"),
        ("wife Ann", "wife [NAME]"),
        ("İİİİ her son Jacob Smith visited", "İİİİ her son [NAME] visited"),
    ],
)
def test_names_in_any_script_across_a_line_break_and_after_wide_lowercase(
    ctx: MessageContext, text: str, expected: str
) -> None:
    """Review findings: accented names, a line break after the relation word, a
    short text, and a text whose lower-casing changes its length ("İ")."""
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Emergency Contact:DOYLE, SINEAD\nTelephone:", "Emergency Contact:[NAME]\nTelephone:"),
        ("Next of kin: Marta Quillon called", "Next of kin: [NAME] called"),
        ("NOK: KELLY ARBUTHNOT", "NOK: [NAME]"),
        ("Emergency contact: Pedro Alvarado (brother)", "Emergency contact: [NAME] (brother)"),
        ("Guarantor: Mrs Ana Ressler. Plan A", "Guarantor: Mrs [NAME]. Plan A"),
        ("Mother's name: Ressler, Ana May", "Mother's name: [NAME]"),
        ("Contact person: Ilse Brandvold", "Contact person: [NAME]"),
        ("Patient name: WHELKS, ORLA", "Patient name: [NAME]"),
        ("Notfallkontakt: Frau Greta Vollmond", "Notfallkontakt: Frau [NAME]"),
        ("Angehörige: Vollmond, Greta", "Angehörige: [NAME]"),
        ("Contacto de emergencia: Marisol Quintero", "Contacto de emergencia: [NAME]"),
        ("Responsável: Joana Albuquerque", "Responsável: [NAME]"),
        ("Personne à prévenir : Mme Ines Garnier", "Personne à prévenir : Mme [NAME]"),
        ("Contactpersoon: Anneke de Vries", "Contactpersoon: [NAME]"),
        ("Responsável: Joana da Silva; tel", "Responsável: [NAME]; tel"),
    ],
)
def test_a_name_after_a_label_naming_a_person_is_removed(
    ctx: MessageContext, text: str, expected: str
) -> None:
    """A discharge form's demographics block names the emergency contact no
    structured field of the message carries ("Emergency Contact:DOYLE, SINEAD"):
    the name stayed, capitals and the colon both stopping the relation-word cue."""
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Father: Heart Disease. Mother: Breast Cancer.",
        "Emergency contact: None Given",
        "Guarantor: Self",
        "Contact: Infection Control",
        "Next of kin: Not Known",
        "Spouse: Deceased",
        "NOK: SEE ABOVE",
        "Subscriber: Same As Patient",
    ],
)
def test_person_labels_without_a_name_leave_the_text(ctx: MessageContext, text: str) -> None:
    assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mother Hester Quillon. Hester called.", "Mother [NAME]. [NAME] called."),
        (
            "Next of kin: Marta Quillon. Marta phoned; QUILLON agreed.",
            "Next of kin: [NAME]. [NAME] phoned; [NAME] agreed.",
        ),
        ("her son Jacob drove. Jacob's car.", "her son [NAME] drove. [NAME]'s car."),
    ],
)
def test_a_name_found_after_a_relation_word_or_label_is_found_again(
    ctx: MessageContext, text: str, expected: str
) -> None:
    """The name a note gives after a relation word was searched only there: its
    later mentions in the same note stayed (a listed gap, closed)."""
    assert ctx.scrub_text(text) == expected


def test_a_name_found_again_needs_its_capital(ctx: MessageContext) -> None:
    assert ctx.scrub_text("wife Rose visited; rose garden") == "wife [NAME] visited; rose garden"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Emergency contact: Pedro Alvarado (brother) 555-1234.",
            "Emergency contact: [NAME] (brother) [PHONE].",
        ),
        ("NOK: ANA RUIZ 555 9876 home", "NOK: [NAME] [PHONE] home"),
        ("Next of kin: Ana Ruiz, (086) 234 5678", "Next of kin: [NAME], [PHONE]"),
    ],
)
def test_the_phone_after_a_labelled_person_is_removed(
    ctx: MessageContext, text: str, expected: str
) -> None:
    """A contact's local number right after the name ("555-1234": no area code, no
    phone label) fit no phone shape and stayed."""
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Guarantor: Ana Ruiz, 20 units due", "Guarantor: [NAME], 20 units due"),
        ("NOK: Ana Ruiz 2.5 mg given", "NOK: [NAME] 2.5 mg given"),
        ("NOK: Ana Ruiz 2024-03-05 visit", "NOK: [NAME] 2024 visit"),
    ],
)
def test_numbers_after_a_labelled_person_that_are_no_phone_stay(
    ctx: MessageContext, text: str, expected: str
) -> None:
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize("unit", ["NOK: ", "Next of kin: Ana ", "NOK: Ana Ruiz (1111111111 "])
def test_person_label_cues_scan_in_linear_time(ctx: MessageContext, unit: str) -> None:
    """Guards against catastrophic backtracking, not a benchmark."""
    text = unit * (200_000 // len(unit))
    started = time.perf_counter()
    ctx.scrub_text(text)
    assert time.perf_counter() - started < 10.0


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ring til kæreste Rasmus Vindeløv", "Vindeløv"),  # Danish
        ("datter Signe henter ham", "Signe"),
        ("hans hustru Inger ringede", "Inger"),
        ("sønn Eirik kommer i morgen", "Eirik"),  # Norwegian
        ("dottern Astrid ringde", "Astrid"),  # Swedish
        ("dotter Astrid ringde", "Astrid"),
        ("zijn dochter Femke belde", "Femke"),  # Dutch
        ("dóttir Sigrún hringdi", "Sigrún"),  # Icelandic
    ],
)
def test_relatives_named_after_nordic_and_dutch_relation_words(
    ctx: MessageContext, text: str, name: str
) -> None:
    # Hold-out round 11 probe (Danish, Swiss and Icelandic feeds): Danish, Norwegian,
    # Swedish, Dutch and Icelandic notes name relatives after their own relation
    # words ("kæreste Rasmus", "datter Signe"); only English, Spanish, Portuguese,
    # Italian, German and French ones were read, so the names stayed.
    out = ctx.scrub_text(text)
    assert name not in out and "[NAME]" in out, out


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ασθενής, σύζυγος Μαρία, τηλεφώνησε", "Μαρία"),  # Greek
        ("η κόρη Ελένη θα έρθει αύριο", "Ελένη"),
        ("γιος Νίκος συνοδεύει", "Νίκος"),
        ("муж Петров Иван звонил", "Иван"),  # Russian
        ("дочь Ольга приедет завтра", "Ольга"),
        ("сопровождает сын Дмитрий", "Дмитрий"),
    ],
)
def test_relatives_named_after_greek_and_russian_relation_words(
    ctx: MessageContext, text: str, name: str
) -> None:
    # Round 14 probe in the hold-out set's scripts: Greek and Russian notes name
    # relatives after their own relation words ("σύζυγος Μαρία", "дочь Ольга"); those
    # words were not read, so the names stayed.
    out = ctx.scrub_text(text)
    assert name not in out and "[NAME]" in out, out


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("acompañada por su nuera Maribel Otxoa, estable", ("Maribel", "Otxoa")),  # Spanish
        ("vive con su yerno Anselmo Garrido y su nieta", ("Anselmo", "Garrido")),
        ("acompanhada pela nora Lucélia Brandão.", ("Lucélia", "Brandão")),  # Portuguese
        ("o genro Wanderley Pacheco ligou", ("Wanderley", "Pacheco")),
        ("accompagnata dalla nuora Ornella Tacconi, cell.", ("Ornella", "Tacconi")),  # Italian
        ("la badante Oksana Melnyk resta con lei", ("Oksana", "Melnyk")),
        ("accompagnée de son gendre Thibaud Marquenet.", ("Thibaud", "Marquenet")),  # French
        ("begleitet von der Schwiegertochter Heike Brenzinger,", ("Heike", "Brenzinger")),
        ("met haar schoondochter Femmigje Ruiterkamp.", ("Femmigje", "Ruiterkamp")),  # Dutch
        ("sammen med svigerdatteren Solveig Brattbakk, tlf", ("Solveig", "Brattbakk")),
        ("kom med ektemannen Torstein Lyngvær", ("Torstein", "Lyngvær")),  # Norwegian
        ("kom med svärdottern Elvira Sjöholm och", ("Elvira", "Sjöholm")),  # Swedish
        ("tengdadóttir Hrefna Ólafsdóttir hringdi", ("Hrefna", "Ólafsdóttir")),  # Icelandic
    ],
)
def test_relatives_by_marriage_and_carers_in_other_languages(
    ctx: MessageContext, text: str, names: tuple[str, ...]
) -> None:
    # Hold-out round 17 probe: notes of those languages name an in-law, a partner or
    # a carer after their own words ("su nuera", "son gendre", "Schwiegertochter",
    # "svigerdatteren", "la badante"); only the nuclear family's words were read, so
    # the names stayed.
    out = ctx.scrub_text(text)
    for name in names:
        assert name not in out, out
    assert "[NAME]" in out


@pytest.mark.parametrize(
    "text",
    ["Begleitet vom Freund des Hauses", "una pareja de hecho", "Nora is stable today."],
)
def test_new_relation_words_without_a_name_leave_the_text(ctx: MessageContext, text: str) -> None:
    # Round 17: a relation word followed by no capitalized name changes nothing.
    assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Partner: Joost van Drunen, tel. volgt", ("Joost", "Drunen")),  # Dutch letter
        ("Wife: Mirabel Ashcombe (lives with patient)", ("Mirabel", "Ashcombe")),
        ("Husband: TREGARTHEN, PERCIVAL", ("TREGARTHEN", "PERCIVAL")),
        ("Ehefrau: Waltraud Pfisterer", ("Waltraud", "Pfisterer")),
        ("Echtgenote: Femmigje Ruiterkamp", ("Femmigje", "Ruiterkamp")),
        ("Conjoint : Aurélien Besnard", ("Aurélien", "Besnard")),
        ("Esposa: Begoña Larrañaga", ("Begoña", "Larrañaga")),
        ("Ektefelle: Solveig Brattbakk", ("Solveig", "Brattbakk")),
    ],
)
def test_a_spouse_or_partner_label_names_the_person(
    ctx: MessageContext, text: str, names: tuple[str, ...]
) -> None:
    # Hold-out round 17 probe: a referral letter's "Partner: Joost van Drunen" line
    # kept the name; "Spouse:" was a person label, "Partner:", "Wife:", "Husband:" and
    # their counterparts were not (bare relation labels are left out because family
    # histories list blood relatives after them; none lists a spouse).
    out = ctx.scrub_text(text)
    for name in names:
        assert name not in out, out
    assert "[NAME]" in out


@pytest.mark.parametrize(
    "text",
    ["Partner: Not Treated", "Wife: Healthy", "Husband: Alive And Well", "Father: Heart Disease"],
)
def test_a_spouse_label_without_a_name_keeps_its_text(ctx: MessageContext, text: str) -> None:
    # Round 17: the value is a name only when it reads as one (two name words, none a
    # word no name has); a blood relative's label is still not read.
    assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Vive con su hija Marisol Ferrandiz Cuesta, tel. 612 345 678", ("Ferrandiz", "Cuesta")),
        ("acompanhada pela filha Lucélia Brandão Tavares.", ("Brandão", "Tavares")),
        ("her son Jacob Hollowell visited", ("Jacob", "Hollowell")),
    ],
)
def test_a_relatives_name_of_three_words_is_removed_whole(
    ctx: MessageContext, text: str, names: tuple[str, ...]
) -> None:
    # Hold-out round 17 probe: a Spanish letter's "su hija Marisol Ferrandiz Cuesta"
    # kept the second family name (two words were read after a relation word).
    out = ctx.scrub_text(text)
    for name in names:
        assert name not in out, out


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("schoonzoon Pieterjan de Wittebroek belt dagelijks.", ("Pieterjan", "Wittebroek")),
        ("Reside com a esposa Graciete da Conceiçãozinha na vila.", ("Graciete", "Conceiçãozinha")),
        ("su hija Begoñita de la Fuentealta llamó", ("Begoñita", "Fuentealta")),
        ("Sohn Janneke van der Bergholt kommt morgen", ("Janneke", "Bergholt")),
        ("his wife Fatimah bint Rashidiya called", ("Fatimah", "Rashidiya")),
    ],
)
def test_a_relatives_family_name_after_a_particle_is_removed(
    ctx: MessageContext, text: str, names: tuple[str, ...]
) -> None:
    # Hold-out round 19 probe: "schoonzoon Pieter de Wit", "esposa Maria da Conceicao"
    # kept the family name: the reading after a relation word stopped at a particle
    # in lower case. Invented people.
    out = ctx.scrub_text(text)
    for name in names:
        assert name not in out, out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plz call Keziah pt dtr 1st at 6", "plz call [NAME] pt dtr 1st at 6"),
        ("Called Keziah Amsel pt dtr, no answer", "Called [NAME] pt dtr, no answer"),
        ("Marla, pt's sister, called back", "[NAME], pt's sister, called back"),
        ("notified Ysolde patient's daughter", "notified [NAME] patient's daughter"),
        ("Mrs Amsel pt dtr aware", "Mrs [NAME] pt dtr aware"),
        ("pt dtr Fenella cell to follow", "pt dtr [NAME] cell to follow"),
        ("her sis Marla visited", "her sis [NAME] visited"),
    ],
)
def test_a_patients_relative_named_around_the_relation_is_removed(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Hold-out round 20 (an Epic NTE): "plz call <Name> pt dtr 1st at ..." kept the
    # daughter's name, written before the patient's relation and in shorthand.
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mother's maiden name: Brekkestø", "Mother's maiden name: [NAME]"),
        ("Nom de jeune fille : KERHERVÉ.", "Nom de jeune fille : [NAME]."),
        ("Geburtsname: Brenzinger-Holt, ledig", "Geburtsname: [NAME], ledig"),
        ("maiden name = Quenby Ravensworth", "maiden name = [NAME]"),
        ("Maiden name: none on file", "Maiden name: none on file"),
        ("Mother's maiden name: not known", "Mother's maiden name: not known"),
    ],
)
def test_a_maiden_name_after_its_label_is_removed(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Hold-out round 20 probe: "Mother's maiden name: <Name>" kept the name: one word
    # is too few after the other person labels. Invented names.
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Consented. Father's name: Thorvald", "Consented. Father's name: [NAME]"),
        ("Present; mother's name: Ysolde, aunt too", "Present; mother's name: [NAME], aunt too"),
        ("Seen. Guarantor name: Pellinore", "Seen. Guarantor name: [NAME]"),
        ("Seen. Father's name: Unknown", "Seen. Father's name: Unknown"),
        ("Seen. Guarantor name: Self", "Seen. Guarantor name: Self"),
        ("Seen. Contact: Ward 7", "Seen. Contact: Ward 7"),
    ],
)
def test_one_word_after_a_label_asking_for_a_name_is_a_name(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Hold-out round 21 probe (an Immunization note, after a sentence): "Father's
    # name: <Given>" kept the name: one word is too few after a person label, though
    # this one asks for a name. A bare "Contact:" still needs two. Invented names.
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Called pt dtr, no answer",
        "Per pt's son, pt fell at home",
        "Neuro: DTR Normal, DTR 2+ Symmetric",
        "Spoke with Dr Ames pt wife",
        "Dr. Ames, pt's wife",
        "Plan: Discharge pt son to drive",
        "Cardiology Consult pt daughter",
        "Reviewed with PT pt daughter",
        "Tylenol given, Pt dtr at bedside",
    ],
)
def test_words_around_a_patients_relation_that_are_no_name_stay(
    ctx: MessageContext, text: str
) -> None:
    assert ctx.scrub_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("her son Jacoby de facto lives alone", "her son [NAME] de facto lives alone"),
        ("seen with mother Annelie de", "seen with mother [NAME] de"),
    ],
)
def test_a_particle_without_a_capitalized_word_after_it_ends_the_name(
    ctx: MessageContext, text: str, expected: str
) -> None:
    assert ctx.scrub_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Next of kin:\nBryony Ashcombe (granddaughter) 07700 900456",
            "Next of kin:\n[NAME] (granddaughter) [PHONE]",
        ),
        ("Emergency contact: \n  Mrs Perpetua Harrowgate", "Emergency contact: \n  Mrs [NAME]"),
        ("Next of kin:\nNone Given", "Next of kin:\nNone Given"),
        ("Guarantor:\nSelf Pay", "Guarantor:\nSelf Pay"),
        ("Next of kin:\n\nPlan Reviewed Today", "Next of kin:\n\nPlan Reviewed Today"),
    ],
)
def test_a_labelled_persons_name_may_start_the_next_line(
    ctx: MessageContext, text: str, expected: str
) -> None:
    # Hold-out round 17 probe: a letter's "Next of kin:" with the name and phone on the
    # next line kept both (the name had to follow the colon on its line). One line
    # break only; a placeholder there stays.
    assert ctx.scrub_text(text) == expected
