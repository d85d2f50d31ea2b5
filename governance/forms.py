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
