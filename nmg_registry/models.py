"""The core registry: countries, working groups, stakeholder types, mirror groups,
representatives, and the API tokens of REST clients."""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from nmg_registry.validators import validate_web_address
from nmg_registry.version_validity import VersionValidity


def normalise_country_code(code: str) -> str:
    """The one spelling of a typed country code: no surrounding spaces, upper case."""
    return (code or "").strip().upper()


def related_if_set(instance, field_name):
    """The related object when its id is set or an object is attached, else None."""
    field = instance._meta.get_field(field_name)
    if getattr(instance, field.attname) is None and not field.is_cached(instance):
        return None
    return getattr(instance, field_name)


class CountryQuerySet(models.QuerySet):
    def resolve(self, code: str) -> "Country":
        """The country with this EU or ISO code in any letter case (`EL`, `gr`, `UK`, `GB`).

        Raises Country.DoesNotExist with a message naming the code.
        """
        normalised = normalise_country_code(code)
        country = self.filter(Q(code=normalised) | Q(iso_code=normalised)).first()
        if country is None:
            raise Country.DoesNotExist(f'unknown country "{(code or "").strip()}"')
        return country

    def code_index(self) -> dict[str, "Country"]:
        """Every EU and ISO code mapped to its country, for resolving many codes in one query."""
        index: dict[str, Country] = {}
        for country in self:
            index[country.code] = country
            index[country.iso_code] = country
        return index


class CountryManager(models.Manager.from_queryset(CountryQuerySet)):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Participation(models.TextChoices):
    SIGNATORY = "signatory", "Signatory"
    OBSERVER = "observer", "Observer"
    NONE = "none", "Not participating"


class HealthSystem(models.TextChoices):
    NHS = "nhs", "National health service (Beveridge)"
    INSURANCE = "insurance", "Social health insurance (Bismarck)"
    MIXED = "mixed", "Mixed"


class Country(models.Model):
    """A European country that is, or may become, part of the 1+MG initiative."""

    Participation = Participation

    HealthSystem = HealthSystem

    code = models.CharField(
        "EU code", max_length=2, unique=True, help_text="Two letters, EU style: EL, UK."
    )
    iso_code = models.CharField(
        "ISO code", max_length=2, unique=True, help_text="ISO 3166 alpha-2: GR, GB."
    )
    name = models.CharField(max_length=100, unique=True)
    participation = models.CharField(
        max_length=10, choices=Participation.choices, default=Participation.NONE
    )
    signed_on = models.DateField(
        "declaration signed on", null=True, blank=True, help_text="When the day is known."
    )
    signing_note = models.CharField(
        max_length=60,
        blank=True,
        help_text="When only the year or period is known, e.g. 'late 2020'.",
    )
    health_system = models.CharField(max_length=10, choices=HealthSystem.choices, blank=True)
    population_millions = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, help_text="1 January 2020."
    )
    health_genomics_plan_url = models.URLField(
        "national health genomics plan", blank=True, validators=[validate_web_address]
    )
    national_roadmap_url = models.URLField(
        "national 1+MG roadmap", blank=True, validators=[validate_web_address]
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = CountryManager()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "countries"
        # The permission that makes a user WP6 staff (permissions.MANAGE_REGISTRY) lives on
        # the registry's central model: a model without a table breaks `dumpdata`.
        permissions = [("manage_registry", "Can manage the whole registry (WP6 staff)")]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}$") & Q(iso_code__regex=r"^[A-Z]{2}$"),
                name="country_codes_two_capital_letters",
                violation_error_message="Country codes are two capital letters.",
            ),
            models.CheckConstraint(
                condition=Q(participation__in=[c.value for c in Participation]),
                name="country_participation_valid",
            ),
            models.CheckConstraint(
                condition=Q(health_system__in=["", *[c.value for c in HealthSystem]]),
                name="country_health_system_valid",
            ),
            models.CheckConstraint(
                condition=Q(population_millions__isnull=True) | Q(population_millions__gt=0),
                name="country_population_positive",
                violation_error_message="Population must be positive.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse("countries:detail", args=[self.code])

    def natural_key(self):
        return (self.code,)


class WorkingGroupManager(models.Manager):
    def get_by_natural_key(self, number):
        return self.get(number=number)


class WorkingGroup(models.Model):
    """A 1+MG working group; staff may add or retire groups as the initiative changes."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=200)
    is_use_case = models.BooleanField("use case", default=False)
    is_active = models.BooleanField("active", default=True)

    history = HistoricalRecords()
    objects = WorkingGroupManager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="working_group_number_positive",
                violation_error_message="Working group numbers start at 1.",
            ),
        ]

    def __str__(self):
        return f"WG{self.number} {self.name}"

    def natural_key(self):
        return (self.number,)

    @property
    def label(self):
        return f"WG{self.number}"


class StakeholderTypeManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class StakeholderType(models.Model):
    """One of the ten kinds of actor an NMG expert represents (deliverable section 4.2.6)."""

    slug = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = StakeholderTypeManager()

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self):
        return self.label

    def natural_key(self):
        return (self.slug,)


class MirrorGroupKind(models.TextChoices):
    SINGLE = "single", "Single group"
    CORE = "core", "Core group"
    OPERATIONAL = "operational", "Operational subgroup"
    FORUM = "forum", "Open stakeholder forum"
    WORKING_GROUP = "working_group", "Group for one working group"


class MirrorGroup(models.Model):
    """A national mirror group; a country's configuration model is derived from its groups."""

    Kind = MirrorGroupKind

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="mirror_groups")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    working_group = models.ForeignKey(
        WorkingGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mirror_groups",
        help_text="Only for a group that mirrors one working group.",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    established_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Read at a moment (a seat's working group then): its versions know how long they held.
    history = HistoricalRecords(bases=[VersionValidity])

    class Meta:
        ordering = ["country__code", "kind", "working_group__number", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "name"],
                name="mirror_group_name_unique_per_country",
                violation_error_message="This country already has a mirror group of that name.",
            ),
            models.UniqueConstraint(
                fields=["country", "working_group"],
                condition=Q(working_group__isnull=False),
                name="mirror_group_one_per_working_group",
                violation_error_message="This country already has a group for that working group.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in MirrorGroupKind]),
                name="mirror_group_kind_valid",
            ),
            models.CheckConstraint(
                condition=(Q(kind="working_group") & Q(working_group__isnull=False))
                | (~Q(kind="working_group") & Q(working_group__isnull=True)),
                name="mirror_group_working_group_matches_kind",
                violation_error_message=(
                    "A group for one working group names it; other kinds of group do not."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.country.code}: {self.name}"


class RepresentativeRole(models.TextChoices):
    WG1_REPRESENTATIVE = "wg1_representative", "WG1 representative"
    SCIENTIFIC_COORDINATOR = "scientific_coordinator", "NMG scientific coordinator"
    NATIONAL_CONTACT_POINT = "national_contact_point", "National contact point"
    OTHER = "other", "Other"


class Representative(models.Model):
    """A user who may act for a country in the registry."""

    Role = RepresentativeRole

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="representations"
    )
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="representatives")
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.OTHER)

    history = HistoricalRecords()

    class Meta:
        ordering = ["country__code", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "country"],
                name="representative_once_per_country",
                violation_error_message="This user already represents that country.",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[c.value for c in RepresentativeRole]),
                name="representative_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} for {self.country.code} ({self.get_role_display()})"


class DemoDataset(models.Model):
    """Present when `load_demo_data` filled the registry: pages then warn that the
    per-country values are invented (only the totals match the published deliverable)."""

    loaded_at = models.DateTimeField(auto_now_add=True)
    description = models.TextField()

    class Meta:
        ordering = ["-loaded_at"]

    def __str__(self):
        return f"Demo data loaded {self.loaded_at:%Y-%m-%d %H:%M}"


class PendingImport(models.Model):
    """An uploaded spreadsheet waiting for its uploader to confirm the previewed changes.

    Kept in the database, not in one process's temporary folder, so that the confirmation
    may reach any web worker or host.
    """

    class Kind(models.TextChoices):
        COMPOSITION = "composition", "Composition"
        SURVEY = "survey", "Survey responses"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_imports"
    )
    filename = models.CharField(max_length=255)
    data = models.BinaryField()
    options = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename} by {self.user}"


class ErasureKind(models.TextChoices):
    EXPERT = "expert", "Expert (on request)"
    USER = "user", "User account (on request)"
    PURGE = "purge", "History of removed records (retention)"


class ErasureLog(models.Model):
    """A line of the erasure log: who erased personal data, when, of which country, and how
    many records and historical versions it touched. Never what was erased."""

    Kind = ErasureKind

    erased_at = models.DateTimeField(auto_now_add=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank for the command line.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    country = models.ForeignKey(
        Country, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    records = models.PositiveIntegerField(help_text="Current records removed or anonymised.")
    versions = models.PositiveIntegerField(help_text="Historical versions scrubbed.")

    class Meta:
        ordering = ["-erased_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in ErasureKind]),
                name="erasure_log_kind_valid",
            ),
        ]

    def __str__(self):
        where = f" in {self.country.code}" if self.country_id else ""
        return f"{self.get_kind_display()}{where}, {self.erased_at:%Y-%m-%d %H:%M}"


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A named key with which a REST client acts as its user.

    Only the SHA-256 of the key is stored, and its first characters to tell tokens apart;
    a revoked token stays as a record of when it stopped working.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=100, help_text="Your label for the client that uses it, e.g. 'BI report'."
    )
    prefix = models.CharField("key prefix", max_length=PREFIX_LENGTH, editable=False)
    key_hash = models.CharField("SHA-256 of the key", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="To the minute."
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-id"]
        constraints = [
            # A revoked token's name may be given to its replacement.
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_name_unique_per_user",
                violation_error_message="You already have a token of that name.",
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="api_token_name_not_blank",
                violation_error_message="A token needs a name.",
            ),
            models.CheckConstraint(
                condition=Q(key_hash__regex=r"^[0-9a-f]{64}$"),
                name="api_token_key_hash_is_sha256",
                violation_error_message="Only the SHA-256 of a key is stored, never the key.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        """The stored form of a key. Keys are random, so a plain fast hash suffices."""
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
