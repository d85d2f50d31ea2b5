"""Every form of the platform, walked: each whole number has a range within its column (or
a lower lawful one), each amount of money fits its column, each text field refuses hidden
control characters (and line breaks unless it is a text area), and each date lies within
the platform's bounds (governance/validators.py). A form added later is walked too."""

import inspect

import pytest
from django import forms

import config.urls  # noqa: F401  (loads every view, so every form class)
from governance.validators import BIGINT_MAX, INT_MAX, SMALLINT_MAX
from membership.models import Member
from tests.factories import MemberFactory

PROJECT_PACKAGES = {"accounts", "config", "governance", "membership", "meetings", "ballots"}
# Hidden fields that carry a row's id (a BigAutoField), not a number a person types.
ID_FIELDS = {("ReverseForm", "entry")}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_forms() -> list[type]:
    found = {cls for cls in _subclasses(forms.BaseForm)
             if cls.__module__.split(".")[0] in PROJECT_PACKAGES
             and not cls.__name__.startswith("Platform")}
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


def make(form_class, data=None):
    """An instance of any of the platform's forms, with the keyword arguments it needs."""
    member = Member.objects.first() or MemberFactory()
    available = {"member": member, "candidates": Member.objects.none(), "questions": [],
                 "elector": None}
    needed = {name: available[name] for name, parameter in
              inspect.signature(form_class.__init__).parameters.items()
              if parameter.kind == parameter.KEYWORD_ONLY
              and parameter.default is parameter.empty}
    return form_class(data, **needed)


def fields_of(form_class, kind):
    form = make(form_class)
    return [(name, field) for name, field in form.fields.items() if isinstance(field, kind)]


def error_codes(form, name) -> set[str]:
    return {error.code for error in form.errors.as_data().get(name, [])}


def test_the_walk_finds_the_forms():
    names = {cls.__name__ for cls in project_forms()}
    assert {"ApplicationForm", "MeetingForm", "PlanForm", "QuestionForm", "ShowOfHandsForm",
            "OrganisationForm", "ShareClassForm", "InspectionForm"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", project_forms(), ids=lambda cls: cls.__name__)
def test_every_whole_number_has_a_range_within_its_column(form_class):
    for name, field in fields_of(form_class, forms.IntegerField):
        if isinstance(field, forms.DecimalField):  # a subclass of IntegerField
            continue
        highest = BIGINT_MAX if (form_class.__name__, name) in ID_FIELDS else INT_MAX
        assert field.min_value is not None, f"{form_class.__name__}.{name} has no min_value"
        assert field.max_value is not None, f"{form_class.__name__}.{name} has no max_value"
        assert field.min_value <= field.max_value <= highest, f"{form_class.__name__}.{name}"
        # A value above the range gets a message next to the field, never a crash.
        form = make(form_class, {make(form_class).add_prefix(name): str(highest + 1)})
        assert "max_value" in error_codes(form, name), f"{form_class.__name__}.{name}"
    for name, field in fields_of(form_class, forms.DecimalField):
        assert field.max_digits is not None and field.decimal_places is not None, \
            f"{form_class.__name__}.{name} has no max_digits"
        assert field.max_digits - field.decimal_places <= 12, f"{form_class.__name__}.{name}"


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", project_forms(), ids=lambda cls: cls.__name__)
def test_every_text_field_refuses_control_characters(form_class):
    blank = make(form_class)
    for name, field in fields_of(form_class, forms.CharField):
        key = blank.add_prefix(name)
        label = f"{form_class.__name__}.{name}"
        for sample in ("Ann\u202eeoD", "Ann\u200bDoe", "Ann\x00Doe", "Ann\x1bDoe"):
            form = make(form_class, {key: sample})
            assert "control_character" in error_codes(form, name), f"{label}: {sample!r}"
        multiline = isinstance(field.widget, forms.Textarea)
        form = make(form_class, {key: "First line\nsecond line"})
        assert ("control_character" in error_codes(form, name)) is not multiline, label
        assert "control_character" not in error_codes(make(form_class, {key: "Zoë O’Brien"}),
                                                      name), label


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", project_forms(), ids=lambda cls: cls.__name__)
def test_every_date_lies_within_bounds(form_class):
    blank = make(form_class)
    for name, _field in fields_of(form_class, forms.DateField | forms.DateTimeField):
        key = blank.add_prefix(name)
        label = f"{form_class.__name__}.{name}"
        for day in ("0001-01-01", "1000-01-01", "9999-12-31", "2100-01-01"):
            value = day if isinstance(_field, forms.DateField) else f"{day}T23:59"
            form = make(form_class, {key: value})
            assert "date_out_of_range" in error_codes(form, name), f"{label}: {value}"
        for day in ("1950-06-01", "2024-01-01"):
            value = day if isinstance(_field, forms.DateField) else f"{day}T10:00"
            form = make(form_class, {key: value})
            assert not error_codes(form, name) & {"date_out_of_range", "invalid"}, \
                f"{label}: {value}"


def test_the_column_ranges_match_postgresql():
    assert (SMALLINT_MAX, INT_MAX, BIGINT_MAX) == (2**15 - 1, 2**31 - 1, 2**63 - 1)
