"""The rulebook: versions with an effective date, presets, statutory floors for the legal
form (refused naming the statute), and scenario S4 (c) and (d): a company's chair has a
casting vote only under articles saved from before 1 October 2007."""

import datetime as dt

import pytest
from django.urls import reverse

from governance.models import AssetLock, LegalForm, Organisation
from meetings.models import Rulebook
from meetings.rules import (
    PRESETS,
    RulebookInvalid,
    RulebookSettings,
    resolution_rules,
    rulebook_check,
    settings_in_words,
)
from meetings.selectors import meeting_settings, rulebook_in_force
from meetings.services import rulebooks
from tests.factories import StakeholderClassFactory, UserFactory

pytestmark = pytest.mark.django_db


def company(organisation, incorporated_on):
    organisation.legal_form = LegalForm.CIC_SHARES
    organisation.incorporated_on = incorporated_on
    organisation.save()


def adopt(actor, preset="cic_shares", on=dt.date(2024, 1, 1), **changes):
    return rulebooks.rulebook_adopt_preset(actor=actor, preset=preset, effective_from=on,
                                           adopted_by="Special resolution", changes=changes)


def test_s4c_a_company_incorporated_in_2015_cannot_give_the_chair_a_casting_vote(
        users, organisation):
    company(organisation, dt.date(2015, 6, 1))
    with pytest.raises(RulebookInvalid, match="1 October 2007") as refused:
        adopt(users["secretary"], casting_vote="chair", casting_vote_article_saved=True)
    assert refused.value.field == "casting_vote"
    assert not Rulebook.objects.exists()


def test_s4d_a_company_of_2001_with_table_a_reg_50_saved_keeps_the_casting_vote(
        users, organisation):
    company(organisation, dt.date(2001, 3, 1))
    with pytest.raises(RulebookInvalid):  # the article must be recorded as still in force
        adopt(users["secretary"], casting_vote="chair")
    rulebook = adopt(users["secretary"], casting_vote="chair", casting_vote_article_saved=True)
    rules = resolution_rules(rulebooks.RulebookSettings.from_json(rulebook.settings),
                             "ordinary")
    assert rules["casting_vote"] == "chair"


@pytest.mark.parametrize(("change", "statute"), [
    ({"notice_clear_days": 13}, "s.307(1)"),
    ({"short_notice_percent": 96, "short_notice_allowed": True}, "s.307(5)-(6)"),
    ({"proxies": {"allowed": False}}, "s.324"),
    ({"proxies": {"appointment_deadline_hours": 72}}, "s.327"),
    ({"quorum": [{"fixed": 1}]}, "s.318"),
])
def test_a_company_rule_below_the_statute_is_refused_naming_the_section(
        users, organisation, change, statute):
    company(organisation, dt.date(2020, 4, 1))
    with pytest.raises(RulebookInvalid) as refused:
        adopt(users["secretary"], **change)
    assert statute in refused.value.message


def test_a_society_cannot_vote_by_shares_or_lower_a_statutory_threshold(users, organisation):
    with pytest.raises(RulebookInvalid, match="federal societies only"):
        adopt(users["secretary"], preset="coop_society", voting_basis="one_share_one_vote")
    thresholds = dict(PRESETS["coop_society"].settings.to_json()["thresholds"])
    thresholds["conversion"] = {**thresholds["conversion"], "value": "1/2"}
    with pytest.raises(RulebookInvalid, match="ss.109-113"):
        adopt(users["secretary"], preset="coop_society", thresholds=thresholds)


def test_a_preset_for_another_legal_form_is_refused(users, organisation):
    with pytest.raises(RulebookInvalid, match="community interest company"):
        adopt(users["secretary"], preset="cic_shares")


LOCK_FOR = {LegalForm.COOPERATIVE_SOCIETY: AssetLock.NONE,
            LegalForm.COMMUNITY_BENEFIT_SOCIETY: AssetLock.STATUTORY,
            LegalForm.CIC_SHARES: AssetLock.CIC}


def test_there_is_a_preset_for_each_kind_of_mutual_in_the_issue():
    assert set(PRESETS) == {"coop_society", "cbs_statutory_lock", "cic_shares", "fairshares",
                            "somerset"}


@pytest.mark.parametrize(("preset", "legal_form"), [
    (code, form) for code, chosen in PRESETS.items() for form in chosen.legal_forms])
def test_each_preset_is_adopted_for_a_legal_form_it_is_made_for(preset, legal_form):
    organisation = Organisation.objects.create(name="Test Mutual", legal_form=legal_form,
                                               asset_lock=LOCK_FOR[legal_form],
                                               incorporated_on=dt.date(2015, 6, 1))
    secretary = UserFactory()
    if preset == "somerset":
        # Fixed weights for three classes: the rules name them, so they must exist.
        with pytest.raises(RulebookInvalid, match="investors, users, workers"):
            rulebooks.rulebook_adopt_preset(actor=secretary, preset=preset,
                                            effective_from=dt.date(2024, 1, 1),
                                            adopted_by="Rules registered 2024")
        for slug in ("workers", "users", "investors"):
            StakeholderClassFactory(slug=slug, name=slug.capitalize())
    rulebook = rulebooks.rulebook_adopt_preset(actor=secretary, preset=preset,
                                               effective_from=dt.date(2024, 1, 1),
                                               adopted_by="Rules registered 2024")
    assert (rulebook.version, rulebook.preset) == (1, preset)
    assert rulebook.title == PRESETS[preset].title
    settings = RulebookSettings.from_json(rulebook.settings)
    assert settings.to_json() == PRESETS[preset].settings.to_json()
    rulebook_check(settings=settings, legal_form=organisation.legal_form,
                   incorporated_on=organisation.incorporated_on,
                   class_slugs={"workers", "users", "investors"} if preset == "somerset"
                   else set())
    assert rulebook_in_force(on=dt.date(2024, 6, 1)) == rulebook
    assert settings_in_words(settings, rulebook.clauses)


def test_a_meeting_uses_the_version_in_force_on_its_date_until_its_notice_pins_one(
        users, organisation):
    first = adopt(users["secretary"], preset="coop_society", on=dt.date(2024, 1, 1))
    second = adopt(users["secretary"], preset="coop_society", on=dt.date(2025, 6, 1),
                   notice_clear_days=21)
    assert (first.version, second.version) == (1, 2)
    assert rulebook_in_force(on=dt.date(2025, 5, 31)) == first
    assert rulebook_in_force(on=dt.date(2025, 6, 1)) == second
    with pytest.raises(Exception, match="already takes effect"):
        adopt(users["secretary"], preset="coop_society", on=dt.date(2025, 6, 1))

    from meetings.models import Meeting

    meeting = Meeting(kind="general", title="GM", record_date=dt.date(2025, 5, 1),
                      starts_at=dt.datetime(2025, 7, 1, 18, tzinfo=dt.UTC))
    assert meeting_settings(meeting).notice_clear_days == 21
    meeting.rulebook = first  # pinned when the notice went in May
    assert meeting_settings(meeting).notice_clear_days == 14


def test_the_rules_page_shows_each_setting_with_its_clause_and_the_secretary_adopts(
        client, users, organisation):
    client.force_login(users["secretary"])
    page = client.get(reverse("meetings:rulebook")).content.decode()
    assert "No rules are recorded yet" in page
    response = client.post(reverse("meetings:rulebook_adopt"), {
        "preset": "coop_society", "effective_from": "2024-01-01",
        "adopted_by": "Rules registered by the FCA on 1 January 2024"})
    assert response.status_code == 302
    page = client.get(reverse("meetings:rulebook")).content.decode()
    assert "Rule 27: 10% of the members or 3, whichever is greater" in page
    assert "10% of the members or 3, if greater" in page
    refused = client.post(reverse("meetings:rulebook_adopt"), {
        "preset": "cic_shares", "effective_from": "2025-01-01", "adopted_by": "x"})
    assert refused.status_code == 400
    assert "There is a problem" in refused.content.decode()
