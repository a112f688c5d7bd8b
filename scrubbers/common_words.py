"""Words that are names or towns and also ordinary words of written text.

A patient named ``MAY LONG`` who lives in Normal, Illinois made a note's "long
history; you may go. ECG normal." read "[NAME] history; you [NAME] go. ECG
[CITY]." A name or town is searched in text in any case, since a person's
name is written in capitals as often as not; for the words below, an occurrence
written all in lower case is the ordinary word and stays. Written with a
capital ("Long, May", "May Long called", "Lives in Normal, IL") or in capitals
it is still the name, so a sentence that starts with such a word loses it, and
a note written all in capitals keeps none of them.

The list is data, not a rule of either side: the text scrubber keeps these
words in lower case, and the verifier accepts them there (it would otherwise
quarantine every such output). A name written in lower case in a note ("pt
may long") is the price, judged small against notes that lose their meaning;
see docs/hl7v2.md, "Names that are words".
"""

from __future__ import annotations

from typing import Final

# Short words of English and of the Romance languages' text that are also family or
# given names (Vietnamese, Chinese, Korean; name particles).
_SHORT: Final = frozenset(
    {"an", "do", "le", "la", "de", "des", "du", "da", "di", "del", "el", "van", "von", "so"}
    | {"to", "on", "he", "me", "my", "no", "go", "oh", "mo", "am", "son", "sun", "min", "pan"}
)
# English words that are given names.
_GIVEN: Final = frozenset(
    {"will", "may", "june", "april", "august", "hope", "faith", "grace", "joy", "rose"}
    | {"iris", "lily", "daisy", "ivy", "holly", "dawn", "summer", "autumn", "heather"}
    | {"violet", "ruby", "pearl", "amber", "crystal", "jade", "destiny", "liberty", "mercy"}
    | {"patience", "charity", "honor", "honey", "sunny", "sky", "river", "rain", "storm"}
    | {"angel", "precious", "mark", "bill", "pat", "sue", "art", "guy", "frank", "jack"}
    | {"rob", "bob", "ray", "don", "dean", "drew", "grant", "chase", "chance", "hunter"}
    | {"miles", "max", "gene", "carol", "eve", "penny", "robin", "sandy", "rusty", "buddy"}
    | {"chip", "bud", "win", "wade", "sage", "basil", "clay", "cliff", "dale", "glen"}
    | {"heath", "lane", "reed", "rod", "harmony", "melody", "unity", "star", "sterling"}
)
# English words that are family names, among them words of clinical notes ("admitted
# to the ward", "a mole on the back", "frank blood", "gross hematuria").
_FAMILY: Final = frozenset(
    {"white", "black", "brown", "green", "gray", "grey", "young", "long", "short", "small"}
    | {"little", "king", "bell", "hall", "wood", "woods", "stone", "hill", "hills", "rice"}
    | {"fox", "wolf", "bird", "lamb", "hart", "hunt", "cook", "baker", "mason", "turner"}
    | {"walker", "porter", "potter", "fisher", "shepherd", "wise", "rich", "strong", "sharp"}
    | {"swift", "hale", "hardy", "moody", "best", "gross", "fine", "bush", "rivers", "banks"}
    | {"church", "bishop", "noble", "page", "early", "fair", "free", "love", "good", "golden"}
    | {"silver", "gold", "cross", "lord", "knight", "price", "cash", "sweet", "pepper"}
    | {"ginger", "day", "night", "field", "fields", "ford", "lake", "marsh", "moss", "north"}
    | {"south", "east", "west", "winter", "frost", "snow", "branch", "ash", "birch", "pine"}
    | {"thorn", "booth", "gates", "wall", "walls", "waters", "brook", "brooks", "pool"}
    | {"rock", "bridge", "ward", "mole", "temple", "back", "rash", "lung", "pain", "blood"}
    | {"bone", "falls", "heart", "major", "nurse", "person", "care", "well", "hand", "head"}
    | {"foot", "house", "street", "mills", "mill", "burns"}
)
# Towns whose names are English words ("ECG normal" for a patient of Normal, IL).
_TOWNS: Final = frozenset(
    {"normal", "mobile", "independence", "union", "eden", "center", "centre", "commerce"}
    | {"enterprise", "friendship", "paradise", "surprise", "boring", "climax", "plain"}
    | {"plains", "concord", "progress", "reading", "bath", "wells", "deal", "sale", "march"}
    | {"opportunity", "pleasant", "college", "university"}
)

COMMON_WORDS: Final[frozenset[str]] = _SHORT | _GIVEN | _FAMILY | _TOWNS
