import datetime as dt
import time
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from accounts.models import User
from governance.models import LegalForm, OfficerAppointment, Organisation
from membership.models import Member, ShareClass, StakeholderClass

PASSWORD = "correct-horse-battery-9"
TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def totp_now(secret: str = TOTP_SECRET, offset: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(user=self, email=self.email,
                                               defaults={"primary": True, "verified": True})


def give_totp(user, secret: str = TOTP_SECRET) -> Authenticator:
    return Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP,
                                        data={"secret": secret})


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = "Test Community Society"
    legal_form = LegalForm.COMMUNITY_BENEFIT_SOCIETY
    registration_number = "RS001234"
    registered_office = "1 Test Street, Testtown TT1 1TT"


class ShareClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShareClass
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Share class {n}")
    code = factory.Sequence(lambda n: f"class{n}")
    par_value = Decimal("1.00")
    min_holding = 1
    max_holding = None
    withdrawable = True
    withdrawal_notice_months = 3


class StakeholderClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StakeholderClass
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Class {n}")
    slug = factory.Sequence(lambda n: f"class-{n}")
    eligibility = "Anyone who supports the society."


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    member_number = factory.Sequence(lambda n: 1000 + n)
    full_name = factory.Faker("name", locale="en_GB")
    address = "2 Member Road, Testtown TT2 2TT"
    email = factory.LazyAttribute(lambda m: f"member{m.member_number}@example.org")
    stakeholder_class = factory.SubFactory(StakeholderClassFactory)
    admitted_on = dt.date(2024, 1, 15)


def appoint(user, role: str, started_on: dt.date = dt.date(2024, 1, 1)) -> OfficerAppointment:
    return OfficerAppointment.objects.create(user=user, role=role, full_name=user.full_name,
                                             started_on=started_on)
