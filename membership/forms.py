from django import forms
from django.utils import timezone

from .models import (
    CessationReason,
    InspectionRequest,
    MemberKind,
    PaymentMethod,
    ShareClass,
    StakeholderClass,
)
from .selectors import STATUSES

DATE = forms.DateInput(attrs={"type": "date"})


class ApplicationForm(forms.Form):
    kind = forms.ChoiceField(label="Are you applying as", choices=MemberKind.choices,
                             initial=MemberKind.PERSON, widget=forms.RadioSelect)
    full_name = forms.CharField(label="Full name", max_length=200,
                                help_text="For an organisation, its registered name.",
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    representative = forms.CharField(
        label="Representative", max_length=200, required=False,
        help_text="For an organisation: the person who will act for it.")
    is_registered_society = forms.BooleanField(
        label="The organisation is itself a registered society", required=False)
    address = forms.CharField(label="Postal address", widget=forms.Textarea(
        attrs={"rows": 3, "autocomplete": "street-address"}))
    email = forms.EmailField(label="Email address", help_text="We will send a link to confirm "
                             "it, and send notices of meetings here.",
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    date_of_birth = forms.DateField(label="Date of birth", required=False, widget=DATE,
                                    help_text="Needed because the rules set a minimum age.")
    stakeholder_class = forms.ModelChoiceField(
        label="Which class of member are you?", queryset=StakeholderClass.objects.all(),
        empty_label=None, widget=forms.RadioSelect)
    share_class = forms.ModelChoiceField(label="Shares", queryset=ShareClass.objects.all(),
                                         empty_label=None)
    shares = forms.IntegerField(label="Number of shares", min_value=1, initial=1)
    rules_accepted = forms.BooleanField(label="I have read the rules and agree to them")
    data_use_accepted = forms.BooleanField(
        label="I agree that my name, address and holding go in the register of members, "
              "which the law lets members and others inspect")
    risk_accepted = forms.BooleanField(
        label="I understand that shares are not a savings account: I could lose the money "
              "I pay, and I may not be able to withdraw it when I want")

    def __init__(self, *args, minimum_age=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder_class"].label_from_instance = (
            lambda c: f"{c.name}: {c.eligibility}")
        self.fields["share_class"].label_from_instance = (
            lambda c: f"{c.name} (£{c.par_value} each)")
        if minimum_age:
            self.fields["date_of_birth"].required = True
            self.fields["date_of_birth"].help_text = (
                f"Needed because members must be at least {minimum_age}.")
        else:
            self.fields["date_of_birth"].help_text = ""


class MoreSharesForm(forms.Form):
    share_class = forms.ModelChoiceField(label="Shares", queryset=ShareClass.objects.none(),
                                         empty_label=None)
    shares = forms.IntegerField(label="Number of shares to buy", min_value=1)
    risk_accepted = forms.BooleanField(
        label="I understand that I could lose the money I pay for shares")

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = member.stakeholder_class.share_classes.all()
        self.fields["share_class"].label_from_instance = (
            lambda c: f"{c.name} (£{c.par_value} each)")


class WithdrawalForm(forms.Form):
    share_class = forms.ModelChoiceField(label="Shares", queryset=ShareClass.objects.none(),
                                         empty_label=None)
    shares = forms.IntegerField(label="Number of shares to withdraw", min_value=1)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = ShareClass.objects.filter(
            holdings__member=member, holdings__shares__gt=0, withdrawable=True)
        self.fields["share_class"].label_from_instance = lambda c: c.name


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="The board's decision", widget=forms.RadioSelect,
                                 choices=[("approve", "Approve"), ("reject", "Reject")])
    decided_on = forms.DateField(label="Date of the decision", widget=DATE,
                                 initial=timezone.localdate)
    minute_reference = forms.CharField(label="Minute reference", max_length=100,
                                       help_text="For example BM 2025/14.")
    reason = forms.CharField(label="Reason for rejection", required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Only for a rejection; the applicant is told it.")
    refund_amount = forms.DecimalField(label="Refund (£)", required=False, min_value=0,
                                       decimal_places=2,
                                       help_text="Only if money was received.")

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for the rejection.")
        return data


class PaymentForm(forms.Form):
    method = forms.ChoiceField(label="How was it paid?", choices=PaymentMethod.choices,
                               widget=forms.RadioSelect)
    reference = forms.CharField(label="Reference", max_length=100,
                                help_text="Bank reference, cheque number, receipt number or "
                                          "card payment reference.")
    amount = forms.DecimalField(label="Amount received (£)", min_value=0, decimal_places=2)
    received_on = forms.DateField(label="Date received", widget=DATE,
                                  initial=timezone.localdate)


class AllotForm(forms.Form):
    allotted_on = forms.DateField(label="Date of allotment", widget=DATE,
                                  initial=timezone.localdate)


class PayDueForm(forms.Form):
    paid_on = forms.DateField(label="Payment date", widget=DATE, initial=timezone.localdate)
    solvency_confirmed = forms.BooleanField(
        label="The board has confirmed that the society can pay its debts now and for a "
              "year after these payments")
    minute_reference = forms.CharField(label="Minute reference of that confirmation",
                                       max_length=100)
    limit = forms.DecimalField(label="Pay no more than (£)", required=False, min_value=0,
                               decimal_places=2,
                               help_text="Leave empty to pay every due withdrawal.")


class SuspensionForm(forms.Form):
    withdrawals_suspended = forms.BooleanField(label="Suspend withdrawals of share capital",
                                               required=False)
    minute_reference = forms.CharField(label="Minute reference of the board's decision",
                                       max_length=100)


class CeaseForm(forms.Form):
    reason = forms.ChoiceField(label="Why does the membership end?", widget=forms.RadioSelect,
                               choices=[(c.value, c.label) for c in CessationReason
                                        if c not in (CessationReason.WITHDREW_ALL,
                                                     CessationReason.BELOW_MINIMUM)])
    ceased_on = forms.DateField(label="Date the membership ends", widget=DATE,
                                initial=timezone.localdate)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="For an expulsion: the meeting and minute reference.")


class ClassChangeForm(forms.Form):
    stakeholder_class = forms.ModelChoiceField(label="New class",
                                               queryset=StakeholderClass.objects.all(),
                                               empty_label=None)
    changed_on = forms.DateField(label="Date of the change", widget=DATE,
                                 initial=timezone.localdate)


class RegisterFilterForm(forms.Form):
    on = forms.DateField(label="As at", widget=DATE, required=False)
    stakeholder_class = forms.ModelChoiceField(label="Class", required=False,
                                               queryset=StakeholderClass.objects.all(),
                                               empty_label="All classes", to_field_name="slug")
    status = forms.ChoiceField(label="Entries", required=False,
                               choices=[("current", "Members on that date"),
                                        ("ceased", "Former members"),
                                        ("all", "Everyone admitted by then")])
    q = forms.CharField(label="Name, email or member number", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    after = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)

    def clean_status(self):
        return self.cleaned_data.get("status") or "current"

    def clean_on(self):
        return self.cleaned_data.get("on") or timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("status") not in STATUSES:
            data["status"] = "current"
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label="Register file (CSV or .xlsx)",
                           help_text="Columns: member_number, full_name, address, "
                                     "stakeholder_class, admitted_on, and optionally email, "
                                     "date_of_birth, share_class, shares, ceased_on, "
                                     "is_registered_society.")
    apply = forms.BooleanField(label="Import for real if every row is good (otherwise "
                                     "this is a dry run)", required=False)


class InspectionForm(forms.ModelForm):
    class Meta:
        model = InspectionRequest
        fields = ["requester_name", "requester_address", "is_member", "purpose", "disclosure",
                  "received_on"]
        labels = {"requester_name": "Name of the person asking",
                  "requester_address": "Their address",
                  "is_member": "They are a member",
                  "purpose": "Purpose for which the information will be used",
                  "disclosure": "Whether, and to whom, it will be disclosed",
                  "received_on": "Date the request was received"}
        widgets = {"received_on": DATE, "requester_address": forms.Textarea(attrs={"rows": 2}),
                   "purpose": forms.Textarea(attrs={"rows": 2}),
                   "disclosure": forms.Textarea(attrs={"rows": 2})}


class InspectionCloseForm(forms.Form):
    status = forms.ChoiceField(label="Outcome", widget=forms.RadioSelect, choices=[
        (InspectionRequest.Status.COMPLIED, "Complied with"),
        (InspectionRequest.Status.REFUSED, "Refused: application made to court")])
    closed_on = forms.DateField(label="Date", widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label="Note", required=False, max_length=500)


class TransferForm(forms.Form):
    to_member_number = forms.IntegerField(label="Member number of the person receiving them",
                                          min_value=1)
    share_class = forms.ModelChoiceField(label="Shares", queryset=ShareClass.objects.none(),
                                         empty_label=None)
    shares = forms.IntegerField(label="Number of shares", min_value=1)
    transferred_on = forms.DateField(label="Date of the transfer", widget=DATE,
                                     initial=timezone.localdate)
    consideration = forms.DecimalField(label="Price paid (£)", min_value=0, decimal_places=2,
                                       initial=0, help_text="Usually par, as the rules say.")

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = ShareClass.objects.filter(
            holdings__member=member, holdings__shares__gt=0, transferable=True)


class ReverseForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Why is this entry wrong?", max_length=300)
