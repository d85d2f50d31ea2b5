from django import forms
from django.utils import timezone

from governance.forms import DATE, PlatformForm, PlatformModelForm
from governance.validators import (
    BIGINT_MAX,
    INT_MAX,
    MAX_NOTICE_DAYS,
    MAX_NOTICE_MONTHS,
    DateBounds,
)

from .models import (
    CessationReason,
    InspectionRequest,
    MemberKind,
    PaymentMethod,
    ShareClass,
    StakeholderClass,
    WithdrawalBatch,
)
from .selectors import STATUSES


class ApplicationForm(PlatformForm):
    kind = forms.ChoiceField(label="Are you applying as", choices=MemberKind.choices,
                             initial=MemberKind.PERSON, widget=forms.RadioSelect)
    full_name = forms.CharField(label="Full name", max_length=200,
                                help_text="For an organisation, its registered name.",
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    representative = forms.CharField(
        label="Representative", max_length=200, required=False,
        help_text="For an organisation: the person who will act for it.")
    is_registered_society = forms.BooleanField(
        label="The organisation is itself a registered society (a co-operative or community "
              "benefit society registered with the FCA)", required=False,
        help_text="Only for an organisation. The board checks the public register before "
                  "the £100,000 limit on withdrawable shares is lifted.")
    society_registration_number = forms.CharField(
        label="Society registration number", max_length=40, required=False,
        help_text="Only for a registered society: its number on the FCA's mutuals register.")
    address = forms.CharField(label="Postal address", widget=forms.Textarea(
        attrs={"rows": 3, "autocomplete": "street-address"}))
    email = forms.EmailField(label="Email address", help_text="We will send a link to confirm "
                             "it, and send notices of meetings here.",
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    date_of_birth = forms.DateField(label="Date of birth", required=False, widget=DATE,
                                    validators=[DateBounds(future=False)],
                                    help_text="Needed because the rules set a minimum age.")
    stakeholder_class = forms.ModelChoiceField(
        label="Which class of member are you?", queryset=StakeholderClass.objects.all(),
        empty_label=None, widget=forms.RadioSelect)
    share_class = forms.ModelChoiceField(label="Shares", queryset=ShareClass.objects.all(),
                                         empty_label=None)
    shares = forms.IntegerField(label="Number of shares", min_value=1, max_value=INT_MAX,
                                initial=1)
    rules_accepted = forms.BooleanField(label="I have read the rules and agree to them")
    data_use_accepted = forms.BooleanField(
        label="I agree that my name, address and holding go in the register of members, "
              "which the law lets members and others inspect")
    risk_accepted = forms.BooleanField(
        label="I understand that shares are not a savings account: I could lose the money "
              "I pay, and I may not be able to withdraw it when I want")
    email_notices_accepted = forms.BooleanField(
        label="Send me notices of meetings, ballots and accounts by email instead of by post",
        required=False, initial=True,
        help_text="You can change your mind at any time by telling the secretary.")

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

    def clean(self):
        data = super().clean()
        if data.get("is_registered_society"):
            if data.get("kind") != MemberKind.ORGANISATION:
                self.add_error("is_registered_society", "Only an organisation can be a "
                               "registered society; an individual applies as an individual.")
            elif not (data.get("society_registration_number") or "").strip():
                self.add_error("society_registration_number", "Enter the society's "
                               "registration number.")
        return data


class MoreSharesForm(PlatformForm):
    share_class = forms.ModelChoiceField(label="Shares", queryset=ShareClass.objects.none(),
                                         empty_label=None)
    shares = forms.IntegerField(label="Number of shares to buy", min_value=1,
                                max_value=INT_MAX)
    risk_accepted = forms.BooleanField(
        label="I understand that I could lose the money I pay for shares")

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = member.stakeholder_class.share_classes.all()
        self.fields["share_class"].label_from_instance = (
            lambda c: f"{c.name} (£{c.par_value} each)")


class WithdrawalForm(PlatformForm):
    share_class = forms.ModelChoiceField(label="Shares", queryset=ShareClass.objects.none(),
                                         empty_label=None)
    shares = forms.IntegerField(label="Number of shares to withdraw", min_value=1,
                                max_value=INT_MAX)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = ShareClass.objects.filter(
            holdings__member=member, holdings__shares__gt=0, withdrawable=True)
        self.fields["share_class"].label_from_instance = lambda c: c.name


class DecisionForm(PlatformForm):
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
                                       max_digits=14, decimal_places=2,
                                       help_text="Only if money was received.")
    registered_society_confirmed = forms.BooleanField(
        label="The board has checked the FCA's mutuals register: the applicant is a "
              "registered society with the number it gave", required=False)

    def __init__(self, *args, claims_registered_society: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not claims_registered_society:
            del self.fields["registered_society_confirmed"]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for the rejection.")
        return data


class PaymentForm(PlatformForm):
    method = forms.ChoiceField(label="How was it paid?", choices=PaymentMethod.choices,
                               widget=forms.RadioSelect)
    reference = forms.CharField(label="Reference", max_length=100,
                                help_text="Bank reference, cheque number, receipt number or "
                                          "card payment reference.")
    amount = forms.DecimalField(label="Amount received (£)", min_value=0, max_digits=14,
                                decimal_places=2)
    received_on = forms.DateField(label="Date received", widget=DATE,
                                  initial=timezone.localdate)


class AllotForm(PlatformForm):
    allotted_on = forms.DateField(label="Date of allotment", widget=DATE,
                                  initial=timezone.localdate)


class PayDueForm(PlatformForm):
    paid_on = forms.DateField(label="Payment date", widget=DATE, initial=timezone.localdate)
    solvency_confirmed = forms.BooleanField(
        label="The board has confirmed that the society can pay its debts now and for a "
              "year after these payments")
    minute_reference = forms.CharField(label="Minute reference of that confirmation",
                                       max_length=100)
    mode = forms.ChoiceField(label="How to pay the queue", widget=forms.RadioSelect,
                             choices=WithdrawalBatch.Mode.choices,
                             initial=WithdrawalBatch.Mode.IN_TURN)
    limit = forms.DecimalField(label="Pay no more than (£)", required=False, min_value=0,
                               max_digits=14, decimal_places=2,
                               help_text="Leave empty to pay every due withdrawal in full. "
                                         "Pro rata needs the sum the board will pay.")


class WithdrawalCancelForm(PlatformForm):
    note = forms.CharField(label="Why is the request cancelled?", max_length=300)


class SuspensionForm(PlatformForm):
    withdrawals_suspended = forms.BooleanField(label="Suspend withdrawals of share capital",
                                               required=False)
    minute_reference = forms.CharField(label="Minute reference of the board's decision",
                                       max_length=100)


class CeaseForm(PlatformForm):
    reason = forms.ChoiceField(label="Why does the membership end?", widget=forms.RadioSelect,
                               choices=[(c.value, c.label) for c in CessationReason
                                        if c not in (CessationReason.WITHDREW_ALL,
                                                     CessationReason.BELOW_MINIMUM,
                                                     CessationReason.SHARES_SOLD)])
    ceased_on = forms.DateField(label="Date the membership ends", widget=DATE,
                                initial=timezone.localdate)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="For an expulsion: the meeting and minute reference.")


class ClassChangeForm(PlatformForm):
    stakeholder_class = forms.ModelChoiceField(label="New class",
                                               queryset=StakeholderClass.objects.all(),
                                               empty_label=None)
    changed_on = forms.DateField(label="Date of the change", widget=DATE,
                                 initial=timezone.localdate)


class RegisterFilterForm(PlatformForm):
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

    def __init__(self, *args, search_email: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not search_email:
            self.fields["q"].label = "Name or member number"
    after = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0,
                               max_value=INT_MAX)

    def clean_status(self):
        return self.cleaned_data.get("status") or "current"

    def clean_on(self):
        return self.cleaned_data.get("on") or timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("status") not in STATUSES:
            data["status"] = "current"
        return data


class ImportForm(PlatformForm):
    file = forms.FileField(label="Register file (CSV or .xlsx)",
                           help_text="Columns: member_number, full_name, address, "
                                     "stakeholder_class, admitted_on, and optionally email, "
                                     "date_of_birth, share_class, shares, ceased_on, "
                                     "is_registered_society.")
    apply = forms.BooleanField(label="Import for real if every row is good (otherwise "
                                     "this is a dry run)", required=False)


class InspectionForm(PlatformModelForm):
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


class InspectionCloseForm(PlatformForm):
    status = forms.ChoiceField(label="Outcome", widget=forms.RadioSelect, choices=[
        (InspectionRequest.Status.COMPLIED, "Complied with"),
        (InspectionRequest.Status.REFUSED, "Refused: application made to court")])
    closed_on = forms.DateField(label="Date", widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label="Note", required=False, max_length=500)


class TransferForm(PlatformForm):
    to_member_number = forms.IntegerField(label="Member number of the person receiving them",
                                          min_value=1, max_value=INT_MAX)
    share_class = forms.ModelChoiceField(label="Shares", queryset=ShareClass.objects.none(),
                                         empty_label=None)
    shares = forms.IntegerField(label="Number of shares", min_value=1, max_value=INT_MAX)
    transferred_on = forms.DateField(label="Date of the transfer", widget=DATE,
                                     initial=timezone.localdate)
    consideration = forms.DecimalField(label="Price paid (£)", min_value=0, max_digits=14,
                                       decimal_places=2,
                                       initial=0, help_text="Usually par, as the rules say.")
    minute_reference = forms.CharField(
        label="Minute reference of the board's approval", max_length=100, required=False,
        help_text="Needed where the rules say the board approves transfers.")

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = ShareClass.objects.filter(
            holdings__member=member, holdings__shares__gt=0, transferable=True)


class ReverseForm(PlatformForm):
    entry = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=BIGINT_MAX)
    reason = forms.CharField(label="Why is this entry wrong?", max_length=300)


class ConfirmSocietyForm(PlatformForm):
    registration_number = forms.CharField(label="Society registration number", max_length=40)
    confirmed_on = forms.DateField(label="Date of the board's decision", widget=DATE,
                                   initial=timezone.localdate)
    minute_reference = forms.CharField(label="Minute reference", max_length=100)


class RepresentativeForm(PlatformForm):
    full_name = forms.CharField(label="Representative's name", max_length=200)
    email = forms.EmailField(label="Email address they sign in with",
                             help_text="An account with this address votes for the "
                                       "organisation; a new one is invited to set a password.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "representative_%s")
        super().__init__(*args, **kwargs)


class LoginEmailForm(PlatformForm):
    """The secretary changes the address a member signs in with, for a member who can no
    longer use it (membership.services.members.member_login_email_change)."""

    email = forms.EmailField(label="New address they sign in with",
                             help_text="A link to confirm it is sent there, and the old "
                                       "address is told. Nothing changes until the link is "
                                       "followed.")
    evidence = forms.CharField(label="How you checked that the member is asking",
                               max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text="For example: seen in person with a passport on 3 "
                                         "March; a signed letter from their address.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "login_email_%s")
        super().__init__(*args, **kwargs)


class LeftEligibilityForm(PlatformForm):
    left_on = forms.DateField(label="Date they stopped being eligible", widget=DATE,
                              initial=timezone.localdate)
    reason = forms.CharField(label="What happened", max_length=200, initial="left employment")


class BuyBackForm(PlatformForm):
    bought_back_on = forms.DateField(label="Date of the buy-back", widget=DATE,
                                     initial=timezone.localdate)
    price_per_share = forms.DecimalField(label="Price per share (£)", min_value=0,
                                         max_digits=12, decimal_places=2,
                                         help_text="No more than the paid-up value.")
    minute_reference = forms.CharField(label="Minute reference of the board's decision",
                                       max_length=100)


class SaleTransferForm(PlatformForm):
    to_member_number = forms.IntegerField(label="Member number of the person buying them",
                                          min_value=1, max_value=INT_MAX)
    transferred_on = forms.DateField(label="Date of the transfer", widget=DATE,
                                     initial=timezone.localdate)
    minute_reference = forms.CharField(label="Minute reference of the board's approval",
                                       max_length=100)


class InviteForm(PlatformForm):
    everyone = forms.BooleanField(label="Invite every member who has no login", required=False)
    members = forms.ModelMultipleChoiceField(
        label="Or choose members", required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = candidates
        self.fields["members"].label_from_instance = (
            lambda m: f"{m.full_name} (no. {m.member_number}, {m.email})")

    def clean(self):
        data = super().clean()
        if not data.get("everyone") and not data.get("members"):
            raise forms.ValidationError("Tick \u201cinvite every member\u201d or choose "
                                        "at least one member.")
        return data


class ShareClassForm(PlatformForm):
    name = forms.CharField(label="Name", max_length=80,
                           help_text="For example “Ordinary £1 shares”.")
    code = forms.SlugField(label="Short code", max_length=20, required=False,
                           help_text="Letters, numbers and hyphens; made from the name if "
                                     "left empty. Fixed once shares are issued.")
    par_value = forms.DecimalField(label="Par value of one share (£)", min_value=0,
                                   max_digits=12, decimal_places=2, initial=1,
                                   help_text="Fixed once shares are issued.")
    min_holding = forms.IntegerField(label="Minimum holding (shares)", min_value=1,
                                     max_value=INT_MAX, initial=1)
    max_holding = forms.IntegerField(label="Maximum holding (shares)", min_value=1,
                                     max_value=INT_MAX, required=False,
                                     help_text="1 means one share per member. Empty: no "
                                               "limit in the rules (the £100,000 limit on "
                                               "withdrawable shares still applies).")
    withdrawable = forms.BooleanField(label="Withdrawable (registered societies)",
                                      required=False)
    withdrawal_notice_months = forms.IntegerField(label="Withdrawal notice (months)",
                                                  min_value=0, max_value=MAX_NOTICE_MONTHS,
                                                  initial=3)
    withdrawal_notice_days = forms.IntegerField(label="and days", min_value=0,
                                                max_value=MAX_NOTICE_DAYS, initial=0)
    transferable = forms.BooleanField(label="Transferable", required=False)
    transfer_needs_board_approval = forms.BooleanField(
        label="Each transfer needs the board's approval", required=False)
    transfer_at_par_only = forms.BooleanField(label="The transfer price is fixed at par",
                                              required=False)
    sale_notice_days = forms.IntegerField(
        label="Days' notice to sell when a member stops being eligible", min_value=1,
        max_value=MAX_NOTICE_DAYS, required=False,
        help_text="For example 21 for staff shares that must be sold on leaving employment. "
                  "Empty: no such rule.")
    max_interest_rate = forms.DecimalField(label="Interest cap (% a year)", min_value=0,
                                           max_digits=5, decimal_places=2, required=False)
    carries_votes = forms.BooleanField(label="The shares carry votes", required=False,
                                       help_text="Counts where the rules give one vote per "
                                                 "share.")
    votes_from = forms.DateField(label="Carrying votes (or not) from", widget=DATE,
                                 initial=timezone.localdate)
    minute_reference = forms.CharField(label="Rule or minute that sets this up", max_length=100,
                                       required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("carries_votes", "votes_from", "minute_reference"):
                del self.fields[name]


class StakeholderClassForm(PlatformForm):
    name = forms.CharField(label="Name", max_length=80)
    eligibility = forms.CharField(label="Who may join", widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="As the rules say, for example “permanent members "
                                            "of staff”.")
    share_classes = forms.ModelMultipleChoiceField(
        label="Shares its members may hold", queryset=ShareClass.objects.all(),
        widget=forms.CheckboxSelectMultiple)
    votes = forms.BooleanField(label="Members of this class vote", required=False,
                               initial=True)
    votes_from = forms.DateField(label="Voting (or not) from", widget=DATE,
                                 initial=timezone.localdate)
    minute_reference = forms.CharField(label="Rule or minute that sets this up",
                                       max_length=100, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("votes", "votes_from", "minute_reference"):
                del self.fields[name]


class VotingChangeForm(PlatformForm):
    value = forms.TypedChoiceField(label="From that date", widget=forms.RadioSelect,
                                   coerce=lambda v: v == "yes",
                                   choices=[("yes", "Votes"), ("no", "No votes")])
    effective_from = forms.DateField(label="From", widget=DATE, initial=timezone.localdate,
                                     help_text="May be in the future: the change is in force "
                                               "from that date.")
    minute_reference = forms.CharField(label="Rule or minute that makes the change",
                                       max_length=100)


class WriteDownForm(PlatformForm):
    value_per_share = forms.DecimalField(label="Value of one share from that date (£)",
                                         min_value=0, max_digits=12, decimal_places=2)
    resolved_on = forms.DateField(label="Date of the board's resolution", widget=DATE,
                                  initial=timezone.localdate)
    minute_reference = forms.CharField(label="Minute reference", max_length=100)


class EmailConsentForm(PlatformForm):
    email = forms.EmailField(label="Send notices by email to",
                             help_text="Notices of meetings, ballots and the accounts. You "
                                       "can go back to post at any time.")
