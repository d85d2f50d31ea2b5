"""The one schema of a tally file (`ballots/counting/tally_input.py`): what it refuses,
that each refusal names its field, through the module and through `manage.py tally`; and
that the rules the counting service builds from every preset rulebook pass it."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ballots.counting.tally import Rules, TallyError, VoteRow, tally_from_json
from meetings.rules import PRESETS, RulebookSettings, resolution_rules

FOR = {"choice": "for", "count": 1}


def refused(data) -> str:
    """The module's refusal; the command must give the same one."""
    with pytest.raises(TallyError) as module:
        tally_from_json(data)
    return str(module.value)


def command_refusal(raw: bytes, tmp_path) -> str:
    path = tmp_path / "tally.json"
    path.write_bytes(raw)
    with pytest.raises(CommandError) as refusal:
        call_command("tally", str(path), "--json", stdout=StringIO())
    return str(refusal.value)


@pytest.mark.parametrize(("data", "message"), [
    # Crashed with a traceback.
    ({"rules": [], "votes": []}, "rules: expected an object, not a list"),
    ({"rules": {"class_caps": ["Investor"]}, "votes": []},
     "rules.class_caps: expected an object, not a list"),
    ({"rules": {"threshold": "3/4"}, "votes": []},
     "rules.threshold: expected an object, not the text '3/4'"),
    ({"rules": {"threshold": {"value": "1e999999"}}, "votes": []},
     "rules.threshold.value: the text '1e999999' is not a number"),
    # Accepted although wrong.
    ({"rules": {"dual_test": "no"}, "votes": []},
     "rules.dual_test: expected true or false, not the text 'no'"),
    ({"rules": {"two_stage": "false"}, "votes": []},
     "rules.two_stage: expected true or false, not the text 'false'"),
    ({"rules": {"excluded_classes": "Investors"}, "votes": []},
     "rules.excluded_classes: expected a list, not the text 'Investors'"),
    ({"rules": {"voting_basis": "class_weighted",
                "class_weights": {"A": "-1/2", "B": "3/2"}}, "votes": []},
     "rules.class_weights.A: a weight is at least 0 and at most 1, not -1/2"),
    ({"rules": {"denominator": "eligible_members", "eligible": -5}, "votes": []},
     "rules.eligible: the number eligible is above 0, not -5"),
    ({"rules": {"minimum_turnout": "3/2", "eligible": 100}, "votes": []},
     "rules.minimum_turnout: a minimum turnout is above 0 and at most 1, not 3/2"),
    ({"votes": [{"choice": "for"}]}, "votes[0].count: missing"),
    ({"rules": {"class_weights": {"A": "1"}}, "votes": []},
     "rules.class_weights: only class weighted votes use class weights"),
    ({"rules": {"chair_casting_vote": "for"}, "votes": []},
     "rules.chair_casting_vote: the rules give the chair no casting vote"),
    ({"rules": {"eligible": "100.5"}, "votes": []},
     "rules.eligible: a number of members is a whole number, not 201/2"),
    # And more of the same kind.
    ({"votes": [{"choice": "for", "count": 1.0}]},
     "votes[0].count: expected a whole number, not the number 1.0"),
    ({"votes": [{"choice": "for", "count": 10**16}]}, "votes[0].count: a count is a whole "
                                                     "number from 0 to 1,000,000,000,000,000"),
    ({"votes": [{"choice": "for", "count": 1, "weight": "-2"}]},
     "votes[0].weight: a weight cannot be negative"),
    ({"votes": [{"choice": "for", "count": 1, "weight": "1/0"}]},
     "votes[0].weight: '1/0' divides by zero"),
    ({"votes": [{"choice": "for", "count": 1, "class": 7}]},
     "votes[0].class: expected text, not the number 7"),
    ({"votes": [{"choice": "For", "count": 1}]},
     "votes[0].choice: the text 'For' is not one of 'for', 'against' or 'withheld'"),
    ({"rules": {"threshold": {"value": "0"}}, "votes": []},
     "rules.threshold.value: a threshold is above 0 and at most 1, not 0"),
    ({"rules": {"threshold": {"quorum": 1}}, "votes": []},
     "rules.threshold: unknown setting quorum"),
    ({"votes": {"for": 1}}, "votes: expected a list, not an object"),
    ({"resolution_type": "", "votes": []}, "resolution_type: cannot be empty"),
    ([], "a tally file is one JSON object, not a list"),
])
def test_a_wrong_file_is_refused_naming_the_field(tmp_path, data, message):
    assert message in refused(data)
    assert message in command_refusal(json.dumps(data).encode(), tmp_path)


def test_every_wrong_field_is_named_at_once():
    message = refused({"rules": {"dual_test": "no", "two_stage": 1},
                       "votes": [{"choice": "for"}, {"choice": "x", "count": 1}]})
    assert message.split("; ") == [
        "rules.dual_test: expected true or false, not the text 'no'",
        "rules.two_stage: expected true or false, not the number 1",
        "votes[0].count: missing",
        "votes[1].choice: the text 'x' is not one of 'for', 'against' or 'withheld'"]


@pytest.mark.parametrize(("raw", "message"), [
    ("Stimmzettel für die Versammlung".encode("latin-1"), "not UTF-8 text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
    (b"", "the file is empty"),
    (b"  \n", "the file is empty"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"votes": [{"choice": "for", "count": 1' + b"0" * 5000 + b"}]}", "too long"),
    (b'{"votes": [{"choice": "for", "count": 1, "weight": NaN}]}', "NaN is not a number"),
    (b'{"votes": [{"choice": "for", "count": 1, "weight": 1e400}]}',
     "votes[0].weight: expected a number, not inf"),
])
def test_a_file_that_is_not_a_tally_file_is_refused_plainly(tmp_path, raw, message):
    assert message in command_refusal(raw, tmp_path)


def test_a_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "tally.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"votes": [FOR]}).encode())
    out = StringIO()
    call_command("tally", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["outcome"] == "passed"


def test_numbers_are_read_exactly_in_every_form_the_format_allows():
    for weight in (2, "2", " 2 ", "2.0", "4/2", 2.0, "+2"):
        result = tally_from_json({"rules": {"voting_basis": "one_share_one_vote"},
                                  "votes": [{"weight": weight, "choice": "for", "count": 3}]})
        assert result.votes_for == 6, weight


def test_typed_rows_and_rules_validate_on_construction():
    assert VoteRow(klass="Users", weight=2, choice="for", count=3).weight == 2
    with pytest.raises(ValueError, match="count"):
        VoteRow(klass="Users", choice="for", count=-1)
    with pytest.raises(TallyError, match="rules.denominator"):
        Rules.from_json({"denominator": "everyone"})


def test_the_schema_is_printed_as_json_schema():
    out = StringIO()
    call_command("tally", "--schema", stdout=out)
    schema = json.loads(out.getvalue())
    assert schema["required"] == ["votes"]
    assert set(schema["properties"]) == {"resolution_type", "rules", "votes"}
    assert schema["$defs"]["VoteRow"]["required"] == ["choice", "count"]


# The counting service builds a tally file's rules from the rulebook: they must pass too.

def _service_rules():
    capped = RulebookSettings.from_json({
        **PRESETS["coop_society"].settings.to_json(),
        "class_caps": {"investors": "0.10"},
        "excluded_classes": {"conversion": ["investors"]}})
    rulebooks = [(code, preset.settings) for code, preset in PRESETS.items()]
    rulebooks.append(("capped", capped))
    for code, settings in rulebooks:
        for resolution_type in [*settings.thresholds, "ordinary", "unlisted"]:
            casting = [None, "for", "against"] if settings.casting_vote == "chair" else [None]
            for chair in casting:
                rules = resolution_rules(settings, resolution_type, chair_casting_vote=chair)
                rules["eligible"] = 120
                yield pytest.param(rules, id=f"{code}-{resolution_type}-{chair}")


@pytest.mark.parametrize("rules", list(_service_rules()))
def test_the_rules_the_counting_service_builds_pass_the_schema(rules):
    parsed = Rules.from_json(rules)
    assert parsed.model_dump(mode="json")["threshold"]["value"] == rules["threshold"]["value"]
