from django import forms
from django.utils import timezone

from accounts.roles import APPOINTED_ROLES


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
                                 widget=forms.DateInput(attrs={"type": "date"}))


class OfficerRetireForm(forms.Form):
    ended_on = forms.DateField(label="Date the appointment ended", initial=timezone.localdate,
                               widget=forms.DateInput(attrs={"type": "date"}))
