"""The policy language: validation, rule order, presets, identity, provenance."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from scrubbers.engine import Scrubber
from scrubbers.identity import IdentityUnresolvedError, PatientIdentifier
from scrubbers.keys import KeyRing
from scrubbers.kinds import SAFE_HARBOR_CATEGORIES, SAFE_HARBOR_CATEGORY, Kind, Role
from scrubbers.methods import Removal
from scrubbers.policy import PRESETS, load_policy, parse_policy
from scrubbers.policy_yaml import PolicyError
from scrubbers.target import Target

from .conftest import OTHER_SECRET, TEST_SECRET

MINIMAL = """\
id: test
version: 3
rules:
  - match: {kind: name, role: provider}
    method: keep
  - match: {kind: [name, phone]}
    method: mask
"""


def policy(text: str) -> str:
    return textwrap.dedent(text)


def test_minimal_policy_first_match_wins_and_default_redacts() -> None:
    compiled = parse_policy(MINIMAL)
    assert (compiled.id, compiled.version) == ("test", "3")
    ctx = Scrubber(compiled, KeyRing.single(TEST_SECRET)).message()
    assert ctx.apply("Dr Casey", Target(Kind.NAME, Role.PROVIDER)) == "Dr Casey"
    assert ctx.apply("Adam", Target(Kind.NAME, Role.PATIENT)) == "[NAME]"
    assert ctx.apply("123-45-6789", Target(Kind.SSN)) is Removal.VALUE  # no rule: default
    assert compiled.resolve(Target(Kind.SSN)).index == -1


def test_selectors_for_format_and_datatype() -> None:
    compiled = parse_policy(
        MINIMAL.replace(
            "rules:\n", "rules:\n  - match: {format: fhir, datatype: HumanName}\n    method: drop\n"
        )
    )
    ctx = Scrubber(compiled, KeyRing.single(TEST_SECRET)).message()
    assert (
        ctx.apply("Adam", Target(Kind.NAME, format="fhir", datatype="HumanName")) is Removal.ELEMENT
    )
    assert ctx.apply("Adam", Target(Kind.NAME, format="hl7v2", datatype="XPN")) == "[NAME]"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            "id: x\nversion: 1\nrules:\n  - match: {kind: nmae}\n    method: mask\n",
            4,
            "rules[0].match.kind: unknown kind",
        ),
        (
            "id: x\nversion: 1\nrules:\n  - match: {}\n    method: pseudonymise\n",
            5,
            "rules[0].method: unknown method 'pseudonymise'",
        ),
        (
            "id: x\nversion: 1\nrules:\n  - match: {}\n    method: mask\n    with: {colour: red}\n",
            6,
            "rules[0].with: method 'mask' has no parameter 'colour'",
        ),
        (
            "id: x\nversion: 1\nrules:\n  - match: {kind: name}\n    method: date_shift\n",
            5,
            "'date_shift' applies only to kinds",
        ),
        ("id: x\nversion: 1\nrulez: []\n", 3, "rulez: unknown key"),
        ("id: x\nversion: 1\nrules: []\n", 3, "rules: required"),
        ("version: 1\nrules:\n  - match: {}\n    method: keep\n", None, "id: required"),
        (
            "id: x\nversion: 1\nsettings:\n  date_shift_days: 0\nrules:\n  - match: {}\n    method: keep\n",
            4,
            "settings.date_shift_days",
        ),
        ("id: x\nversion: 1\nrules:\n  - method: keep\n", 4, "required key 'match'"),
        ("id: x\nversion: 1\nrules:\n  - match: {kind: name}\n    method: [\n", 6, "invalid YAML"),
        ("id: x\nid: y\nversion: 1\nrules: []\n", 2, "duplicate key"),
        (
            "id: x\nversion: 1\nrules:\n  - match: {shoe: 1}\n    method: keep\n",
            4,
            "unknown selector",
        ),
        (
            "id: x\nversion: 1\nidentity: {unresolved: guess}\nrules:\n  - match: {}\n    method: keep\n",
            3,
            "identity.unresolved",
        ),
        (
            "id: x\nversion: 1\ndefault_method: date_shift\nrules:\n  - match: {}\n    method: keep\n",
            3,
            "default method cannot be",
        ),
        (
            "id: x\nversion: 1\nrules:\n  - match: {kind: mrn}\n    method: pseudonymize\n"
            "    with: {length: 8}\n",
            None,
            "'length' must be",
        ),
        (
            "id: x\nversion: 1\nrules:\n  - match:\n      hl7:\n        - PID-5\n"
            "        - PID_5\n    method: keep\n",
            7,
            "HL7 paths look like",
        ),
        (
            "id: x\nversion: 1\nrules:\n  - match: {fhir: 'Patient..name'}\n    method: keep\n",
            4,
            "FHIR paths look like",
        ),
    ],
)
def test_invalid_policies_name_the_key_and_line(text: str, line: int | None, fragment: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(text, "p.yaml")
    message = str(err.value)
    assert fragment in message
    if line is not None:
        assert message.startswith(f"p.yaml:{line}:"), message


def test_yaml_errors_do_not_echo_document_text() -> None:
    secret_looking = "Everyman Adam 123-45-6789"
    with pytest.raises(PolicyError) as err:
        parse_policy(f"id: x\nversion: 1\nrules: [{{{secret_looking}: \n", "p.yaml")
    assert secret_looking not in str(err.value)


def test_policy_file_and_custom_zip3_list(tmp_path: Path) -> None:
    (tmp_path / "zip3.txt").write_text("# newer census\n021\n")
    file = tmp_path / "policy.yaml"
    file.write_text(
        "id: x\nversion: 1\nsettings: {zip3_restricted: zip3.txt}\n"
        "rules:\n  - match: {kind: zip}\n    method: generalize\n"
    )
    loaded = load_policy(file)
    ctx = Scrubber(loaded, KeyRing.single(TEST_SECRET)).message()
    assert ctx.apply("02139", Target(Kind.ZIP)) == "000"
    assert ctx.apply("03601", Target(Kind.ZIP)) == "036"  # not on the newer list
    (tmp_path / "zip3.txt").write_text("021\n022\n")
    assert load_policy(file).content_hash != loaded.content_hash


def test_missing_policy_file_is_a_clear_error() -> None:
    with pytest.raises(PolicyError, match="not a preset"):
        load_policy("/nonexistent/policy.yaml")


def test_content_hash_tracks_content_not_formatting() -> None:
    a = parse_policy(MINIMAL)
    b = parse_policy("# a comment\n" + MINIMAL.replace("[name, phone]", "[ name,  phone ]"))
    c = parse_policy(MINIMAL.replace("method: keep", "method: redact"))
    assert a.content_hash == b.content_hash
    assert a.content_hash != c.content_hash
    assert a.provenance == {
        "policy_id": "test",
        "policy_version": "3",
        "policy_hash": a.content_hash,
    }


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load_and_cover_every_kind(name: str) -> None:
    preset = load_policy(name)
    assert preset.id == name
    for kind in Kind:
        for role in Role:
            assert preset.resolve(Target(kind, role)).index >= 0, (kind, role)


def test_every_safe_harbor_category_has_a_kind() -> None:
    assert set(SAFE_HARBOR_CATEGORY.values()) - {None} == set(SAFE_HARBOR_CATEGORIES)


def test_safe_harbor_treats_relatives_employers_household_like_the_patient(
    make_scrubber: Callable[..., Scrubber],
) -> None:
    ctx = make_scrubber().message()
    for role in (Role.PATIENT, Role.RELATIVE, Role.EMPLOYER, Role.HOUSEHOLD, Role.GUARANTOR):
        assert ctx.apply("Eve Everyman", Target(Kind.NAME, role)) == "[NAME]"
        assert ctx.apply("1 Main St", Target(Kind.STREET_ADDRESS, role)) is Removal.VALUE
        assert ctx.apply("555-0100", Target(Kind.PHONE, role)) is Removal.VALUE


# --- identity -------------------------------------------------------------------

CROSS_FORMAT = """\
id: x
version: 1
identity:
  identifier_types: [MR]
  namespaces:
    - name: general-hospital
      hl7_authorities: [GH, "GH&1.2.840.99&ISO"]
      fhir_systems: ["urn:oid:1.2.840.99", "https://gh.example.org/mrn"]
rules:
  - match: {kind: mrn}
    method: pseudonymize
  - match: {kind: date}
    method: date_shift
"""


def test_same_patient_same_pseudonym_and_shift_in_hl7_and_fhir() -> None:
    scrubber = Scrubber(parse_policy(CROSS_FORMAT), KeyRing.single(TEST_SECRET))
    hl7 = scrubber.message([PatientIdentifier("A1234", "MR", authority="GH")])
    fhir = scrubber.message([PatientIdentifier("A1234", system="https://gh.example.org/mrn")])
    assert hl7.identity.namespace == fhir.identity.namespace == "general-hospital"
    assert hl7.patient_pseudonym() == fhir.patient_pseudonym()
    assert hl7.date_shift_days == fhir.date_shift_days
    # An MRN found in a field pseudonymizes to the same value as the patient key.
    mrn = Target(Kind.MRN)
    assert hl7.apply("A1234", mrn, hl7.namespace_of(authority="GH")) == hl7.patient_pseudonym()
    assert fhir.apply("A1234", mrn, fhir.namespace_of(system="urn:oid:1.2.840.99")) == (
        hl7.patient_pseudonym()
    )


def test_identity_prefers_typed_mapped_identifiers() -> None:
    scrubber = Scrubber(parse_policy(CROSS_FORMAT), KeyRing.single(TEST_SECRET))
    ctx = scrubber.message(
        [
            PatientIdentifier("999-99-9999", "SS", authority="SSA"),
            PatientIdentifier("V555", "MR", authority="OTHER"),
            PatientIdentifier("A1234", "MR", authority="GH"),
        ]
    )
    assert ctx.identity.namespace == "general-hospital"
    assert "A1234" not in repr(ctx.identity)


def test_unresolved_identity_per_message_is_marked_in_provenance() -> None:
    scrubber = Scrubber(parse_policy(CROSS_FORMAT), KeyRing.single(TEST_SECRET))
    first = scrubber.message([PatientIdentifier("123", "SS", authority="SSA")])
    second = scrubber.message([])
    assert first.report.to_dict()["identity_source"] == "per-message"
    assert first.patient_pseudonym() != second.patient_pseudonym()
    day = Target(Kind.DATE)
    assert first.apply("20240101", day) == first.apply("20240101", day)  # consistent inside


def test_a_per_message_identity_is_keyed_on_the_message_content() -> None:
    """A record redelivered after a crash must scrub to its first output (same
    date shift, same record key): the identity follows the content, keyed."""
    scrubber = Scrubber(parse_policy(CROSS_FORMAT), KeyRing.single(TEST_SECRET))
    first = scrubber.message([], content=lambda: b"MSH|one")
    again = Scrubber(parse_policy(CROSS_FORMAT), KeyRing.single(TEST_SECRET)).message(
        [], content=lambda: b"MSH|one"
    )
    other = scrubber.message([], content=lambda: b"MSH|two")
    other_key = Scrubber(parse_policy(CROSS_FORMAT), KeyRing.single(OTHER_SECRET)).message(
        [], content=lambda: b"MSH|one"
    )
    assert first.report.to_dict()["identity_source"] == "per-message"
    assert first.identity == again.identity
    assert first.patient_pseudonym() == again.patient_pseudonym()
    assert first.date_shift_days == again.date_shift_days
    assert other.identity != first.identity
    assert other_key.identity != first.identity  # keyed: not a hash of the content


def test_the_content_is_read_only_when_no_identifier_resolves() -> None:
    def unread() -> bytes:
        raise AssertionError("content read for a resolved identity")

    scrubber = Scrubber(parse_policy(CROSS_FORMAT), KeyRing.single(TEST_SECRET))
    ctx = scrubber.message([PatientIdentifier("A1234", "MR", authority="GH")], content=unread)
    assert ctx.identity.namespace == "general-hospital"


def test_unresolved_identity_can_be_rejected() -> None:
    text = CROSS_FORMAT.replace(
        "  identifier_types: [MR]\n", "  identifier_types: [MR]\n  unresolved: reject\n"
    )
    scrubber = Scrubber(parse_policy(text), KeyRing.single(TEST_SECRET))
    with pytest.raises(IdentityUnresolvedError):
        scrubber.message([])


def test_an_issuer_in_two_namespaces_is_rejected() -> None:
    text = CROSS_FORMAT.replace(
        '      fhir_systems: ["urn:oid:1.2.840.99", "https://gh.example.org/mrn"]\n',
        '      fhir_systems: ["urn:oid:1.2.840.99"]\n    - name: other\n      hl7_authorities: [GH]\n',
    )
    with pytest.raises(PolicyError, match="one namespace only"):
        parse_policy(text, "p.yaml")


# --- report ---------------------------------------------------------------------


def test_report_counts_without_values(make_scrubber: Callable[..., Scrubber]) -> None:
    ctx = make_scrubber().message([PatientIdentifier("MRN-4455", "MR", "GH")])
    values = {
        Kind.NAME: "Everyman",
        Kind.MRN: "MRN-4455",
        Kind.PHONE: "555-0100",
        Kind.BIRTH_DATE: "19800101",
        Kind.ZIP: "02139",
    }
    for kind, value in values.items():
        ctx.apply(value, Target(kind))
    ctx.apply("Adam", Target(Kind.NAME))
    report = ctx.report.to_dict()
    assert report["identifiers"]["name"] == {"mask": 2}
    assert report["identifiers"]["mrn"] == {"pseudonymize": 1}
    assert report["key_version"] == "t1"
    assert report["policy"]["id"] == "safe-harbor"
    blob = orjson.dumps(report).decode()
    for value in [*values.values(), "Adam"]:
        assert value not in blob
    total = make_scrubber().message().report
    total.merge(ctx.report)
    assert total.total() == 6


def test_generalize_target_must_fit_the_kinds() -> None:
    with pytest.raises(PolicyError, match="generalize to 'year' applies only to kinds"):
        parse_policy(
            "id: x\nversion: 1\nrules:\n  - match: {kind: age}\n    method: generalize\n"
            "    with: {to: year}\n",
            "p.yaml",
        )


def test_limited_data_set_keeps_only_city_state_zip_of_an_address(
    make_scrubber: Callable[..., Scrubber],
) -> None:
    ctx = make_scrubber("limited-data-set").message()
    assert ctx.apply("Brookvale", Target(Kind.CITY)) == "Brookvale"
    assert ctx.apply("02139", Target(Kind.ZIP)) == "02139"
    assert ctx.apply("Middlesex", Target(Kind.COUNTY)) is Removal.VALUE
    assert ctx.apply("42 Lantern Row", Target(Kind.STREET_ADDRESS)) is Removal.VALUE


def test_patient_pseudonym_follows_the_policys_mrn_rule() -> None:
    text = CROSS_FORMAT.replace(
        "method: pseudonymize", "method: pseudonymize\n    with: {prefix: PT, length: 16}"
    )
    ctx = Scrubber(parse_policy(text), KeyRing.single(TEST_SECRET)).message(
        [PatientIdentifier("A1234", "MR", authority="GH")]
    )
    assert ctx.patient_pseudonym().startswith("PT-")
    assert len(ctx.patient_pseudonym()) == len("PT-") + 16
    assert (
        ctx.apply("A1234", Target(Kind.MRN), ctx.namespace_of(authority="GH"))
        == ctx.patient_pseudonym()
    )
