"""The independent verification stage catches what a scrubber bug would let through."""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Callable
from typing import Final

import orjson
import pytest

from parsers.hl7v2 import parse
from scrubbers import verify
from scrubbers.engine import Scrubber
from scrubbers.fhir.scrub import FHIRScrubber
from scrubbers.hl7.scrub import HL7Scrubber
from scrubbers.keys import KeyRing
from scrubbers.policy import load_policy
from scrubbers.verify import Verifier
from tests.hl7_phi import extract

from .conftest import TEST_SECRET
from .test_fhir import EMPLOYED, PATIENT
from .test_hl7_scrub import ADT, CORPUS_FILES


def test_untouched_hl7_is_flagged_by_kind_without_values() -> None:
    findings = Verifier(load_policy("safe-harbor")).findings(ADT.encode(), ADT.encode(), "hl7v2")
    assert {"name", "mrn", "street_address", "city", "zip", "birth_date", "ssn"} <= set(findings)
    assert all("QUILL" not in kind for kind in findings)


@pytest.mark.parametrize(
    "wrap",
    [
        lambda m: "  " + m,
        lambda m: "\ufeff \t" + m,
        lambda m: "\x0b " + m + "\x1c\r",
        lambda m: m.replace("\r", "\r\n") + "  \n",
        lambda m: "FHS|^~\\&|A\rBHS|^~\\&|A\r" + m + "BTS|1\rFTS|1\r",
    ],
    ids=["indented", "bom-and-whitespace", "mllp", "crlf-and-blank-line", "batch"],
)
def test_every_input_shape_the_parser_reads_is_read_by_the_verifier(
    wrap: Callable[[str], str],
) -> None:
    """Fail closed: an input the scrubber accepts but the verifier cannot read would
    be checked against nothing. Unchanged, every shape is flagged in full."""
    data = wrap(ADT).encode()
    parse(data)  # the parser accepts it
    findings = Verifier(load_policy("safe-harbor")).findings(data, data, "hl7v2")
    assert {"name", "mrn", "street_address", "city", "zip", "birth_date", "ssn"} <= set(findings)


def test_a_fhir_document_after_a_byte_order_mark_is_read_by_the_verifier() -> None:
    data = b"\xef\xbb\xbf" + orjson.dumps(PATIENT)
    findings = Verifier(load_policy("safe-harbor")).findings(data, data[3:], "fhir")
    assert {"name", "mrn", "birth_date"} <= set(findings)


def test_a_fhir_input_the_verifier_cannot_read_fails_closed() -> None:
    """Unread, the input gives nothing to search for: the output would pass unchecked."""
    cut_short = orjson.dumps(PATIENT)[:-1]
    with pytest.raises(verify.UnreadableInputError) as err:
        Verifier(load_policy("safe-harbor")).findings(cut_short, orjson.dumps(PATIENT), "fhir")
    assert "Quill" not in str(err.value)


@pytest.mark.parametrize("resource_type", ["Citizen", "Patinet", "VendorPatientRecord"])
def test_a_resource_type_no_model_knows_is_read_as_a_persons(resource_type: str) -> None:
    """The scrubber scrubs the HumanName-, Address- and Identifier-shaped parts of a
    resource type it does not know; the verifier must search them too, or what the
    scrubber missed there would pass unchecked."""
    data = orjson.dumps({**PATIENT, "resourceType": resource_type})
    findings = Verifier(load_policy("safe-harbor")).findings(data, data, "fhir")
    assert {"name", "mrn", "street_address", "city", "birth_date"} <= set(findings)


def test_a_resource_type_no_model_knows_scrubs_to_an_output_the_verifier_passes() -> None:
    policy = load_policy("safe-harbor")
    data = orjson.dumps({**PATIENT, "resourceType": "Citizen"})
    [result] = FHIRScrubber(Scrubber(policy, KeyRing.single(TEST_SECRET))).scrub_bytes(data)
    assert result.output is not None, result.error
    assert Verifier(policy).findings(data, result.output, "fhir") == {}


_SHIFTED = (
    "MSH|^~\\&|REG|GENHOSP|||20240305083000||ADT^A08|M1|P|2.5.1\r"
    "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F|||"
    "8^^^TANJONG KATONG ROAD^437099^SG\r"
    "IN1|1|PLAN9|INS1|ACME HEALTH||||||||||BRAMBLECOTE^OSWALDO^P|||||||||||||||||||"
    "||774120953|2HJ7-TE4-MK72\r"
    "OBX|1|TX|ID_DOC^PASSPORT NUMBER||K8812345Q||||||F\r"
)


@pytest.mark.parametrize(
    ("kept", "kind"),
    [
        ("OSWALDO", "name"),  # a name's layout in IN1-14 (AUI), the family name known
        ("774120953", "other_id"),  # a policy number shifted into IN1-34 (NM)
        ("2HJ7-TE4-MK72", "other_id"),  # a Medicare Beneficiary Identifier in IN1-35 (IS)
        ("TANJONG KATONG ROAD", "street_address"),  # a street in XAD.4 (the state)
        ("K8812345Q", "other_id"),  # OBX-5 under an OBX-3 naming a number
    ],
)
def test_values_shifted_into_person_fields_are_searched(kept: str, kind: str) -> None:
    """Hold-out round 15's leaks that the verifier passed: each value, left alone in
    an otherwise scrubbed output, is flagged as its kind."""
    output = f"MSH|^~\\&|REG|GENHOSP|||2024||ADT^A08|ID-1|P|2.5.1\rNTE|1||{kept}\r"
    findings = Verifier(load_policy("safe-harbor")).findings(
        _SHIFTED.encode(), output.encode(), "hl7v2"
    )
    assert kind in findings


_SHIFTED_PHONES = (
    "MSH|^~\\&|REG|GENHOSP|||20240305083000||ADT^A08|M1|P|2.5\r"
    "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
    "GT1|1||BRAMBLECOTE^OSWALDO|||||||||||||||||||||||||||||||||||||||||^PRN^PH^^1^330^5550166"
    "|F^Full time^HL70066\r"
    "IN2|||||||||||||||||||||||||||||||||||||||||||||||||||||||^WPN^PH^^1^330^5550144\r"
)


@pytest.mark.parametrize("kept", ["^PRN^PH^^1^330^5550166", "330 5550144", "3305550144"])
def test_phones_shifted_into_person_fields_are_searched(kept: str) -> None:
    """Hold-out round 19 probe: a phone in a telecom's layout one field off (GT1-44,
    CE; IN2-55, DT) kept its number and passed. Left in an output, it is flagged;
    the scrubbed layout and the coded value are not."""
    output = f"MSH|^~\\&|REG|GENHOSP|||2024||ADT^A08|ID-1|P|2.5\rNTE|1||{kept}\r"
    verifier = Verifier(load_policy("safe-harbor"))
    assert "phone" in verifier.findings(_SHIFTED_PHONES.encode(), output.encode(), "hl7v2")
    clean = "MSH|^~\\&|REG|GENHOSP|||2024||ADT^A08|ID-1|P|2.5\rNTE|1||^PRN^PH^^1^^ F^Full time\r"
    assert verifier.findings(_SHIFTED_PHONES.encode(), clean.encode(), "hl7v2") == {}


_STRING_IDS = (
    "MSH|^~\\&|REG|GENHOSP|||20240305083000||DFT^P03|M1|P|2.5\r"
    "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
    "MSA|AA|ADT20240305093256001\r"
    "RXE|^^^20240305^^R|00069-3150-83^Amoxicillin^NDC|500||mg|CAP|||||||||RX7712093\r"
    "RXD|1|00069-3150-83^Amoxicillin^NDC|20240305|30|CAP||RX5500461\r"
    "FT1|1|20240305A00078|B20240305-12|20240305||CG|99213^Office visit^CPT\r"
)


@pytest.mark.parametrize(
    "kept",
    ["ADT20240305093256001", "RX7712093", "RX5500461", "20240305A00078", "B20240305-12"],
)  # fmt: skip
def test_identifiers_typed_as_strings_are_searched(kept: str) -> None:
    """Hold-out round 16: a financial transaction's id (FT1-2, FT1-3), a prescription
    number (RXE-15, RXD-7) and the control id an
    acknowledgment quotes (MSA-2) came out whole, and passed. Each, left alone in an
    otherwise scrubbed output, is flagged; their pseudonyms pass."""
    verifier = Verifier(load_policy("safe-harbor"))
    output = f"MSH|^~\\&|REG|GENHOSP|||2024||DFT^P03|ID-1|P|2.5\rNTE|1||{kept}\r"
    assert verifier.findings(_STRING_IDS.encode(), output.encode(), "hl7v2") == {"other_id": 1}
    clean = "MSH|^~\\&|REG|GENHOSP|||2024||DFT^P03|ID-1|P|2.5\rFT1|1|ID-7F2|ID-9A1|2024\r"
    assert verifier.findings(_STRING_IDS.encode(), clean.encode(), "hl7v2") == {}


def test_the_numbers_of_a_phone_list_in_a_note_are_searched() -> None:
    """Hold-out round 16 probe: after a phone label the scrubber found a list's first
    number only; the rest, left in the output, is flagged. A count, a dose and a date
    after the list are no phone."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "NTE|1||Tochter erreichbar: Tel. 0711/2468135, 0171 1234567 oder (0711) 24 68 135;"
        " 2 Tabletten, Termin 03/04/2026, Zellzahl 12345678\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in ("0171 1234567", "(0711) 24 68 135"):
        output = f"{head}NTE|1||Tochter erreichbar: Tel. [PHONE], {left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {"phone": 1}, left
    clean = f"{head}NTE|1||Tel. [PHONE], [PHONE] oder [PHONE]; 2 Tabletten, Zellzahl 12345678\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_a_number_after_a_mobile_or_contact_label_of_another_language_is_searched() -> None:
    """Hold-out round 17 probe: after "Telemóvel", "Contacto:" or "portable" the number
    stayed and passed; left in the output it is flagged."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "NTE|1||Telemóvel 912 345 678. Contacto: 644 12 34 56. portable : 06 98 76 54 32\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in ("912 345 678", "644 12 34 56", "06 98 76 54 32"):
        output = f"{head}NTE|1||{left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {"phone": 1}, left
    clean = f"{head}NTE|1||Telemóvel [PHONE]. Contacto: [PHONE]. portable : [PHONE]\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_a_labelled_name_on_the_line_after_its_label_is_searched() -> None:
    """Hold-out round 17 probe: "Next of kin:" then a written line break and the name
    ("Next of kin:\\.br\\Bryony Ashcombe (granddaughter)"): the name stayed and the
    verifier, reading the label's own line only, passed it."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "OBX|1|FT|N^Note||Next of kin:\\.br\\Bryony Ashcombe (granddaughter)||||||F\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    left = f"{head}OBX|1|FT|N^Note||Next of kin:\\.br\\Bryony Ashcombe||||||F\r"
    assert verifier.findings(source.encode(), left.encode(), "hl7v2") == {"name": 2}
    clean = f"{head}OBX|1|FT|N^Note||Next of kin:\\.br\\[NAME] (granddaughter)||||||F\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_an_nhs_number_after_its_label_in_a_note_is_searched() -> None:
    """Hold-out round 17 probe: "NHS No. 9434765919" in a letter stayed and passed."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "NTE|1||NHS No. 943 476 5919; CHI: 0101011234; NHS Trust 2024\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in ("943 476 5919", "0101011234"):
        output = f"{head}NTE|1||{left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {"other_id": 1}
    clean = f"{head}NTE|1||NHS No. ID-1; CHI: ID-2; NHS Trust 2024\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_the_street_part_of_a_street_line_with_a_unit_is_searched() -> None:
    """Hold-out round 18 probe: PID-11.1 "17 Abbey Mews, Flat 2" and "Flat 3, 22 Quarry
    Hill": a note keeping the street with its house number passed (the line was
    searched whole)."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F|||"
        "17 Abbey Mews, Flat 2^^Bath^^BA1 1LZ^GBR~Flat 3, 22 Quarry Hill^^Frome\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    # "Abbey Mews" is searched alone too since hold-out round 21 ("Mews" a street type).
    for left, found in (("17 Abbey Mews", 2), ("22 Quarry Hill", 1)):
        output = f"{head}NTE|1||Fell at {left}.\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {
            "street_address": found
        }, left
    clean = f"{head}NTE|1||Flat 2 and Flat 3 of the ward plan\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_an_age_over_89_in_a_birthday_or_after_turns_is_searched() -> None:
    """Hold-out round 18 probe: "her 97th birthday" and "turns 98" stayed and passed
    (the verifier read no age in notes)."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "NTE|1||Her 97th birthday. She turns 98 in May. Her 80th birthday; turned 90 degrees\r"
    )
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    verifier = Verifier(load_policy("safe-harbor"))
    for left in ("her 97th birthday", "she turns 98 in"):
        output = f"{head}NTE|1||{left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {"age": 1}, left
    clean = f"{head}NTE|1||Her 90+ birthday. She turns 90+ in May. Her 80th birthday; turned 90 degrees\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}
    kept = f"{head}NTE|1||Her 97th birthday. She turns 98 in May.\r"
    limited = Verifier(load_policy("limited-data-set"))
    assert limited.findings(source.encode(), kept.encode(), "hl7v2") == {}


_WORDS_SOURCE: Final = (
    "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
    "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
    "NTE|1||Seen in clinic.\r"
)
_WORDS_HEAD: Final = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"


@pytest.mark.parametrize(
    "left",
    [
        "She turned ninety-two last week",
        "her ninety-second birthday",
        "a hundredth birthday",
        "a ninety four year old",
        "aged ninety-one",
        "one hundred and one years of age",
    ],
)
def test_an_age_over_89_in_words_anywhere_in_the_output_is_flagged(left: str) -> None:
    """Probe of 2026-12-02: "turned ninety-two" stayed and passed. The verifier reads
    the output itself: no age over 89 may be left in words, whoever's it is."""
    output = f"{_WORDS_HEAD}NTE|1||{left}.\r"
    for policy in ("safe-harbor", "pseudonymized"):
        findings = Verifier(load_policy(policy)).findings(
            _WORDS_SOURCE.encode(), output.encode(), "hl7v2"
        )
        assert findings == {"age": 1}, (policy, left)
    limited = Verifier(load_policy("limited-data-set"))
    assert limited.findings(_WORDS_SOURCE.encode(), output.encode(), "hl7v2") == {}


@pytest.mark.parametrize(
    "left",
    [
        "She was born in nineteen twenty-nine",
        "born on the third of March, nineteen thirty-one",
        "born March 3rd, nineteen thirty-one",
        "Her grandmother was born in eighteen ninety-eight",
    ],
)
def test_a_birth_year_over_89_in_words_in_the_output_is_flagged(left: str) -> None:
    output = f"{_WORDS_HEAD}NTE|1||{left}.\r"
    verifier = Verifier(load_policy("safe-harbor"))
    findings = verifier.findings(_WORDS_SOURCE.encode(), output.encode(), "hl7v2")
    assert findings["birth_date"] == 1, left
    limited = Verifier(load_policy("limited-data-set"))
    assert limited.findings(_WORDS_SOURCE.encode(), output.encode(), "hl7v2") == {}
    young = (
        f"{_WORDS_HEAD}NTE|1||She was born in nineteen sixty-one. Nineteen were born."
        " Eighteen were born.\r"
    )
    assert verifier.findings(_WORDS_SOURCE.encode(), young.encode(), "hl7v2") == {}


def test_words_near_ninety_that_are_no_old_age_pass() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    for text in ("turned ninety degrees", "ninety minutes", "a hundred years ago", "aged 90+"):
        output = f"{_WORDS_HEAD}NTE|1||{text}\r"
        assert verifier.findings(_WORDS_SOURCE.encode(), output.encode(), "hl7v2") == {}, text


@pytest.mark.parametrize(
    "left",
    [
        "born on the fifteenth of June",
        "seen Fifteenth June 1931 at home",
        "next on March twenty-first, 2025",
        "again on July the ninth",
        "seen Sept. third.",
    ],
)
def test_a_day_and_month_in_words_left_under_a_year_only_policy_is_flagged(left: str) -> None:
    """Probe of 2026-12-02: "the fifteenth of June 1931" kept its day and passed.
    Safe Harbor leaves a date its year only; a shifted date (pseudonymized) is
    written back in words and passes, a kept one (limited data set) too."""
    output = f"{_WORDS_HEAD}NTE|1||{left}\r"
    findings = Verifier(load_policy("safe-harbor")).findings(
        _WORDS_SOURCE.encode(), output.encode(), "hl7v2"
    )
    assert findings == {"date": 1}, left
    for policy in ("pseudonymized", "limited-data-set"):
        verifier = Verifier(load_policy(policy))
        assert verifier.findings(_WORDS_SOURCE.encode(), output.encode(), "hl7v2") == {}


def test_ordinals_near_a_month_that_are_no_date_pass() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    for text in ("March second dose given", "first Jan visit", "Married the first time"):
        output = f"{_WORDS_HEAD}NTE|1||{text}\r"
        assert verifier.findings(_WORDS_SOURCE.encode(), output.encode(), "hl7v2") == {}, text


def test_a_relatives_given_name_after_the_known_family_name_is_searched() -> None:
    """Hold-out round 18 probe: "SUBSCRIBER: BRAMBLECOTE^THADDEUS" in a Z-segment,
    "Policy holder BRAMBLECOTE^PERCIVAL" and "Insured Bramblecote, Barnaby" in notes
    kept the given names and passed (a Z-segment's layout was read only with the
    family name alone in its first component, a note's not at all)."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "ZIN|MEMBER ID: X|SUBSCRIBER: BRAMBLECOTE^THADDEUS\r"
        "NTE|1||Policy holder BRAMBLECOTE^PERCIVAL^Q (spouse)\r"
        "OBX|1|TX|NOTE^Note||Insured Bramblecote, Barnaby. Mrs Bramblecote, Daughter present||||||F\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in ("THADDEUS", "Percival", "Barnaby"):
        output = f"{head}NTE|1||[NAME]^{left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {"name": 1}, left
    clean = f"{head}NTE|1||Insured [NAME], [NAME]. Mrs [NAME], Daughter present\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}
    street = source.replace("Daughter present", "Bahnhofstr. 78")
    kept = f"{head}NTE|1||Insured [NAME], [NAME]. Mrs [NAME], Bahnhofstr. 78\r"
    assert verifier.findings(street.encode(), kept.encode(), "hl7v2") == {}


def test_account_certificate_and_device_numbers_in_a_note_are_searched() -> None:
    """Hold-out round 18 probe: an IBAN, a card's number, a certificate's number, a MAC
    address and an IMEI in notes stayed and passed."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "OBX|1|TX|NOTE^Note||IBAN DE89 3704 0044 0532 0130 00; card 4111 1111 1111 1111||||||F\r"
        "NTE|1||Death certificate number DC 2025 000123. MAC 00:1A:2B:3C:4D:5E, IMEI 356938035643809\r"
        "NTE|2||medical certificate for 2 weeks; cardiac rehab\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left, kind in (
        ("DE89 3704 0044 0532 0130 00", "account_number"),
        ("4111 1111 1111 1111", "account_number"),
        ("DC 2025 000123", "license_number"),
        ("00:1A:2B:3C:4D:5E", "device_id"),
        ("356938035643809", "device_id"),
    ):
        output = f"{head}NTE|1||x {left} y\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {kind: 1}, left
    clean = f"{head}NTE|1||IBAN [ACCT]; card [ACCT]; medical certificate for 2 weeks\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_an_employer_after_its_label_in_a_note_is_searched() -> None:
    """Hold-out round 18 probe: "Employer: Pendleford Steelworks Ltd." in a social
    history stayed and passed (the verifier read the label only as an OBX-3)."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "OBX|1|TX|SOC^Social||Employer: Pendleford Steelworks Ltd. Smoker.||||||F\r"
        "NTE|1||Employer: St. Aldhelm's School, Wells; Employer: none\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in ("Pendleford Steelworks Ltd", "St. Aldhelm's School"):
        output = f"{head}NTE|1||works at {left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {
            "organization_name": 1
        }, left
    clean = f"{head}NTE|1||Employer: [ORG]. Smoker. Employer: none\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_a_payers_member_number_in_a_note_is_searched() -> None:
    """Hold-out round 18 probe: "BCBS ID XQJ448812771" and "Aetna member W123456789"
    in a billing note stayed and passed."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "NTE|1||BCBS ID XQJ448812771; Aetna member W123456789; family member 2 visited\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in ("XQJ448812771", "W123456789"):
        output = f"{head}NTE|1||x {left} y\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {
            "health_plan_id": 1
        }, left
    clean = f"{head}NTE|1||BCBS ID PLAN-1; Aetna member PLAN-2; family member 2 visited\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_a_vehicle_plate_or_quebec_health_card_in_a_note_is_searched() -> None:
    """Hold-out round 18 probes: "Vehicle reg: WR12 KXT" in a letter, "plate OH
    HTY-4412" in a Z-segment and "NAM: LEBG 3222 9912" in a Quebec summary stayed and
    passed."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "OBX|1|FT|NOTE^Note||Vehicle reg: WR12 KXT. Van KD19 XRT. NAM: LEBG 3222 9912||||||F\r"
        "ZVH|Vehicle: 2019 sedan plate OH HTY-4412|Kennzeichen: M-AB 1234\r"
        "NTE|1||bone plate 3.5 mm; plate of 12 holes\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in ("WR12 KXT", "KD19 XRT", "HTY-4412", "M-AB 1234"):
        output = f"{head}NTE|1||plate {left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {"vehicle_id": 1}, (
            left
        )
    output = f"{head}NTE|1||LEBG 3222 9912\r"
    assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {"other_id": 1}
    clean = f"{head}NTE|1||Vehicle reg: [VEH]. NAM: ID-1; bone plate 3.5 mm; plate of 12 holes\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_an_italian_tax_code_in_a_note_is_searched() -> None:
    """Hold-out round 19 probe: "Codice fiscale ..." and "CF ..." in a referral note
    came out whole and passed. Invented codes."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "OBX|1|TX|NOTE^Note||Codice fiscale QLLZPH61H55F205W. Moglie CF BRMWLH61H55Z404K.||||||F\r"
        "NTE|1||CF exacerbation; HGBAAA12B34C567D is no code here (no label)\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in ("QLLZPH61H55F205W", "brmwlh61h55z404k"):
        output = f"{head}NTE|1||{left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {"other_id": 1}
    clean = f"{head}NTE|1||Codice fiscale ID-1. Moglie CF ID-2. CF exacerbation\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_a_swiss_french_or_belgian_social_security_number_in_a_note_is_searched() -> None:
    """Hold-out round 19 probe: an AHV number without its label, a NIR after "numéro
    de sécurité sociale" and a Belgian number after "NISS" stayed and passed."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "OBX|1|TX|NOTE^Note||Insured under 756.3047.5009.62; numéro de sécurité sociale "
        "2 63 11 75 118 042 17; NISS 71.02.14-331.07.||||||F\r"
        "NTE|1||dose 756.5 mg; secu check done\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in ("756.3047.5009.62", "2 63 11 75 118 042 17", "71.02.14-331.07"):
        output = f"{head}NTE|1||{left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {"other_id": 1}
    clean = f"{head}NTE|1||Insured under ID-1; NIR ID-2; NISS ID-3. dose 756.5 mg\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_a_nordic_or_belgian_personal_number_without_a_label_is_searched() -> None:
    """A Danish CPR, Swedish personnummer (two spellings), Finnish henkilötunnus and
    Belgian national number in a note without their labels. Invented numbers."""
    numbers = ("290485-1779", "19850730-1234", "850730+1234", "131052-308T", "85.07.30-033.28")
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        f"NTE|1||Pt {'; '.join(numbers)} seen. LOINC 12345-6, ref 123456-789, 2024-03-05.\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in numbers:
        output = f"{head}NTE|1||{left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {"other_id": 1}
    clean = f"{head}NTE|1||Pt ID-1 seen. LOINC 12345-6, ref 123456-789, 2024.\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_a_nordic_or_belgian_personal_number_in_a_fhir_text_is_searched() -> None:
    """The same numbers in a FHIR Observation's text and note: the verifier read them
    in HL7v2 notes only, so a FHIR note keeping one passed. Invented numbers."""
    numbers = ("290485-1779", "19850730-1234", "850730+1234", "131052-308T", "85.07.30-033.28")

    def observation(value: str) -> bytes:
        return orjson.dumps(
            {
                "resourceType": "Observation",
                "id": "obs-1",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "12345-6"}]},
                "effectiveDateTime": "2024-03-05T08:30:00-05:00",
                "valueString": value,
                "note": [{"text": "ref 123456-789, lot 1234567-1234, urn:uuid:20190312-1234-4abc"}],
            }
        )

    source = observation(f"Pt {'; '.join(numbers)} seen.")
    verifier = Verifier(load_policy("safe-harbor"))
    for left in numbers:
        assert verifier.findings(source, observation(f"Pt {left} seen."), "fhir") == {
            "other_id": 1
        }, left
    assert verifier.findings(source, observation("Pt ID-1; ID-2 seen."), "fhir") == {}


def test_a_phone_with_an_area_code_in_a_note_is_searched_without_a_label() -> None:
    """Hold-out round 20 (an Epic NTE): "plz call ... at  617) 555-0190", an area code
    whose "(" was dropped, came out whole and passed; the verifier read a note's phone
    only after a label. Invented numbers."""
    source = (
        "MSH|^~\\&|LAB|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "NTE|1|O|plz call dtr 1st at  617) 555-0191\r"
        "NTE|2|O|or her son (714)555-0187; neighbour 213.555.0143\r"
        "OBX|1|TX|NOTE^Note||Grandson 626-555-0199 drives her||||||F\r"
        "NTE|3|O|dose 1) 500 mg; NDC 0002-3227-30; 2024-03-05\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|LAB|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in ("617) 555-0191", "(714)555-0187", "213.555.0143", "626-555-0199", "6175550191"):
        output = f"{head}NTE|1||{left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {"phone": 1}, left
    clean = f"{head}NTE|1||plz call dtr 1st at  [PHONE]\rNTE|2||dose 1) 500 mg; NDC 0002-3227-30\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_a_coded_observation_labelled_with_a_kind_of_phi_is_searched() -> None:
    """Hold-out round 19 probe: a CWE answer's text under OBX-3 "Employer name" came
    out whole and passed. Invented employer and person."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "OBX|1|CWE|EMP^Employer name^L||^Quillcote Joinery||||||F\r"
        "OBX|2|CE|NOK^Next of kin name^L||NK1^Hester Wick^L||||||F\r"
        "OBX|3|CWE|72166-2^Tobacco smoking status^LN||LA18976-3^Never smoker^LN||||||F\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left, kind in (("Quillcote Joinery", "organization_name"), ("Hester Wick", "name")):
        output = f"{head}NTE|1||{left}\r"
        assert verifier.findings(source.encode(), output.encode(), "hl7v2") == {kind: 1}, left
    clean = f"{head}OBX|1|CWE|EMP^Employer name^L||^[ORG]\rNTE|1||NK1 L Never smoker\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_a_date_result_naming_a_birth_date_is_a_birth_date() -> None:
    """Hold-out round 19 probe: "Mother's date of birth" 19290412 (DT) came out as
    1929 under Safe Harbor and passed, read as any date."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "OBX|1|DT|MDOB^Mother's date of birth^L||19290412||||||F\r"
        "OBX|2|DT|DOD^Father date of death^L||20240101||||||F\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\rPID|1||ID-1||[NAME]||1961|F\r"
    kept = f"{head}OBX|1|DT|MDOB^Mother's date of birth^L||1929||||||F\r"
    assert verifier.findings(source.encode(), kept.encode(), "hl7v2") == {"birth_date": 1}
    clean = f"{head}OBX|1|DT|MDOB^Mother's date of birth^L||||||||F\rOBX|2|DT|DOD^D^L||2024\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_a_relative_a_note_names_is_searched_in_the_whole_output() -> None:
    """Hold-out round 16 probe: a name a note gives after a relative's label, with what
    the relative did ("Daughter Tamsin Greywick visited"), left in another field of the
    output is flagged; replaced, it passes."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "NTE|1||Seen on the ward.~Daughter Tamsin Greywick visited today.\r"
        "OBX|1|ST|VISITOR^Visitor^L||Tamsin Greywick||||||F\r"
    )
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\rNTE|1||Daughter [NAME] visited.\r"
    verifier = Verifier(load_policy("safe-harbor"))
    left = f"{head}OBX|1|ST|VISITOR^Visitor^L||Tamsin Greywick||||||F\r"
    assert verifier.findings(source.encode(), left.encode(), "hl7v2") == {"name": 2}
    clean = f"{head}OBX|1|ST|VISITOR^Visitor^L||[NAME] [NAME]||||||F\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}


def test_a_birth_date_in_eight_digits_day_or_month_first_is_searched() -> None:
    """Hold-out round 16 probe: the birth date a specimen label writes "15061961" (or
    "06151961", "150661", "15.06.61") left in the output is flagged, where dates are
    changed; a spelling the input does not write is not searched."""
    source = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ORU^R01|M1|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F\r"
        "OBX|1|TX|COM^Comment^L||labelled 15061961 06151961 150661 15.06.61 06/15/61||||||F\r"
    )
    head = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5\r"
    for left in ("15061961", "06151961", "150661", "15.06.61", "06/15/61"):
        output = f"{head}OBX|1|TX|COM^Comment^L||labelled [NAME] {left}||||||F\r"
        found = Verifier(load_policy("safe-harbor")).findings(
            source.encode(), output.encode(), "hl7v2"
        )
        assert found == {"birth_date": 1}, left
        kept = Verifier(load_policy("limited-data-set")).findings(
            source.encode(), output.encode(), "hl7v2"
        )
        assert kept == {}


def test_codes_and_providers_in_person_fields_are_no_shifted_identifiers() -> None:
    """A coded value's code (SNOMED's nine digits) and a provider's NPI in a composite
    are no patient identifier: kept, they are not flagged."""
    message = (
        "MSH|^~\\&|REG|GENHOSP|||20240305083000||ADT^A01|M1|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||BRAMBLECOTE^WILHELMINA||19610615|F|||||||||||||||||||||"
        "||||125097000^Goat^SCT\r"
        "PV1|1|E|ED^T3^^GENHOSP||||||||||||||||ATT22^Fell^Ada^^^^MD^NPI^L^^^NPI^5017382946\r"
    )
    output = (
        "MSH|^~\\&|REG|GENHOSP|||2024||ADT^A01|ID-1|P|2.5.1\r"
        "PID|1||MRN-1||[NAME]||1961|F|||||||||||||||||||||||||125097000^Goat^SCT\r"
        "PV1|1|E|ED^T3^^GENHOSP||||||||||||||||PRV-1^^^^^^MD^NPI^L^^^NPI^5017382946\r"
    )
    assert (
        Verifier(load_policy("safe-harbor")).findings(message.encode(), output.encode(), "hl7v2")
        == {}
    )


def test_a_single_leaked_value_is_enough() -> None:
    output = (
        b"MSH|^~\\&|REG|GH|||2024||ADT^A01|ID-1|P|2.5.1\rPID|1||MRN-X||[NAME]|||F\r"
        b"NTE|1||spoke with zephyrina today\r"
    )
    findings = Verifier(load_policy("safe-harbor")).findings(ADT.encode(), output, "hl7v2")
    assert findings == {"name": 1}


def test_kinds_the_policy_keeps_are_not_findings() -> None:
    output = b"MSH|^~\\&|REG|GH|||2024||ADT^A01|ID-1|P|2.5.1\rPID|1||||||19610615|F|||^^Brookvale^MA^02139\r"
    assert Verifier(load_policy("limited-data-set")).findings(ADT.encode(), output, "hl7v2") == {}
    strict = Verifier(load_policy("safe-harbor")).findings(ADT.encode(), output, "hl7v2")
    assert set(strict) == {"birth_date", "city", "zip"}


def test_fhir_output_and_its_attachments_are_searched() -> None:
    note = base64.b64encode(b"Quillfeather called").decode()
    output = orjson.dumps(
        {
            "resourceType": "DocumentReference",
            "content": [{"attachment": {"contentType": "text/plain", "data": note}}],
        }
    )
    findings = Verifier(load_policy("safe-harbor")).findings(orjson.dumps(PATIENT), output, "fhir")
    assert findings == {"name": 1}


def test_any_base64_string_and_bare_subject_displays_are_searched() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    hidden = base64.b64encode(b"note about Quillfeather").decode()
    output = orjson.dumps(
        {"resourceType": "Patient", "extension": [{"url": "u", "valueBase64Binary": hidden}]}
    )
    assert verifier.findings(orjson.dumps(PATIENT), output, "fhir")["name"] == 1
    source = orjson.dumps(
        {"resourceType": "Observation", "subject": {"display": "Zebulon Quillfeather"}}
    )
    leaked = orjson.dumps({"resourceType": "Observation", "note": [{"text": "Zebulon said"}]})
    assert verifier.findings(source, leaked, "fhir")["name"] == 1


def test_wrapped_listed_and_slash_escaped_base64_strings_are_searched() -> None:
    """The decoded search finds base64 however the output JSON spells it."""
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(PATIENT)
    wrapped = base64.encodebytes(b"a long note that names Quillfeather " * 3).decode()
    assert "\n" in wrapped  # MIME line breaks: JSON-escaped as \n in the output
    for output in (
        orjson.dumps({"resourceType": "Binary", "data": wrapped}),
        orjson.dumps(
            {"resourceType": "Basic", "x": [base64.b64encode(b"by Quillfeather").decode()]}
        ),
        # "\/" is a legal JSON escape for "/": base64 may be spelled with it
        b'{"resourceType":"Binary","data":"'
        + base64.b64encode(b"\xfb\xffQuillfeather?").replace(b"/", b"\\/")
        + b'"}',
    ):
        assert verifier.findings(source, output, "fhir")["name"] == 1, output


def test_hl7_hex_escapes_are_decoded_before_searching() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    leaked = b"NTE|1||QUILL\\X46\\EATHER was here"
    assert verifier.findings(ADT.encode(), leaked, "hl7v2")["name"] == 1
    assert not verifier.findings(ADT.encode(), b"NTE|1||[NAME] was here", "hl7v2")


def test_person_resources_are_found_by_type_prefix() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    for resource_type in ("Patient 617-555-0177", "PatientR6", "RelatedPerson x", "Person-1"):
        source = orjson.dumps({**PATIENT, "resourceType": resource_type})
        leaked = orjson.dumps({"resourceType": "Basic", "note": "Quillfeather"})
        assert verifier.findings(source, leaked, "fhir")["name"] == 1, resource_type


def test_numbers_in_person_resources_are_searched() -> None:
    verifier = Verifier(load_policy("limited-data-set"))
    source = orjson.dumps(
        {**PATIENT, "dob": 19610615, "x": {"phone": 6175550177}, "ssn": [987654329.0]}
    )
    for leaked in (b'{"resourceType":"Patient","d":19610615}', b'{"note":"6175550177"}'):
        assert verifier.findings(source, leaked, "fhir")["other_id"] == 1, leaked
    assert verifier.findings(source, b'{"n":[987654329]}', "fhir")["other_id"] == 1
    # short numbers, counts elsewhere and an attachment's size are not identifiers
    counted = {**PATIENT, "multipleBirthInteger": 2, "photo": [{"size": 1234567}]}
    kept = orjson.dumps({"resourceType": "Patient", "photo": [{"size": 1234567}], "n": 2})
    assert "other_id" not in verifier.findings(orjson.dumps(counted), kept, "fhir")
    observation = orjson.dumps({"resourceType": "Observation", "valueInteger": 1234567})
    assert not verifier.findings(observation, observation, "fhir")


def test_keys_and_resource_types_not_shaped_like_fhir_names_are_searched() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    odd_key = {"resourceType": "Observation", "call 617-555-0177 Brightwater": True}
    source = orjson.dumps(odd_key)
    assert verifier.findings(source, source, "fhir") == {"free_text": 1}
    odd_type = orjson.dumps(
        {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Obs 6175550177"}}]}
    )
    assert verifier.findings(odd_type, odd_type, "fhir") == {"free_text": 1}
    valid = orjson.dumps(
        {"resourceType": "Patient", "_birthDate": {"id": "b"}, "fhir_comments": ["c"]}
    )
    assert not verifier.findings(valid, valid, "fhir")


def test_a_surname_as_a_key_is_found_in_the_output() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    output = orjson.dumps({"resourceType": "Basic", "Quillfeather": True})
    assert verifier.findings(orjson.dumps(PATIENT), output, "fhir") == {"name": 1}


def test_a_whole_name_glued_into_one_component_is_searched_word_by_word() -> None:
    """A sender that types "QUILLFEATHER,ZEPHYRINA" into the family name, or declares
    a component separator in MSH-2 its fields do not use: the note writes the words
    apart, so each is searched alone."""
    verifier = Verifier(load_policy("safe-harbor"))
    note = "NTE|1||Seen today; Zephyrina Quillfeather reports pain.\r"
    for msh2, name in (("^~\\&", "QUILLFEATHER,ZEPHYRINA"), ("*~\\&", "QUILLFEATHER^ZEPHYRINA^T")):
        header = f"MSH|{msh2}|REG|GH|||2024||ADT^A01|ID-1|P|2.5.1\r"
        source = f"{header}PID|1||||{name}||19610615|F\r{note}".encode()
        output = f"{header}PID|1||||[NAME]|||F\r{note}".encode()
        assert verifier.findings(source, output, "hl7v2") == {"name": 2}, name
    patient = {"resourceType": "Patient", "name": [{"family": "Quillfeather;Zephyrina"}]}
    leaked = {"resourceType": "Patient", "text": {"div": "Zephyrina called"}}
    findings = verifier.findings(orjson.dumps(patient), orjson.dumps(leaked), "fhir")
    assert findings == {"name": 1}


def test_death_dates_are_searched_by_their_day() -> None:
    """A death date is a Safe Harbor date like a birth date: PID-29's day, and a
    Patient's deceasedDateTime's day whatever became of its time."""
    verifier = Verifier(load_policy("safe-harbor"))
    header = "MSH|^~\\&|REG|GH|||2024||ADT^A03|ID-1|P|2.5.1\r"
    source = f"{header}PID|1||||QUILLFEATHER^ZEPHYRINA||19610615|F{'|' * 21}202403050815\r".encode()
    kept = f"{header}PID|1||||[NAME]||1961|F\rNTE|1||died 20240305\r".encode()
    assert verifier.findings(source, kept, "hl7v2") == {"death_date": 1}
    clean = f"{header}PID|1||||[NAME]||1961|F{'|' * 21}2024\r".encode()
    assert verifier.findings(source, clean, "hl7v2") == {}
    patient = {"resourceType": "Patient", "deceasedDateTime": "2024-03-05T08:15:00-05:00"}
    leaked = {"resourceType": "Patient", "deceasedDateTime": "2024-03-05"}
    findings = verifier.findings(orjson.dumps(patient), orjson.dumps(leaked), "fhir")
    assert findings == {"death_date": 1}
    generalized = {"resourceType": "Patient", "deceasedDateTime": "2024"}
    assert verifier.findings(orjson.dumps(patient), orjson.dumps(generalized), "fhir") == {}


def test_hl7_visit_account_and_policy_numbers_are_searched() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    header = "MSH|^~\\&|REG|GH|||2024||ADT^A01|ID-1|P|2.5.1\r"
    source = (
        f"{header}PID|1||||QUILLFEATHER^ZEPHYRINA\r"
        f"PV1|1|I{'|' * 17}V7731904^^^GH^VN{'|' * 31}AV4400917\r"
        f"IN1|1|PLAN1{'|' * 34}POL-55821907\r"
    ).encode()
    for kept, kind in (
        ("V7731904", "account_number"),
        ("AV4400917", "account_number"),
        ("POL-55821907", "health_plan_id"),
    ):
        output = f"{header}PID|1||||[NAME]\rNTE|1||see {kept}\r".encode()
        assert verifier.findings(source, output, "hl7v2") == {kind: 1}, kept


def test_numbers_of_the_patients_record_are_searched() -> None:
    """An Encounter's visit number, a Specimen's accession number: identifiers of
    the patient's record (Safe Harbor (R)); a Practitioner's are not the patient's."""
    verifier = Verifier(load_policy("safe-harbor"))
    source = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Encounter", "identifier": [{"value": "V7731904"}]}},
            {"resource": {"resourceType": "Specimen", "identifier": [{"value": "ACC-99120"}]}},
            {"resource": {"resourceType": "Practitioner", "identifier": [{"value": "1999888777"}]}},
        ],
    }
    for kept in ("V7731904", "ACC-99120"):
        output = {"resourceType": "Bundle", "type": "collection", "id": f"about {kept}"}
        findings = verifier.findings(orjson.dumps(source), orjson.dumps(output), "fhir")
        assert findings == {"other_id": 1}, kept
    output = {"resourceType": "Bundle", "type": "collection", "id": "by 1999888777"}
    assert verifier.findings(orjson.dumps(source), orjson.dumps(output), "fhir") == {}


def test_hl7_escape_sequences_read_as_word_breaks() -> None:
    # Review finding: "\ZQuillfeather\" (a locally defined escape) hid the name from the
    # whole-word search, a letter glued to it.
    verifier = Verifier(load_policy("safe-harbor"))
    for leaked in (
        b"NTE|1||Spoke with \\ZQuillfeather\\ today",
        b"NTE|1||Call \\Z(617)555-0142 Brightwater\\ back",
        b"NTE|1||\\Quillfeather\\ and \\.sp Zephyrina\\",
        b"NTE|1||Seen by \\ZQuillfeather^next",
    ):
        assert verifier.findings(ADT.encode(), leaked, "hl7v2"), leaked
    clean = b"NTE|1||Spoke with \\Z[NAME]\\ \\H\\Brightwater\\N\\\\.br\\ \\Zabc\\ today"
    assert not verifier.findings(ADT.encode(), clean, "hl7v2")
    # A name the input wrote inside an escape is searched as a reader sees it.
    source = ADT.replace("QUILLFEATHER^ZEPHYRINA", "\\ZBRASSWICK\\^ZEPHYRINA")
    assert verifier.findings(source.encode(), b"NTE|1||Brasswick called", "hl7v2") == {"name": 1}


def test_hl7_relatives_guarantors_and_merged_identities_are_searched() -> None:
    # The verifier reads at least every people field the tests' oracle reads: the
    # guarantor's spouse (GT1-4), the mother's identifier (PID-21), next of kin
    # identifiers (NK1-12), the contact person (NK1-30/31/32) and prior ids (MRG-1).
    source = (
        "MSH|^~\\&|REG|GENHOSP|ADT|GENHOSP|20240305083000||ADT^A40|MSG0002|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||QUILLFEATHER^ZEPHYRINA" + "|" * 16 + "MOM55821^^^GENHOSP\r"
        "NK1|1|QUILLFEATHER^OSWIN|SPO"
        + "|" * 9
        + "NKX30417"
        + "|" * 18
        + "BRASSWICK^ODALYS|(508)555-0163|7 Cinder Way^^Marrowfield^MA^01852\r"
        "GT1|1||QUILLFEATHER^OSWIN|QUILLFEATHER^THADDEUS\r"
        "MRG|OLD99313^^^GENHOSP^MR\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    for value, kind in (
        ("Thaddeus", "name"),
        ("MOM55821", "mrn"),
        ("NKX30417", "mrn"),
        ("Odalys", "name"),
        ("Brasswick", "name"),
        ("(508)555-0163", "phone"),
        ("7 Cinder Way", "street_address"),
        ("Marrowfield", "city"),
        ("01852", "zip"),
        ("OLD99313", "mrn"),
    ):
        output = f"MSH|^~\\&|REG|GENHOSP|||2024||ADT^A40|ID-1|P|2.5.1\rNTE|1||see {value}\r"
        # A street line is found as written and as the street without its number.
        count = 2 if kind == "street_address" else 1
        found = verifier.findings(source.encode(), output.encode(), "hl7v2")
        assert found == {kind: count}, value


def test_hl7_base64_payloads_are_read_and_hex_pseudonyms_skipped() -> None:
    """Base64 runs in HL7 output are decoded and searched; runs of upper-case hex
    digits alone (the scrubber's pseudonyms, 20 of them per message) are not
    payloads and are not decoded (decoding them tripled the verifier's time)."""
    verifier = Verifier(load_policy("safe-harbor"))
    payload = base64.b64encode(b"QUILLFEATHER ZEPHYRINA   ").decode()
    assert len(payload) % 4 == 0
    leaked = f"MSH|^~\\&|A|B|C|D|2024||ORU^R01|1|P|2.5\rOBX|1|ED|X||^TEXT^^Base64^{payload}\r"
    assert verifier.findings(ADT.encode(), leaked.encode(), "hl7v2")["name"] >= 1
    clean = "MSH|^~\\&|A|B|C|D|2024||ORU^R01|1|P|2.5\rPID|1||MRN-5555318FE7F3EE4B39D0\r"
    assert verifier.findings(ADT.encode(), clean.encode(), "hl7v2") == {}


def test_words_split_by_markup_are_read_whole() -> None:
    """A name split by tags in output markup ("Quill<b>feather</b>") is found."""
    verifier = Verifier(load_policy("safe-harbor"))
    payload = base64.b64encode(b"<p>Seen QUILL<b>FEATHER</b> today</p>").decode()
    leaked = f"MSH|^~\\&|A|B|C|D|2024||ORU^R01|1|P|2.5\rOBX|1|ED|X||^TEXT^HTML^Base64^{payload}\r"
    assert verifier.findings(ADT.encode(), leaked.encode(), "hl7v2")["name"] >= 1


def test_a_birth_date_shifted_into_a_name_or_phone_field_is_searched_as_a_date() -> None:
    """A sender shifting IN1 and GT1 by one field puts birth dates in IN1-16 (name of
    insured) and GT1-7 (a phone): read as a name and a phone, the limited data set
    quarantined the record for the date it keeps in PID-7. As a date, a policy that
    keeps dates keeps it; one that changes dates still finds it."""
    source = (
        "MSH|^~\\&|A|B|C|D|20240305||ADT^A01|1|P|2.5\r"
        "PID|1||TST0042^^^HOSP^MR||QUILLFEATHER^ZEPHYRINA||19450312|F\r"
        "GT1|1||MARROWMEAD^OSWIN||||19450312\r"
        "IN1|1|PLAN1|||||||||||||||19450312\r"
    )
    kept = source.replace("QUILLFEATHER^ZEPHYRINA", "[NAME]^[NAME]").replace(
        "MARROWMEAD^OSWIN", "[NAME]^[NAME]"
    )
    kept = kept.replace("TST0042", "MRN-1").replace("[NAME]||||19450312", "[NAME]||||[PHONE]")
    kept = kept.replace("||19450312\r", "||[NAME]\r")
    assert kept.count("19450312") == 1  # PID-7 only
    limited = Verifier(load_policy("limited-data-set"))
    assert limited.findings(source.encode(), kept.encode(), "hl7v2") == {}
    safe = Verifier(load_policy("safe-harbor"))
    assert safe.findings(source.encode(), kept.encode(), "hl7v2")
    named = kept.replace("||[NAME]\r", "||MARROWMEAD\r")
    assert named != kept
    assert limited.findings(source.encode(), named.encode(), "hl7v2")["name"] >= 1


def test_many_separated_numbers_are_searched_in_the_runs_of_digits_only() -> None:
    """Phones and dates written with separators count anywhere, glued to other text;
    a searchset of thousands of them searched the whole output once each. Past the
    first values they are searched in the output's runs of digits and separators,
    with the same answers: found glued, in parentheses, after a date; not found
    when a digit differs."""
    verifier = Verifier(load_policy("safe-harbor"))
    people = [
        {
            "resourceType": "Patient",
            "id": f"p{i}",
            "telecom": [{"system": "phone", "value": f"(617) 555-{i:04d}"}],
            "birthDate": f"19{40 + i % 50:02d}-0{1 + i % 9}-1{i % 10}",
        }
        for i in range(120)
    ]
    source = orjson.dumps(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": person} for person in people],
        }
    )
    clean = [{"resourceType": "Patient", "id": f"q{i}", "birthDate": "1961"} for i in range(120)]
    for note, kind in (
        ("called x(617) 555-0119y about it", "phone"),
        (f"born {people[19]['birthDate']}.", "birth_date"),
        (f"seen {people[69]['birthDate']}T08:30", "birth_date"),
    ):
        leaked = {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": person} for person in clean]
            + [{"resource": {"resourceType": "Basic", "note": note}}],
        }
        assert verifier.findings(source, orjson.dumps(leaked), "fhir")[kind] >= 1, note
    calm = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": person} for person in clean]
        + [{"resource": {"resourceType": "Basic", "note": "(617) 555-0999 1959-01-18"}}],
    }
    assert not verifier.findings(source, orjson.dumps(calm), "fhir")


def test_many_phones_are_looked_up_among_the_words_with_the_same_answers() -> None:
    """Past the first phones, a phone's digits are looked up among the output's words
    and a national number among words ending with its last six digits (a searchset
    of thousands of patients searched the whole output once per phone: 17 s for
    0.7 MB). Same answers as searching, with trunk prefixes, country codes, CJK
    neighbours and other words around them."""
    rng = random.Random(7)  # noqa: S311 - fuzz inputs, not secrets
    pieces = ["x", "tel", "\u96fb\u8a71", "0", "+1", "00", "-", " ", "(", "a1", "\u3001"]
    for _ in range(300):
        numbers = [
            "".join(rng.choice("0123456789") for _ in range(rng.choice((6, 8, 10))))
            for _ in range(4)
        ]
        parts = []
        for _ in range(12):
            parts.append(rng.choice(pieces))
            if rng.random() < 0.5:
                parts.append(rng.choice(numbers))
        joined = "".join(parts)
        search = verify._PhoneSearch(joined, 1000)
        for number in numbers:
            assert search.whole(number) == verify._occurs(number, joined), (number, joined)
            assert search.national(number) == verify._national_phone_in(number, joined), (
                number,
                joined,
            )


def test_fhir_reader_forms_cover_only_the_strings_that_read_otherwise() -> None:
    """Markup, references and dashes are read in the strings that hold them, not
    by copying the whole document once per form: a 2 MB Synthea Bundle (notes
    with dashes, narratives with tags) became 26 MB of text searched once per
    value, 3 s of verifying, and a RecordTimeout when the machine was busy."""
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(PATIENT)
    clean = {**PATIENT, "name": [], "telecom": [], "address": [], "birthDate": "1961"}
    clean.pop("identifier")
    filler = [{"text": f"plain note {i} " + "x" * 200} for i in range(2000)]
    for div, kind in (
        ('<div title="a \\"q\\" b">Seen Quill<b>feather</b> today</div>', "name"),
        ("<div>Call 617&#8209;555&#8209;0142</div>", "phone"),
        ("<div>Call 617\u2011555\u20110142</div>", "phone"),
    ):
        leaked = {**clean, "note": filler, "text": {"status": "generated", "div": div}}
        assert verifier.findings(source, orjson.dumps(leaked), "fhir")[kind] >= 1, div
    calm = {**clean, "note": filler, "text": {"status": "generated", "div": "<div>ok</div>"}}
    assert not verifier.findings(source, orjson.dumps(calm), "fhir")
    written = orjson.dumps(calm).decode()
    assert verify._strings_read_otherwise(written) == ["<div>ok</div>"]
    escaped = r'{"a":"x \"<b>\" y","b":"\\","c":"<i>"}'
    assert verify._strings_read_otherwise(escaped) == [
        r"x \"<b>\" y",
        "<i>",
    ]
    assert verify._strings_read_otherwise('{"a":"open <b') == ["open <b"]


def test_separated_numbers_count_even_glued_to_other_text() -> None:
    """A date, phone or SSN written with separators cannot occur by chance: found
    even when text was joined without spaces ("...06-1542 Lantern Row", the
    shape a careless markup flattening produced), while a plain number still
    needs word boundaries."""
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(PATIENT)
    clean = {**PATIENT, "name": [], "telecom": [], "address": [], "birthDate": "1961"}
    clean.pop("identifier")
    assert not verifier.findings(source, orjson.dumps(clean), "fhir")
    glued = {**clean, "text": {"status": "generated", "div": "<div>[NAME]1961-06-1542 x</div>"}}
    assert verifier.findings(source, orjson.dumps(glued), "fhir")["birth_date"]
    phone = {**clean, "text": {"status": "generated", "div": "<div>x617-555-0142y</div>"}}
    assert verifier.findings(source, orjson.dumps(phone), "fhir")["phone"]


def test_a_phone_is_found_in_any_spelling() -> None:
    """The scrubber learns a phone's common spellings; the verifier, independently,
    reads every spelling by its digits (audit: "617 5550142" passed both)."""
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(PATIENT)  # telecom 617-555-0142
    clean = {**PATIENT, "name": [], "telecom": [], "address": [], "birthDate": "1961"}
    clean.pop("identifier")
    for spelling in ("617 5550142", "(617)-555-0142", "617.555 0142", "+1 (617) 555 0142"):
        leaked = {**clean, "text": {"status": "generated", "div": f"<div>call {spelling}</div>"}}
        assert verifier.findings(source, orjson.dumps(leaked), "fhir")["phone"], spelling
    other = {**clean, "text": {"status": "generated", "div": "<div>call 617 5550199</div>"}}
    assert not verifier.findings(source, orjson.dumps(other), "fhir")


def test_phi_of_documents_carried_in_the_input_is_searched() -> None:
    """A Patient sent as a JSON attachment, or a CDA document, names people only
    inside its payload: the verifier reads the input's payloads too, so a scrubber
    that treats them as plain text and keeps those names is caught."""
    embedded = orjson.dumps(
        {
            "resourceType": "Patient",
            "name": [{"family": "Oakhollow", "given": ["Brannoch"]}],
            "address": [{"city": "Marrowvale"}],
        }
    )
    cda = (
        b'<ClinicalDocument xmlns="urn:hl7-org:v3"><recordTarget><patientRole>'
        b'<id extension="XK99821" root="2.16.840.1.113883.19.5"/><patient><name>'
        b"<given>Tamsin</given><family>Greywick</family></name></patient>"
        b"</patientRole></recordTarget></ClinicalDocument>"
    )

    def document(json_payload: bytes, xml_payload: bytes) -> bytes:
        return orjson.dumps(
            {
                "resourceType": "DocumentReference",
                "content": [
                    {
                        "attachment": {
                            "contentType": "application/json",
                            "data": base64.b64encode(json_payload).decode(),
                        }
                    },
                    {
                        "attachment": {
                            "contentType": "application/xml",
                            "data": base64.b64encode(xml_payload).decode(),
                        }
                    },
                ],
            }
        )

    source = document(embedded, cda)
    verifier = Verifier(load_policy("safe-harbor"))
    found = verifier.findings(source, source, "fhir")
    assert {"name", "city", "mrn"} <= set(found), found
    clean = document(b'{"resourceType":"Patient"}', b'<ClinicalDocument xmlns="urn:hl7-org:v3"/>')
    assert verifier.findings(source, clean, "fhir") == {}


def test_phi_of_a_bulk_export_carried_in_the_input_is_searched() -> None:
    """An NDJSON export as a Binary's data is no one JSON document: the verifier
    read nothing in it, so a scrubber keeping its names as text passed."""
    lines = [
        {"resourceType": "Patient", "name": [{"family": "Oakhollow", "given": ["Brannoch"]}]},
        {"resourceType": "Patient", "identifier": [{"value": "XK99821"}]},
    ]
    payload = b"\n".join(orjson.dumps(line) for line in lines) + b"\n"
    source = orjson.dumps(
        {
            "resourceType": "Binary",
            "contentType": "text/plain",
            "data": base64.b64encode(payload).decode(),
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    found = verifier.findings(source, source, "fhir")
    assert found["name"] >= 1 and found["mrn"] + found["other_id"] >= 1, found
    clean = orjson.dumps({"resourceType": "Binary", "contentType": "text/plain"})
    assert verifier.findings(source, clean, "fhir") == {}


def test_the_town_of_a_whole_address_in_a_street_line_is_searched() -> None:
    """A street line holding the whole address names a town no city field gives:
    a note keeping it passed."""
    verifier = Verifier(load_policy("safe-harbor"))
    msh = "MSH|^~\\&|A|B|C|D|20240305083000||ADT^A01|M1|P|2.5.1\r"
    source = msh + "PID|1||X1^^^H^MR||DOE^JO\rNK1|1|DOE^AL|SPO|9 Ferry Lane, Harrowgate MA 02155\r"
    leaked = msh + "PID|1||[ID]||[NAME]\rNK1|1|[NAME]|SPO|\rNTE|1||lives in Harrowgate\r"
    assert verifier.findings(source.encode(), leaked.encode(), "hl7v2")["city"] == 1
    clean = leaked.replace("Harrowgate", "[CITY]")
    assert not verifier.findings(source.encode(), clean.encode(), "hl7v2")
    patient = {"resourceType": "Patient", "address": [{"line": ["9 Ferry Lane, Harrowgate MA"]}]}
    output = {
        "resourceType": "Patient",
        "text": {"status": "generated", "div": "<div>Harrowgate</div>"},
    }
    assert verifier.findings(orjson.dumps(patient), orjson.dumps(output), "fhir")["city"] == 1


def test_documents_carried_in_utf16_or_after_whitespace_are_searched() -> None:
    """The scrubber reads a UTF-16 attachment by its byte order mark, and JSON after
    any amount of leading whitespace; the verifier's reader looked at the first 48
    bytes as UTF-8 only and skipped both."""
    embedded = '{"resourceType":"Patient","name":[{"family":"Oakhollow","given":["Brannoch"]}]}'
    verifier = Verifier(load_policy("safe-harbor"))
    for payload in (
        embedded.encode("utf-16"),
        b" " * 70 + embedded.encode(),
        "\ufeff".encode("utf-32") + embedded.encode("utf-32-le"),
    ):
        source = orjson.dumps(
            {
                "resourceType": "DocumentReference",
                "content": [
                    {
                        "attachment": {
                            "contentType": "application/fhir+json",
                            "data": base64.b64encode(payload).decode(),
                        }
                    }
                ],
            }
        )
        output = source + b" Brannoch Oakhollow"
        assert verifier.findings(source, output, "fhir")["name"] >= 1, payload[:8]


def test_many_values_are_searched_by_their_words_with_the_same_answers() -> None:
    """Past 64 values the output's words are collected once and a value whose
    longest word is not among them is not searched: the answers stay the same (a
    CDA naming 2,000 people took 1.45 s of one substring search per value)."""
    relatives = "".join(
        f"NK1|{i}|FENWICKE{i:03d}^ZEPHYRINA{i:03d}|BRO|{i} Lantern Row^^Brookvale^MA^02139\r"
        for i in range(120)
    )
    source = ADT.split("\r")[0] + "\rPID|1||TST0042^^^GENHOSP^MR||QUILLFEATHER^ZEB\r" + relatives
    verifier = Verifier(load_policy("safe-harbor"))
    clean = ADT.split("\r")[0] + "\rNTE|1||nothing to see\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}
    for leak, kind in (
        ("FENWICKE117", "name"),  # a value searched after the words were collected
        ("zephyrina003", "name"),  # any case
        ("117 Lantern Row", "street_address"),
        ("QUILLFEATHER", "name"),  # one of the first values
    ):
        output = clean.replace("nothing to see", f"seen: {leak}.")
        assert verifier.findings(source.encode(), output.encode(), "hl7v2")[kind] >= 1, leak
    glued = clean.replace("nothing to see", "seen:FENWICKE117x")  # not a whole word
    assert verifier.findings(source.encode(), glued.encode(), "hl7v2") == {}


def test_questionnaire_answers_labelled_as_phi_are_searched() -> None:
    # Hold-out round 10: a form app sending linkIds only ("last-name", "patientName",
    # "mobile"); a question's text says the same ("Patient name", "Home address").
    verifier = Verifier(load_policy("safe-harbor"))

    def item(link: str, value: str, text: str | None = None) -> dict[str, object]:
        found: dict[str, object] = {"linkId": link, "answer": [{"valueString": value}]}
        if text is not None:
            found["text"] = text
        return found

    source = orjson.dumps(
        {
            "resourceType": "QuestionnaireResponse",
            "item": [
                item("last-name", "Quillfeather"),
                {"linkId": "g", "item": [item("patientName", "Zephyrina Oakhollow", text=" ")]},
                item("mobile", "16175550142"),
                item("q4", "42 Lantern Row", text="Home address"),
                item("name", "Aspirin", text="Medication name"),
                item("med-name", "Lisinopril"),
            ],
        }
    )
    leaked = orjson.dumps(
        {
            "resourceType": "QuestionnaireResponse",
            "note": "Quillfeather; Zephyrina Oakhollow; (617) 555-0142; 42 Lantern Row",
        }
    )
    assert verifier.findings(source, leaked, "fhir") == {
        "name": 3,
        "phone": 1,
        "street_address": 1,
    }
    kept = orjson.dumps(
        {"resourceType": "QuestionnaireResponse", "note": "Aspirin, then Lisinopril"}
    )
    assert not verifier.findings(source, kept, "fhir")


def test_a_city_that_is_its_own_state_is_not_a_finding() -> None:
    # Wien, Berlin, Hamburg: a city-state's city is its state, which Safe Harbor keeps.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Patient",
            "address": [
                {"city": "Wien", "state": "Wien"},
                {"city": "Brookvale", "state": "MA"},
            ],
            "contact": [{"address": {"city": "Wien", "postalCode": "1220"}}],
        }
    )
    kept = orjson.dumps({"resourceType": "Patient", "address": [{"state": "Wien"}]})
    assert not verifier.findings(source, kept, "fhir")
    leaked = orjson.dumps({"resourceType": "Patient", "address": [{"state": "Brookvale"}]})
    assert verifier.findings(source, leaked, "fhir") == {"city": 1}


def test_a_name_spelled_like_an_element_name_is_not_found_in_keys() -> None:
    # A given name "Name" (or a surname "Link") is not the output's "name" key nor its
    # "[NAME]" placeholder or "NAME-..." pseudonym; the same name as a value, or as
    # a key spelled as the name is, still is a finding.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {"resourceType": "Patient", "name": [{"family": "Link", "given": ["Name"]}], "link": []}
    )
    structure = orjson.dumps({"resourceType": "Patient", "name": [{"given": ["[NAME]"]}]})
    assert not verifier.findings(source, structure, "fhir")
    pseudonym = orjson.dumps(
        {"resourceType": "Patient", "name": [{"given": ["NAME-5D5EBEAC758E"]}]}
    )
    assert not verifier.findings(source, pseudonym, "fhir")
    as_value = orjson.dumps({"resourceType": "Patient", "name": [{"text": "Name"}]})
    assert verifier.findings(source, as_value, "fhir") == {"name": 1}
    as_key = orjson.dumps({"resourceType": "Basic", "Link": True})
    assert verifier.findings(source, as_key, "fhir") == {"name": 1}


def test_towns_and_streets_of_addresses_without_a_city_are_searched() -> None:
    # No city element: the town is on the last line after its postal code
    # ("37910 Marrowvale", hold-out round 10), or a part of Address.text.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Patient",
            "address": [
                {"line": ["Lanternkatu 1", "37910 Marrowvale"]},
                {"text": "Brightkatu 5, 00140 Oakhollow"},
                {"line": ["12345 Main St"]},
                {"line": ["Wrenkatu 9, 20100 Ashdown"]},
            ],
        }
    )
    leaked = orjson.dumps(
        {"resourceType": "Patient", "note": "Marrowvale, Oakhollow, Ashdown, Brightkatu 5, 00140"}
    )
    assert verifier.findings(source, leaked, "fhir") == {"city": 3, "street_address": 1, "zip": 1}
    # The first line's street is no town; "Main St" is searched as the street without
    # its house number (as the text scrub replaces it).
    main_street = verifier.findings(source, orjson.dumps({"note": "Main St"}), "fhir")
    assert main_street == {"street_address": 1}
    assert not verifier.findings(source, orjson.dumps({"resourceType": "Patient"}), "fhir")


def test_names_given_only_in_labelled_free_text_are_searched() -> None:
    # A note or narrative line labelling a person ("Pt: ...", "<b>Mother:</b> ...")
    # names someone no structured field does: the verifier reads it too.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Bundle",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Observation",
                        "valueString": "Pt: Zephyrina Quillfeather DOB 1961-06-15",
                        "note": [{"text": "Name: Lisinopril Tablet\nPatient: stable overnight"}],
                    }
                },
                {
                    "resource": {
                        "resourceType": "Composition",
                        "text": {
                            "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p><b>Mother:'
                            "</b> Brannoch, Osric</p><p>Patient: Encounter Summary</p></div>"
                        },
                    }
                },
            ],
        }
    )
    leaked = orjson.dumps({"resourceType": "Basic", "note": "Quillfeather and Osric Brannoch"})
    assert verifier.findings(source, leaked, "fhir") == {"name": 3}
    kept = orjson.dumps(
        {"resourceType": "Basic", "note": "Lisinopril Tablet; stable overnight; Encounter Summary"}
    )
    assert not verifier.findings(source, kept, "fhir")


def test_a_patients_contacts_are_searched() -> None:
    # Patient.contact (next of kin, emergency contacts) names relatives, their phones
    # and addresses; the verifier read only the person resources' own elements.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Patient",
            "contact": [
                {
                    "name": {"family": "Brannoch", "given": ["Osric"]},
                    "telecom": [{"system": "phone", "value": "617-555-0199"}],
                    "address": {
                        "line": ["9 Wren Way"],
                        "city": "Marrowvale",
                        "postalCode": "02139",
                    },
                },
                {"name": [{"text": "Tamsin Greywick"}]},
                # An address converted from HL7 word by word: "HOME" is a fragment
                # (the output's "use": "home" is no finding).
                {"address": {"line": ["2222", "HOME", "STREET"], "use": "home"}},
            ],
        }
    )
    leaked = orjson.dumps(
        {
            "resourceType": "Basic",
            "note": "Osric Brannoch 617-555-0199, 9 Wren Way, Marrowvale 02139",
        }
    )
    assert verifier.findings(source, leaked, "fhir") == {
        "name": 2,
        "phone": 1,
        "street_address": 2,  # "9 Wren Way" and "Wren Way"
        "city": 1,
        "zip": 1,
    }
    other = orjson.dumps({"resourceType": "Basic", "note": "Tamsin Greywick"})
    assert verifier.findings(source, other, "fhir") == {"name": 2}
    coded = orjson.dumps({"resourceType": "Patient", "address": [{"use": "home"}]})
    assert not verifier.findings(source, coded, "fhir")


def test_coverage_and_account_numbers_are_searched() -> None:
    # Health plan beneficiary and account numbers (Safe Harbor (I), (J)) live in
    # Coverage and Account, not in a person's resource: the verifier read neither.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Bundle",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Coverage",
                        "identifier": [
                            {"type": {"coding": [{"code": "MB"}]}, "value": "88871234501"}
                        ],
                        "subscriberId": "QZW771234",
                    }
                },
                {"resource": {"resourceType": "Account", "identifier": [{"value": "AC-5551234"}]}},
            ],
        }
    )
    leaked = orjson.dumps(
        {"resourceType": "Basic", "note": "member 88871234501, sub QZW771234, acct AC-5551234"}
    )
    assert verifier.findings(source, leaked, "fhir") == {"health_plan_id": 2, "account_number": 1}


def test_a_resource_id_spelling_a_known_name_is_a_finding() -> None:
    # Example ids name their person ("OsricBrannoch", "brannoch-osric-7"); ids are
    # pseudonymized everywhere, so one left in the output (a narrative anchor or
    # heading) spells the name, glued into one word the whole-word search misses.
    verifier = Verifier(load_policy("safe-harbor"))
    for logical in ("OsricBrannoch", "brannoch-osric-7"):
        source = orjson.dumps(
            {
                "resourceType": "Patient",
                "id": logical,
                "name": [{"family": "Brannoch", "given": ["Osric"]}],
            }
        )
        leaked = orjson.dumps(
            {"resourceType": "Patient", "text": {"div": f"<p>Narrative: Patient {logical}</p>"}}
        )
        assert set(verifier.findings(source, leaked, "fhir")) == {"name"}, logical
        clean = orjson.dumps(
            {"resourceType": "Patient", "text": {"div": "<p>Narrative: Patient 9f0e</p>"}}
        )
        assert verifier.findings(source, clean, "fhir") == {}
    # An id without a part of a known name is not one ("example", in every base URL).
    source = orjson.dumps(
        {"resourceType": "Patient", "id": "example", "name": [{"family": "Ample"}]}
    )
    output = orjson.dumps({"resourceType": "Patient", "meta": {"source": "http://example.org"}})
    assert verifier.findings(source, output, "fhir") == {}


def test_plain_names_of_cda_people_are_searched() -> None:
    """A CDA's patient, guardian or family-history relative (<subject> under
    <relatedSubject>) named by a plain <name> without <given>/<family> parts; a
    provider's (assignedPerson) and an organization's name are not the patient's."""
    cda = (
        b'<ClinicalDocument xmlns="urn:hl7-org:v3"><recordTarget><patientRole><patient>'
        b"<name>Brannoch Oakhollow</name></patient></patientRole></recordTarget>"
        b"<author><assignedAuthor><assignedPerson><name>Dr Tamsin Vell</name>"
        b"</assignedPerson><representedOrganization><name>Lantern Clinic</name>"
        b"</representedOrganization></assignedAuthor></author>"
        b'<subject><relatedSubject classCode="PRS"><subject>\n <name>Ilsabet Corrowan</name>'
        b"</subject></relatedSubject></subject></ClinicalDocument>"
    )

    def document(payload: bytes) -> bytes:
        attachment = {"contentType": "text/xml", "data": base64.b64encode(payload).decode()}
        return orjson.dumps(
            {"resourceType": "DocumentReference", "content": [{"attachment": attachment}]}
        )

    verifier = Verifier(load_policy("safe-harbor"))
    for leaked in (b"<p>Oakhollow</p>", b"<p>Corrowan</p>"):
        assert set(verifier.findings(document(cda), document(leaked), "fhir")) == {"name"}
    kept = document(b"<p>Dr Tamsin Vell of Lantern Clinic</p>")
    assert verifier.findings(document(cda), kept, "fhir") == {}


def test_a_labelled_name_followed_by_the_sentence_is_searched() -> None:
    # "Patient: Osric Brannoch arriving with ..." names the person in the label's
    # leading capitalized words; a value that starts as a sentence names nobody.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Communication",
            "payload": [
                {"contentString": "Patient: Osric Brannoch arriving with chest pain"},
                {"contentString": "Patient: Tolerated the procedure well"},
                {"contentString": "Mother: Mrs. Tamsin Greywick called, twice"},
                {"contentString": "Father: Jöran Ålvik called"},
            ],
        }
    )
    for name in ("Brannoch", "Greywick", "Ålvik"):
        leaked = orjson.dumps({"resourceType": "Basic", "note": name})
        assert verifier.findings(source, leaked, "fhir") == {"name": 1}, name
    kept = orjson.dumps({"resourceType": "Basic", "note": "Tolerated the procedure well"})
    assert not verifier.findings(source, kept, "fhir")


def test_cjk_names_are_found_without_spaces_around_them() -> None:
    # Two-character kanji names run into the text around them; Latin names keep
    # their whole-word search.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {"resourceType": "Patient", "name": [{"family": "\u9ce5\u7fbd", "given": ["\u6953\u5b50"]}]}
    )
    leaked = orjson.dumps(
        {"resourceType": "Basic", "note": "\u9ce5\u7fbd\u3055\u3093\u306f\u672c\u65e5\u6765\u9662"}
    )
    assert verifier.findings(source, leaked, "fhir") == {"name": 1}
    clean = orjson.dumps({"resourceType": "Basic", "note": "\u672c\u65e5\u6765\u9662"})
    assert verifier.findings(source, clean, "fhir") == {}
    # A one-character surname, with an honorific.
    chen = orjson.dumps(
        {"resourceType": "Patient", "name": [{"family": "\u9673", "given": ["\u52a0\u73b2"]}]}
    )
    leaked = orjson.dumps({"resourceType": "Basic", "note": "\u9673\u5c0f\u59d0\u8868\u793a"})
    assert verifier.findings(chen, leaked, "fhir") == {"name": 1}
    alone = orjson.dumps({"resourceType": "Basic", "note": "\u9673\u8840"})
    assert verifier.findings(chen, alone, "fhir") == {}


def test_person_labels_in_other_languages_are_searched() -> None:
    # "Patientin:", "Paciente:", "Moeder:", "氏名" with a full-width colon label a person as "Patient:" does;
    # a form question in those languages asks for a name, phone or address.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Bundle",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Communication",
                        "payload": [
                            {"contentString": "Patientin: Waltraud Guenther"},
                            {"contentString": "Moeder: Anke de Vries"},
                            {"contentString": "\u6c0f\u540d\uff1a\u9ce5\u7fbd\u6953\u5b50"},
                        ],
                    }
                },
                {
                    "resource": {
                        "resourceType": "QuestionnaireResponse",
                        "item": [
                            {
                                "linkId": "1",
                                "text": "Nachname",
                                "answer": [{"valueString": "Brandtmoor"}],
                            },
                            {
                                "linkId": "2",
                                "text": "Telefon",
                                "answer": [{"valueString": "0172 8611693"}],
                            },
                        ],
                    }
                },
            ],
        }
    )
    for leaked in ("Guenther", "Vries", "\u9ce5\u7fbd\u6953\u5b50", "Brandtmoor", "0172 8611693"):
        output = orjson.dumps({"resourceType": "Basic", "note": leaked})
        assert set(verifier.findings(source, output, "fhir")) <= {"name", "phone"}, leaked
        assert verifier.findings(source, output, "fhir"), leaked


def test_international_phones_are_found_in_their_other_spellings() -> None:
    # A phone with a country code written nationally (trunk 0) and a national one
    # written with a country code; other numbers ending alike are not it.
    verifier = Verifier(load_policy("safe-harbor"))
    for stored, written in (
        ("+31612345600", "06 1234 5600"),
        ("0172 8611693", "+49 172 8611693"),
        ("0312345678", "\u96fb\u821903-1234-5678"),
    ):
        source = orjson.dumps(
            {"resourceType": "Patient", "telecom": [{"system": "phone", "value": stored}]}
        )
        leaked = orjson.dumps({"resourceType": "Basic", "note": f"wrote {written}"})
        assert verifier.findings(source, leaked, "fhir") == {"phone": 1}, written
        other = orjson.dumps({"resourceType": "Basic", "note": "lot 98612345600"})
        assert verifier.findings(source, other, "fhir") == {}, stored


def test_form_labels_are_read_with_or_without_accents() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "QuestionnaireResponse",
            "item": [
                {"linkId": "nomeMae", "answer": [{"valueString": "Cleusa Faria"}]},
                {
                    "linkId": "x1",
                    "text": "Endereço",
                    "answer": [{"valueString": "Rua das Flores 12"}],
                },
            ],
        }
    )
    for leaked in ("Faria", "Rua das Flores 12"):
        output = orjson.dumps({"resourceType": "Basic", "note": leaked})
        assert verifier.findings(source, output, "fhir"), leaked


def test_a_short_postcode_next_to_its_address_is_searched() -> None:
    # A four-digit postcode is not searched alone (doses, counts); next to its
    # city, state, street or their placeholders it is the patient's.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Patient",
            "address": [
                {"line": ["Kornweg 12"], "city": "Brookvale", "state": "VIC", "postalCode": "8001"}
            ],
        }
    )
    for written in ("[ADDRESS] [CITY] 8001 CH", "[ADDRESS], 8001 [CITY]", "VIC 8001"):
        output = orjson.dumps({"resourceType": "Basic", "note": written})
        assert verifier.findings(source, output, "fhir") == {"zip": 1}, written
    output = orjson.dumps({"resourceType": "Basic", "note": "dose 8001 mg, VIC"})
    assert verifier.findings(source, output, "fhir") == {}


def test_a_mothers_maiden_name_is_searched() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Patient",
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName",
                    "valueString": "Ilsabet Corrowan",
                }
            ],
        }
    )
    leaked = orjson.dumps({"resourceType": "Basic", "note": "daughter of Corrowan"})
    assert verifier.findings(source, leaked, "fhir") == {"name": 1}


def test_a_person_groups_member_displays_are_searched() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Group",
            "type": "person",
            "member": [{"entity": {"reference": "urn:uuid:5d2b3437", "display": "Osric Brannoch"}}],
        }
    )
    leaked = orjson.dumps({"resourceType": "Basic", "note": "Brannoch"})
    assert verifier.findings(source, leaked, "fhir") == {"name": 1}


def _hl7_scrubbed(source: str) -> bytes:
    """The scrubber's normal output of ``source`` under Safe Harbor."""
    scrubber = HL7Scrubber(Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET)))
    output = scrubber.scrub_bytes(source.encode()).output
    assert output is not None
    return output


def test_hl7_names_given_only_on_labelled_lines_of_notes_are_searched() -> None:
    # Red-team finding: a note naming a person after a label ("Next of kin: ...")
    # names someone no structured field carries; the verifier did not read HL7v2
    # notes for them, so a scrubber regression there passed. Invented people.
    source = (
        "MSH|^~\\&|REG|GENHOSP|ADT|GENHOSP|20240305083000||ORU^R01|MSG0003|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||QUILLFEATHER^ZEPHYRINA||19610615|F\r"
        "OBX|1|TX|11506-3^Progress note^LN||Seen today, stable.~Emergency Contact: DOYLE, "
        "SINEAD (sister)||||||F\r"
        "NTE|1||Discussed plan.\\.br\\Next of kin: Marta Brackenridge\r"
        "OBX|2|FT|18842-5^Discharge summary^LN||Guardian: Orla Fennimore DOB 02/03/1990||||||F\r"
        "ZNT|1|Spouse: Tobiah Wrenfield\r"
        "NTE|3||Lives alone; daughter visits. Emergency contact: Perpetua Ashgrove. "
        "Calls daily.\r"
        "NTE|2||Patient: Encounter Summary\r"
        "NTE|4||Patient: Stable Overnight. Next of kin: None Listed. Spouse: Present And "
        "Supportive\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    header = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5.1\rPID|1||[MRN]||[NAME]\r"
    for kept in ("Sinead", "DOYLE", "Brackenridge", "Marta", "Fennimore", "Wrenfield", "Ashgrove"):
        output = f"{header}NTE|1||called {kept} today\r".encode()
        assert verifier.findings(source.encode(), output, "hl7v2") == {"name": 1}, kept
    # A title, findings or a value with a word no name has after a label are no name
    # ("Patient:" in a note is followed by findings: the patient is PID-5); the
    # scrubber's own output passes.
    clean = (
        f"{header}NTE|1||Encounter Summary, Stable Overnight, None Listed, Present And Supportive\r"
    ).encode()
    assert not verifier.findings(source.encode(), clean, "hl7v2")
    scrubbed = _hl7_scrubbed(source)
    assert b"Brackenridge" not in scrubbed
    assert not verifier.findings(source.encode(), scrubbed, "hl7v2")


def test_a_known_identifier_starting_a_longer_number_is_a_finding() -> None:
    # Red-team finding: account 13013650 with an order number glued after it
    # ("130136500000100") is replaced whole by the scrubber, but the verifier
    # searched identifiers as whole words only. Invented numbers.
    source = (
        "MSH|^~\\&|REG|GENHOSP|ADT|GENHOSP|20240305083000||ORU^R01|MSG0004|P|2.5.1\r"
        "PID|1||0084215907^^^GENHOSP^MR||QUILLFEATHER^ZEPHYRINA||19610615|F"
        + "|"
        * 10
        + "13013650^^^GENHOSP^AN\r"
        "OBX|1|TX|11506-3^Progress note^LN||Order 130136500000100 sent; "
        "ref 842159070012.||||||F\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    header = "MSH|^~\\&|REG|GENHOSP|||2024||ORU^R01|ID-1|P|2.5.1\rPID|1||[MRN]||[NAME]\r"
    for kept in ("130136500000100", "order 00130136500000100 sent", "ref 842159070012"):
        output = f"{header}NTE|1||{kept}\r".encode()
        assert verifier.findings(source.encode(), output, "hl7v2") == {"mrn": 1}, kept
    # Not at the start of a run, glued to a letter, or a run starting with fewer of
    # its digits: no finding.
    for other in ("99130136500000100", "A130136500000100", "1301360500"):
        output = f"{header}NTE|1||{other}\r".encode()
        assert not verifier.findings(source.encode(), output, "hl7v2"), other
    scrubbed = _hl7_scrubbed(source)
    assert b"13013650" not in scrubbed and b"84215907" not in scrubbed
    assert not verifier.findings(source.encode(), scrubbed, "hl7v2")


def test_phi_labelled_by_the_keys_of_a_json_object_in_text_is_searched() -> None:
    # A message carrying a JSON object as text names its PHI by keys ("name",
    # "address", "phone"); a "name" that reads as no person's is not searched.
    verifier = Verifier(load_policy("safe-harbor"))
    payload = (
        '{"name": "Dr. Osric Brannoch", "address": ["Lanternweg 17", "34521 Marrowvale"],'
        ' "city": "Marrowvale", "product": {"name": "Ibuprofen 400"}, "hint": "Zweimal"}'
    )
    source = orjson.dumps(
        {"resourceType": "Communication", "payload": [{"contentString": payload}]}
    )
    for leaked_value, kind in (
        ("Brannoch", "name"),
        ("Lanternweg 17", "street_address"),
        ("Marrowvale", "city"),
    ):
        leaked = orjson.dumps({"resourceType": "Basic", "note": f"via {leaked_value} today"})
        assert kind in verifier.findings(source, leaked, "fhir"), leaked_value
    kept = orjson.dumps({"resourceType": "Basic", "note": "Ibuprofen 400, Zweimal"})
    assert not verifier.findings(source, kept, "fhir")


def test_a_name_spelled_as_a_resource_type_is_not_found_in_the_structure() -> None:
    # A test person named after the resource ("RelatedPerson Test") leaves the word
    # in the output's resourceType, a reference's type, a profile URL: those are the
    # structure, not the person. Written in text, the word is still found.
    verifier = Verifier(load_policy("safe-harbor"))
    person = {
        "resourceType": "RelatedPerson",
        "meta": {"profile": ["http://example.org/fhir/StructureDefinition/my-relatedperson"]},
        "patient": {"reference": "Patient/p1"},
        "name": [{"family": "Quillfeather", "given": ["RelatedPerson"]}],
    }
    scrubbed = {
        "resourceType": "RelatedPerson",
        "meta": {"profile": ["http://example.org/fhir/StructureDefinition/my-relatedperson"]},
        "patient": {"reference": "Patient/p9", "type": "Patient"},
        "name": [{"family": "[NAME]", "given": ["[NAME]"]}],
        "link": [{"target": {"reference": "RelatedPerson/x2", "type": "RelatedPerson"}}],
    }
    source = orjson.dumps(person)
    assert not verifier.findings(source, orjson.dumps(scrubbed), "fhir")
    leaked = dict(scrubbed, note="RelatedPerson called twice")
    assert verifier.findings(source, orjson.dumps(leaked), "fhir") == {"name": 1}
    kept = dict(scrubbed, name=[{"family": "[NAME]", "given": ["RelatedPerson"]}])
    assert verifier.findings(source, orjson.dumps(kept), "fhir") == {"name": 1}


def test_a_name_before_a_sentence_giving_an_age_is_searched() -> None:
    # "Osric Brannoch is a 67 year-old man": a note's (or a text attachment's)
    # opening names its patient; "The patient is a 67 year-old" names nobody.
    verifier = Verifier(load_policy("safe-harbor"))
    attached = base64.b64encode(b"# HPI\nTamsin Greywick is a 54-year-old woman.").decode()
    source = orjson.dumps(
        {
            "resourceType": "DiagnosticReport",
            "conclusion": "HPI: Osric Brannoch is a 67 year-old man. The patient is a 67 yo."
            " Wiebke Lanterndahl ist eine 71-jährige Patientin.",
            "presentedForm": [{"contentType": "text/plain", "data": attached}],
        }
    )
    for name in ("Brannoch", "Greywick", "Lanterndahl"):
        leaked = orjson.dumps({"resourceType": "Basic", "note": f"seen {name} today"})
        assert verifier.findings(source, leaked, "fhir") == {"name": 1}, name
    kept = orjson.dumps({"resourceType": "Basic", "note": "The patient is a 67 yo man"})
    assert not verifier.findings(source, kept, "fhir")


def test_a_name_after_a_patient_label_without_its_colon_is_searched() -> None:
    # "Patient Osric Brannoch arriving with ...": the capitalized words after a line's
    # "Patient" or "Pt" that a lower-case word follows; a heading names nobody.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Communication",
            "payload": [
                {"contentString": "Patient Osric Brannoch arriving with chest pain"},
                {"contentString": "Patient Information Leaflet"},
            ],
        }
    )
    leaked = orjson.dumps({"resourceType": "Basic", "note": "Brannoch"})
    assert verifier.findings(source, leaked, "fhir") == {"name": 1}
    kept = orjson.dumps({"resourceType": "Basic", "note": "Patient Information Leaflet"})
    assert not verifier.findings(source, kept, "fhir")


def test_a_coverages_group_and_pharmacy_member_numbers_are_searched() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Coverage",
            "class": [
                {"type": {"coding": [{"code": "group"}]}, "value": "EMPLOY-43107"},
                {"type": {"coding": [{"code": "plan"}]}, "value": "HMO-BASIC"},
            ],
        }
    )
    leaked = orjson.dumps({"resourceType": "Basic", "note": "group EMPLOY-43107"})
    assert verifier.findings(source, leaked, "fhir") == {"health_plan_id": 1}
    kept = orjson.dumps({"resourceType": "Basic", "note": "plan HMO-BASIC"})
    assert not verifier.findings(source, kept, "fhir")


def test_a_person_references_id_spelling_a_name_the_text_writes_is_searched() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "CarePlan",
            "title": "Tumorboard-Empfehlung Tamsin Greywick — Erstvorstellung, Lab Panel",
            "subject": {"reference": "Patient/Fall5-Patient-Tamsin-Greywick"},
            "addresses": [{"reference": "Condition/lab-panel"}],
        }
    )
    leaked = orjson.dumps({"resourceType": "Basic", "note": "Tumorboard Greywick"})
    assert verifier.findings(source, leaked, "fhir") == {"name": 1}
    kept = orjson.dumps({"resourceType": "Basic", "note": "Lab Panel Tumorboard"})
    assert not verifier.findings(source, kept, "fhir")


def test_a_name_ending_a_document_title_is_searched() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    for title, name in (
        ("Elektronischer Notfallpass - Tamsin Greywick", "Greywick"),
        ("CS100 個案總查詢 - 鳥羽楓子", "鳥羽楓子"),
    ):
        source = orjson.dumps({"resourceType": "Composition", "title": title})
        leaked = orjson.dumps({"resourceType": "Basic", "note": f"for {name} today"})
        assert verifier.findings(source, leaked, "fhir") == {"name": 1}, title
    source = orjson.dumps({"resourceType": "CarePlan", "title": "KindRapport - Child Report"})
    kept = orjson.dumps({"resourceType": "Basic", "note": "KindRapport - Child Report"})
    assert not verifier.findings(source, kept, "fhir")


def test_a_fhir_resource_written_in_a_string_is_read_by_its_structure() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Communication",
            "payload": [
                {"contentString": orjson.dumps(PATIENT).decode()},
                {"contentString": '{"lastName": "Greywick", "note": "Brannoch"}'},
            ],
        }
    )
    for leaked_value, kind in (("Quillfeather", "name"), ("Greywick", "name"), ("A1234", "mrn")):
        leaked = orjson.dumps({"resourceType": "Basic", "note": f"see {leaked_value}"})
        assert kind in verifier.findings(source, leaked, "fhir"), leaked_value
    kept = orjson.dumps({"resourceType": "Basic", "note": "Brannoch"})
    assert not verifier.findings(source, kept, "fhir")


def test_a_name_in_a_json_string_is_read_in_any_alphabet() -> None:
    """The labelled names of a JSON object written as text are read with letters
    outside ASCII too ("Jänes", "ÅSTRÖM"), and with an apostrophe ("O'Brannoch")."""
    verifier = Verifier(load_policy("safe-harbor"))
    payload = '{"lastName": "Jänes", "surname": "ÅSTRÖM", "familyName": "O\'Brannoch"}'
    source = orjson.dumps(
        {"resourceType": "Communication", "payload": [{"contentString": payload}]}
    )
    for leaked_value in ("Jänes", "ÅSTRÖM", "O'Brannoch"):
        leaked = orjson.dumps({"resourceType": "Basic", "note": f"see {leaked_value}"})
        assert "name" in verifier.findings(source, leaked, "fhir"), leaked_value


def _segment(name: str, values: dict[int, str]) -> str:
    """A segment with ``values`` in their fields (by number), ended by a CR."""
    fields = [""] * (max(values) + 1)
    for number, value in values.items():
        fields[number] = value
    return "|".join([name, *fields[1:]]) + "\r"


def _verified(source: str, output: bytes | str, preset: str = "safe-harbor") -> dict[str, int]:
    out = output.encode() if isinstance(output, str) else output
    return dict(Verifier(load_policy(preset)).findings(source.encode(), out, "hl7v2"))


def test_hl7_scheduling_contacts_one_field_off_are_read() -> None:
    """Hold-out round 19 probe: SCH one field off puts a relative's name in a
    location (PL) and the contact's phone in the next party's name (XCN); both are
    searched. A provider's name there is no one the message knows: nothing found."""
    source = (
        "MSH|^~\\&|EHR|NV|SCHED|NV|20240612090000||SIU^S12^SIU_S12|Q1|P|2.5\r"
        "SCH|A1|A1||||ROUTINE|FOLLOWUP^Follow up|20|MIN|^^20^20240620100000|||||"
        "QUILLFEATHER^ROSAMUND^^^^^L|^PRN^PH^^1^503^5550177|||FAIRCLOUGH^WENDELINE\r"
        "PID|1||TST77230^^^NVH^MR||QUILLFEATHER^THEO||20180808|M\r"
    )
    scrubbed = (
        source.replace("QUILLFEATHER^THEO", "[NAME]^[NAME]")
        .replace("TST77230", "MRN-1")
        .replace("20180808", "2018")
    )
    leaked = scrubbed.replace("QUILLFEATHER^ROSAMUND", "[NAME]^ROSAMUND")
    assert _verified(source, leaked.replace("503^5550177", "^")) == {"name": 1}
    phone = leaked.replace("ROSAMUND", "[NAME]")
    assert _verified(source, phone) == {"phone": 1}
    clean = phone.replace("503^5550177", "^")
    assert _verified(source, clean) == {}


def test_hl7_a_letters_only_identifier_counts_only_as_written() -> None:
    """An identifier of letters only is searched as written: in another case it is
    a word the scrubber keeps ("booked" for a status BOOKED in an id's field)."""
    source = (
        "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5.1\r"
        "PID|1||FENWORTH^^^H^MR||QUILLFEATHER^ZEPHYRINA||1961|F\r"
    )
    scrubbed = source.replace("FENWORTH^", "MRN-1^").replace(
        "QUILLFEATHER^ZEPHYRINA", "[NAME]^[NAME]"
    )
    kept = scrubbed + "NTE|1||the fenworth lane\r"
    assert _verified(source, kept) == {}
    left = scrubbed + "NTE|1||chart FENWORTH\r"
    assert _verified(source, left) == {"mrn": 1}


def test_hl7_positional_query_parameters_are_read_by_their_shape() -> None:
    # Red-team round 12: an immunization query (QBP^Q11, profile Z34) sends the
    # patient's name, mother's maiden name, birth date, address and phone by
    # position in QPD-3 on; the verifier did not read them. Invented person.
    source = (
        "MSH|^~\\&|EHR|CLINIC|IIS|STATE|20260105090000||QBP^Q11^QBP_Q11|Q0001|P|2.5.1|||ER|AL"
        "|||||Z34^CDCPHINVS\r"
        "QPD|Z34^Request Immunization History^CDCPHINVS|Q0001|TST7781^^^CLINIC^MR"
        "|Fernwhistle^Odalys^Maren|Thistlecombe^Rowena|20190412|F"
        "|4471 Wickerbrook Lane^^Saltmarren^TN^37912^USA^L|^PRN^PH^^^865^5550173|N|1|\r"
        "RCP|I|5^RD&records&HL70126\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    leaked = scrubbed.decode().split("\r")[:1]
    for line, kind in [
        ("NTE|1||Odalys Fernwhistle", "name"),
        ("NTE|1||Thistlecombe", "name"),
        ("NTE|1||4471 Wickerbrook Lane", "street_address"),
        ("NTE|1||lives in Saltmarren", "city"),
        ("NTE|1||ZIP 37912", "zip"),
        ("NTE|1||call 865 555 0173", "phone"),
        ("NTE|1||born 20190412", "birth_date"),
    ]:
        assert kind in _verified(source, "\r".join([*leaked, line])), line
    # A code and its text (MTH^Mother) is no name; the identifier with its
    # authority is an MRN.
    coded = source.replace("Thistlecombe^Rowena", "MTH^Mother")
    assert _verified(coded, "\r".join([*leaked, "NTE|1||Mother"])) == {}
    assert "mrn" in _verified(source, "\r".join([*leaked, "NTE|1||TST7781"]))


def test_hl7_names_and_identifiers_in_person_code_fields_are_searched() -> None:
    # Red-team round 12: a spouse's name in IN2-57 (IS) after the patient's family
    # name, a Medicare number in IN2-4 (ST/IS) and a visit number in PV1-18 (IS)
    # were not read by the verifier. Invented values.
    source = (
        "MSH|^~\\&|REG|GENHOSP|ADT|GENHOSP|20260105090000||ADT^A01|M0002|P|2.5.1\r"
        + _segment(
            "PID", {1: "1", 3: "TST0042^^^GENHOSP^MR", 5: "Quillfeather^Zephyrina", 10: "2106-3"}
        )
        + _segment("PV1", {1: "1", 2: "E", 3: "ER^01^A", 18: "VIS-ERX-2026-417"})
        + "IN1|1|MCR|PLANCO|Medicare Part A\r"
        + _segment("IN2", {1: "1", 4: "VT-MCA-7654321", 57: "Quillfeather^Cassius^T"})
        + "DG1|1||R50.9^Fever^I10\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    assert _verified(source, head + "\rNTE|1||Cassius visited") == {"name": 1}
    assert _verified(source, head + "\rNTE|1||id VT-MCA-7654321") == {"other_id": 1}
    assert _verified(source, head + "\rNTE|1||visit VIS-ERX-2026-417") == {"other_id": 1}
    # Table codes in code fields stay: a race, a diagnosis code, a plan code.
    kept = head + "\rPID|1|||||||||2106-3\rDG1|1||R50.9^Fever^I10|S62.101A\rIN1|1|MCR"
    assert _verified(source, kept) == {}


def test_hl7_a_name_in_a_coded_field_without_a_coding_system_is_searched() -> None:
    # The insured shifted into IN1-17 (a CE) as Family^Given, no coding system: the
    # given name is a person's; with a coding system the second component is the
    # code's text (Spouse), not searched. Invented people.
    source = (
        "MSH|^~\\&|REG|GENHOSP|ADT|GENHOSP|20260105090000||ADT^A01|M0004|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        + _segment("IN1", {1: "1", 2: "PLAN7", 17: "Quillfeather^Oswin"})
        + _segment("NK1", {1: "1", 3: "SPO^Spouse^HL70063"})
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    assert _verified(source, head + "\rNTE|1||Oswin called") == {"name": 1}
    assert _verified(source, head + "\rNTE|1||Spouse called") == {}


def test_hl7_an_observation_labelled_with_another_persons_name_is_searched() -> None:
    # Red-team round 12: OBX-3 "Next of kin name" or "Guarantor name" labels an
    # answer that is a person's name; the verifier did not read it. Invented people.
    source = (
        "MSH|^~\\&|LAB|GENHOSP|EHR|GENHOSP|20260105090000||ORU^R01|M0003|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "OBX|1|ST|56799-0^Next of kin name^LN||Brasswick^Oswald||||||F\r"
        "OBX|2|ST|GNAME^Guarantor name^L||Tamsin Greywick||||||F\r"
        "OBX|3|CWE|72166-2^Tobacco smoking status^LN||LA18976-3^Never smoker^LN||||||F\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    assert _verified(source, head + "\rOBX|1|ST|X^Next of kin name||Brasswick") == {"name": 1}
    assert _verified(source, head + "\rNTE|1||Tamsin Greywick called") == {"name": 1}
    assert _verified(source, head + "\rOBX|3|CWE|X||LA18976-3^Never smoker^LN") == {}


def test_hl7_an_observation_labelled_with_the_other_person_alone_is_searched() -> None:
    # Hold-out round 17 probe: OBX-3 "Emergency contact", "Next of kin", a Dutch
    # "Contactpersoon" or a Norwegian "Nærmeste pårørende" (the person alone, no
    # "name") labels a name; neither side read it, and the name came out whole. The
    # verifier reads "label: value" as a note's line. Invented people.
    source = (
        "MSH|^~\\&|LAB|GENHOSP|EHR|GENHOSP|20260105090000||ORU^R01|M0003|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "OBX|1|ST|EC^Emergency contact^L||Brasswick^Oswald||||||F\r"
        "OBX|2|ST|NK^Next of kin^L||Tamsin Greywick||||||F\r"
        "OBX|3|ST|CP^Contactpersoon^L||Femmigje Ruiterkamp||||||F\r"
        "OBX|4|ST|PR^Nærmeste pårørende^L||Solveig Brattbakk||||||F\r"
        "OBX|5|ST|CS^Caregiver status^L||Independent at home||||||F\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    for kept in ("Brasswick", "Oswald", "Greywick", "Ruiterkamp", "Brattbakk"):
        assert _verified(source, f"{head}\rNTE|1||{kept}") == {"name": 1}, kept
    assert _verified(source, f"{head}\rNTE|1||Independent at home") == {}


def test_hl7_a_relative_by_marriage_named_in_another_language_is_searched() -> None:
    # Hold-out round 17 probe: a note names an in-law in the note's language ("su
    # nuera Maribel Otxoa,", "der Schwiegertochter Heike Brenzinger,", "svigerdatteren
    # Solveig Brattbakk."); the scrubber did not read those words and the verifier
    # read relatives only after an English label at a line's start, so the names
    # passed. Invented people.
    source = (
        "MSH|^~\\&|EHR|GENHOSP|LAB|GENHOSP|20260105090000||ORU^R01|M0007|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "OBX|1|TX|11506-3^Nota^LN||Acompañada por su nuera Maribel Otxoa, estable.||||||F\r"
        "NTE|1||Begleitet von der Schwiegertochter Heike Brenzinger, Tel. folgt.\r"
        "NTE|2||Kom med svigerdatteren Solveig Brattbakk.\r"
        "NTE|3||Su hija Hipertensa Conocida desde 2010\r"
        "NTE|4||Vive con su hija Marisol Ferrandiz Cuesta, tel. pendiente.\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    for kept in ("Otxoa", "Heike", "Brattbakk", "Cuesta"):
        assert _verified(source, f"{head}\rNTE|1||{kept}") == {"name": 1}, kept
    # Three capitalized words, no clause end after two: not read ("Hipertensa").
    assert _verified(source, f"{head}\rNTE|1||Hipertensa Conocida") == {}


def test_hl7_a_name_before_a_relation_in_parentheses_is_searched() -> None:
    # Hold-out round 20 probe: "Contact list:\.br\<Given> <Family> (daughter)" in an
    # NTE passed once the scrubber missed it: only FHIR texts were read so. A family
    # history's condition before a relative stays unsearched. Invented people.
    source = (
        "MSH|^~\\&|EHR|GENHOSP|LAB|GENHOSP|20260105090000||ORU^R01|M0011|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "NTE|1|O|Contact list:\\.br\\Rosamund Pellow (daughter)\\.br\\07700 900461\r"
        "OBX|1|TX|FH^Family history||Breast Cancer (mother); Emergency Contact (spouse)||||||F\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    for kept in ("Rosamund", "Pellow"):
        assert _verified(source, f"{head}\rNTE|1||{kept}") == {"name": 1}, kept
    assert _verified(source, f"{head}\rNTE|1||Breast Cancer Emergency Contact") == {}


def test_hl7_a_role_before_a_relatives_name_is_no_name_word() -> None:
    """ "Caregiver <Given> <Family> (son)": the role's word opening the line is not
    searched as a name (a ROL code "FHCP^Family caregiver" was flagged), the name's
    words still are. Invented people."""
    source = (
        "MSH|^~\\&|EHR|GENHOSP|CARE|GENHOSP|20260105090000||PPR^PC1|M0012|P|2.5\r"
        "PID|1||TST0042^^^GENHOSP^MR||QUILLFEATHER^ZEPHYRINA||19610615|F\r"
        "ROL|1|AD|FHCP^Family caregiver^HL70443|QUILLFEATHER^OSWIN|20260101\r"
        "NTE|1||Caregiver Oswin Quillfeather (son) to attend.\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert b"Family caregiver" in scrubbed
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    assert _verified(source, f"{head}\rNTE|1||Oswin") == {"name": 1}


def test_hl7_a_maiden_name_after_its_label_is_searched() -> None:
    # Hold-out round 20 probe: "Mother's maiden name: <Name>" in a note came out whole
    # and passed. Invented names.
    source = (
        "MSH|^~\\&|EHR|GENHOSP|LAB|GENHOSP|20260105090000||ORU^R01|M0010|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "NTE|1|O|Mother's maiden name: Brekkestoe\r"
        "OBX|1|TX|NOTE^Note||Nom de jeune fille : KERHERVAN||||||F\r"
        "NTE|2|O|Maiden name: none. Geburtsname: unbekannt\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    for kept in ("Brekkestoe", "Kerhervan"):
        assert _verified(source, f"{head}\rNTE|1||{kept}") == {"name": 1}, kept
    assert _verified(source, f"{head}\rNTE|1||none unbekannt") == {}


def test_hl7_a_name_next_to_a_highlight_escape_is_searched() -> None:
    # Hold-out round 20 probe: "Daughter \H\<Name>\N\ called" and "\H\Emergency
    # contact: <Name>\N\" passed: glued to a word, the escape hid it from the note
    # readers. Invented people.
    source = (
        "MSH|^~\\&|EHR|GENHOSP|LAB|GENHOSP|20260105090000||ORU^R01|M0009|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "NTE|1|O|Daughter \\H\\Rosamund Pellow\\N\\ called\r"
        "OBX|1|FT|NOTE^Note||\\H\\Emergency contact: Ottilie Brackwater\\N\\||||||F\r"
        "NTE|2|O|\\H\\CRITICAL\\N\\ Potassium 6.8, Dr Ames informed\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    for kept in ("Rosamund", "Pellow", "Ottilie", "Brackwater"):
        assert _verified(source, f"{head}\rNTE|1||{kept}") == {"name": 1}, kept
    assert _verified(source, f"{head}\rNTE|1||\\H\\CRITICAL\\N\\ Potassium") == {}


def test_hl7_the_insureds_group_name_is_searched_as_an_employers_name() -> None:
    # Hold-out round 20 probe: IN1-9, the insured's group, named after the employer,
    # came out whole and passed; the verifier read no employer in an HL7v2 message.
    # A group named as the insurance company (IN1-4) is kept and not searched.
    source = (
        "MSH|^~\\&|EHR|GENHOSP|BILL|GENHOSP|20260105090000||BAR^P01|M0008|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "IN1|1|BAV|00321|Blue Cross of Nowhere||||GRP44120|Brackwater Joinery Group||"
        "Millrace Cooperage\r"
        "IN1|2|MCR|00400|Medicare Nowhere||||GRP1|Medicare Nowhere\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    for kept in ("Brackwater Joinery Group", "Millrace Cooperage"):
        assert _verified(source, f"{head}\rNTE|1||{kept}") == {"organization_name": 1}, kept
    assert _verified(source, f"{head}\rIN1|2|MCR|x|Medicare Nowhere") == {}


def test_hl7_a_patients_relative_named_around_the_relation_is_searched() -> None:
    # Hold-out round 20 (an Epic NTE): "plz call <Name> pt dtr 1st at ..." kept the
    # daughter's name and passed: no reading of the verifier's took a name before a
    # relation, nor the shorthand "dtr". Invented people.
    source = (
        "MSH|^~\\&|EHR|GENHOSP|LAB|GENHOSP|20260105090000||ORU^R01|M0007|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "NTE|1|O|plz call Keziah pt dtr 1st at 6\r"
        "NTE|2|O|Marla, pt's sister, called; pt son Corwin drives\r"
        "OBX|1|TX|NOTE^Note||Called Ysolde Amsel patient's daughter||||||F\r"
        "NTE|3|O|Cardiology Consult pt daughter. Spoke with Dr Ames pt wife. PT DTR Normal\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    for kept in ("Keziah", "Marla", "Corwin", "Ysolde", "Amsel"):
        assert _verified(source, f"{head}\rNTE|1||{kept}") == {"name": 1}, kept
    assert _verified(source, f"{head}\rNTE|1||Cardiology Consult Ames Normal") == {}


def test_hl7_a_relatives_family_name_after_a_particle_is_searched() -> None:
    # Hold-out round 19 probe: "schoonzoon Pieter de Wit" and "esposa Maria da
    # Conceicao" came out as "[NAME] de Wit" and "[NAME] da Conceicao" and passed:
    # no reading of the verifier crossed a particle in lower case. Invented people.
    source = (
        "MSH|^~\\&|EHR|GENHOSP|LAB|GENHOSP|20260105090000||ORU^R01|M0009|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "OBX|1|TX|NOTE^Notitie^L||Schoonzoon Pieterjan de Wittebroek belt dagelijks.||||||F\r"
        "NTE|1||Reside com a esposa Graciete da Conceiçãozinha na vila.\r"
        "NTE|2||Dr de Vries saw her son in the morning; de novo lesion.\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    assert _verified(source, f"{head}\rNTE|1||[NAME] de Wittebroek belt") == {"name": 1}
    assert _verified(source, f"{head}\rNTE|1||[NAME] da Conceiçãozinha") == {"name": 1}
    assert _verified(source, f"{head}\rNTE|1||de novo lesion") == {}


def test_hl7_a_spouse_label_and_a_dutch_address_label_in_a_note_are_read() -> None:
    # Hold-out round 17 probe: a referral letter's "Partner: Joost van Drunen" and
    # "Adres: Keizersgracht ..." lines kept the name and the address, and the verifier,
    # reading neither label, passed them. Invented person and place.
    source = (
        "MSH|^~\\&|EHR|GENHOSP|LAB|GENHOSP|20260105090000||MDM^T02|M0008|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "OBX|1|TX|REF^Verwijsbrief^L||Partner: Joostwin Drunenveld\r"
        "OBX|2|TX|REF^Verwijsbrief^L||Adres: Wilgenhof 221, 1016 DV Wolderwijd\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    head = scrubbed.decode().split("\r")[0]
    assert _verified(source, f"{head}\rNTE|1||Drunenveld") == {"name": 1}
    assert _verified(source, f"{head}\rNTE|1||Wilgenhof 221") == {"street_address": 1}


def test_hl7_a_town_joined_into_a_code_is_read_as_the_scrubber_writes_it() -> None:
    # Red-team round 12: the verifier reads "_" and "-" as word boundaries, so the
    # patient's town inside a facility code is found; the scrubber replaces it
    # there (GEISINGER_[CITY]), so its output passes and the kept code fails.
    source = (
        "MSH|^~\\&|REG|HOSP_BRAMBLEFORD|ADT|GENHOSP|20260105090000||ADT^A01|M0004|P|2.5.1\r"
        "PID|1||TST0042^^^HOSP_BRAMBLEFORD^MR||Quillfeather^Zephyrina||19610615|F"
        "|||12 Orchard Row^^Brambleford^PA^17821\r"
        "PV1|1|I|||||||||||||||||||||||||||||||||||||HOSP-BRAMBLEFORD\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    assert b"BRAMBLEFORD" not in scrubbed.upper()
    head = scrubbed.decode().split("\r")[0]
    assert _verified(source, head + "\rPV1|1|I|HOSP_BRAMBLEFORD") == {"city": 1}
    assert _verified(source, head + "\rPV1|1|I|HOSP-BRAMBLEFORD") == {"city": 1}
    assert _verified(source, head + "\rPV1|1|I|HOSPBRAMBLEFORD") == {}


def test_hl7_a_one_word_observation_label_is_not_read_as_a_phi_label() -> None:
    # "Name", "Mobile" and "Cell" in OBX-3 name a drug, a mobility or a cell type as
    # often; the scrubber keeps their values, so the verifier must not search them.
    for obx in ("OBX|1|ST|X1^Mobile||Independent", "OBX|1|ST|X3^Name||Metformin"):
        source = (
            "MSH|^~\\&|LAB|GENHOSP|EHR|GENHOSP|20260105090000||ORU^R01|M0005|P|2.5.1\r"
            f"PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina\r{obx}\r"
        )
        assert _verified(source, _hl7_scrubbed(source)) == {}


def test_a_question_asking_for_another_persons_name_is_searched() -> None:
    # Round 12: "Next of kin name", "Guarantor's name" and "Relative phone" ask for
    # another person's name or phone (scrubbers/labels.py reads them so); the
    # verifier read only a mother's, father's, spouse's... Invented people.
    verifier = Verifier(load_policy("safe-harbor"))
    answers = [
        ("Next of kin name", "Oswald Brasswick"),
        ("Guarantor's name", "Tamsin Greywick"),
        ("Relative phone", "617-555-0199"),
    ]
    source = orjson.dumps(
        {
            "resourceType": "QuestionnaireResponse",
            "item": [
                {"linkId": f"q{i}", "text": text, "answer": [{"valueString": value}]}
                for i, (text, value) in enumerate(answers)
            ],
        }
    )
    for _, value in answers:
        leaked = orjson.dumps({"resourceType": "QuestionnaireResponse", "note": value})
        assert verifier.findings(source, leaked, "fhir"), value


def test_a_newborns_placeholder_given_name_is_no_name_but_the_family_name_is() -> None:
    # Round 12: PID-5 "Benson^Baby Girl" (a newborn not yet named) made a note's
    # "Healthy baby girl" "Healthy [NAME]", as the verifier read "Baby Girl" as a
    # name. It names nobody: the note stays, the family name is still searched
    # and replaced. Invented family name.
    for given in ("Baby Girl", "BabyBoy", "Baby Girl A", "BABY BOY 2"):
        source = (
            "MSH|^~\\&|REG|GENHOSP|ADT|GENHOSP|20260105090000||ADT^A01|M0006|P|2.5.1\r"
            f"PID|1||TST0042^^^GENHOSP^MR||Quillfeather^{given}||20260104|F\r"
            "NTE|1||Healthy baby girl, feeding well. Baby boy twin in NICU. "
            "Quillfeather family at bedside.\r"
        )
        scrubbed = _hl7_scrubbed(source)
        assert b"Healthy baby girl, feeding well. Baby boy twin" in scrubbed, given
        assert b"Quillfeather" not in scrubbed
        assert b"[NAME]" in scrubbed.split(b"\r")[1]  # PID-5 still replaced
        assert _verified(source, scrubbed) == {}
        head = scrubbed.decode().split("\r")[0]
        assert _verified(source, head + "\rNTE|1||Quillfeather") == {"name": 1}
    # A real given name after "Baby" is still a name.
    source = (
        "MSH|^~\\&|REG|GENHOSP|ADT|GENHOSP|20260105090000||ADT^A01|M0006|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Baby Wrenna||20260104|F\r"
    )
    assert _verified(source, "NTE|1||baby wrenna") == {"name": 1}


def test_a_plural_or_alternative_question_label_and_an_id_extension_are_searched() -> None:
    # Round 13: "Given Name(s)", "Family/Surname" ask for a name; an extension whose
    # URL names an identifier holds one, its digits searched too (a leak kept them
    # behind a replaced prefix). Invented values.
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "QuestionnaireResponse",
            "item": [
                {"linkId": "g", "text": "Given Name(s)", "answer": [{"valueString": "Wrenna"}]},
                {
                    "linkId": "f",
                    "text": "Family/Surname",
                    "answer": [{"valueString": "Quillfeather"}],
                },
            ],
            "extension": [
                {
                    "url": "http://example.org/fhir/StructureDefinition/individual-unique-id",
                    "valueString": "QF19610615010199999",
                },
                {
                    "url": "http://example.org/fhir/StructureDefinition/universal-id",
                    "valueString": "2.16.840.1.113883.9.82",
                },
            ],
        }
    )
    for leak, kind in (
        ("Wrenna", "name"),
        ("Quillfeather", "name"),
        ("QF19610615010199999", "other_id"),
        ("[COUNTY]19610615010199999", "other_id"),
    ):
        leaked = orjson.dumps({"resourceType": "QuestionnaireResponse", "note": leak})
        assert verifier.findings(source, leaked, "fhir").get(kind), leak
    kept = orjson.dumps({"resourceType": "Basic", "note": "system 2.16.840.1.113883.9.82"})
    assert not verifier.findings(source, kept, "fhir")


def test_a_date_in_a_person_resources_value_is_no_identifier() -> None:
    # Round 13: a French identity-reliability extension's validationDate
    # ("valueDate": "2020-04-22") read as a number with identifier punctuation: the
    # limited data set keeps dates, and the verifier quarantined the document. A date
    # is searched as a date (or not at all); a phone number there still is one.
    verifier = Verifier(load_policy("limited-data-set"))
    for key in ("valueDate", "valueDateTime", "valueString"):
        patient = {
            "resourceType": "Patient",
            "extension": [{"url": "http://example.org/validated", key: "2020-04-22"}],
        }
        source = orjson.dumps(patient)
        assert verifier.findings(source, source, "fhir") == {}, key
    source = orjson.dumps(
        {
            "resourceType": "Patient",
            "extension": [{"url": "http://example.org/cell", "valueString": "617-555-0177"}],
        }
    )
    leaked = orjson.dumps({"resourceType": "Patient", "text": {"div": "call 617-555-0177"}})
    assert verifier.findings(source, leaked, "fhir").get("other_id")
    # Safe Harbor removes a date's day: there it is still searched.
    patient = {
        "resourceType": "Patient",
        "extension": [{"url": "http://example.org/validated", "valueDate": "2020-04-22"}],
    }
    source = orjson.dumps(patient)
    assert Verifier(load_policy("safe-harbor")).findings(source, source, "fhir") == {"date": 1}


def test_questionnaire_birth_dates_national_ids_and_years_over_89_are_searched() -> None:
    """A form's birth date ("dob", "Date of birth") is searched as one, and under Safe
    Harbor so is its year when it implies an age over 89 (the year alone is identifying
    then); a "nid" answer is a national id. Independently of the scrubber, which kept
    them as a date's year and as text (hold-out round 14)."""
    source = orjson.dumps(
        {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "item": [
                {"linkId": "dob", "answer": [{"valueDate": "1921-03-04"}]},
                {"linkId": "q2", "text": "Date of birth", "answer": [{"valueDate": "1961-06-15"}]},
                {"linkId": "nid", "answer": [{"valueString": "44556677-2"}]},
            ],
        }
    )

    def answers(dob: str, born: str, nid: str) -> bytes:
        return orjson.dumps(
            {
                "resourceType": "QuestionnaireResponse",
                "item": [
                    {"linkId": "dob", "answer": [{"valueDate": dob}]},
                    {"linkId": "q2", "answer": [{"valueDate": born}]},
                    {"linkId": "nid", "answer": [{"valueString": nid}]},
                ],
            }
        )

    safe_harbor = Verifier(load_policy("safe-harbor"))
    assert safe_harbor.findings(source, answers("1921", "1961", "ID-0C1D"), "fhir") == {
        "birth_date": 1
    }
    assert safe_harbor.findings(source, answers("x", "1961-06-15", "44556677-2"), "fhir") == {
        "birth_date": 1,
        "other_id": 1,
    }
    assert safe_harbor.findings(source, answers("x", "1961", "ID-0C1D"), "fhir") == {}
    # A policy shifting dates may keep a year: only the day is searched then.
    shifted = answers("1921-07-30", "1961-11-02", "ID-0C1D")
    assert Verifier(load_policy("pseudonymized")).findings(source, shifted, "fhir") == {}


def test_a_name_in_its_genitive_without_apostrophe_is_found() -> None:
    """ "Zephyrinas fasta vårdkontakt" (Swedish, Zephyrina's regular contact) still names
    her: the verifier looks up each name word's genitive among the output's words."""
    output = orjson.dumps(
        {"resourceType": "CareTeam", "note": [{"text": "Zephyrinas fasta vårdkontakt"}]}
    )
    verifier = Verifier(load_policy("safe-harbor"))
    assert verifier.findings(orjson.dumps(PATIENT), output, "fhir") == {"name": 1}
    clean = orjson.dumps({"resourceType": "CareTeam", "note": [{"text": "[NAME] fasta"}]})
    assert verifier.findings(orjson.dumps(PATIENT), clean, "fhir") == {}


def test_a_birth_date_observation_is_searched_as_a_birth_date() -> None:
    """An Observation coded "Birth date" (LOINC 21112-8): its year implying an age over
    89 must not be left under Safe Harbor (hold-out round 14 probe)."""
    source = orjson.dumps(
        {
            "resourceType": "Observation",
            "code": {"coding": [{"system": "http://loinc.org", "code": "21112-8"}]},
            "valueDateTime": "1921-03-04",
        }
    )
    left = orjson.dumps({"resourceType": "Observation", "valueDateTime": "1921"})
    gone = orjson.dumps({"resourceType": "Observation"})
    verifier = Verifier(load_policy("safe-harbor"))
    assert verifier.findings(source, left, "fhir") == {"birth_date": 1}
    assert verifier.findings(source, gone, "fhir") == {}


def test_a_birth_date_parameter_is_searched_as_a_birth_date() -> None:
    """An operation's ``birthdate`` or ``dob`` parameter: a year implying an age over 89
    must not be left under Safe Harbor (hold-out round 14 probe)."""
    source = orjson.dumps(
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "x", "part": [{"name": "dob", "valueDate": "1921-03-04"}]}],
        }
    )
    left = orjson.dumps({"resourceType": "Parameters", "parameter": [{"valueDate": "1921"}]})
    gone = orjson.dumps({"resourceType": "Parameters", "parameter": [{"name": "x"}]})
    verifier = Verifier(load_policy("safe-harbor"))
    assert verifier.findings(source, left, "fhir") == {"birth_date": 1}
    assert verifier.findings(source, gone, "fhir") == {}


def test_a_birth_date_extension_is_searched_as_a_birth_date() -> None:
    """An extension whose URL names a birth date: a year implying an age over 89 must
    not be left under Safe Harbor (hold-out round 14 probe)."""
    url = "http://example.org/fhir/StructureDefinition/date-of-birth"
    source = orjson.dumps(
        {"resourceType": "RelatedPerson", "extension": [{"url": url, "valueDate": "1923-07-08"}]}
    )
    left = orjson.dumps(
        {"resourceType": "RelatedPerson", "extension": [{"url": url, "valueDate": "1923"}]}
    )
    verifier = Verifier(load_policy("safe-harbor"))
    assert verifier.findings(source, left, "fhir") == {"birth_date": 1}
    assert verifier.findings(source, orjson.dumps({"resourceType": "RelatedPerson"}), "fhir") == {}


def test_a_birth_place_extensions_town_is_searched_as_a_city() -> None:
    """An extension whose URL names a place of birth or origin holds a town, whatever
    its value's type: its string, its code's name and text, and a code long enough to
    search (a county's administrative code) must not be left under Safe Harbor (hold-out
    round 15 probe); the limited data set keeps towns."""
    origin = "http://example.org/fhir/StructureDefinition/extension-place-of-origin"
    native = "http://example.org/fhir/StructureDefinition/nativePlace"
    coded = {"coding": [{"code": "370281", "display": "Quillvale"}], "text": "Upper Quillvale"}
    source = orjson.dumps(
        {
            "resourceType": "Patient",
            "extension": [
                {"url": origin, "valueCodeableConcept": coded},
                {"url": native, "valueString": "Brookmere"},
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    for left in ("Brookmere", "Quillvale", "370281"):
        output = orjson.dumps({"resourceType": "Patient", "note": [{"text": f"from {left}"}]})
        assert verifier.findings(source, output, "fhir") == {"city": 1}, left
    assert verifier.findings(source, orjson.dumps({"resourceType": "Patient"}), "fhir") == {}
    assert Verifier(load_policy("limited-data-set")).findings(source, source, "fhir") == {}


def test_birth_years_and_birth_dates_written_otherwise_are_searched() -> None:
    """A "Year of birth" answered 1921 and a "Date of birth" answered "23/08/1922": under
    Safe Harbor those years (over 89) must not be left, nor a year-only birthDate's."""
    source = orjson.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"resource": {"resourceType": "Patient", "birthDate": "1920"}},
                {
                    "resource": {
                        "resourceType": "QuestionnaireResponse",
                        "item": [
                            {
                                "linkId": "y",
                                "text": "Year of birth",
                                "answer": [{"valueInteger": 1921}],
                            },
                            {
                                "linkId": "d",
                                "text": "Date of birth",
                                "answer": [{"valueString": "23/08/1922"}],
                            },
                            {"linkId": "u", "text": "DOB", "answer": [{"valueString": "unknown"}]},
                        ],
                    }
                },
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    for year in ("1920", "1921", "1922"):
        left = orjson.dumps({"resourceType": "Bundle", "note": f"born {year}", "x": "unknown"})
        assert verifier.findings(source, left, "fhir") == {"birth_date": 1}, year
    clean = orjson.dumps({"resourceType": "Bundle", "note": "born 1961", "x": "unknown"})
    assert verifier.findings(source, clean, "fhir") == {}


def test_national_identifier_answers_are_searched() -> None:
    """A form's answer to "CPF", "PESEL", "ID number", "Personnummer"...: a national
    identifier the verifier searches by its own label rules."""
    answers = [("CPF", "123.456.789-09"), ("PESEL", "61061512345"), ("ID number", "A1234567")]
    answers += [("Personnummer", "19610615-1234"), ("Codice fiscale", "QLLZPH61H55F205X")]
    source = orjson.dumps(
        {
            "resourceType": "QuestionnaireResponse",
            "item": [
                {"linkId": str(i), "text": label, "answer": [{"valueString": value}]}
                for i, (label, value) in enumerate(answers)
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    for _, value in answers:
        left = orjson.dumps({"resourceType": "QuestionnaireResponse", "note": f"id {value}"})
        assert verifier.findings(source, left, "fhir") == {"other_id": 1}, value


def test_an_identifier_extensions_uuid_is_searched() -> None:
    """A ``valueUuid`` under an extension whose URL names an identifier is one."""
    url = "http://example.org/fhir/StructureDefinition/uuidIdentifier"
    uuid = "5f0c2d3e-8a41-4b7e-9c12-3d4e5f6a7b8c"
    source = orjson.dumps(
        {
            "resourceType": "EpisodeOfCare",
            "extension": [{"url": url, "valueUuid": f"urn:uuid:{uuid}"}],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    assert verifier.findings(source, source, "fhir") == {"other_id": 1}
    clean = orjson.dumps({"resourceType": "EpisodeOfCare", "extension": [{"url": url}]})
    assert verifier.findings(source, clean, "fhir") == {}


def test_hl7_input_and_output_are_read_in_the_character_set_msh18_names() -> None:
    """A Big5 message read as UTF-8 turned its Chinese names into replacement
    characters: a given name left inside a note's Chinese text went unflagged. Both
    sides are read as the parser reads the input (and writes the output)."""
    verifier = Verifier(load_policy("safe-harbor"))
    cases = (
        ("BIG5", "big5", "陳^美玲", "病人美玲今日出院", "病人[NAME]今日出院"),
        ("8859/1", "latin-1", "Quillfeather^Jürgen", "Jürgen wurde entlassen.", "Entlassen."),
    )
    for charset, codec, name, leaked, clean in cases:
        head = f"MSH|^~\\&|HIS|GENHOSP|LAB|GENHOSP|20240305083000||ORU^R01|1|P|2.5||||||{charset}\r"
        source = f"{head}PID|1||MRN0042^^^GENHOSP^MR||{name}||19610615|F\rOBX|1|TX|N^Note||{leaked}||||||F\r"
        scrubbed = f"{head}PID|1||MRN-X^^^GENHOSP^MR||[NAME]^[NAME]||1961|F\rOBX|1|TX|N^Note||"
        found = verifier.findings(
            source.encode(codec), (scrubbed + leaked + "||||||F\r").encode(codec), "hl7v2"
        )
        assert found["name"] >= 1, charset
        kept = verifier.findings(
            source.encode(codec), (scrubbed + clean + "||||||F\r").encode(codec), "hl7v2"
        )
        assert not kept, (charset, kept)


def test_a_one_character_name_left_whole_is_flagged_and_inside_words_is_not() -> None:
    """One-character family names (Chinese 傅, Korean 김) are too short to search in
    text: inside CJK words they are everywhere. Left as a whole HL7 component or a
    whole JSON string, they are the name (round 14: IN1-17 came out 傅^[NAME])."""
    verifier = Verifier(load_policy("safe-harbor"))
    head = "MSH|^~\\&|HIS|GENHOSP|LAB|GENHOSP|20240305083000||ADT^A01|1|P|2.5\r"
    source = f"{head}PID|1||MRN0042^^^GENHOSP^MR||傅^鎮宇||19610615|F\rOBX|1|TX|N^Note||師傅說明||||||F\r"
    scrubbed = f"{head}PID|1||MRN-X^^^GENHOSP^MR||{{}}||1961|F\rOBX|1|TX|N^Note||師傅說明||||||F\r"
    left = verifier.findings(source.encode(), scrubbed.format("傅^[NAME]").encode(), "hl7v2")
    assert left["name"] == 1
    clean = verifier.findings(source.encode(), scrubbed.format("[NAME]^[NAME]").encode(), "hl7v2")
    assert not clean, clean
    patient = {"resourceType": "Patient", "name": [{"family": "김", "given": ["민수"]}]}
    left_family = {"resourceType": "Patient", "name": [{"family": "김", "given": ["[NAME]"]}]}
    found = verifier.findings(orjson.dumps(patient), orjson.dumps(left_family), "fhir")
    assert found["name"] == 1
    in_a_word = {
        "resourceType": "Patient",
        "name": [{"family": "[NAME]", "given": ["[NAME]"]}],
        "text": {"status": "generated", "div": "<div>김치</div>"},
    }
    assert not verifier.findings(orjson.dumps(patient), orjson.dumps(in_a_word), "fhir")


def test_an_employers_name_is_searched() -> None:
    """The names of the patient's employers (an employer extension's string or the
    Organization it references, an Employer contact's organization) must not be left
    under Safe Harbor (hold-out round 15); another organization's name may stay."""
    source = orjson.dumps(EMPLOYED)
    verifier = Verifier(load_policy("safe-harbor"))
    for left in ("Harrowgate Tinplate Works", "Brackenfield Mills", "Quarrymoor Haulage"):
        output = orjson.dumps({"resourceType": "Patient", "note": [{"text": f"at {left}"}]})
        assert verifier.findings(source, output, "fhir") == {"organization_name": 1}, left
    kept = orjson.dumps({"resourceType": "Organization", "name": "Kestrel General"})
    assert verifier.findings(source, kept, "fhir") == {}


def test_a_relatives_name_after_a_label_without_its_colon_is_searched() -> None:
    """ "Mother Tamsin Greywick called ...": the relative's name must not be left in
    the output's other texts (hold-out round 15); a family history line ("Mother
    Breast Cancer at age 45") names no one."""
    source = orjson.dumps(
        {
            "resourceType": "Communication",
            "status": "completed",
            "payload": [{"contentString": "Mother Tamsin Greywick called about the results."}],
            "note": [{"text": "Father Colon Cancer at age 60"}],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    left = orjson.dumps({"resourceType": "Communication", "note": [{"text": "Tamsin asked"}]})
    assert verifier.findings(source, left, "fhir") == {"name": 1}
    clean = orjson.dumps(
        {"resourceType": "Communication", "note": [{"text": "[NAME] asked; Colon Cancer"}]}
    )
    assert verifier.findings(source, clean, "fhir") == {}


def test_answers_naming_an_employer_or_a_work_address_are_searched() -> None:
    """The answers to "Employer", "Work address": an employer's name and address must
    not be left under Safe Harbor (hold-out round 15 probe)."""
    source = orjson.dumps(
        {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "item": [
                {
                    "linkId": "1",
                    "text": "Employer",
                    "answer": [{"valueString": "Harrowgate Works"}],
                },
                {
                    "linkId": "2",
                    "text": "Work address",
                    "answer": [{"valueString": "14 Forge Row, Marbleton"}],
                },
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    left = orjson.dumps({"resourceType": "Basic", "text": {"div": "<div>Harrowgate Works</div>"}})
    assert verifier.findings(source, left, "fhir") == {"organization_name": 1}
    left = orjson.dumps(
        {"resourceType": "Basic", "text": {"div": "<div>14 Forge Row, Marbleton</div>"}}
    )
    assert set(verifier.findings(source, left, "fhir")) == {"street_address"}


def test_a_devices_numbers_and_an_audited_entitys_number_are_searched() -> None:
    """A device's serial, its UDI as printed and as its barcode's base64 data, and
    an R4 AuditEvent entity's name written as an identifier must not be left under
    Safe Harbor (hold-out round 16); a serial that is a software version ("1.14.0")
    and an entity named in words are not searched."""
    aidc = base64.b64encode(b"(01)00643169007222(21)QX71902244").decode()
    source = orjson.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Device",
                        "serialNumber": "SN-55120917",
                        "udiCarrier": [{"carrierAIDC": aidc}],
                    }
                },
                {"resource": {"resourceType": "Device", "serialNumber": "1.14.0"}},
                {
                    "resource": {
                        "resourceType": "AuditEvent",
                        "entity": [{"name": "K418830271"}, {"name": "Patient search"}],
                    }
                },
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    for left, kind in (
        ({"carrierAIDC": aidc}, "device_id"),
        ({"note": [{"text": "serial SN-55120917"}]}, "device_id"),
        ({"name": "K418830271"}, "other_id"),
    ):
        output = orjson.dumps({"resourceType": "Device", **left})
        assert verifier.findings(source, output, "fhir") == {kind: 1}, left
    kept = orjson.dumps(
        {
            "resourceType": "Device",
            "version": [{"value": "1.14.0"}],
            "note": [{"text": "Patient search"}],
        }
    )
    assert verifier.findings(source, kept, "fhir") == {}


def test_an_address_after_its_label_and_a_town_before_its_state_and_zip_are_searched() -> None:
    """An address a free text writes after its label ("Anschrift: ...", "Address:
    ..."), and a town before its state and ZIP code, must not be left under Safe
    Harbor (hold-out round 16 probe); the state and a label without a number are not
    read."""
    source = orjson.dumps(
        {
            "resourceType": "Communication",
            "status": "completed",
            "payload": [
                {"contentString": "Anschrift: Ulmenstra\u00dfe 7, 10117 Brackwede. Danke."},
                {"contentString": "Address: 534 Erewhon, Vic"},
                {"contentString": "Mail to 9 Wrenfield Court, Ashgrove, IA 50133."},
                {"contentString": "Address: see clinic page"},
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    for left, kind in (
        ("Ulmenstra\u00dfe 7", "street_address"),
        ("Brackwede", "city"),
        ("Ashgrove", "city"),
    ):
        output = orjson.dumps({"resourceType": "Communication", "note": [{"text": left}]})
        assert verifier.findings(source, output, "fhir") == {kind: 1}, left
    kept = orjson.dumps(
        {"resourceType": "Communication", "note": [{"text": "Vic, IA 501, see clinic page"}]}
    )
    assert verifier.findings(source, kept, "fhir") == {}
    limited = Verifier(load_policy("limited-data-set"))  # which keeps towns
    town = orjson.dumps({"resourceType": "Communication", "note": [{"text": "Ashgrove"}]})
    assert limited.findings(source, town, "fhir") == {}


def test_a_name_on_the_line_before_the_persons_age_is_searched() -> None:
    """Synthea's notes put the name on its own line before " is a 31 year-old ...":
    the verifier read only the age phrase's own line, and passed the name left in a
    bulk export's DocumentReference (hold-out round 16)."""
    note = "# History\nWystan482 Corlew911\n is a 31 year-old female.\n"
    source = orjson.dumps(
        {
            "resourceType": "DocumentReference",
            "status": "current",
            "content": [
                {
                    "attachment": {
                        "contentType": "text/plain; charset=utf-8",
                        "data": base64.b64encode(note.encode()).decode(),
                    }
                }
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    left = orjson.dumps({"resourceType": "DocumentReference", "description": "Wystan482"})
    assert verifier.findings(source, left, "fhir") == {"name": 1}
    clean = orjson.dumps({"resourceType": "DocumentReference", "description": "[NAME]"})
    assert verifier.findings(source, clean, "fhir") == {}


def test_a_redeem_code_extension_is_searched() -> None:
    """The code an extension ``.../RedeemCode`` carries (gematik's DiGA voucher)
    must not be left (hold-out round 16)."""
    source = orjson.dumps(
        {
            "resourceType": "MedicationDispense",
            "status": "completed",
            "extension": [
                {"url": "https://example.org/EX_RedeemCode", "valueString": "QF77310294458812"}
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    left = orjson.dumps(
        {"resourceType": "MedicationDispense", "note": [{"text": "QF77310294458812"}]}
    )
    assert verifier.findings(source, left, "fhir") == {"other_id": 1}
    assert verifier.findings(source, orjson.dumps({"resourceType": "Basic"}), "fhir") == {}


def test_names_of_two_or_three_letters_are_searched_where_names_and_text_are_written() -> None:
    """A patient "WU^LI" (or Lee, Ng, Kim) was too short for any search: left in PID-5
    or a note it passed (hold-out round 17 probe). Such names are searched in the
    people fields and in notes, in any case; not in codes, which spell such words."""
    verifier = Verifier(load_policy("safe-harbor"))
    msh = "MSH|^~\\&|A|B|C|D|20240305083000||ADT^A01|M1|P|2.5.1\r"
    source = (msh + "PID|1||X1^^^H^MR||WU^LI||19800101|F\rNK1|1|NG^BO|SPO\r").encode()
    clean = (
        msh + "PID|1||[ID]||[NAME]^[NAME]||1980|F\rNK1|1|[NAME]^[NAME]|SPO\r"
        "OBX|1|CE|8302-2^Tube^LN||NG^Nasogastric^L||||||F\r"
        "OBX|2|ED|18842-5^Letter^LN||^TEXT^^Base64^AAAA||||||F\r"
        "NTE|1||Seen by [NAME]\\.br\\with [NAME]\r"
    )
    assert verifier.findings(source, clean.encode(), "hl7v2") == {}
    for leaked in (
        clean.replace("NTE|1||Seen by [NAME]", "NTE|1||Seen by Mr. Wu"),
        clean.replace("OBX|2|ED", "OBX|3|TX|11506-3^Note^LN||bo called||||||F\rOBX|2|ED"),
        clean.replace("PID|1||[ID]||[NAME]^[NAME]", "PID|1||[ID]||WU^[NAME]"),
        clean.replace("NK1|1|[NAME]^[NAME]", "NK1|1|[NAME]^Bo"),
        clean + "ZPD|1|Family: NG\r",
    ):
        assert verifier.findings(source, leaked.encode(), "hl7v2") == {"name": 1}, leaked
    patient = orjson.dumps({"resourceType": "Patient", "name": [{"family": "Wu", "given": ["Li"]}]})
    observation = {
        "resourceType": "Observation",
        "code": {"coding": [{"code": "LI", "display": "[NAME] level"}], "text": "[NAME]"},
        "valueQuantity": {"value": 2, "code": "Wu"},
        "text": {"status": "generated", "div": "<div><ul><li>[NAME]</li></ul></div>"},
    }
    assert verifier.findings(patient, orjson.dumps(observation), "fhir") == {}
    for key, value in (("valueString", "Ms Wu said"), ("note", [{"text": "li agrees"}])):
        leaked_fhir = orjson.dumps({**observation, key: value})
        assert verifier.findings(patient, leaked_fhir, "fhir") == {"name": 1}
    kept = orjson.dumps(
        {"resourceType": "Patient", "name": [{"family": "WU", "given": ["[NAME]"]}]}
    )
    assert verifier.findings(patient, kept, "fhir") == {"name": 1}


def test_a_street_without_its_house_number_is_searched() -> None:
    """The scrubber replaces "Lantern Row" of "42 Lantern Row" in notes; the verifier
    searched the whole line only, so a note naming the street passed (hold-out
    round 17 probe: a street name subcomponent, "1000&Hospital Lane")."""
    verifier = Verifier(load_policy("safe-harbor"))
    msh = "MSH|^~\\&|A|B|C|D|20240305083000||ADT^A01|M1|P|2.5.1\r"
    source = msh + "PID|1||X1^^^H^MR||DOE^JO||||||1000&Hospital Lane^^Brookvale^MA^02139\r"
    clean = msh + "PID|1||[ID]||[NAME]^[NAME]||||||[ADDRESS]^^[CITY]^MA^021\r"
    assert (
        verifier.findings(source.encode(), (clean + "NTE|1||Lane closed\r").encode(), "hl7v2") == {}
    )
    leaked = clean + "NTE|1||lives on hospital lane\r"
    assert verifier.findings(source.encode(), leaked.encode(), "hl7v2") == {"street_address": 1}
    patient = {"resourceType": "Patient", "address": [{"line": ["42 Lantern Row"]}]}
    note = {"resourceType": "Observation", "valueString": "walks down Lantern Row daily"}
    found = verifier.findings(orjson.dumps(patient), orjson.dumps(note), "fhir")
    assert found == {"street_address": 1}


@pytest.mark.parametrize("preset", ["safe-harbor", "limited-data-set", "pseudonymized"])
def test_short_names_and_bare_streets_the_scrubber_replaced_pass(preset: str) -> None:
    """The two rules above read only what the scrubbers replace: their own outputs pass."""
    policy = load_policy(preset)
    verifier = Verifier(policy)
    engine = Scrubber(policy, KeyRing.single(TEST_SECRET))
    message = (
        b"MSH|^~\\&|A|B|C|D|20240305083000||ADT^A01|M1|P|2.5.1\r"
        b"PID|1||X1^^^H^MR||WU^LI||19800101|F|||42 Lantern Row^^Brookvale^MA^02139"
        b"~Wrenhaven 14&Wrenhaven&14^^Ede^^6711AA^NL\r"
        b"NK1|1|NG^BO|SPO\r"
        b"OBX|1|CE|8302-2^Tube^LN||NG^Nasogastric^L||||||F\r"
        b"NTE|1||Mr. Wu and bo came in; li lives on Lantern Row. NG tube placed.\r"
        b"NTE|2||Before: Wrenhaven 14 in Ede (Wrenhaven)\r"
    )
    result = HL7Scrubber(engine).scrub_bytes(message)
    assert result.output is not None and b"Lantern Row" not in result.output
    assert verifier.findings(message, result.output, "hl7v2") == {}
    bundle = orjson.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Patient",
                        "name": [{"family": "Wu", "given": ["Li"]}],
                        "address": [{"line": ["42 Lantern Row"], "city": "Ulm"}],
                    }
                },
                {
                    "resource": {
                        "resourceType": "Observation",
                        "code": {"coding": [{"code": "LI"}], "text": "Li level"},
                        "valueString": "Ms Wu of Ulm walks down Lantern Row; wu family present",
                    }
                },
            ],
        }
    )
    [scrubbed] = FHIRScrubber(engine).scrub_bytes(bundle)
    assert scrubbed.output is not None and b"Lantern Row" not in scrubbed.output
    assert verifier.findings(bundle, scrubbed.output, "fhir") == {}


def test_a_street_names_subcomponents_and_a_short_town_are_searched() -> None:
    """Dutch and German senders fill SAD's three subcomponents ("Keizersgracht
    120&Keizersgracht&120"); the line was searched joined, so a note naming the street
    as written passed, and so did a town of three letters (hold-out round 17 probe)."""
    source = (
        b"MSH|^~\\&|A|B|C|D|20240305083000||ADT^A01|M1|P|2.4\r"
        b"PID|1||X1^^^H^MR||BERG^JO||||||Wrenhaven 14&Wrenhaven&14^^Ede^^6711AA^NL\r"
    )
    clean = (
        "MSH|^~\\&|A|B|C|D|2024||ADT^A01|ID-1|P|2.4\r"
        "PID|1||[ID]||[NAME]^[NAME]||||||[ADDRESS]^^[CITY]^^[ZIP]^NL\r"
        "NTE|1||moved to [ADDRESS] in [CITY]\r"
    )
    safe_harbor = Verifier(load_policy("safe-harbor"))
    assert safe_harbor.findings(source, clean.encode(), "hl7v2") == {}
    for leak, kind in (("Wrenhaven 14", "street_address"), ("Wrenhaven", "street_address")):
        leaked = clean.replace("moved to [ADDRESS]", f"moved to {leak}").encode()
        assert kind in safe_harbor.findings(source, leaked, "hl7v2"), leak
    in_note = clean.replace("in [CITY]", "in EDE").encode()
    assert safe_harbor.findings(source, in_note, "hl7v2") == {"city": 1}
    in_field = clean.replace("^^[CITY]^", "^^Ede^").encode()
    assert safe_harbor.findings(source, in_field, "hl7v2") == {"city": 1}
    # The limited data set keeps towns.
    assert Verifier(load_policy("limited-data-set")).findings(source, in_note, "hl7v2") == {}
    patient = orjson.dumps({"resourceType": "Patient", "address": [{"city": "Ulm"}]})
    note = {"resourceType": "Observation", "valueString": "born in Ulm"}
    assert safe_harbor.findings(patient, orjson.dumps(note), "fhir") == {"city": 1}
    kept = {"resourceType": "Patient", "address": [{"city": "ULM"}]}
    assert safe_harbor.findings(patient, orjson.dumps(kept), "fhir") == {"city": 1}
    coded = {"resourceType": "Observation", "code": {"coding": [{"code": "ulm"}]}}
    assert safe_harbor.findings(patient, orjson.dumps(coded), "fhir") == {}


def _planted_values(message: str) -> list[tuple[str, str]]:
    """The shortest value of each kind the tests' own oracle (tests/hl7_phi.py)
    reads from a message's people fields, but what neither side searches by
    design: values of digits without letters, under five digits (house numbers,
    phone parts: a dose or a count spells them), one-word street fragments without a digit
    (HOME of 2222&HOME&STREET) and a newborn's placeholder name."""
    planted = []
    for kind, values in extract(message).all().items():
        kept = [
            value
            for value in values
            if not (sum(c.isdigit() for c in value) < 5 and not any(c.isalpha() for c in value))
            and not (kind == "streets" and " " not in value and value.isalpha())
            and value.casefold() != "baby girl"
        ]
        if kept:
            planted.append((kind, min(kept, key=lambda v: (len(v), v))))
    return planted


def test_the_corpus_people_values_planted_in_a_note_are_found() -> None:
    """The verifier's independence, measured on the corpus: the shortest value of
    each kind a message's people fields hold, written into a note of its own Safe
    Harbor output, is a finding (hold-out round 17 probe: names and towns under four
    letters and streets without their house numbers were not)."""
    policy = load_policy("safe-harbor")
    scrubber = HL7Scrubber(Scrubber(policy, KeyRing.single(TEST_SECRET)))
    verifier = Verifier(policy)
    missed = []
    for path in CORPUS_FILES:
        source = path.read_bytes()
        output = scrubber.scrub_bytes(source).output
        assert output is not None and not verifier.findings(source, output, "hl7v2"), path.name
        end = b"\r" if b"\r" in output else b"\n"
        text = source.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        for message in re.split(r"(?m)^(?=MSH\|)", text)[1:]:
            for kind, value in _planted_values(message):
                planted = output.rstrip(b"\r\n") + end + f"NTE|1||seen {value} today".encode()
                if not verifier.findings(source, planted + end, "hl7v2"):
                    missed.append((path.name, kind, value))
    assert missed == [], missed


def test_an_ig_patient_summarys_name_and_identifier_are_searched() -> None:
    """The IG publisher's summary of a referenced Patient ("NAME (official) Female,
    DoB: ... ( Medical record number: X (use: usual, ))", a CJK name written whole,
    "system#type#value") names the person where no Patient is in the document: the
    verifier passed the name left in a CareTeam's narrative (hold-out round 17)."""
    div = (
        '<div xmlns="http://www.w3.org/1999/xhtml"><p><b>subject</b>: '
        '<a href="Patient-p.html">QUENBY 22 ORMSTRAD-VALE (official) Female, DoB: '
        "1948-02-11 ( Medical record number: 770212Q481\u00a0(use:\u00a0usual,\u00a0))</a>"
        "</p><p>\u5f6d\u96c5\u82b3 Female, DoB: 1952-08-30 ( urn:oid:1.2.3#Central "
        "Registry (CRX)#TQ-4471093)</p><p>Anonymous Patient Male, DoB Unknown</p></div>"
    )
    source = orjson.dumps(
        {"resourceType": "CareTeam", "subject": {"reference": "Patient/p"}, "text": {"div": div}}
    )
    verifier = Verifier(load_policy("safe-harbor"))

    def output(text: str) -> bytes:
        return orjson.dumps({"resourceType": "CareTeam", "text": {"div": text}})

    assert verifier.findings(source, output("QUENBY ORMSTRAD-VALE (official)"), "fhir") == {
        "name": 2
    }
    assert verifier.findings(source, output("\u5f6d\u96c5\u82b3 Female"), "fhir") == {"name": 1}
    assert verifier.findings(source, output("( X: 770212Q481 )"), "fhir") == {"other_id": 1}
    assert verifier.findings(source, output("(CRX)#TQ-4471093)"), "fhir") == {"other_id": 1}
    clean = "[NAME] (official) Female, DoB: 1948 ( Medical record number: MRN-1 ) Anonymous Patient"
    assert verifier.findings(source, output(clean), "fhir") == {}


def test_a_tasks_labelled_inputs_are_searched() -> None:
    """A Task's input or output typed "Contact person" holds a name, one typed "Date of
    birth" a birth date; the verifier passed both left (hold-out round 17 probe)."""
    source = orjson.dumps(
        {
            "resourceType": "Task",
            "input": [
                {"type": {"text": "Contact person"}, "valueString": "Jenifry Kitto"},
                {"type": {"text": "Date of birth"}, "valueDate": "1922-07-08"},
                {"type": {"text": "Contact person"}, "valueString": "ring after 5pm"},
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))

    def output(text: str) -> bytes:
        return orjson.dumps({"resourceType": "Task", "note": [{"text": text}]})

    assert verifier.findings(source, output("Jenifry Kitto"), "fhir") == {"name": 2}
    assert verifier.findings(source, output("born 1922"), "fhir") == {"birth_date": 1}
    assert verifier.findings(source, output("[NAME]; ring after 5pm"), "fhir") == {}


def test_labelled_names_in_html_and_rtf_letters_and_before_a_comma_are_searched() -> None:
    """An HTML or RTF letter's "Patient: Given Family" and a note's "Patient: Given
    Family, born ..." name the patient; the verifier read neither (hold-out round 17
    probe)."""
    verifier = Verifier(load_policy("safe-harbor"))

    def letter(content_type: str, body: str) -> bytes:
        data = base64.b64encode(body.encode()).decode()
        return orjson.dumps(
            {
                "resourceType": "DocumentReference",
                "content": [{"attachment": {"contentType": content_type, "data": data}}],
            }
        )

    left = orjson.dumps({"resourceType": "Basic", "text": {"div": "<p>Ysolde Carrow</p>"}})
    clean = orjson.dumps({"resourceType": "Basic", "text": {"div": "<p>[NAME]</p>"}})
    for source in (
        letter("text/html", "<p>Patient: Ysolde Carrow, born 1938-05-02</p>"),
        letter("text/rtf", "{\\rtf1 Patient: Ysolde Carrow\\par DOB 1938\\par}"),
        orjson.dumps(
            {"resourceType": "Observation", "valueString": "Patient: Ysolde Carrow, born 1938"}
        ),
    ):
        assert verifier.findings(source, left, "fhir") == {"name": 2}
        assert verifier.findings(source, clean, "fhir") == {}


def test_a_british_number_without_a_label_is_searched() -> None:
    """A note's British number with no label near it ("... neighbour on 01326 555
    902") is a phone number the verifier reads by its own pattern (hold-out round 17
    probe); an eleven-digit drug code is not."""
    source = orjson.dumps(
        {
            "resourceType": "ServiceRequest",
            "note": [{"text": "Ask the neighbour (key holder) on 01326 555 902. GPI 01220200105"}],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    left = orjson.dumps({"resourceType": "ServiceRequest", "note": [{"text": "01326555902"}]})
    assert verifier.findings(source, left, "fhir") == {"phone": 1}
    clean = orjson.dumps(
        {"resourceType": "ServiceRequest", "note": [{"text": "[PHONE]. GPI 01220200105"}]}
    )
    assert verifier.findings(source, clean, "fhir") == {}


def test_a_bare_display_naming_a_relative_is_searched() -> None:
    """A reference without a target whose display is "Name (husband)" names a relative
    (hold-out round 17 probe: a Communication's sender)."""
    source = orjson.dumps(
        {"resourceType": "Communication", "sender": {"display": "Jowan Penhallow (husband)"}}
    )
    verifier = Verifier(load_policy("safe-harbor"))
    left = orjson.dumps({"resourceType": "Communication", "sender": {"display": "Jowan"}})
    assert verifier.findings(source, left, "fhir") == {"name": 1}
    clean = orjson.dumps({"resourceType": "Communication", "sender": {"display": "[NAME]"}})
    assert verifier.findings(source, clean, "fhir") == {}


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("Address        (home)   :  12 Orchard Lane, Kellerton", True),
        ("WOHNADRESSE= Hauptstr. 5, 10115 Berlin", True),
        ("Dirección: Calle Mayor 3, Madrid", True),
        ("confirmed the home address at 12 Orchard Lane", False),
    ],
)
def test_the_address_label_pre_check_passes_every_label_the_pattern_reads(
    text: str, read: bool
) -> None:
    """The cheap check before the address label's scan (110 us on a benchmark note
    naming no such label) lets through every label the scan reads, blanks and a
    bracket before the colon included."""
    assert verify._address_label_near(text) is read
    assert bool(list(verify._ADDRESS_LABEL.finditer(text))) is read


def test_a_family_member_historys_name_and_birth_date_are_searched() -> None:
    """A FamilyMemberHistory's ``name`` is a relative's name and its ``bornDate`` their
    birth date (hold-out round 18: IHE APS's "Eve Alvarez" passed whole)."""
    source = orjson.dumps(
        {
            "resourceType": "FamilyMemberHistory",
            "status": "completed",
            "patient": {"reference": "Patient/p1"},
            "relationship": {"text": "mother"},
            "name": "Tamsin Greywick",
            "bornDate": "1929-03-03",
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    left = orjson.dumps({"resourceType": "FamilyMemberHistory", "name": "Greywick"})
    assert verifier.findings(source, left, "fhir") == {"name": 1}
    year = orjson.dumps({"resourceType": "FamilyMemberHistory", "bornDate": "1929"})
    assert verifier.findings(source, year, "fhir") == {"birth_date": 1}
    clean = orjson.dumps(
        {
            "resourceType": "FamilyMemberHistory",
            "name": "[NAME]",
            "relationship": {"text": "mother"},
        }
    )
    assert verifier.findings(source, clean, "fhir") == {}


def test_a_mac_address_left_in_the_output_is_a_device_identifier() -> None:
    """A network card's address is a device identifier (Safe Harbor (M)); the verifier
    flags one wherever the output holds it, as it does an SSN or an email (hold-out
    round 18 probe: a Device's note kept its home monitor's)."""
    source = orjson.dumps(
        {"resourceType": "Device", "note": [{"text": "home hub MAC 00:1A:2B:3C:4D:5E"}]}
    )
    left = orjson.dumps(
        {"resourceType": "Device", "note": [{"text": "home hub MAC 00:1a:2b:3c:4d:5e"}]}
    )
    for policy in ("safe-harbor", "limited-data-set", "pseudonymized"):
        assert Verifier(load_policy(policy)).findings(source, left, "fhir") == {"device_id": 1}
    clean = orjson.dumps(
        {"resourceType": "Device", "note": [{"text": "MAC [DEV] at 10:20:30, 2024-01-02"}]}
    )
    assert Verifier(load_policy("safe-harbor")).findings(source, clean, "fhir") == {}


def test_a_cda_birth_time_is_searched() -> None:
    """A CDA attachment's ``<birthTime value=...>`` is a birth date: its year is searched
    under Safe Harbor when it implies an age over 89 (hold-out round 18 probe)."""
    cda = (
        '<ClinicalDocument xmlns="urn:hl7-org:v3"><birthTime value="19280704"/></ClinicalDocument>'
    )

    def document(markup: str) -> bytes:
        data = base64.b64encode(markup.encode()).decode()
        return orjson.dumps(
            {
                "resourceType": "DocumentReference",
                "content": [{"attachment": {"contentType": "text/xml", "data": data}}],
            }
        )

    verifier = Verifier(load_policy("safe-harbor"))
    left = document(cda.replace("19280704", "1928"))
    assert verifier.findings(document(cda), left, "fhir") == {"birth_date": 1}
    clean = document(cda.replace('<birthTime value="19280704"/>', '<birthTime value=""/>'))
    assert verifier.findings(document(cda), clean, "fhir") == {}


def test_an_audit_agents_ip_address_is_searched() -> None:
    """An AuditEvent agent's network address (R4 ``network.address``, R5
    ``networkString``, ``networkUri``) is searched for its IP address (hold-out round
    18 probe: R5's networkUri kept it)."""
    source = orjson.dumps(
        {
            "resourceType": "AuditEvent",
            "agent": [
                {"networkUri": "https://81.2.69.161:8443/fhir"},
                {"network": {"address": "2001:db8:85a3::8a2e:370:7334"}},
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    left = orjson.dumps(
        {"resourceType": "AuditEvent", "agent": [{"networkUri": "https://81.2.69.161/"}]}
    )
    assert verifier.findings(source, left, "fhir") == {"ip_address": 1}
    left = orjson.dumps(
        {"resourceType": "AuditEvent", "agent": [{"networkString": "2001:db8:85a3::8a2e:370:7334"}]}
    )
    assert verifier.findings(source, left, "fhir") == {"ip_address": 1}
    clean = orjson.dumps(
        {"resourceType": "AuditEvent", "agent": [{"network": {"address": "[IP]"}}]}
    )
    assert verifier.findings(source, clean, "fhir") == {}


def test_licence_vehicle_certificate_and_bank_account_answers_are_searched() -> None:
    """A form's licence, vehicle registration, certificate, bank account and National
    Insurance numbers are searched by their questions (hold-out round 18 probe), also
    with a hint in parentheses after the question."""

    def item(text: str, value: str) -> dict[str, object]:
        return {"linkId": "1", "text": text, "answer": [{"valueString": value}]}

    answers = [
        ("Driving licence number", "S530-1234-5678", "license_number"),
        ("Vehicle registration (parking permit)", "7XKJ219", "vehicle_id"),
        ("Licence plate", "8ABC123", "vehicle_id"),
        ("Certificate number", "CERT-558812", "license_number"),
        ("Bank account number", "40308512", "account_number"),
        ("National Insurance number", "QQ123456C", "other_id"),
    ]
    verifier = Verifier(load_policy("safe-harbor"))
    for question, value, kind in answers:
        source = orjson.dumps(
            {"resourceType": "QuestionnaireResponse", "item": [item(question, value)]}
        )
        left = orjson.dumps({"resourceType": "Basic", "note": [{"text": f"kept {value}"}]})
        assert verifier.findings(source, left, "fhir") == {kind: 1}, question
        clean = orjson.dumps({"resourceType": "Basic", "note": [{"text": "kept [ID]"}]})
        assert verifier.findings(source, clean, "fhir") == {}, question


def test_an_old_birth_year_after_another_languages_birth_word_is_searched() -> None:
    """A birth date written after a birth word of another language in a note or a
    narrative: its year is searched under Safe Harbor when it implies an age over 89
    (hold-out round 18 probe); a recent one is not searched, Safe Harbor keeps it."""
    verifier = Verifier(load_policy("safe-harbor"))
    for written in ("nacida el 3 de marzo de 1931", "née le 3 mars 1931", "geb.: 12.05.1930"):
        source = orjson.dumps({"resourceType": "Condition", "note": [{"text": written}]})
        year = written[-4:]
        left = orjson.dumps({"resourceType": "Condition", "note": [{"text": f"nacida {year}"}]})
        assert verifier.findings(source, left, "fhir") == {"birth_date": 1}, written
    source = orjson.dumps(
        {"resourceType": "Condition", "note": [{"text": "geboren am 12.05.1961"}]}
    )
    kept = orjson.dumps({"resourceType": "Condition", "note": [{"text": "geboren am 1961"}]})
    assert verifier.findings(source, kept, "fhir") == {}


def test_names_and_towns_that_are_words_are_searched_with_a_capital_only() -> None:
    """The scrubber keeps a name or town that is also a word in lower case ("you may
    go" for a patient MAY LONG, "ECG normal" for a town Normal): the verifier passes
    it there and flags it written with a capital or in capitals."""
    source = (
        "MSH|^~\\&|A|B|C|D|20240305083000||ORU^R01|M1|P|2.5.1\r"
        "PID|1||X1^^^H^MR||LONG^MAY^AN||19800101|F|||1 Elm Street^^Normal^IL^61761\r"
        "NK1|1|LE^DO|SON\r"
    )
    head = (
        "MSH|^~\\&|A|B|C|D|2024||ORU^R01|M1|P|2.5.1\r"
        "PID|1||[ID]||[NAME]^[NAME]^[NAME]||1980|F|||^^^IL^617\rNK1|1|[NAME]^[NAME]|SON\r"
    )
    verifier = Verifier(load_policy("safe-harbor"))
    clean = head + "NTE|1||long history; you may go; ECG normal; an MRI, do it\r"
    assert verifier.findings(source.encode(), clean.encode(), "hl7v2") == {}
    for left, kind in (
        ("May called", "name"),
        ("seen with Long", "name"),
        ("lives in Normal", "city"),
        ("NORMAL, IL", "city"),
        ("An and Do visited", "name"),
    ):
        leaked = head + f"NTE|1||{left}\r"
        assert verifier.findings(source.encode(), leaked.encode(), "hl7v2") == {kind: 1}, left


def test_a_day_in_words_left_in_a_long_fhir_output_is_flagged() -> None:
    """With many values to search, the verifier collects the output's words and scans
    for a day in words only where a month's name and a day's word are among them."""
    identifiers = [{"system": "urn:x", "value": f"QX{i:06d}"} for i in range(80)]
    patient = {"resourceType": "Patient", "id": "p1", "identifier": identifiers}
    source = orjson.dumps(patient)
    verifier = Verifier(load_policy("safe-harbor"))
    for note, expected in (
        ("Seen on the fifteenth of June.", {"date": 1}),
        ("Seen for the first time in 2024.", {}),
        ("Seen in June, the second visit.", {}),
    ):
        output = orjson.dumps(
            {"resourceType": "Observation", "status": "final", "note": [{"text": note}]}
        )
        assert verifier.findings(source, output, "fhir") == expected, note


def test_a_name_before_a_parenthesized_relation_is_searched() -> None:
    """Hold-out round 19: "<Given> <Family> (abikaasa)" in a form's answer,
    "<Given> <Family> (daughter)" in a Communication's payload stayed and passed (the
    verifier read "Name (relation)" only in a reference's display). A family
    history's "Breast Cancer (mother)" is no name. Invented names."""
    source = orjson.dumps(
        {
            "resourceType": "Communication",
            "status": "completed",
            "payload": [
                {"contentString": "Spoke with Rowena Castlebury (daughter) today."},
                {"contentString": "Meelis Kuuskvere (abikaasa), tel 5123 9988"},
                {"contentString": "Breast Cancer (mother); Emergency Contact (spouse)"},
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    for left in ("Castlebury", "Kuuskvere"):
        output = orjson.dumps({"resourceType": "Communication", "note": [{"text": left}]})
        assert verifier.findings(source, output, "fhir") == {"name": 1}, left
    clean = source.replace(b"Rowena Castlebury", b"[NAME]").replace(b"Meelis Kuuskvere", b"[NAME]")
    assert verifier.findings(source, clean, "fhir") == {}


def test_a_municipality_of_residence_extensions_town_is_searched() -> None:
    """Hold-out round 19: a Finnish Patient's ``municipality-code`` extension kept the
    town's name and code under Safe Harbor and passed. Invented towns."""
    source = orjson.dumps(
        {
            "resourceType": "Patient",
            "extension": [
                {
                    "url": "https://fi.example.org/StructureDefinition/municipality-code",
                    "valueCoding": {"code": "77123", "display": "Kivela"},
                },
                {
                    "url": "http://example.org/StructureDefinition/kommunenummer",
                    "valueString": "Fjordvik",
                },
            ],
        }
    )
    for left in ("Kivela", "Fjordvik", "77123"):
        output = orjson.dumps({"resourceType": "Patient", "text": {"div": left}})
        found = Verifier(load_policy("safe-harbor")).findings(source, output, "fhir")
        assert found == {"city": 1}, left
        assert Verifier(load_policy("limited-data-set")).findings(source, output, "fhir") == {}
    clean = orjson.dumps({"resourceType": "Patient", "extension": []})
    assert Verifier(load_policy("safe-harbor")).findings(source, clean, "fhir") == {}


def test_an_authorization_or_reference_number_extension_is_searched() -> None:
    """Hold-out round 19: Da Vinci PAS's ``extension-authorizationNumber`` and
    ``extension-administrationReferenceNumber`` strings were kept and passed.
    Invented numbers."""
    pas = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-"
    source = orjson.dumps(
        {
            "resourceType": "Claim",
            "extension": [
                {"url": pas + "authorizationNumber", "valueString": "AUTH7741239"},
                {"url": pas + "administrationReferenceNumber", "valueString": "ARN55012873"},
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    for left in ("AUTH7741239", "ARN55012873"):
        output = orjson.dumps({"resourceType": "Claim", "text": {"div": f"auth {left}"}})
        assert verifier.findings(source, output, "fhir") == {"other_id": 1}, left
    assert verifier.findings(source, b'{"resourceType": "Claim"}', "fhir") == {}


def test_a_parenthesized_relatives_name_with_particles_is_searched() -> None:
    """Hold-out round 19 probe: "<Given> de la <Family> (esposo)" was read as no name
    (the particle ended it). Its capitalized words are searched, not the particles."""
    source = orjson.dumps(
        {"resourceType": "Observation", "valueString": "Vive con Ximeno de la Corvalan (esposo)"}
    )
    verifier = Verifier(load_policy("safe-harbor"))
    output = orjson.dumps({"resourceType": "Observation", "valueString": "Corvalan"})
    assert verifier.findings(source, output, "fhir") == {"name": 1}
    clean = orjson.dumps({"resourceType": "Observation", "valueString": "con [NAME] de la casa"})
    assert verifier.findings(source, clean, "fhir") == {}


def test_a_name_before_a_parenthesized_relation_in_a_narrative_cell_is_searched() -> None:
    """A narrative's table cell "<td><Given> <Family> (daughter)</td>": the tag glued to
    the given name hid the name from the reader of round 19 (the words were read with
    their tags). Invented name."""
    div = (
        '<div xmlns="http://www.w3.org/1999/xhtml"><table><tr><td>Contact</td>'
        "<td>Rowena Castlebury (daughter)</td></tr></table></div>"
    )
    source = orjson.dumps({"resourceType": "Observation", "text": {"div": div}})
    verifier = Verifier(load_policy("safe-harbor"))
    output = orjson.dumps({"resourceType": "Observation", "note": [{"text": "Castlebury"}]})
    assert verifier.findings(source, output, "fhir") == {"name": 1}
    clean = source.replace(b"Rowena Castlebury", b"[NAME]")
    assert verifier.findings(source, clean, "fhir") == {}


def test_a_name_spelled_like_a_key_the_scrubber_adds_is_not_the_person() -> None:
    """Hold-out round 19: a Patient named "Meta", sent without a meta, was quarantined:
    the output's "meta" key, which the scrubber adds for its labels, read as her name."""
    source = orjson.dumps(
        {"resourceType": "Patient", "name": [{"family": "Quillfeather", "given": ["Meta"]}]}
    )
    scrubber = FHIRScrubber(Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET)))
    output = scrubber.scrub_bytes(source)[0].output
    assert output is not None and b'"meta"' in output
    verifier = Verifier(load_policy("safe-harbor"))
    assert verifier.findings(source, output, "fhir") == {}
    left = output.replace(b'"given":["[NAME]"]', b'"given":["Meta"]')
    assert left != output
    assert verifier.findings(source, left, "fhir") == {"name": 1}


def test_qualified_name_labels_and_labelled_parameters_are_searched() -> None:
    """Hold-out round 20: an answer to "Last Name but Different This Time", "Surname at
    birth" or "Patient initials", and a death record's alias parameters
    (``alias_decedent_last_name``, ``alias_social_security_number``) were kept and the
    verifier read none of them (no labelled parameter at all but a birth date).
    Invented values."""
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "QuestionnaireResponse",
            "item": [
                {"linkId": "1", "text": "Last Name but Different This Time",
                 "answer": [{"valueString": "Halvorsk"}]},
                {"linkId": "2", "text": "Surname at birth", "answer": [{"valueString": "Vantwell"}]},
                {"linkId": "3", "text": "Name on label", "answer": [{"valueString": "Metoprolol"}]},
            ],
        }
    )  # fmt: skip
    leaked = orjson.dumps({"resourceType": "QuestionnaireResponse", "note": "Halvorsk Vantwell"})
    assert verifier.findings(source, leaked, "fhir") == {"name": 2}
    kept = orjson.dumps({"resourceType": "QuestionnaireResponse", "note": "Metoprolol"})
    assert verifier.findings(source, kept, "fhir") == {}
    source = orjson.dumps(
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "alias_decedent_last_name", "valueString": "Blythewood"},
                {"name": "alias_social_security_number", "valueString": "512448193"},
                {"name": "state_auxiliary_id", "valueString": "2018004471"},
                {"name": "jurisdiction_id", "valueString": "MA"},
            ],
        }
    )
    leaked = orjson.dumps({"resourceType": "Parameters", "id": "Blythewood-512448193"})
    assert verifier.findings(source, leaked, "fhir") == {"name": 1, "ssn": 1}
    leaked = orjson.dumps({"resourceType": "Parameters", "id": "x-2018004471"})
    assert verifier.findings(source, leaked, "fhir") == {"other_id": 1}
    clean = orjson.dumps({"resourceType": "Parameters", "id": "MA"})
    assert verifier.findings(source, clean, "fhir") == {}


def test_an_age_over_89_left_as_an_observations_quantity_is_flagged() -> None:
    """Hold-out round 20 probe: a death record's "Age at death" (LOINC 39016-1) of 94
    was kept and no rule of the verifier read an age written as a quantity. The
    top-coded ``>= 90`` and a weight of 95 kg pass."""
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps({"resourceType": "Observation", "status": "final"})

    def output(code: object, quantity: object) -> bytes:
        return orjson.dumps(
            {"resourceType": "Observation", "code": code, "valueQuantity": quantity}
        )

    loinc = {"coding": [{"system": "http://loinc.org", "code": "39016-1"}]}
    assert verifier.findings(source, output(loinc, {"value": 94, "code": "a"}), "fhir") == {
        "age": 1
    }
    by_text = {"text": "Age at death"}
    assert verifier.findings(source, output(by_text, {"value": 91}), "fhir") == {"age": 1}
    coded = {"value": 90, "comparator": ">=", "unit": "years", "code": "a"}
    assert verifier.findings(source, output(loinc, coded), "fhir") == {}
    weight = {"text": "Body weight"}
    assert verifier.findings(source, output(weight, {"value": 95, "code": "kg"}), "fhir") == {}
    assert verifier.findings(source, output(loinc, {"value": 47, "code": "a"}), "fhir") == {}


def test_a_town_and_british_postcode_after_a_street_are_searched() -> None:
    """Hold-out round 20 probes: "..., Penzance TR18 4AB" after a replaced street stayed
    and passed; the verifier reads the town and postcode ending a street line by its
    own pattern. Invented places."""
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Communication",
            "payload": [{"contentString": "We moved to 12 Quillet Terrace, Porthvennor TR19 4QX."}],
        }
    )
    left = source.replace(b"12 Quillet Terrace", b"[ADDRESS]")
    assert verifier.findings(source, left, "fhir") == {"city": 1, "zip": 1}
    clean = orjson.dumps(
        {"resourceType": "Communication", "payload": [{"contentString": "[ADDRESS], [CITY] [ZIP]"}]}
    )
    assert verifier.findings(source, clean, "fhir") == {}


def test_a_name_after_a_plural_relation_word_is_searched() -> None:
    """Hold-out round 20: "I live with my 5 children, <Given>, ..." in a Communication's
    payload kept the name and no rule of the verifier read it. "Children Hospital"
    names a place. Invented names."""
    verifier = Verifier(load_policy("safe-harbor"))
    text = "I live with my 5 children, Tamsyn, my eldest. Seen at Children Hospital."
    source = orjson.dumps({"resourceType": "Communication", "payload": [{"contentString": text}]})
    assert verifier.findings(source, source, "fhir") == {"name": 1}
    clean = source.replace(b"Tamsyn", b"[NAME]")
    assert verifier.findings(source, clean, "fhir") == {}


def test_a_name_or_address_list_sent_as_one_value_is_read_as_one() -> None:
    """Fuzzing (round 20's merged tree): an address ``line`` sent as a number made the
    verifier raise (a record it cannot check is quarantined, but the verifier must
    read what the scrubber passes). A string or a number where a list of strings
    belongs is read as one value; an object as none. Invented values."""
    source = orjson.dumps(
        {
            "resourceType": "Patient",
            "name": [{"family": "Quillfeather", "given": "Zephyrina"}],
            "address": [
                {"line": "12 Lantern Row", "city": "Brookvale"},
                {"line": 4471},
                {"line": {"x": 1}},
            ],
        }
    )
    verifier = Verifier(load_policy("safe-harbor"))
    left = orjson.dumps({"resourceType": "Basic", "note": "Zephyrina at 12 Lantern Row"})
    assert set(verifier.findings(source, left, "fhir")) == {"name", "street_address"}
    clean = orjson.dumps({"resourceType": "Basic", "note": "seen"})
    assert verifier.findings(source, clean, "fhir") == {}


@pytest.mark.parametrize(
    ("note", "value"),
    [
        ("Iqama No. 2417730952 verified", b"2417730952"),
        ("Permanent Resident Card Number: 2400118370", b"2400118370"),
        ("CNS: 704 2098 1166 3350", b"704 2098 1166 3350"),
        ("INSZ: 71021433107", b"71021433107"),
        ("Carte Vitale 271027511804217", b"271027511804217"),
        ("PHN 9698 658 215", b"9698 658 215"),
        ("Husband's HETU 131052-308T", b"131052-308T"),
    ],
)
def test_a_labelled_national_number_in_a_fhir_text_is_searched(note: str, value: bytes) -> None:
    """Hold-out round 21 probe (after NPHIES and BR Core examples): a national or
    health identifier after its label in a FHIR text stayed and passed; the verifier
    reads it by its own labels. Invented numbers."""
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "Admin"},
            "valueString": note,
        }
    )
    assert verifier.findings(source, source, "fhir") == {"other_id": 1}
    clean = source.replace(value, b"ID-1")
    assert verifier.findings(source, clean, "fhir") == {}


def test_cns_without_a_health_card_number_is_not_searched() -> None:
    """ "CNS" (the central nervous system) before a date range is no identifier."""
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "Hx"},
            "valueString": "CNS 2019-2020 radiotherapy",
        }
    )
    assert verifier.findings(source, source, "fhir") == {}


@pytest.mark.parametrize(
    ("note", "words"),
    [
        ("Consented. Father's name: Thorvald", [b"Thorvald"]),
        ("Present; spouse's name: Ysolde Marrack", [b"Ysolde", b"Marrack"]),
        ("Seen today. Next of kin: Pellinore Quaintance", [b"Pellinore", b"Quaintance"]),
    ],
)
def test_a_name_after_a_person_label_inside_a_fhir_line_is_searched(
    note: str, words: list[bytes]
) -> None:
    """Hold-out round 21 probe: a label asking for a name after a sentence ("...
    Father's name: <Given>") and a person label starting a sentence inside a line
    were not read (the person labels only at a line's start, "<relation>'s name"
    never): a name left there passed. Invented names."""
    verifier = Verifier(load_policy("safe-harbor"))
    source = orjson.dumps(
        {"resourceType": "Immunization", "status": "completed", "note": [{"text": note}]}
    )
    assert verifier.findings(source, source, "fhir") == {"name": len(words)}
    clean = source
    for word in words:
        clean = clean.replace(word, b"[NAME]")
    assert verifier.findings(source, clean, "fhir") == {}


def test_a_label_asking_for_a_name_without_one_is_not_read() -> None:
    verifier = Verifier(load_policy("safe-harbor"))
    for note in ("Seen. Father's name: Unknown", "Seen. Guarantor name: Self"):
        source = orjson.dumps({"resourceType": "Basic", "text": {"div": f"<div>{note}</div>"}})
        assert verifier.findings(source, source, "fhir") == {}, note


def test_hl7_a_british_street_type_in_a_note_is_searched() -> None:
    # Hold-out round 21 probe: "Lives at 14 <Name> Close", "... Crescent", "... Gardens",
    # "... Wynd" in a note stayed whole and passed: no reader of a note's unlabelled
    # street knew these types. In lower case they are English words. Invented places.
    source = (
        "MSH|^~\\&|EHR|GENHOSP|LAB|GENHOSP|20260105090000||ORU^R01|M0011|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "NTE|1|O|Lives at 14 Harrowby Close; previously 3 Millfield Crescent.\r"
        "OBX|1|TX|NOTE^Note||Niece at 2 Kirk Wynd, son at 9 ROWAN GARDENS||||||F\r"
        "NTE|2|O|Keep 2 patients close; 3 community gardens nearby\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    text = scrubbed.decode()
    for street in ("Harrowby", "Millfield", "Kirk Wynd", "ROWAN"):
        assert street not in text, street
    assert "Keep 2 patients close; 3 community gardens nearby" in text
    head = text.split("\r")[0]
    for kept in ("14 Harrowby Close", "3 Millfield Crescent", "2 Kirk Wynd", "9 ROWAN GARDENS"):
        assert _verified(source, f"{head}\rNTE|1||at {kept}") == {"street_address": 1}, kept


def test_hl7_a_relatives_name_in_a_z_segment_with_a_relationship_is_searched() -> None:
    # Hold-out round 21 probe (vendors' guardian and next-of-kin Z-segments): a name's
    # layout beside a relationship field (ZGN|1|<Family>^<Given>|Daughter, ZPD|...|
    # <Family>^<Given>|GRD) stayed whole and passed when no other field named the
    # person. A coded value (CAT^Catholic^HL70006) and a Z-segment without a
    # relationship stay. Invented people.
    source = (
        "MSH|^~\\&|EHR|GENHOSP|LAB|GENHOSP|20260105090000||ADT^A08|M0012|P|2.4\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "ZGN|1|Bramblecote^Ottoline|Daughter|CAT^Catholic^HL70006\r"
        "ZPD|1|Y|Ashgrove^Perpetua^Mae|GRD\r"
        "ZFC|1|Harbour^Ward|NORTH\r"
        "NTE|1||Ottoline Bramblecote will collect her\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    text = scrubbed.decode()
    for name in ("Bramblecote", "Ottoline", "Ashgrove", "Perpetua", "Mae"):
        assert name not in text, name
    for kept in ("CAT^Catholic^HL70006", "ZFC|1|Harbour^Ward|NORTH", "|Daughter|", "|GRD"):
        assert kept in text, kept
    head = text.split("\r")[0]
    assert _verified(source, f"{head}\rZGN|1|Bramblecote^Ottoline|Daughter") == {"name": 2}
    assert _verified(source, f"{head}\rZPD|1|Y|Ashgrove^Perpetua^Mae|GRD") == {"name": 2}


def test_hl7_a_name_after_a_label_without_its_colon_is_searched() -> None:
    # Hold-out round 21 probe: "Next of kin <Given> <Family> daughter", "Contact person
    # <Given> <Family> 617 555 ..." and "Patient name <Given> <Family> confirmed" in a
    # note stayed and passed (round 20 left labels without a colon). What names nobody
    # after such a label ("Emergency contact Not Known", "... Details Updated") stays.
    # Invented people.
    source = (
        "MSH|^~\\&|EHR|GENHOSP|LAB|GENHOSP|20260105090000||ORU^R01|M0013|P|2.5.1\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "NTE|1|O|Next of kin Rosamund Pellow daughter. Contact person Bram Okonedo will call.\r"
        "OBX|1|TX|NOTE^Note||Emergency contact Not Known. Next of kin Details Updated||||||F\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    text = scrubbed.decode()
    for name in ("Rosamund", "Pellow", "Bram", "Okonedo"):
        assert name not in text, name
    assert "Emergency contact Not Known. Next of kin Details Updated" in text
    head = text.split("\r")[0]
    assert _verified(source, f"{head}\rNTE|1||Next of kin Rosamund Pellow") == {"name": 2}


@pytest.mark.parametrize("preset", ["limited-data-set", "pseudonymized", "safe-harbor"])
def test_hl7_numbers_a_document_file_name_is_built_from_are_identifiers(preset: str) -> None:
    # Hold-out round 21 (an ORBIS MDM^T01 of the HL7 Germany MDM profile): TXA-16
    # "<number>_<number>_<document>_<time>.PDF" kept the two seven-digit numbers no
    # other field gave (the document number beside them was pseudonymized), and the
    # verifier passed them. The time stays a date; a version "v2" stays. Invented.
    source = (
        "MSH|^~\\&|ORBIS|KH|RECAPP|KH|20251126103600||MDM^T01|M0014|P|2.5\r"
        "PID|1||7420190^^^KH^PI||Quillfeather^Zephyrina||19610615|F\r"
        "TXA|1|CN|application/pdf|||||20251126103606||||218043^ORBIS|||"
        "|9988123_4711305_218043_20251126103606.PDF^ORBIS|AU\r"
        "TXA|2|CN|application/pdf|||||||||||||discharge_summary_v2.pdf|AU\r"
    )
    scrubber = HL7Scrubber(Scrubber(load_policy(preset), KeyRing.single(TEST_SECRET)))
    result = scrubber.scrub_bytes(source.encode())
    assert result.output is not None
    text = result.output.decode()
    assert "9988123" not in text and "4711305" not in text, text
    assert "discharge_summary_v2.pdf" in text and ".PDF^ORBIS" in text
    verifier = Verifier(load_policy(preset))
    assert verifier.findings(source.encode(), result.output, "hl7v2") == {}
    lines = text.split("\r")
    txa = lines[2].split("|")
    txa[16] = "9988123_" + txa[16].split("_", 1)[1]
    lines[2] = "|".join(txa)
    left = "\r".join(lines).encode()
    assert verifier.findings(source.encode(), left, "hl7v2") == {"other_id": 1}


def test_hl7_a_number_in_an_orders_placer_or_filler_field_is_an_identifier() -> None:
    # Hold-out round 21 (a Polish P1 ORM^O01): OBR-18, where IHE's radiology profiles
    # put the accession number, kept a nine-digit sample number whole, and the
    # verifier passed it. Descriptive text there ("Placer 1") stays. Invented values.
    source = (
        "MSH|^~\\&|SZPM||LAB||20260105090000||ORM^O01|M0015|P|2.3\r"
        "PID|1||TST0042^^^GENHOSP^MR||Quillfeather^Zephyrina||19610615|F\r"
        "OBR|1|5494||OB^ESR|||20260105090000|||||||||||900012345|ACC778812|Filler 1|\r"
    )
    scrubbed = _hl7_scrubbed(source)
    assert _verified(source, scrubbed) == {}
    text = scrubbed.decode()
    assert "900012345" not in text and "ACC778812" not in text, text
    assert "|Filler 1|" in text
    head = text.split("\r")[0]
    kept = f"{head}\rOBR|1|||OB^ESR|||||||||||||900012345|"
    assert _verified(source, kept) == {"other_id": 1}
