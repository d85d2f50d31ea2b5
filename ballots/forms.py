from django import forms

from governance.forms import DATE, PlatformForm
from governance.validators import INT_MAX, MAX_PEOPLE, MAX_SEATS, validate_one_per_line
from meetings.forms import PageForm, date_time

from .models import QuestionKind
from .services.casting import Answer

RESOLUTION_CHOICES = [("for", "For"), ("against", "Against"),
                      ("withheld", "Vote withheld (not counted as a vote)")]


class BallotPaperForm(PlatformForm):
    """The ballot paper: one field for each question the voter may answer (a ranking is a
    number for each candidate). An unanswered question is left out of the vote."""

    def __init__(self, *args, questions, elector, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = [q for q in questions
                          if elector is None or not q.constituency_id
                          or q.constituency_id == elector.stakeholder_class_id]
        for question in self.questions:
            options = list(question.options.all())
            name = f"q{question.pk}"
            if question.kind == QuestionKind.RESOLUTION:
                self.fields[name] = forms.ChoiceField(
                    label=question.title, choices=RESOLUTION_CHOICES, required=False,
                    widget=forms.RadioSelect)
            elif question.kind == QuestionKind.FPTP:
                self.fields[name] = forms.ChoiceField(
                    label=question.title, required=False, widget=forms.RadioSelect,
                    choices=[(str(o.pk), o.label) for o in options])
            elif question.kind == QuestionKind.BLOCK:
                self.fields[name] = forms.MultipleChoiceField(
                    label=question.title, required=False, widget=forms.CheckboxSelectMultiple,
                    choices=[(str(o.pk), o.label) for o in options],
                    help_text=f"Choose up to {question.seats}.")
            else:
                numbers = [("", "No preference")] + [(str(n), str(n))
                                                      for n in range(1, len(options) + 1)]
                for option in options:
                    self.fields[f"{name}_o{option.pk}"] = forms.ChoiceField(
                        label=f"{option.label}: your preference", choices=numbers,
                        required=False)

    def clean(self):
        data = super().clean()
        for question in self.questions:
            if question.kind == QuestionKind.BLOCK:
                chosen = data.get(f"q{question.pk}") or []
                if len(chosen) > question.seats:
                    self.add_error(f"q{question.pk}", f"Choose no more than {question.seats}.")
            if question.kind == QuestionKind.STV:
                numbers = [data.get(f"q{question.pk}_o{o.pk}") for o in question.options.all()]
                given = [int(n) for n in numbers if n]
                if len(given) != len(set(given)):
                    first = question.options.first()
                    self.add_error(f"q{question.pk}_o{first.pk}",
                                   f"{question.title}: give each preference number once.")
        return data

    def answers(self) -> dict[int, Answer]:
        found = {}
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == QuestionKind.RESOLUTION:
                if self.cleaned_data.get(name):
                    found[question.pk] = Answer(choice=self.cleaned_data[name])
            elif question.kind == QuestionKind.FPTP:
                if self.cleaned_data.get(name):
                    found[question.pk] = Answer(ranking=(int(self.cleaned_data[name]),))
            elif question.kind == QuestionKind.BLOCK:
                if self.cleaned_data.get(name):
                    found[question.pk] = Answer(ranking=tuple(
                        int(pk) for pk in self.cleaned_data[name]))
            else:
                ranked = sorted((int(self.cleaned_data[f"{name}_o{o.pk}"]), o.pk)
                                for o in question.options.all()
                                if self.cleaned_data.get(f"{name}_o{o.pk}"))
                if ranked:
                    found[question.pk] = Answer(ranking=tuple(pk for _n, pk in ranked))
        return found

    def grouped(self) -> list[tuple]:
        """(question, its bound fields) for the page."""
        return [(q, [self[name] for name in self.fields
                     if name == f"q{q.pk}" or name.startswith(f"q{q.pk}_")])
                for q in self.questions]

    def summary(self) -> list[tuple[str, str]]:
        """(question, the answer in words) for the review page."""
        labels = {o.pk: o.label for q in self.questions for o in q.options.all()}
        answers = self.answers()
        words = dict(RESOLUTION_CHOICES)
        rows = []
        for question in self.questions:
            answer = answers.get(question.pk)
            if answer is None:
                text = "Not answered"
            elif answer.choice:
                text = words[answer.choice]
            elif question.kind == QuestionKind.STV:
                text = "; ".join(f"{i}. {labels[pk]}" for i, pk in
                                 enumerate(answer.ranking, start=1))
            else:
                text = ", ".join(labels[pk] for pk in answer.ranking)
            rows.append((question.title, text))
        return rows


class TrackerForm(PlatformForm):
    tracker = forms.CharField(label="Your ballot tracker", max_length=100,
                              help_text="64 letters and digits (0-9, a-f), as you were shown "
                                        "them when you voted; spaces do not matter.")


class BallotTimesForm(PageForm):
    id_prefix = "ballot"

    opens_at = date_time("Online voting opens")
    closes_at = date_time("Online voting closes",
                          help_text="No later than the start of the meeting; votes in the "
                                    "room are recorded until you close the ballot.")


INSTRUCTION_CHOICES = [("discretion", "My proxy decides"), ("for", "For"),
                       ("against", "Against"), ("withheld", "Withhold my vote")]


class ProxyForm(PlatformForm):
    """Appoint a proxy: who, and an instruction on each resolution."""

    holder = forms.ChoiceField(label="Who is your proxy?", widget=forms.RadioSelect,
                               choices=[("chair", "The chair of the meeting"),
                                        ("named", "Someone I name")], initial="chair")
    holder_name = forms.CharField(label="Your proxy's name", max_length=200, required=False,
                                  help_text="If you name someone. They need not be a member.")
    holder_email = forms.EmailField(label="Your proxy's email address", required=False,
                                    help_text="They vote for you after signing in with it.")

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.resolutions = [q for q in questions if q.kind == QuestionKind.RESOLUTION]
        for question in self.resolutions:
            self.fields[f"i{question.pk}"] = forms.ChoiceField(
                label=f"{question.position}. {question.title}", choices=INSTRUCTION_CHOICES,
                initial="discretion", widget=forms.RadioSelect)

    def instructions(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data[f"i{q.pk}"] for q in self.resolutions}


class PaperProxyForm(ProxyForm):
    member_number = forms.IntegerField(label="Member number", min_value=1, max_value=INT_MAX)
    field_order = ["member_number", "holder", "holder_name", "holder_email"]


class RoomVoteForm(PlatformForm):
    member_number = forms.IntegerField(label="Member number", min_value=1, max_value=INT_MAX)
    channel = forms.ChoiceField(label="Cast", widget=forms.RadioSelect, initial="room",
                                choices=[("room", "In the room (a poll card)"),
                                         ("postal", "By post")])
    reference = forms.CharField(
        label="Poll card or envelope number", max_length=40,
        help_text="The number printed on the poll card, or on the postal envelope. Each is "
                  "entered once; the member sees it on their ballot page.")


class PaperWithdrawForm(PlatformForm):
    because = forms.CharField(label="Why the entry is withdrawn", max_length=200,
                              help_text="For example: entered under the wrong member number.")

    def __init__(self, *args, paper_id=None, **kwargs):
        kwargs.setdefault("auto_id", f"withdraw_{paper_id}_%s" if paper_id else "withdraw_%s")
        super().__init__(*args, **kwargs)


class ShowOfHandsForm(PlatformForm):
    question = forms.TypedChoiceField(label="Resolution", coerce=int)
    votes_for = forms.IntegerField(label="For", min_value=0, max_value=MAX_PEOPLE)
    votes_against = forms.IntegerField(label="Against", min_value=0, max_value=MAX_PEOPLE)
    abstentions = forms.IntegerField(label="Abstentions", min_value=0, max_value=MAX_PEOPLE,
                                     initial=0)

    def __init__(self, *args, questions, **kwargs):
        kwargs.setdefault("auto_id", "hands_%s")
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [(q.pk, f"{q.position}. {q.title}")
                                           for q in questions
                                           if q.kind == QuestionKind.RESOLUTION]


class SpoiltPaperForm(PlatformForm):
    channel = forms.ChoiceField(label="The paper was", widget=forms.RadioSelect,
                                initial="room", choices=[("room", "A poll card in the room"),
                                                         ("postal", "A postal paper")])
    reason = forms.CharField(label="Why it cannot be counted", max_length=200,
                             help_text="For example: unmarked, marked for too many, "
                                       "unclear, not signed, or from someone not on the roll.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "spoilt_%s")
        super().__init__(*args, **kwargs)


class CastingVoteForm(PlatformForm):
    choice = forms.ChoiceField(label="The chair's casting vote", widget=forms.RadioSelect,
                               choices=[("for", "For"), ("against", "Against")])

    def __init__(self, *args, question_id=None, **kwargs):
        kwargs.setdefault("auto_id", f"casting_{question_id}_%s" if question_id
                          else "casting_%s")
        super().__init__(*args, **kwargs)


class NewBallotForm(PageForm):
    id_prefix = "new"

    kind = forms.ChoiceField(label="Kind of ballot", widget=forms.RadioSelect, choices=[
        ("standalone", "A ballot of the members (without a meeting)"),
        ("written", "A written resolution (passes with enough of all the members' votes; "
                    "lapses after the days the rules set)")], initial="standalone")
    title = forms.CharField(label="Title", max_length=200)
    record_date = forms.DateField(label="Record date", widget=DATE,
                                  help_text="Members on the register that day may vote.")
    opens_at = date_time("Voting opens")
    closes_at = date_time("Voting closes", required=False,
                          help_text="For a written resolution, empty: when it lapses.")


class QuestionForm(PageForm):
    id_prefix = "question"

    kind = forms.ChoiceField(label="Kind of question", widget=forms.RadioSelect,
                             choices=QuestionKind.choices, initial=QuestionKind.RESOLUTION)
    title = forms.CharField(label="Title of the question", max_length=200)
    text = forms.CharField(label="Full text of the resolution", required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    seats = forms.IntegerField(label="Seats (elections)", min_value=1, max_value=MAX_SEATS,
                               initial=1)
    candidates = forms.CharField(label="Candidates (elections), one a line", required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}),
                                 validators=[validate_one_per_line])


class TrusteesForm(PlatformForm):
    trustees = forms.CharField(
        label="Trustees", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One person a line: their name, then their email address in angle "
                  "brackets, e.g. Sam Patel <sam@example.org>. At least one must not be an "
                  "officer. By default, the scrutineer and two others.")
    threshold = forms.IntegerField(label="Trustees needed to count", min_value=2,
                                   max_value=9, initial=2)
    platform_share = forms.BooleanField(
        label="The platform holds one share itself", required=False,
        help_text="For a small mutual: fewer people need to take part, but anyone with the "
                  "platform's database and its secret key then holds that share.")

    def clean_trustees(self):
        people = []
        for number, line in enumerate(self.cleaned_data["trustees"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            if "<" not in line or not line.endswith(">"):
                raise forms.ValidationError(f"Line {number}: give a name, then the email "
                                            "address in angle brackets.")
            name, email = line[:-1].split("<", 1)
            try:
                forms.EmailField().clean(email.strip())
            except forms.ValidationError:
                raise forms.ValidationError(f"Line {number}: {email.strip()} is not an "
                                            "email address.") from None
            if not name.strip():
                raise forms.ValidationError(f"Line {number}: give the trustee's name.")
            people.append((name.strip()[:200], email.strip()))
        return people


class TrusteeFileForm(PlatformForm):
    file = forms.FileField(label="Your file for this round",
                           help_text="The file the trustee command wrote (up to 4 MB).")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 4 * 2**20:
            raise forms.ValidationError("That file is larger than 4 MB: it is not a trustee "
                                        "file.")
        return upload.read()


class TrusteeCountForm(PlatformForm):
    file = forms.FileField(label="Your response to the count package",
                           help_text="The response the trustee count command wrote.")

    def clean_file(self):
        import json

        upload = self.cleaned_data["file"]
        if upload.size > 512 * 2**20:
            raise forms.ValidationError("That file is too large to be a response.")
        try:
            return json.loads(upload.read())
        except (ValueError, UnicodeDecodeError):
            raise forms.ValidationError("That file is not a response: it is not JSON.") \
                from None
