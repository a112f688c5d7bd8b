"""Independent PHI extraction from HL7v2 messages, for leak tests.

Deliberately does not use the scrubber's tables or parser: a plain split on
the message's own delimiters, and a hand-written list of where patients,
relatives, guarantors and insured persons keep their names, identifiers,
phones, addresses and birth dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NAME_FIELDS = {"PID": (5, 6, 9), "NK1": (2, 30), "GT1": (3, 4), "IN1": (16,), "MRG": (7,)}
ID_FIELDS = {"PID": (2, 3, 4, 18, 21), "NK1": (12, 33), "GT1": (2,), "IN1": (49,), "MRG": (1,)}
PLAIN_ID_FIELDS = {"PID": (19, 20), "GT1": (12,), "IN2": (2,), "NK1": (37,)}
PHONE_FIELDS = {"PID": (13, 14), "NK1": (5, 6, 31), "GT1": (6, 7), "IN1": ()}
ADDRESS_FIELDS = {"PID": (11,), "NK1": (4, 32), "GT1": (5,), "IN1": (19,)}
DOB_FIELDS = {"PID": (7,), "NK1": (16,), "GT1": (8,), "IN1": (18,)}


@dataclass
class PHI:
    names: set[str] = field(default_factory=set)
    identifiers: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    streets: set[str] = field(default_factory=set)
    cities: set[str] = field(default_factory=set)
    zips: set[str] = field(default_factory=set)
    birth_dates: set[str] = field(default_factory=set)

    def all(self) -> dict[str, set[str]]:
        return {k: v for k, v in vars(self).items() if v}


def _fields(segment: str, sep: str) -> list[str]:
    parts = segment.split(sep)
    return parts


def extract(message: str) -> PHI:
    """PHI values of one message (``\\r`` or ``\\n`` separated)."""
    lines = [line for line in message.replace("\r\n", "\r").replace("\n", "\r").split("\r") if line]
    msh = next(line for line in lines if line.startswith("MSH"))
    fs, cs, rs, _esc, ss = msh[3], msh[4], msh[5], msh[6], msh[7]
    phi = PHI()

    def values(seg: list[str], number: int) -> list[list[str]]:
        if number >= len(seg) or not seg[number]:
            return []
        return [rep.split(cs) for rep in seg[number].split(rs) if rep]

    for line in lines:
        seg = _fields(line, fs)
        name = seg[0]
        for number in NAME_FIELDS.get(name, ()):
            for comps in values(seg, number):
                phi.names.add(comps[0].split(ss)[0])
                if len(comps) > 1:
                    phi.names.add(comps[1])
        for number in ID_FIELDS.get(name, ()):
            for comps in values(seg, number):
                phi.identifiers.add(comps[0])
        for number in PLAIN_ID_FIELDS.get(name, ()):
            for comps in values(seg, number):
                phi.identifiers.add(comps[0])
        for number in PHONE_FIELDS.get(name, ()):
            for comps in values(seg, number):
                for index in (0, 6, 11):
                    if index < len(comps):
                        phi.phones.add(comps[index])
        for number in ADDRESS_FIELDS.get(name, ()):
            for comps in values(seg, number):
                phi.streets.update(p for p in comps[0].split(ss) if not p.strip().isdigit())
                if len(comps) > 2:
                    phi.cities.add(comps[2].strip())
                if len(comps) > 4 and len(comps[4]) >= 5 and comps[4][:5].isdigit():
                    phi.zips.add(comps[4][:5])
        for number in DOB_FIELDS.get(name, ()):
            for comps in values(seg, number):
                if len(comps[0]) >= 8:
                    phi.birth_dates.add(comps[0][:8])
    for bucket in vars(phi).values():
        bucket.discard("")
        # Single characters and two-letter codes are not identifying on their own.
        for value in [v for v in bucket if len(v.strip()) < 3]:
            bucket.discard(value)
    return phi
