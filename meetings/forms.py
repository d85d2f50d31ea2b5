from django import forms
from django.utils import timezone

from governance.calendar import Nation
from governance.forms import DATE, PlatformForm
from governance.models import LegalForm
from governance.validators import INT_MAX, MAX_DEADLINE_HOURS, MAX_NOTICE_DAYS, MAX_SEATS
from membership.models import StakeholderClass

from .models import (
    AgendaItem,
    AttendanceMode,
    ElectionMethod,
    ItemKind,
    MeetingKind,
    MeetingStatus,
    ResolutionType,
)
from .rules import PRESETS, STV_RULES

TWO_STAGE_TYPES = (ResolutionType.AMALGAMATION, ResolutionType.TRANSFER_OF_ENGAGEMENTS,
                   ResolutionType.CONVERSION)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


class PageForm(PlatformForm):
    """Several forms share the meeting console: each gets its own element ids
    (`id_prefix`, and the item's number for a form repeated for each agenda item)."""

    id_prefix = "form"

    def __init__(self, *args, item: int | None = None, **kwargs):
        prefix = self.id_prefix if item is None else f"{self.id_prefix}{item}"
        kwargs.setdefault("auto_id", f"{prefix}_%s")
        super().__init__(*args, **kwargs)


def date_time(label: str, **kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, widget=DATETIME,
                               input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"], **kwargs)


class MeetingForm(PageForm):
    id_prefix = "meeting"

    kind = forms.ChoiceField(label="Kind of meeting", choices=MeetingKind.choices,
                             widget=forms.RadioSelect, initial=MeetingKind.AGM)
    title = forms.CharField(label="Title", max_length=200,
                            help_text="For an AGM it must say so, for example \u201cAnnual "
                                      "General Meeting 2026\u201d.")
    starts_at = date_time("Date and time it starts")
    place = forms.CharField(label="Place", required=False,
                            widget=forms.Textarea(attrs={"rows": 2}),
                            help_text="Where members meet in person.")
    online_url = forms.URLField(label="Online link", required=False, assume_scheme="https",
                                help_text="Where members join online, if they can.")
    online_details = forms.CharField(label="How to join online", required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    record_date = forms.DateField(label="Record date", widget=DATE, initial=timezone.localdate,
                                  help_text="Who is on the register on this date may attend "
                                            "and vote.")
    constituency = forms.ModelChoiceField(label="Class (for a class meeting)", required=False,
                                          queryset=StakeholderClass.objects.all())

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]
            del self.fields["constituency"]


class ItemForm(PageForm):
    id_prefix = "item"

    kind = forms.ChoiceField(label="Kind of item", choices=ItemKind.choices,
                             widget=forms.RadioSelect, initial=ItemKind.RESOLUTION)
    title = forms.CharField(label="Title of the item", max_length=200)
    description = forms.CharField(label="General nature of the business", required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    resolution_type = forms.ChoiceField(label="Kind of resolution", required=False,
                                        choices=[("", "Not a resolution")]
                                        + ResolutionType.choices)
    resolution_text = forms.CharField(label="Full text of the resolution", required=False,
                                      widget=forms.Textarea(attrs={"rows": 4}))
    seats = forms.IntegerField(label="Seats to fill (elections)", min_value=1,
                               max_value=MAX_SEATS, required=False)
    election_method = forms.ChoiceField(label="How the votes are counted (elections)",
                                        required=False,
                                        choices=[("", "Not an election")]
                                        + ElectionMethod.choices)
    constituency = forms.ModelChoiceField(label="Seats reserved for the class",
                                          required=False,
                                          queryset=StakeholderClass.objects.all(),
                                          empty_label="Open to every member")
    nominations_open = forms.DateField(label="Nominations open", required=False, widget=DATE)
    nominations_close = forms.DateField(label="Nominations close", required=False, widget=DATE)
    confirms = forms.ModelChoiceField(
        label="Confirms the resolution of an earlier meeting", required=False,
        queryset=AgendaItem.objects.filter(
            kind=ItemKind.RESOLUTION, resolution_type__in=TWO_STAGE_TYPES,
            meeting__status=MeetingStatus.CLOSED).select_related("meeting"),
        empty_label="No: a new resolution",
        help_text="The second meeting of a society's two-stage resolution (amalgamation, "
                  "transfer of engagements, conversion), 14 days to one month after the "
                  "first.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirms"].label_from_instance = (
            lambda item: f"{item.title} ({item.meeting.title}, "
                         f"{item.meeting.starts_at:%-d %B %Y})")


class CandidateForm(PageForm):
    id_prefix = "candidate"

    name = forms.CharField(label="Candidate's name", max_length=200)
    member_number = forms.IntegerField(label="Their member number", min_value=1,
                                       max_value=INT_MAX, required=False)
    statement = forms.CharField(label="Their statement", required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
    nominated_on = forms.DateField(label="Date nominated", widget=DATE,
                                   initial=timezone.localdate)


class DocumentForm(PageForm):
    id_prefix = "paper"

    title = forms.CharField(label="Title of the paper", max_length=200,
                            help_text="For example \u201cAnnual report and accounts "
                                      "2025-26\u201d.")
    file = forms.FileField(label="File", help_text="PDF, Word, OpenDocument, a spreadsheet or "
                                                   "text; at most 20 MB.")


class NoticeForm(PageForm):
    id_prefix = "notice"

    introduction = forms.CharField(
        label="A few words from the board (optional)", required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Printed before the business. The rest of the notice is written from the "
                  "meeting and its agenda.")
    confirm = forms.BooleanField(label="I have read the notice and it is ready to send to "
                                       "every member")


class ShortNoticeForm(PageForm):
    id_prefix = "consent"

    member_number = forms.IntegerField(label="Member number", min_value=1, max_value=INT_MAX)
    consented_on = forms.DateField(label="Date they agreed", widget=DATE,
                                   initial=timezone.localdate)
    how = forms.CharField(label="How they agreed", max_length=200,
                          initial="signed letter")


class AttendanceForm(PageForm):
    id_prefix = "attendance"

    member_number = forms.IntegerField(label="Member number", min_value=1, max_value=INT_MAX)
    mode = forms.ChoiceField(label="Attending", choices=AttendanceMode.choices,
                             widget=forms.RadioSelect, initial=AttendanceMode.IN_PERSON)
    proxy_name = forms.CharField(label="Name of the proxy or representative", required=False,
                                 max_length=200)


class AdjournForm(PageForm):
    id_prefix = "adjourn"

    to_starts_at = date_time("Adjourned to")
    reason = forms.CharField(label="Why", max_length=300,
                             initial="No quorum 30 minutes after the start.")


class OutcomeForm(PageForm):
    id_prefix = "outcome"

    outcome = forms.CharField(label="What the meeting decided",
                              widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(PageForm):
    id_prefix = "close"

    minutes = forms.CharField(label="Minutes", widget=forms.Textarea(attrs={"rows": 6}),
                              help_text="Who chaired, who was present, and anything not "
                                        "recorded against an item.")


class PostedForm(PageForm):
    id_prefix = "posted"

    posted_at = date_time("When the letters were posted")


class PlanForm(PageForm):
    """"When can we hold the meeting?" (the same rules as `manage.py meeting_dates`)."""

    id_prefix = "plan"

    legal_form = forms.ChoiceField(label="Legal form", choices=LegalForm.choices)
    nation = forms.ChoiceField(label="Registered in", choices=Nation.choices)
    notice_sent = date_time("When the notice is sent")
    meeting = date_time("When the meeting would start")
    clear_days = forms.IntegerField(label="Clear days' notice the rules require", min_value=0,
                                    max_value=MAX_NOTICE_DAYS, required=False,
                                    help_text="Empty: 14, the company minimum and the model "
                                              "rules' figure.")
    proxy_deadline_hours = forms.IntegerField(label="Proxy appointments due this many "
                                                    "working hours before", min_value=0,
                                              max_value=MAX_DEADLINE_HOURS, required=False)
    first_meeting = forms.DateField(label="First meeting of a two-stage resolution",
                                    widget=DATE, required=False)


class RulebookPresetForm(PageForm):
    id_prefix = "rules"

    preset = forms.ChoiceField(label="Start from", widget=forms.RadioSelect,
                               choices=[(code, preset.title) for code, preset in
                                        PRESETS.items()])
    effective_from = forms.DateField(label="In force from", widget=DATE,
                                     initial=timezone.localdate)
    adopted_by = forms.CharField(label="Adopted by", max_length=200,
                                 help_text="The resolution or minute (and for a society the "
                                           "FCA's registration).")
    notice_clear_days = forms.IntegerField(label="Clear days' notice of general meetings",
                                           min_value=0, max_value=MAX_NOTICE_DAYS,
                                           required=False,
                                           help_text="Empty: as the preset says.")
    casting_vote = forms.ChoiceField(label="The chair's casting vote", required=False,
                                     choices=[("", "As the preset says"), ("none", "None"),
                                              ("chair", "The chair has one")])
    stv_rule = forms.ChoiceField(label="Elections by single transferable vote are counted "
                                       "under", required=False,
                                 choices=[("", "As the preset says (ERS97)"),
                                          *[(code, text[0].upper() + text[1:])
                                            for code, text in STV_RULES.items()]])


class ReservedSeatsForm(PageForm):
    id_prefix = "seats"

    stakeholder_class = forms.ModelChoiceField(label="Class",
                                               queryset=StakeholderClass.objects.all())
    seats = forms.IntegerField(label="Seats reserved", min_value=0, max_value=MAX_SEATS)
    clause = forms.CharField(label="Rule", max_length=200, required=False)


class RotationForm(PageForm):
    id_prefix = "rotation"

    seed = forms.CharField(label="Seed for the lot (optional)", max_length=64, required=False,
                           help_text="Leave empty for a random one; it is recorded, so the "
                                     "lot can be drawn again by anyone.")
