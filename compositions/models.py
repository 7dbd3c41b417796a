"""The people of each country's mirror groups: experts and the seats they hold."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower
from simple_history.models import HistoricalRecords

from nmg_registry.models import (
    Country,
    MirrorGroup,
    StakeholderType,
    WorkingGroup,
    related_if_set,
)
from nmg_registry.validators import validate_email_address
from nmg_registry.version_validity import VersionValidity


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNDISCLOSED = "undisclosed", "Undisclosed"


class Expert(models.Model):
    """A person in a country's NMG. Personal data: read only through the permission policy.

    A person is recognised by country + email, or by country + name + institution when
    the email is unknown; the database holds both rules.
    """

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="experts")
    name = models.CharField(max_length=200)
    institution = models.CharField(max_length=300, blank=True)
    position = models.CharField(max_length=300, blank=True, help_text="The expert's charge.")
    gender = models.CharField(max_length=12, choices=Gender.choices, blank=True)
    region = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, validators=[validate_email_address])
    stakeholder_type = models.ForeignKey(
        StakeholderType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="experts",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Read at a moment (`?as_of=`): its versions know how long they held.
    history = HistoricalRecords(bases=[VersionValidity])

    # Personal data (nmg_registry.personal_data): the fields that identify the person, erased
    # from every historical version; of them, those that name the person, looked for in free
    # text and uploads. Country, gender, stakeholder type and seats stay for the figures.
    identifying_fields = ("name", "email", "institution", "position", "region")
    naming_fields = ("name", "email")

    class Meta:
        ordering = ["country__code", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""),
                name="expert_name_required",
                violation_error_message="An expert needs a name.",
            ),
            models.CheckConstraint(
                condition=Q(gender__in=["", *[c.value for c in Gender]]),
                name="expert_gender_valid",
                violation_error_message="Gender must be female, male, other or undisclosed.",
            ),
            models.UniqueConstraint(
                "country",
                Lower("email"),
                condition=~Q(email=""),
                name="expert_unique_email_per_country",
                violation_error_message="This country already has an expert with that email.",
            ),
            models.UniqueConstraint(
                "country",
                Lower("name"),
                Lower("institution"),
                condition=Q(email=""),
                name="expert_unique_name_institution_without_email",
                violation_error_message=(
                    "This country already has an expert of that name and institution "
                    "without an email."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.country.code})"


class MembershipRole(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    EXPERT = "expert", "Expert"


class Membership(models.Model):
    """An expert's seat: in a working group, a mirror group, or both, as coordinator or expert."""

    Role = MembershipRole

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="memberships")
    working_group = models.ForeignKey(
        WorkingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text="Blank when the working group is not known.",
    )
    mirror_group = models.ForeignKey(
        MirrorGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.EXPERT)

    # Read at a moment (`?as_of=`): its versions know how long they held.
    history = HistoricalRecords(bases=[VersionValidity])

    class Meta:
        ordering = ["expert__country__code", "working_group__number", "expert__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[c.value for c in MembershipRole]),
                name="membership_role_valid",
                violation_error_message="Role must be coordinator or expert.",
            ),
            # One seat per expert per working group and mirror group; blanks count as a value.
            models.UniqueConstraint(
                "expert",
                Coalesce("working_group", 0),
                Coalesce("mirror_group", 0),
                name="membership_unique_seat",
                violation_error_message="This expert already holds that seat.",
            ),
        ]

    def __str__(self):
        where = self.working_group.label if self.working_group_id else "no working group"
        return f"{self.expert_name()}: {where} ({self.get_role_display()})"

    def expert_name(self) -> str:
        """The expert's name; for a seat read from the history whose expert is gone, the name
        their last version holds (the marker once erased), else "a removed expert"."""
        try:
            return self.expert.name
        except Expert.DoesNotExist:
            last = (
                Expert.history.filter(id=self.expert_id)
                .order_by("-history_date", "-history_id")
                .values_list("name", flat=True)
                .first()
            )
            return last or "a removed expert"

    def clean(self):
        # Relations across tables cannot be CHECK constraints; services and forms call
        # full_clean(). The expert may be attached but not yet saved (an admin inline).
        expert, group = related_if_set(self, "expert"), related_if_set(self, "mirror_group")
        if expert is None or group is None:
            return
        if group.country_id != expert.country_id:
            raise ValidationError(
                {"mirror_group": "The mirror group belongs to another country than the expert."}
            )
        if group.working_group_id and self.working_group_id not in (None, group.working_group_id):
            raise ValidationError(
                {"working_group": "The mirror group mirrors another working group."}
            )
