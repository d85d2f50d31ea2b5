from django import forms
from django.utils import timezone

from accounts.roles import APPOINTED_ROLES

from .calendar import Nation
from .models import AssetLock, LegalForm

# A date picker; the value is written the way <input type="date"> reads it.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OfficerAppointForm(forms.Form):
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


class OfficerRetireForm(forms.Form):
    ended_on = forms.DateField(label="Date the appointment ended", initial=timezone.localdate,
                               widget=DATE)


class OrganisationForm(forms.Form):
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
                                      required=False,
                                      widget=DATE)
    asset_lock = forms.ChoiceField(label="Asset lock", choices=AssetLock.choices)
    minimum_age = forms.IntegerField(label="Minimum age for membership", min_value=0,
                                     required=False, help_text="Only where the rules set one.")
    membership_ends_below_minimum = forms.BooleanField(
        label="Membership ends when a holding falls below the minimum", required=False)
    spun_out_of = forms.CharField(label="Spun out of (public service mutuals)",
                                  max_length=200, required=False)
    spun_out_on = forms.DateField(label="Date of the spin-out", required=False,
                                  widget=DATE)
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


class DividendForm(forms.Form):
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


class InterestForm(forms.Form):
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


class AssetTransferForm(forms.Form):
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


class AmendmentForm(forms.Form):
    description = forms.CharField(label="The amendment", widget=forms.Textarea(
        attrs={"rows": 3}))
    clauses = forms.MultipleChoiceField(
        label="It touches", required=False, widget=forms.CheckboxSelectMultiple, choices=[
            ("asset_lock", "The asset lock (restriction on use of assets)"),
            ("objects", "The objects"), ("dissolution", "Dissolution"),
            ("entrenched", "An entrenched clause")])
    votes_for = forms.IntegerField(label="Members who agreed (for an entrenched clause)",
                                   min_value=0, required=False)
    eligible = forms.IntegerField(label="Members entitled to vote", min_value=0,
                                  required=False)


class DissolutionForm(forms.Form):
    to_members = money("To be paid to members (£)")
    paid_up_value = money("Paid-up value of members' shares (£)")
    residual = money("What remains after that (£)", initial=0, required=False)
    residual_recipient = forms.CharField(label="Who would receive what remains",
                                         max_length=200, required=False)
    residual_recipient_kind = forms.ChoiceField(label="That recipient is",
                                                choices=RECIPIENT_KINDS, required=False)


class ConversionForm(forms.Form):
    into = forms.ChoiceField(label="Into", widget=forms.RadioSelect, choices=[
        ("company", "An ordinary company"), ("cic", "A community interest company"),
        ("cbs_locked", "A CBS with the statutory asset lock"), ("charity", "A charity"),
        ("society", "A registered society without a lock")])


ASSET_LOCK_FORMS = {"dividend": DividendForm, "interest": InterestForm,
                    "asset_transfer": AssetTransferForm, "amendment": AmendmentForm,
                    "dissolution": DissolutionForm, "conversion": ConversionForm}
