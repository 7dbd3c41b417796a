"""The database refuses experts and memberships that break the composition rules."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from compositions.models import Expert, Membership
from nmg_registry.models import MirrorGroup
from tests import factories

pytestmark = pytest.mark.django_db


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_an_expert_needs_a_name():
    refused(lambda: Expert.objects.create(country=factories.country("ES"), name=""))


def test_gender_must_be_a_known_value():
    refused(lambda: Expert.objects.create(country=factories.country("ES"), name="A", gender="x"))


def test_email_identifies_an_expert_within_a_country_in_any_case():
    spain = factories.country("ES")
    Expert.objects.create(country=spain, name="Ana", email="ana@example.org")
    refused(lambda: Expert.objects.create(country=spain, name="Ana B", email="ANA@example.org"))
    # The same address in another country is another record.
    Expert.objects.create(country=factories.country("IT"), name="Ana", email="ana@example.org")


def test_name_and_institution_identify_an_expert_without_email():
    spain = factories.country("ES")
    Expert.objects.create(country=spain, name="Luis", institution="ISCIII")
    refused(lambda: Expert.objects.create(country=spain, name="luis", institution="iscIII"))
    # A different institution is a different person.
    Expert.objects.create(country=spain, name="Luis", institution="CNAG")


def test_an_expert_holds_a_seat_once():
    membership = factories.MembershipFactory()
    refused(
        lambda: Membership.objects.create(
            expert=membership.expert, working_group=membership.working_group, role="coordinator"
        )
    )


def test_a_seat_without_working_group_is_also_held_once():
    expert = factories.ExpertFactory()
    Membership.objects.create(expert=expert, working_group=None)
    refused(lambda: Membership.objects.create(expert=expert, working_group=None))


def test_one_expert_may_hold_seats_in_several_working_groups():
    expert = factories.ExpertFactory()
    for number in (1, 2, 9):
        Membership.objects.create(expert=expert, working_group=factories.working_group(number))

    assert expert.memberships.count() == 3


def test_role_must_be_coordinator_or_expert():
    refused(lambda: factories.MembershipFactory(role="chair"))


def test_membership_mirror_group_must_belong_to_the_experts_country():
    expert = factories.ExpertFactory(country=factories.country("ES"))
    italian_group = MirrorGroup.objects.create(
        country=factories.country("IT"), kind="single", name="NMG Italy"
    )
    membership = Membership(expert=expert, mirror_group=italian_group)

    with pytest.raises(ValidationError) as excinfo:
        membership.full_clean()
    assert "belongs to another country" in str(excinfo.value)


def test_membership_working_group_must_match_its_mirror_groups():
    expert = factories.ExpertFactory()
    wg3_group = MirrorGroup.objects.create(
        country=expert.country,
        kind="working_group",
        name="NMG WG3",
        working_group=factories.working_group(3),
    )
    membership = Membership(
        expert=expert, mirror_group=wg3_group, working_group=factories.working_group(4)
    )

    with pytest.raises(ValidationError) as excinfo:
        membership.full_clean()
    assert "mirrors another working group" in str(excinfo.value)


def test_expert_changes_are_kept_in_history():
    expert = factories.ExpertFactory(position="Researcher")
    expert.position = "Professor"
    expert.save()

    before, after = expert.history.order_by("history_date")
    assert (before.position, after.position) == ("Researcher", "Professor")
