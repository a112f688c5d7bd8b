"""What a scrubbed resource must look like before it is written.

FHIR forbids empty strings, objects and arrays, so what scrubbing emptied is
pruned; a required Attachment whose content was dropped keeps a masked shell;
and every changed resource says what was done to it in ``meta.security``
(HL7 v3 ObservationValue codes) and which policy did it in ``meta.tag``.
"""

from __future__ import annotations

from typing import Any

from scrubbers.engine import MessageContext
from scrubbers.fhir import rules


def masked_attachment(attachment: dict[str, Any]) -> dict[str, Any]:
    """What stays of a required Attachment whose content the policy drops: its codes
    (``contentType``, ``language``) and a data-absent-reason of ``masked``."""
    shell: dict[str, Any] = {
        key: attachment[key]
        for key in ("contentType", "language")
        if isinstance(attachment.get(key), str)
    }
    shell.update(masked_absence())
    return shell


def masked_absence() -> dict[str, Any]:
    """A data-absent-reason of ``masked``: what stands for a value the policy removed
    where FHIR needs one (a primitive's ``_value...`` element, an Attachment's
    shell), so the output stays valid. A new object each time: callers own it."""
    return {"extension": [{"url": rules.EXT_DATA_ABSENT_REASON, "valueCode": "masked"}]}


def prune_empty(item: Any, key: str = "") -> bool:
    """Remove what scrubbing emptied ("" strings, {} and [] elements, extensions left
    with only their url); FHIR forbids them. Returns True when ``item`` is now empty."""
    if isinstance(item, dict):
        _prune_object(item)
        if key in ("extension", "modifierExtension") and set(item) <= {"url", "id"}:
            return True
        return not item
    if isinstance(item, list):
        _prune_list(item, key)
        return not item
    return isinstance(item, str) and not item


def _prune_object(item: dict[str, Any]) -> None:
    """Remove ``item``'s emptied elements (its objects and lists pruned first)."""
    emptied: list[str] = []
    for child, value in item.items():
        if isinstance(value, str):
            if not value:
                emptied.append(child)
        elif (isinstance(value, dict) or isinstance(value, list)) and prune_empty(  # noqa: SIM101
            value, child
        ):
            emptied.append(child)
    for child in emptied:
        del item[child]


def _prune_list(items: list[Any], key: str) -> None:
    """Remove the emptied items of a list (rebuilt only when one is)."""
    emptied = False
    for value in items:
        if isinstance(value, str):
            emptied = emptied or not value
        elif (isinstance(value, dict) or isinstance(value, list)) and prune_empty(  # noqa: SIM101
            value, key
        ):
            emptied = True
    if emptied:
        items[:] = [value for value in items if not _is_empty(value, key)]


def _is_empty(value: Any, key: str) -> bool:
    """Whether an item (its own items already pruned) is one FHIR forbids."""
    if isinstance(value, dict):
        return (key in ("extension", "modifierExtension") and set(value) <= {"url", "id"}) or (
            not value
        )
    if isinstance(value, list):
        return not value
    return isinstance(value, str) and not value


def add_provenance(resource: dict[str, Any], methods: set[str], ctx: MessageContext) -> None:
    """meta.security labels for what was done, and a tag naming the policy."""
    labels = sorted({rules.SECURITY_LABELS[m] for m in methods if m in rules.SECURITY_LABELS})
    meta = resource.setdefault("meta", {})
    security = meta.setdefault("security", [])
    present = {(s.get("system"), s.get("code")) for s in security if isinstance(s, dict)}
    for code, display in labels:
        if (rules.SECURITY_SYSTEM, code) not in present:
            security.append({"system": rules.SECURITY_SYSTEM, "code": code, "display": display})
    if not security:
        del meta["security"]
    policy = ctx.scrubber.policy
    meta.setdefault("tag", []).append(
        {
            "system": rules.POLICY_TAG_SYSTEM,
            "code": policy.id,
            "version": policy.version,
            "display": policy.content_hash,
        }
    )
