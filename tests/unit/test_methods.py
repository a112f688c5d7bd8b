"""Methods: determinism, non-disclosure, date shifts, generalization."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scrubbers.engine import MessageContext, Scrubber
from scrubbers.identity import PatientIdentifier
from scrubbers.keys import KeyRing
from scrubbers.kinds import LABELS, Kind
from scrubbers.methods import REGISTRY, Removal, build
from scrubbers.policy import load_policy
from scrubbers.target import Target

from .conftest import OTHER_SECRET, TEST_SECRET

MRN = Target(Kind.MRN)
NAME = Target(Kind.NAME)
ids = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")),
    min_size=6,
    max_size=40,
)


def context(scrubber: Scrubber, mrn: str = "MRN-TEST-0001", year: int = 2026) -> MessageContext:
    return scrubber.message([PatientIdentifier(mrn, "MR", "GH")], reference_year=year)


def run(method: str, value: str, target: Target, ctx: MessageContext, **params: object) -> object:
    return build(method, params)(value, target, "", ctx)


def test_every_registered_method_has_a_summary() -> None:
    assert set(REGISTRY) == {
        "keep",
        "redact",
        "mask",
        "pseudonymize",
        "date_shift",
        "generalize",
        "drop",
        "scrub",
    }
    assert all(spec.summary for spec in REGISTRY.values())


@settings(max_examples=200)
@given(value=ids)
def test_pseudonyms_are_deterministic_per_key_and_change_with_the_key(value: str) -> None:
    assume(value.strip())
    a = context(_scrubber(TEST_SECRET))
    b = context(Scrubber(_scrubber(TEST_SECRET).policy, KeyRing.single(TEST_SECRET)))
    c = context(_scrubber(OTHER_SECRET))
    first = run("pseudonymize", value, MRN, a)
    assert first == run("pseudonymize", value, MRN, b)
    assert first != run("pseudonymize", value, MRN, c)
    assert isinstance(first, str)
    assert first.startswith("MRN-")


@settings(max_examples=300)
@given(
    value=ids,
    method=st.sampled_from(["redact", "mask", "pseudonymize"]),
    kind=st.sampled_from(sorted(Kind)),
)
def test_outputs_never_contain_the_input(value: str, method: str, kind: Kind) -> None:
    label = LABELS[kind]
    # The fixed parts of an output (placeholder, prefix) are not the patient's.
    assume(value.strip() and value.strip() not in f"[{label}] {label}-")
    ctx = context(_scrubber(TEST_SECRET))
    out = run(method, value, Target(kind), ctx)
    assert out is Removal.VALUE or (isinstance(out, str) and value.strip() not in out)


def test_name_pseudonyms_ignore_case_and_spacing(make_scrubber: Callable[..., Scrubber]) -> None:
    ctx = context(make_scrubber())
    assert run("pseudonymize", "Everyman  ADAM", NAME, ctx) == run(
        "pseudonymize", " everyman adam", NAME, ctx
    )


def test_namespaces_separate_equal_numbers(make_scrubber: Callable[..., Scrubber]) -> None:
    ctx = context(make_scrubber())
    op = build("pseudonymize", {})
    assert op("12345", MRN, "hospital-a", ctx) != op("12345", MRN, "hospital-b", ctx)


def test_mask_placeholders(make_scrubber: Callable[..., Scrubber]) -> None:
    ctx = context(make_scrubber())
    assert run("mask", "Adam Everyman", NAME, ctx) == "[NAME]"
    assert run("mask", "555-0100", Target(Kind.PHONE), ctx, placeholder="<{label}>") == "<PHONE>"
    assert run("mask", "x", NAME, ctx, placeholder="***") == "***"


def test_keep_redact_drop(make_scrubber: Callable[..., Scrubber]) -> None:
    ctx = context(make_scrubber())
    assert run("keep", "MA", Target(Kind.STATE), ctx) == "MA"
    assert run("redact", "555-0100", Target(Kind.PHONE), ctx) is Removal.VALUE
    assert run("drop", "base64...", Target(Kind.PHOTO), ctx) is Removal.ELEMENT


# --- date_shift -----------------------------------------------------------------

DATE = Target(Kind.DATE)
day_strategy = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2090, 12, 31))


@functools.cache
def _scrubber(secret: str, policy: str = "pseudonymized") -> Scrubber:
    return Scrubber(load_policy(policy), KeyRing.single(secret))


@settings(max_examples=200)
@given(days=st.lists(day_strategy, min_size=2, max_size=8), mrn=ids, hl7=st.booleans())
def test_date_shift_preserves_intervals_and_stays_in_range(
    days: list[dt.date], mrn: str, hl7: bool
) -> None:
    assume(mrn.strip())
    ctx = context(_scrubber(TEST_SECRET), mrn=mrn)
    fmt = "%Y%m%d" if hl7 else "%Y-%m-%d"
    shifted = []
    for day in days:
        out = run("date_shift", day.strftime(fmt), DATE, ctx)
        assert isinstance(out, str)
        shifted.append(dt.datetime.strptime(out, fmt).date())
    for original, moved in zip(days, shifted, strict=True):
        assert 1 <= abs((moved - original).days) <= 365
    base, moved_base = days[0], shifted[0]
    for original, moved in zip(days, shifted, strict=True):
        assert (moved - moved_base) == (original - base)


def test_same_patient_same_shift_across_messages_different_patients_differ() -> None:
    scrubber = _scrubber(TEST_SECRET)
    shifts = {context(scrubber, mrn=f"P{i:05d}").date_shift_days for i in range(50)}
    assert (
        context(scrubber, mrn="P00001").date_shift_days
        == context(scrubber, mrn="P00001").date_shift_days
    )
    assert len(shifts) > 40
    assert all(1 <= abs(s) <= 365 for s in shifts)


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("2024", r"^\d{4}$"),
        ("202403", r"^\d{6}$"),
        ("2024-03", r"^\d{4}-\d{2}$"),
        ("20240305", r"^\d{8}$"),
        ("2024-03-05", r"^\d{4}-\d{2}-\d{2}$"),
        ("202403051230", r"^\d{8}1230$"),
        ("20240305123015.1234-0500", r"^\d{8}123015\.1234-0500$"),
        ("2024-03-05T12:30:15.000-05:00", r"^\d{4}-\d{2}-\d{2}T12:30:15\.000-05:00$"),
        ("2024-03-05T12:30:15Z", r"^\d{4}-\d{2}-\d{2}T12:30:15Z$"),
    ],
)
def test_date_shift_keeps_precision_and_timezone(value: str, pattern: str) -> None:
    ctx = context(_scrubber(TEST_SECRET))
    out = run("date_shift", value, DATE, ctx)
    assert isinstance(out, str)
    assert out != value
    assert re.match(pattern, out), out


def test_full_dates_move_by_exactly_the_patient_shift() -> None:
    ctx = context(_scrubber(TEST_SECRET))
    out = run("date_shift", "2024-03-05T08:00:00+01:00", DATE, ctx)
    assert isinstance(out, str)
    moved = dt.date.fromisoformat(out[:10])
    assert (moved - dt.date(2024, 3, 5)).days == ctx.date_shift_days


@pytest.mark.parametrize("junk", ["yesterday", "2024-13-01", "20240230", "2024-03-05 12:00", "1"])
def test_unparseable_dates_fail_closed(junk: str) -> None:
    ctx = context(_scrubber(TEST_SECRET))
    assert ctx.apply(junk, DATE) is Removal.VALUE
    assert ctx.report.fallbacks == 1
    assert ctx.report.by_kind() == {"date": {"redact": 1}}


# --- generalize -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024", "2024"),
        ("202403", "2024"),
        ("20240305123000-0500", "2024"),
        ("2024-03-05T12:30:15.000-05:00", "2024"),
    ],
)
def test_dates_generalize_to_year(
    value: str, expected: str, make_scrubber: Callable[..., Scrubber]
) -> None:
    assert run("generalize", value, DATE, context(make_scrubber())) == expected


def test_age_89_kept_90_grouped(make_scrubber: Callable[..., Scrubber]) -> None:
    ctx = context(make_scrubber())
    age = Target(Kind.AGE)
    assert run("generalize", "89", age, ctx) == "89"
    assert run("generalize", "90", age, ctx) == "90+"
    assert run("generalize", "104 years", age, ctx) == "90+"
    assert run("generalize", "90", age, ctx, top_code=">89") == ">89"


def test_birth_year_removed_when_it_implies_age_over_89(
    make_scrubber: Callable[..., Scrubber],
) -> None:
    ctx = context(make_scrubber(), year=2026)
    dob = Target(Kind.BIRTH_DATE)
    assert run("generalize", "19370601", dob, ctx) == "1937"  # 89 in 2026
    assert run("generalize", "19360601", dob, ctx) is Removal.VALUE  # 90 in 2026
    assert run("generalize", "19360601", DATE, ctx) == "1936"  # not a birth date


RESTRICTED = [
    "036",
    "059",
    "063",
    "102",
    "203",
    "556",
    "692",
    "790",
    "821",
    "823",
    "830",
    "831",
    "878",
    "879",
    "884",
    "890",
    "893",
]


@pytest.mark.parametrize("prefix", RESTRICTED)
def test_restricted_zip3_become_000(prefix: str, make_scrubber: Callable[..., Scrubber]) -> None:
    assert run("generalize", f"{prefix}42", Target(Kind.ZIP), context(make_scrubber())) == "000"


def test_zip3(make_scrubber: Callable[..., Scrubber]) -> None:
    ctx = context(make_scrubber())
    zip_ = Target(Kind.ZIP)
    assert run("generalize", "02139", zip_, ctx) == "021"
    assert run("generalize", "02139-4307", zip_, ctx) == "021"
    assert run("generalize", "021394307", zip_, ctx) == "021"
    assert ctx.apply("K1A 0B1", zip_) is Removal.VALUE  # not a US ZIP: fail closed
    assert make_scrubber().policy.settings.restricted_zip3 == frozenset(RESTRICTED)
