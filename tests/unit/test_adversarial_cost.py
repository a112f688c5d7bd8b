"""Adversarial cost: records crafted so that scrubbing or verifying them costs far more
than their size (time quadratic in it, memory a hundred times it), found by a
red-team pass over the whole record path. A quadratic regex search is stopped by
the record's time budget (the regex engine checks for signals), but only after
``PHI_SCRUB_RECORD_TIMEOUT_S``: one such record per budget slows its partition to a
crawl and is quarantined though it is clean. One long C-level string operation is
not stopped at all, and a worker killed for its memory gets the same record again:
that record would stall its partition.

Tests assert what bounds the cost (counts, results at a scale the old code could
not finish), never a wall-clock time. All PHI here is invented.
"""

from __future__ import annotations

import base64
import random
import re

import orjson
import pytest

from scrubbers import text as text_module
from scrubbers import verify
from scrubbers.engine import Scrubber
from scrubbers.fhir import document as fhir_document
from scrubbers.fhir import scrub as fhir_scrub
from scrubbers.keys import KeyRing
from scrubbers.kinds import Kind
from scrubbers.policy import load_policy
from streams.pipeline import RecordProcessor, Routing, SourceRecord

from .conftest import TEST_SECRET

ROUTING = Routing(
    outputs={"raw.hl7": "deid.hl7", "raw.fhir": "deid.fhir"},
    formats={"raw.hl7": "hl7v2", "raw.fhir": "fhir"},
    quarantine="phi.quarantine",
)
MSH = "MSH|^~\\&|REG|GENHOSP|ADT|GENHOSP|20240305083000||ADT^A01^ADT_A01|MSG0001|P|2.5.1\r"


def processor() -> RecordProcessor:
    scrubber = Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET))
    return RecordProcessor(scrubber, ROUTING, max_bytes=4 << 20, header_allowlist=[])


# --- the verifier's whole-word search: a value found inside other words again and again


def test_a_value_inside_other_words_over_and_over_is_searched_for_by_one_regex() -> None:
    """A name "Aaaa" in a run of a million letters was a million Python steps (one per
    occurrence inside the run), per name: a 100 KB message with 36 such names took
    5.6 s to verify, 1 MB 56 s. After a few occurrences the rest is one regex search,
    and the value is noted as crowded (the output's words are then collected once)."""
    run = "a" * 200_000
    crowded: list[str] = []
    assert verify._occurs("aaaa", run + " aaaa.", crowded)
    assert crowded == ["aaaa"]
    assert not verify._occurs("aaaa", run + " aaaab", crowded)
    assert not verify._occurs("aaaa", "x" + "aaaa1" * 100)
    assert verify._occurs("aaaa", "x" + "aaaa1" * 100 + "-aaaa")


def test_the_regex_search_bounds_words_as_the_loop_does() -> None:
    """Past the occurrences tried one by one, the same bounds: letters and digits of
    any script glue, and next to CJK text a non-ASCII value is a word (no spaces)."""
    crowded = "zéphyrinax" * 40
    assert verify._occurs("zéphyrina", crowded + "中zéphyrina中")
    assert verify._occurs("zéphyrina", crowded + " zéphyrina_")
    assert not verify._occurs("zéphyrina", crowded + "²zéphyrina")
    assert not verify._occurs("zéphyrina", crowded + "zéphyrinaⅫ")
    assert verify._occurs("鳥羽", "鳥羽a" * 40 + "x鳥羽x")
    assert not verify._occurs("osric", "osrics" * 40 + "osric1")


def test_many_names_inside_a_long_run_of_letters_verify_as_fast_as_the_run() -> None:
    """The pipeline end to end: 36 names in PID-5, an OBX of 300,000 letters holding
    each of them again and again (as parts of one long word): scrubbed, verified clean."""
    names = "~".join(f"{'A' * k}^{'A' * k}A" for k in range(4, 40))
    pid = f"PID|1||TST0042^^^GENHOSP^MR||{names}||19610615|F\r"
    obx = "OBX|1|TX|NOTE^Note||" + "A" * 300_000 + "||||||F\r"
    out = processor().process(SourceRecord("raw.hl7", 0, 1, None, (MSH + pid + obx).encode()))
    assert not out.quarantined, dict(out.headers)
    assert b"A" * 300_000 in out.value


# --- an age sentence after a long run of blanks: quadratic in one regex search ------


def test_an_age_sentence_is_found_after_a_long_run_of_blanks() -> None:
    """``[ \\t]+(?:is|was)...`` searched from each blank of a run: quadratic (a 40 KB
    note took 41 s, past the time budget: quarantined though clean; 1 MB, hours). From
    the run's first blank only, the same matches."""
    text = "x" + " " * 100_000 + "y.\nOsric Brannoch is a 67 year-old man." + "\t" * 100_000
    assert fhir_scrub._age_sentence_names(text) == ("Osric Brannoch",)
    assert list(verify._aged_names(text)) == [(Kind.NAME, "Osric"), (Kind.NAME, "Brannoch")]
    assert fhir_scrub._age_sentence_names("A  B \t is a 5 yo. C D\t\tis an 7 y/o") == (
        "A  B",
        "C D",
    )


# --- memory: a backtracking repeat of a group keeps a state per turn -----------------


def test_base64_patterns_match_megabytes_without_a_state_per_character() -> None:
    """A 4 MB string of base64 letters cost the verifier 745 MB (a state kept per turn
    of a group's repeat, one C call): a worker over its memory limit. Possessive
    repeats keep none; they match what the backtracking ones did."""
    letters = "QUJD" * 250_000
    assert verify._BASE64.fullmatch(letters)
    assert verify._BASE64.fullmatch(letters + "\r\nQUI=")
    assert not verify._BASE64.fullmatch(letters + "Q=")
    found = verify._JSON_BASE64_STRING.search(f'{{"data":"{letters}"}}')
    assert found is not None and found.group(1) == letters
    assert verify._JSON_BASE64_STRING.search(f'{{"{letters}":1}}') is None
    hexed = verify._HL7_HEX.search("\\X" + "41" * 500_000 + "\\")
    assert hexed is not None and len(hexed.group(1)) == 1_000_000
    assert verify._HL7_HEX.search("\\X414\\") is None


def test_a_megabytes_long_base64_string_is_decoded_and_searched() -> None:
    """The verifier still reads such a string as base64 (a name in it is found)."""
    payload = base64.b64encode(b"Zephyrina Quillfeather " * 40_000).decode()
    patient = {
        "resourceType": "Patient",
        "name": [{"family": "Quillfeather", "given": ["Zephyrina"]}],
    }
    source = orjson.dumps(patient)
    output = orjson.dumps({"resourceType": "Basic", "extension": [{"valueString": payload}]})
    assert verify.Verifier(load_policy("safe-harbor")).findings(source, output, "fhir")


# --- a reference searched for its "Type/id": quadratic in its length ---------------


def test_a_reference_too_long_to_search_quarantines_its_record() -> None:
    """``REFERENCE.search`` reads a long run of letters again from each capital in it
    ("/AbAbAb..."): a 40 KB reference took 28 s (4 MB, days). Longer
    than MAX_REFERENCE_SEARCH, the record is quarantined with a reason naming it;
    a reference of that length is still read."""
    limit = fhir_document.MAX_REFERENCE_SEARCH
    with pytest.raises(fhir_document.FHIRScrubError, match="a reference longer than 4096"):
        fhir_document.search_reference("/" + "Ab" * 100_000)
    found = fhir_document.search_reference("x" * (limit - 10) + "/Patient/1")
    assert found is not None and found.group("type") == "Patient"
    reference = {"reference": "/" + "Ab" * 100_000}
    observation = {"resourceType": "Observation", "status": "final", "subject": reference}
    out = processor().process(SourceRecord("raw.fhir", 0, 1, None, orjson.dumps(observation)))
    assert out.quarantined
    assert dict(out.headers)["phi-scrub.reason"] == b"a reference longer than 4096 characters"


# --- a narrative's unclosed comments and tags: each read on to the end --------------


def test_unclosed_comments_and_tags_in_a_narrative_are_split_in_linear_time() -> None:
    """``<!--.*?-->`` and ``(<[^>]*>)`` read on to the end of the narrative from each
    "<!--" or "<" after which nothing closes: a 100 KB narrative of "<!--" took more
    than 30 s, of "<" 6 s. The tail past the last close is left as it
    is (no match can start there), with the same result."""
    for markup in ("<p>a</p>" + "<!--" * 50, "<p>a</p><!--x-->b" + "<" * 200, "<!-->-->"):
        assert fhir_scrub._without_comments(markup) == fhir_scrub._COMMENT.sub("", markup)
        assert fhir_scrub._split_tags(markup) == fhir_scrub._TAG.split(markup)
    tail = "<!--" * 50_000 + "<" * 200_000
    assert fhir_scrub._without_comments("<p>a<!--x--></p>" + tail) == "<p>a</p>" + tail
    assert fhir_scrub._split_tags("<p>a</p>" + tail) == ["", "<p>", "a", "</p>", tail]
    assert fhir_scrub._split_tags("a<b>c<d") == ["a", "<b>", "c<d"]
    assert fhir_scrub._split_tags("no tags") == ["no tags"]
    assert fhir_scrub._without_comments("a<!--b-->c<!--d") == "ac<!--d"
    div = '<div xmlns="http://www.w3.org/1999/xhtml">Zephyrina' + "<!--<" * 40_000
    patient = {
        "resourceType": "Patient",
        "name": [{"family": "Quillfeather", "given": ["Zephyrina"]}],
        "text": {"status": "generated", "div": div},
    }
    out = processor().process(SourceRecord("raw.fhir", 0, 1, None, orjson.dumps(patient)))
    assert not out.quarantined, dict(out.headers)
    assert b"Zephyrina" not in out.value


# --- a message naming thousands of people: each text checked against every name ----


def test_texts_are_split_into_words_once_the_message_knows_many_names() -> None:
    """may_contain_known checked each known name's longest word as a substring of each
    text: thousands of NK1 names times thousands of segments, a Python step each.
    Past _SUBSTRING_CHECKS words it splits the text into words at once: the same
    answer, which the word check decided anyway."""
    scrubber = Scrubber(load_policy("safe-harbor"), KeyRing.single(TEST_SECRET))
    text = scrubber.message([], reference_year=2026).text
    for i in range(300):
        text.add_name(f"Quill{i:03d}x", f"Zeph{i:03d}y", "", "[NAME]")
    assert len(text._raw_tokens) > text_module._SUBSTRING_CHECKS
    assert text.may_contain_known("seen with quill123x today")
    assert not text.may_contain_known("seen with quill123xx and aquill123x today")
    assert not text.may_contain_known("nobody known here")


# --- links to people in a narrative: tried from every "<a" of a run, every href ------

# _person_links reads these two patterns (the scrubber's, as one regex each before
# they were split): the reference its results are compared with.
PERSON_LINK_NAME = re.compile(
    r"<a\b[^>]*?\bhref\s*=\s*[\"'](?:[^\"']*/)?(?P<type>Patient|RelatedPerson|Person)[-/]"
    r"[^\"']*[\"'][^>]*>[^<]*</a>\s*(?:&quot;|\")(?P<name>[^<&\"]{1,100})(?:&quot;|\")"
)
PERSON_LINK_TEXT = re.compile(
    r"<a\b[^>]*?\bhref\s*=\s*[\"'](?:[^\"']*/)?(?P<type>Patient|RelatedPerson|Person)[-/]"
    r"[^\"']*[\"'][^>]*>(?P<text>[^<]{1,300})</a>"
)
LINK_PIECES = (
    "<a ",
    "<a href='Patient/1'>",
    '<a title="x" href="RelatedPerson-r1.html">',
    "<a xhref='Patient/2'>",
    "<a href='Practitioner/3'>",
    "href='Person/4' ",
    "href='a>Patient/5' ",
    "<a href='Patient/6' data-x='>'>",
    "Osric Brannoch",
    "Tamsin; Greywick Lee",
    "</a>",
    " &quot;Hester Wick&quot;",
    ' "Odo"',
    ">",
    "<",
    "<p>",
    " ",
)


def test_person_links_match_the_one_pattern_they_replace() -> None:
    """Random narratives built from link pieces (hrefs to people and to others, an
    href before its tag's "<a", quoted ">" in a value and after it, runs of "<a"):
    _person_links finds what finditer of the one pattern found, in the same order."""
    rng = random.Random(7)  # noqa: S311 - fuzz inputs, not secrets
    div = "<p><a href='Patient/1'>Osric Brannoch</a> &quot;Tamsin Greywick&quot;</p>"
    markups = [div, "<a <a " + div, "<a title='>' " + div[3:], "<a " * 100 + div]
    markups += ["".join(rng.choices(LINK_PIECES, k=rng.randint(1, 30))) for _ in range(3000)]
    tails = (
        (PERSON_LINK_NAME, fhir_scrub._LINK_THEN_QUOTED_NAME, "name"),
        (PERSON_LINK_TEXT, fhir_scrub._LINK_TEXT, "text"),
    )
    matched = 0
    for markup in markups:
        for whole, after_tag, group in tails:
            expected = [(m.group("type"), m.group(group)) for m in whole.finditer(markup)]
            assert list(fhir_scrub._person_links(after_tag, markup)) == expected, markup
            matched += bool(expected)
    assert matched > 300  # the pieces do build links


def test_person_links_are_read_in_linear_time() -> None:
    """As one pattern, a run of "<a " before one "</a>" was read on to the end from each
    "<a" (18 s for 40 KB), and a tag of many hrefs to people was read on to its ">"
    once per href (a narrative of "<a href='Patient/" repeated: 37 s per MB). Both
    runs here are beyond what the one pattern could finish in a test run."""
    div = "<p><a href='Patient/1'>Osric Brannoch</a> &quot;Tamsin Greywick&quot;</p>"
    run = "<a " * 200_000 + "</a>" + div
    assert list(fhir_scrub._person_links(fhir_scrub._LINK_TEXT, run)) == [
        ("Patient", "Osric Brannoch")
    ]
    hrefs = "<a href='Patient/" * 60_000 + "</a>" + div
    assert list(fhir_scrub._person_links(fhir_scrub._LINK_THEN_QUOTED_NAME, hrefs)) == [
        ("Patient", "Tamsin Greywick")
    ]


# --- a long note in a message naming thousands of people: one search per name ------


def test_indexed_term_starts_keep_every_occurrence_that_can_start_a_word() -> None:
    """Past INDEXED_SEARCH_TERMS candidate terms a text's possible starts are indexed
    (_StartIndex) instead of one str.find of the whole text per term. Every
    occurrence find gives and the index leaves out is one the search loop rejects:
    it starts no word, even after a number's padding zeros."""
    rng = random.Random(11)  # noqa: S311 - fuzz inputs, not secrets
    alphabet = "ab ab0 01-.,'é²のx日\ue000_\u0e01"
    checked = 0
    for _ in range(400):
        folded = "".join(rng.choices(alphabet, k=rng.randint(1, 120)))
        index = text_module._StartIndex(folded)
        for _ in range(10):
            at = rng.randrange(len(folded))
            term = folded[at : at + rng.randint(2, 20)]
            if len(term) < 2:
                continue
            found = list(text_module._occurrences(folded, term))
            indexed = index(term)
            assert indexed == [start for start in found if start in indexed]
            for start in set(found) - set(indexed):
                begin = start
                while term[0].isdigit() and begin > 0 and folded[begin - 1] == "0":
                    begin -= 1
                assert not text_module._word_starts(folded, begin), (folded, term, start)
            checked += len(indexed)
    assert checked > 1000


def test_a_note_naming_more_people_than_the_index_threshold_is_scrubbed_whole() -> None:
    """More than INDEXED_SEARCH_TERMS names in PID-5, all written in the note: each
    one is replaced there, as with a few."""
    syllables = ["quil", "mar", "zeph", "osk", "bran", "thorn", "wick", "fen", "dul", "ast"]
    spelled = ["".join(syllables[int(d)] for d in f"{i:03d}").title() for i in range(300)]
    people = [(name + "feather", name[::-1].title()) for name in spelled]
    pid5 = "~".join(f"{family}^{given}" for family, given in people)
    note = " ".join(f"{given} {family} called;" for family, given in people)
    message = (
        MSH + f"PID|1||MRN0042^^^GENHOSP^MR||{pid5}||19610615|F\rOBX|1|TX|N^Note||{note}||||||F\r"
    )
    out = processor().process(SourceRecord("raw.hl7", 0, 1, None, message.encode()))
    assert not out.quarantined, dict(out.headers)
    for family, given in people:
        assert family.encode() not in out.value and given.encode() not in out.value
