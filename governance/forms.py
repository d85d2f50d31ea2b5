from django import forms
from django.utils import timezone

from accounts.roles import APPOINTED_ROLES

from .calendar import Nation
from .models import AssetLock, LegalForm
from .validators import (
    EARLIEST_INCORPORATION,
    MAX_MINIMUM_AGE,
    MAX_PEOPLE,
    DateBounds,
    validate_line,
    validate_lines,
    validate_one_per_line,
)

# A date picker; the value is written the way <input type="date"> reads it.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_input_rules(field: forms.Field) -> None:
    """Text refuses hidden control characters (and line breaks unless it is a text area);
    a date lies within the platform's bounds unless the field sets its own; a whole number
    outside its field's range is refused in plain words."""
    if isinstance(field, forms.CharField):
        if not any(v in (validate_line, validate_lines, validate_one_per_line)
                   for v in field.validators):
            field.validators.append(validate_lines if isinstance(field.widget, forms.Textarea)
                                    else validate_line)
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        if not any(isinstance(v, DateBounds) for v in field.validators):
            field.validators.append(DateBounds())
    elif isinstance(field, forms.IntegerField) and not isinstance(field, forms.DecimalField):
        # In words, with the thousands marked: "Enter 200 or less."
        if field.max_value is not None:
            field.error_messages["max_value"] = f"Enter {field.max_value:,} or less."
        if field.min_value is not None:
            field.error_messages["min_value"] = f"Enter {field.min_value:,} or more."


class InputRules:
    """Every form of the platform applies `apply_input_rules` to all its fields, including
    those a form adds in its own __init__ (hence at validation time). A whole number's
    range is set on each field (min_value, max_value): it depends on the column and on
    the law (governance.validators)."""

    def full_clean(self):
        for field in self.fields.values():
            apply_input_rules(field)
        super().full_clean()


class PlatformForm(InputRules, forms.Form):
    pass


class PlatformModelForm(InputRules, forms.ModelForm):
    pass


class OfficerAppointForm(PlatformForm):
    full_name = forms.CharField(label="Full name", max_length=200)
    email = forms.EmailField(label="Email address",
                             help_text="A new officer is sent a link to set a password.")
    role = forms.ChoiceField(label="Office", choices=[(r.value, r.label) for r in APPOINTED_ROLES],
                             widget=forms.RadioSelect)
    address = forms.CharField(label="Service address", widget=forms.Textarea(attrs={"rows": 3}),
                              required=False,
                              help_text="Kept in the register of officers.")
    started_on = forms.DateField(label="Date of appointment", initial=timezone.localdate,
                                 widget=DATE)


class OfficerRetireForm(PlatformForm):
    ended_on = forms.DateField(label="Date the appointment ended", initial=timezone.localdate,
                               widget=DATE)


class OrganisationForm(PlatformForm):
    name = forms.CharField(label="Registered name", max_length=200)
    legal_form = forms.ChoiceField(label="Legal form", choices=LegalForm.choices)
    nation = forms.ChoiceField(label="Registered in", choices=Nation.choices,
                               help_text="Its bank holidays count when working days are "
                                         "counted (notices, inspection requests).")
    registration_number = forms.CharField(label="Registration number", max_length=40,
                                          required=False)
    registered_office = forms.CharField(label="Registered office", required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}))
    incorporated_on = forms.DateField(label="Date of registration or incorporation",
                                      required=False, widget=DATE, validators=[
                                          DateBounds(EARLIEST_INCORPORATION, future=False)])
    asset_lock = forms.ChoiceField(label="Asset lock", choices=AssetLock.choices)
    minimum_age = forms.IntegerField(label="Minimum age for membership", min_value=0,
                                     max_value=MAX_MINIMUM_AGE, required=False,
                                     help_text="Only where the rules set one.")
    membership_ends_below_minimum = forms.BooleanField(
        label="Membership ends when a holding falls below the minimum", required=False)
    spun_out_of = forms.CharField(label="Spun out of (public service mutuals)",
                                  max_length=200, required=False)
    spun_out_on = forms.DateField(label="Date of the spin-out", required=False,
                                  widget=DATE, validators=[DateBounds(future=False)])
    note = forms.CharField(label="Why the change (minute or resolution)", max_length=200,
                           required=False)


# --- The asset-lock gate: one form for each kind of proposal ---------------------------

def money(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, max_digits=14, decimal_places=2,
                              **kwargs)


RECIPIENT_KINDS = [("", "Not an asset-locked body"), ("cic", "A community interest company"),
                   ("cbs_locked", "A CBS with the statutory asset lock"),
                   ("charity", "A charity"), ("scottish_charity", "A Scottish charity"),
                   ("rsl_locked", "A registered social landlord with an equivalent lock")]


class DividendForm(PlatformForm):
    amount = money("Total dividend proposed (£)")
    declared_on = forms.DateField(label="Date it would be declared", widget=DATE,
                                  initial=timezone.localdate)
    distributable_profits = money("Distributable profits for the year (£)")
    already_declared = money("Dividends already declared for the year (£)", initial=0,
                             required=False)
    approved_by = forms.ChoiceField(label="Approved by", widget=forms.RadioSelect, choices=[
        ("board", "The board alone"), ("ordinary", "An ordinary resolution of the members"),
        ("special", "A special resolution of the members")])
    amount_per_share = money("Dividend per share (£), for a declaration before 1 October 2014",
                             required=False)
    paid_up_per_share = money("Paid-up value of a share (£), for a declaration before "
                              "1 October 2014", required=False)


class InterestForm(PlatformForm):
    rate = forms.DecimalField(label="Rate proposed (% a year)", min_value=0, max_digits=6,
                              decimal_places=3)
    performance_related = forms.BooleanField(label="Performance-related interest on a loan",
                                             required=False)
    declared_cap = forms.DecimalField(label="Cap declared in the rules or by the board (%)",
                                      min_value=0, max_digits=6, decimal_places=3,
                                      required=False)
    agreed_on = forms.DateField(label="Date the loan was agreed (performance-related)",
                                widget=DATE, required=False)
    base_rate = forms.DecimalField(label="Bank of England base rate then (%), for a loan "
                                         "agreed before 6 April 2010", min_value=0,
                                   max_digits=6, decimal_places=3, required=False)


class AssetTransferForm(PlatformForm):
    description = forms.CharField(label="What is transferred", max_length=300)
    market_value = money("Market value (£)")
    consideration = money("Price to be paid (£)")
    valuation = forms.CharField(label="Valuation (who valued it and when)", max_length=300,
                                required=False)
    recipient = forms.CharField(label="Recipient", max_length=200)
    recipient_kind = forms.ChoiceField(label="The recipient is", choices=RECIPIENT_KINDS,
                                       required=False)
    recipient_number = forms.CharField(label="Recipient's registered or charity number",
                                       max_length=40, required=False)
    named_in_articles = forms.BooleanField(label="The recipient is named in the articles",
                                           required=False)
    regulator_consent = forms.CharField(label="The CIC Regulator's consent (reference)",
                                        max_length=100, required=False)
    community_benefit = forms.BooleanField(label="Otherwise for the benefit of the community",
                                           required=False)


class AmendmentForm(PlatformForm):
    description = forms.CharField(label="The amendment", widget=forms.Textarea(
        attrs={"rows": 3}))
    clauses = forms.MultipleChoiceField(
        label="It touches", required=False, widget=forms.CheckboxSelectMultiple, choices=[
            ("asset_lock", "The asset lock (restriction on use of assets)"),
            ("objects", "The objects"), ("dissolution", "Dissolution"),
            ("entrenched", "An entrenched clause")])
    votes_for = forms.IntegerField(label="Members who agreed (for an entrenched clause)",
                                   min_value=0, max_value=MAX_PEOPLE, required=False)
    eligible = forms.IntegerField(label="Members entitled to vote", min_value=0,
                                  max_value=MAX_PEOPLE, required=False)


class DissolutionForm(PlatformForm):
    to_members = money("To be paid to members (£)")
    paid_up_value = money("Paid-up value of members' shares (£)")
    residual = money("What remains after that (£)", initial=0, required=False)
    residual_recipient = forms.CharField(label="Who would receive what remains",
                                         max_length=200, required=False)
    residual_recipient_kind = forms.ChoiceField(label="That recipient is",
                                                choices=RECIPIENT_KINDS, required=False)


class ConversionForm(PlatformForm):
    into = forms.ChoiceField(label="Into", widget=forms.RadioSelect, choices=[
        ("company", "An ordinary company"), ("cic", "A community interest company"),
        ("cbs_locked", "A CBS with the statutory asset lock"), ("charity", "A charity"),
        ("society", "A registered society without a lock")])


ASSET_LOCK_FORMS = {"dividend": DividendForm, "interest": InterestForm,
                    "asset_transfer": AssetTransferForm, "amendment": AmendmentForm,
                    "dissolution": DissolutionForm, "conversion": ConversionForm}
