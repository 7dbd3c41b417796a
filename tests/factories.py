"""factory_boy factories for the registry's models; reference rows come from the migrations."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from compositions.models import Expert, Membership
from nmg_registry.models import Country, MirrorGroup, Representative, StakeholderType, WorkingGroup
from surveys.models import Answer, Question, QuestionOption, Response, Survey

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_staff(username="staff", **kwargs):
    """A WP6 staff member: admin access and the registry's manage permission through its group."""
    user = UserFactory(username=username, is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name="WP6 staff"))
    return user


def make_representative(username, country_code, *, role="wg1_representative", **kwargs):
    user = UserFactory(username=username, **kwargs)
    Representative.objects.create(
        user=user, country=Country.objects.get(code=country_code), role=role
    )
    return user


def country(code) -> Country:
    return Country.objects.get(code=code)


def working_group(number) -> WorkingGroup:
    return WorkingGroup.objects.get(number=number)


def stakeholder_type(slug) -> StakeholderType:
    return StakeholderType.objects.get(slug=slug)


class MirrorGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MirrorGroup

    country = factory.LazyFunction(lambda: Country.objects.get(code="ES"))
    kind = MirrorGroup.Kind.SINGLE
    name = factory.Sequence(lambda n: f"Mirror group {n}")


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert

    country = factory.LazyFunction(lambda: Country.objects.get(code="ES"))
    name = factory.Sequence(lambda n: f"Expert {n}")
    institution = "Instituto de Salud"
    email = factory.Sequence(lambda n: f"expert{n}@example.org")
    gender = "female"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    expert = factory.SubFactory(ExpertFactory)
    working_group = factory.LazyFunction(lambda: WorkingGroup.objects.get(number=1))
    role = Membership.Role.EXPERT


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    slug = factory.Sequence(lambda n: f"round-{n}")
    title = factory.Sequence(lambda n: f"Round {n}")
    status = Survey.Status.OPEN


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    survey = factory.SubFactory(SurveyFactory)
    code = factory.Sequence(lambda n: f"question_{n}")
    section = Question.Section.PROFILE
    kind = Question.Kind.TEXT
    text = "A question?"


def add_options(question, *values):
    return [
        QuestionOption.objects.create(question=question, value=value, label=value.title(), order=i)
        for i, value in enumerate(values)
    ]


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    survey = factory.SubFactory(SurveyFactory)
    country = factory.LazyFunction(lambda: Country.objects.get(code="ES"))
    status = Response.Status.DRAFT


def submitted_response(**kwargs):
    return ResponseFactory(status=Response.Status.SUBMITTED, submitted_at=timezone.now(), **kwargs)


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    response = factory.SubFactory(ResponseFactory)
    question = factory.SubFactory(QuestionFactory)
    text = "An answer"
