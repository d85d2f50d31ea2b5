"""Sealing a voter's answers: each secret question's answer is encrypted under the ballot
key, with the proofs that it is well formed, in the memory of the request that casts it.
The encryption is done before any transaction begins (it is the slow part, and no lock
need wait for it); what is stored is the ciphertexts, their proofs and the tracker.

Each ciphertext is bound (in its proofs' context) to the ballot's key ceremony, the
question, and the elector's class and weight on the frozen roll, so it cannot be moved to
another question or counted in another cell. Recorded (named) questions are not sealed and
are never part of a tracker."""

from dataclasses import dataclass

from ballots.crypto import answers as sealed
from ballots.crypto import group

from ..models import Ballot, CeremonyStage, Elector, KeyCeremony, Question, QuestionKind


def question_spec(question: Question, option_count: int) -> sealed.QuestionSpec:
    return sealed.QuestionSpec(qid=str(question.position), kind=str(question.kind),
                               options=2 if question.kind == QuestionKind.RESOLUTION
                               else option_count, seats=question.seats)


def answer_context(ceremony_context: str, qid: str, class_slug: str, weight: int) -> tuple:
    return (ceremony_context, "answer", qid, class_slug, weight)


def paper_context(ceremony_context: str) -> tuple:
    return (ceremony_context, "paper")


@dataclass
class Sealer:
    """What sealing needs of a ballot, read once: its key, its context, each question's
    spec and option order."""

    key: group.Point
    context: str
    specs: dict[int, sealed.QuestionSpec]
    option_index: dict[int, dict[int, int]]  # question id -> option id -> 0-based place

    @classmethod
    def of(cls, ballot: Ballot) -> "Sealer":
        ceremony = KeyCeremony.objects.filter(ballot=ballot).first()
        if ceremony is None or ceremony.stage != CeremonyStage.COMPLETE:
            raise ValueError("the ballot has no complete key")
        specs, option_index = {}, {}
        for question in ballot.questions.prefetch_related("options"):
            options = sorted(question.options.all(), key=lambda option: option.position)
            specs[question.pk] = question_spec(question, len(options))
            option_index[question.pk] = {option.pk: i for i, option in enumerate(options)}
        return cls(group.point_decode(ceremony.public_key), ceremony.context, specs,
                   option_index)

    def plain(self, question_id: int, answer):
        """The casting `Answer` in the form the encryption takes."""
        spec = self.specs[question_id]
        if spec.kind == QuestionKind.RESOLUTION:
            return answer.choice
        index = self.option_index[question_id]
        return [index[option_id] for option_id in answer.ranking]

    def seal(self, elector: Elector, answers: dict) -> tuple[str, dict]:
        """(tracker, {question id: EncryptedAnswer}) for the answers to secret questions."""
        encrypted = {}
        for question_id, answer in sorted(answers.items()):
            spec = self.specs[question_id]
            encrypted[question_id] = sealed.encrypt_answer(
                self.key, spec, self.plain(question_id, answer),
                answer_context(self.context, spec.qid, elector.class_slug, elector.weight))
        tracker = sealed.tracker(paper_context(self.context),
                                 {self.specs[q].qid: e for q, e in encrypted.items()})
        return tracker, encrypted
