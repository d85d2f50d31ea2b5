"""The one schema of a tally file, and the typed input of the count (`tally.py`).

Every reader of a tally file validates it here: `manage.py tally`, the recount of the
scrutineer's bundle, and the counting service, which passes the rules it builds from the
rulebook (`meetings.rules.resolution_rules`) through `Rules.from_json`. A count made from
other sources (per-class sums from another ballot box, say) builds `VoteRow` and `Rules`
directly: they validate on construction, so the count never sees a value the file format
would refuse.

Numbers are exact: a JSON integer, a finite JSON number, or a string holding a decimal
(``"0.25"``) or a fraction (``"2/3"``); at most 10^15 in size. A refused file raises
`TallyError` naming each field at fault, e.g. ``rules.dual_test: expected true or false,
not the text 'no'``. `tally_json_schema()` gives the same schema as JSON Schema (shapes and
types; the cross-field rules below are checked only here).
"""

import json
import math
import re
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

CHOICES = ("for", "against", "withheld")
BASES = ("one_member_one_vote", "one_share_one_vote", "class_weighted")
DENOMINATORS = ("votes_cast", "eligible_members", "total_voting_rights")
MAX_NUMBER = 10**15  # no count, weight or electorate comes near it
HALF = Fraction(1, 2)
# A decimal (an exponent of two digits at most, as Python writes small floats) or a fraction.
_NUMBER_TEXT = re.compile(r"[+-]?(\d+/\d+|(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?)")
_NUMBER_SCHEMA = {"oneOf": [
    {"type": "number"},
    {"type": "string", "pattern": "^" + _NUMBER_TEXT.pattern + "$",
     "description": "a decimal such as 0.25 or a fraction such as 2/3"}]}


class TallyError(ValueError):
    """A tally file or rule that cannot be counted, naming the field."""


class _Refused(ValueError):
    """A value refused by a check below; `field` is its path below the model checked."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _kind(value) -> str:
    """What a JSON value is, in words, for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal | Fraction):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "..."
        return f"the text {shown!r}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def exact(value, *, optional: bool = False) -> Fraction | None:
    """A number of a tally file as an exact fraction (see the module's docstring)."""
    if value is None and optional:
        return None
    if isinstance(value, Fraction):
        result = value
    elif isinstance(value, bool) or value is None:
        raise _Refused(f"expected a number, not {_kind(value)}")
    elif isinstance(value, int):
        result = Fraction(value)
    elif isinstance(value, float | Decimal):
        if not math.isfinite(value):
            raise _Refused(f"expected a number, not {value}")
        result = Fraction(repr(value) if isinstance(value, float) else value)
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 40 or not _NUMBER_TEXT.fullmatch(text):
            raise _Refused(f"{_kind(value)} is not a number such as 12, 0.25 or 2/3")
        try:
            result = Fraction(text)
        except ZeroDivisionError:
            raise _Refused(f"{value!r} divides by zero") from None
    else:
        raise _Refused(f"expected a number, not {_kind(value)}")
    if abs(result) > MAX_NUMBER or result.denominator > MAX_NUMBER:
        raise _Refused(f"{_kind(value)} is out of range (at most {MAX_NUMBER:,})")
    return result


def _text(value: Fraction | None) -> str | None:
    return None if value is None else _plain(value)


# Written back as text ("2/3"), the way a file gives a fraction.
Exact = Annotated[Fraction, PlainValidator(exact), PlainSerializer(_text, return_type=str),
                  WithJsonSchema(_NUMBER_SCHEMA)]
OptionalExact = Annotated[Fraction | None, PlainValidator(lambda v: exact(v, optional=True)),
                          PlainSerializer(_text, return_type=str | None),
                          WithJsonSchema({"oneOf": [*_NUMBER_SCHEMA["oneOf"],
                                                    {"type": "null"}]})]
ClassName = Annotated[str, StringConstraints(strict=True, max_length=200)]


def _share(value: Fraction, *, low_open: bool, high_open: bool, what: str,
           field: str | None = None) -> Fraction:
    low_ok = value > 0 if low_open else value >= 0
    high_ok = value < 1 if high_open else value <= 1
    if not (low_ok and high_ok):
        raise _Refused(f"{what} is {'above' if low_open else 'at least'} 0 and "
                       f"{'below' if high_open else 'at most'} 1, not {_plain(value)}",
                       field=field)
    return value


def _plain(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(value)


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Schema):
    """Passed when the measured share is more than (`>`) or at least (`>=`) `value`."""

    comparator: Literal[">", ">="] = ">"
    value: Exact = HALF

    @field_validator("value")
    @classmethod
    def _in_range(cls, value: Fraction) -> Fraction:
        return _share(value, low_open=True, high_open=False, what="a threshold")


class Rules(_Schema):
    """The rules of one count (the `rules` object of a tally file)."""

    voting_basis: Literal[BASES] = "one_member_one_vote"
    class_weights: dict[ClassName, Exact] = Field(default_factory=dict)
    empty_class: Literal["rescale", "zero"] = "rescale"
    class_caps: dict[ClassName, Exact] = Field(default_factory=dict)
    excluded_classes: list[ClassName] = Field(default_factory=list)
    dual_test: StrictBool = False
    threshold: Threshold = Threshold()
    denominator: Literal[DENOMINATORS] = "votes_cast"
    eligible: OptionalExact = None
    minimum_turnout: OptionalExact = None
    two_stage: StrictBool = False
    casting_vote: Literal["none", "chair"] = "none"
    chair_casting_vote: Literal["for", "against", None] = None

    @field_validator("class_weights")
    @classmethod
    def _weights_in_range(cls, weights: dict[str, Fraction]) -> dict[str, Fraction]:
        for name, weight in weights.items():
            _share(weight, low_open=False, high_open=False, what="a weight", field=name)
        return weights

    @field_validator("class_caps")
    @classmethod
    def _caps_in_range(cls, caps: dict[str, Fraction]) -> dict[str, Fraction]:
        for name, cap in caps.items():
            _share(cap, low_open=True, high_open=True, what="a cap", field=name)
        return caps

    @field_validator("eligible")
    @classmethod
    def _eligible_positive(cls, eligible: Fraction | None) -> Fraction | None:
        if eligible is not None and eligible <= 0:
            raise _Refused(f"the number eligible is above 0, not {_plain(eligible)}")
        return eligible

    @field_validator("minimum_turnout")
    @classmethod
    def _turnout_in_range(cls, turnout: Fraction | None) -> Fraction | None:
        if turnout is not None:
            _share(turnout, low_open=True, high_open=False, what="a minimum turnout")
        return turnout

    @model_validator(mode="after")
    def _consistent(self) -> "Rules":
        if self.voting_basis == "class_weighted":
            if not self.class_weights:
                raise _Refused("class weighted votes need the weights", field="class_weights")
            total = sum(self.class_weights.values(), Fraction(0))
            if total != 1:
                raise _Refused(f"the weights must add up to 1, not {_plain(total)}",
                               field="class_weights")
        elif self.class_weights:
            raise _Refused(f"only class weighted votes use class weights (the voting basis "
                           f"is {self.voting_basis})", field="class_weights")
        if self.eligible is None:
            if self.denominator != "votes_cast":
                raise _Refused(f"the denominator {self.denominator} needs the number eligible",
                               field="eligible")
            if self.minimum_turnout is not None:
                raise _Refused("a minimum turnout needs the number eligible", field="eligible")
        elif self.counts_members and self.eligible.denominator != 1:
            raise _Refused(f"a number of members is a whole number, not "
                           f"{_plain(self.eligible)}", field="eligible")
        if self.chair_casting_vote is not None and self.casting_vote != "chair":
            raise _Refused("the rules give the chair no casting vote (casting_vote is none)",
                           field="chair_casting_vote")
        return self

    @property
    def counts_members(self) -> bool:
        """`eligible` (and the turnout) counts members, not voting rights."""
        return self.denominator != "total_voting_rights"

    @classmethod
    def from_json(cls, data) -> "Rules":
        """The rules of a tally file's `rules` object (or of the dict the counting service
        builds from the rulebook); `TallyError` names each field at fault."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise TallyError(describe(exc, prefix=("rules",))) from None


class VoteRow(_Schema):
    """How many papers (`count`) of one class and weight gave one choice."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True,
                              validate_by_alias=True)

    klass: ClassName = Field("", alias="class")
    weight: Exact = Fraction(1)
    choice: Literal[CHOICES]
    count: StrictInt

    @field_validator("weight")
    @classmethod
    def _weight_not_negative(cls, weight: Fraction) -> Fraction:
        if weight < 0:
            raise _Refused(f"a weight cannot be negative, not {_plain(weight)}")
        return weight

    @field_validator("count")
    @classmethod
    def _count_in_range(cls, count: int) -> int:
        if not 0 <= count <= MAX_NUMBER:
            shown = count if len(str(count)) <= 20 else f"a number of {len(str(count))} digits"
            raise _Refused(f"a count is a whole number from 0 to {MAX_NUMBER:,}, not {shown}")
        return count


class TallyFile(_Schema):
    """A tally file: the resolution's type, its rules and its votes."""

    resolution_type: Annotated[str, StringConstraints(strict=True, min_length=1,
                                                      max_length=100)] = "ordinary"
    rules: Rules = Rules()
    votes: list[VoteRow]

    @classmethod
    def from_json(cls, data) -> "TallyFile":
        if not isinstance(data, dict):
            raise TallyError(f"a tally file is one JSON object, not {_kind(data)}")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise TallyError(describe(exc)) from None


def tally_json_schema() -> dict:
    """The tally file's schema as JSON Schema (types and shapes)."""
    return TallyFile.model_json_schema(by_alias=True)


# --- Reading JSON and describing what is wrong -------------------------------------------


def _no_constant(name: str):
    raise _Refused(f"{name} is not a number a tally file may hold")


def load_json(raw: bytes | str, *, name: str) -> object:
    """A JSON document from a file's bytes (UTF-8, a byte-order mark allowed). `ValueError`
    says plainly what is wrong, prefixed with `name`."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") \
                from None
    if not raw.strip():
        raise ValueError(f"{name}: the file is empty")
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise ValueError(f"{name}: the JSON is nested too deeply") from None
    except _Refused as exc:
        raise ValueError(f"{name}: {exc.message}") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise ValueError(f"{name}: a number in the file is too long ({exc})") from None


def _where(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "[key]":
            text += " (a name)"
        else:
            text += f".{part}" if text else str(part)
    return text


_WORDS = {
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "string_type": "expected text",
    "dict_type": "expected an object",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "list_type": "expected a list",
}


def _message(error: dict, prefix: tuple) -> str:
    loc = prefix + tuple(error["loc"])
    kind = error["type"]

    def at(where: tuple, text: str) -> str:
        named = _where(where)
        return f"{named}: {text}" if named else text

    if kind == "extra_forbidden":
        what = "setting" if loc[:-1] and loc[-2] in ("rules", "threshold") else "field"
        return at(loc[:-1], f"unknown {what} {loc[-1]}")
    if kind == "missing":
        return at(loc, "missing")
    if kind == "value_error" and isinstance(error.get("ctx", {}).get("error"), _Refused):
        refused = error["ctx"]["error"]
        return at(loc + ((refused.field,) if refused.field else ()), refused.message)
    if kind == "literal_error":
        return at(loc, f"{_kind(error['input'])} is not one of {error['ctx']['expected']}")
    if kind in _WORDS:
        return at(loc, f"{_WORDS[kind]}, not {_kind(error['input'])}")
    if kind == "string_too_long":
        return at(loc, f"longer than {error['ctx']['max_length']} characters")
    if kind == "string_too_short":
        return at(loc, "cannot be empty")
    text = error["msg"].removeprefix("Value error, ")
    return at(loc, text[:1].lower() + text[1:])


def describe(exc: ValidationError, *, prefix: tuple = (), most: int = 5) -> str:
    """A ValidationError in words: each error naming its field, the first `most` of them."""
    errors = exc.errors(include_url=False)
    lines = [_message(error, prefix) for error in errors[:most]]
    if len(errors) > most:
        lines.append(f"and {len(errors) - most} more")
    return "; ".join(lines)
