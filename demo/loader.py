"""The synthetic demo data set of `load_demo_data`, for trying the registry locally.

Every total equals a published figure of the deliverable D6.6 (section 5: the 2020 survey
and the compositions; section 6: the three configuration models), but which country gives
which answer, and every person, is invented. The tables below are the whole data set; each
is commented with the figure it meets. The loader writes the survey and the compositions
through the same import services as a user's spreadsheet, so the demo also exercises them.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as UserGroup
from django.db import transaction

from compositions.models import Expert
from compositions.resources import COLUMNS as COMPOSITION_COLUMNS
from compositions.services.file_import import import_composition
from nmg_registry.models import Country, DemoDataset, MirrorGroup, Representative, WorkingGroup
from nmg_registry.tabular import ImportSummary, write_csv
from surveys.models import Response, Survey
from surveys.round_moments import round_closed_at
from surveys.services.file_import import import_survey

DESCRIPTION = (
    "Synthetic demo data: per-country values are invented; only the totals match the "
    "published deliverable D6.6."
)
SURVEY_SLUG = "nmg-survey-2020"
ALL_WORKING_GROUPS = tuple(range(1, 12))


class DemoDataError(Exception):
    """The demo data cannot be loaded into this database; the message says why."""


def _codes(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# ---------------------------------------------------------------------------------------------
# The 2020 survey (section 5.1)

RESPONDENTS = _codes("BE BG HR CY CZ DK FI DE HU IT LV LT LU MT NL NO PT ES UK")  # 19 of 24

# Choice and scale questions: option value -> the countries giving it, with the published
# count. Countries with a plan, a roadmap or an operational NMG tend to answer "yes".
CHOICE_ANSWERS: dict[str, dict[str, tuple[str, ...]]] = {
    "scientific_coordinator": {
        "yes": _codes("ES FI IT"),  # 3/19
        "no": _codes("BE CY HR HU LU MT NL NO UK"),  # 9/19
        "same_as_wg1": _codes("BG CZ DE DK LT LV PT"),  # 7/19
    },
    "national_contact_point": {
        "yes": _codes("DE DK ES FI IT LT PT"),  # 7/19
        "no": _codes("HR UK"),  # 2/19
        "same_as_wg1": _codes("BE BG CY CZ HU LU LV MT NL NO"),  # 10/19
    },
    "additional_figure": {
        "yes": _codes("DE DK ES FI IT LT NL PT"),  # 8/19
        "no": _codes("BE BG CY CZ HR HU LU LV MT NO UK"),  # 11/19
    },
    "health_genomics_plan": {
        "yes": _codes("DK ES FI IT UK"),  # 5/19
        "no": _codes("BE BG CY CZ DE HR HU LT LU LV MT NL NO PT"),  # 14/19
    },
    "national_roadmap": {
        "yes": _codes("DK ES FI"),  # 3/19
        "no": _codes("BE BG CY CZ DE HR HU IT LT LU LV MT NL NO PT UK"),  # 16/19
    },
    # Over 18 answers: the UK left the stage blank (footnote 9).
    "nmg_stage": {
        "no_tangible_activities": _codes("HR"),  # 1/18
        "planning": _codes("BE CY HU LU MT NO"),  # 6/18
        "constructing": _codes("BG CZ DE DK LV NL PT"),  # 7/18
        "operational": _codes("ES FI IT LT"),  # 4/18
    },
    "expert_nomination_process": {
        "yes": _codes("BE BG CZ DE DK ES FI HU IT LT LV NL NO PT UK"),  # 15/19
        "no": _codes("CY HR LU MT"),  # 4/19
    },
    "communication_process": {
        "yes": _codes("BG CZ DE DK ES FI IT LT LV NL PT"),  # 11/19
        "no": _codes("BE CY HR HU LU MT NO UK"),  # 8/19
    },
    "governance_structure": {
        "yes": _codes("CZ DE DK ES FI IT LT NL PT"),  # 9/19
        "no": _codes("BE BG CY HR HU LU LV MT NO UK"),  # 10/19
    },
    "national_activities": {
        "yes": _codes("BG CZ DE DK ES FI IT LT LV NL PT UK"),  # 12/19
        "no": _codes("BE CY HR HU LU MT NO"),  # 7/19
    },
    "funding": {
        "yes": _codes("DK ES FI IT LT PT"),  # 6/19
        "no": _codes("BE BG CY CZ DE HR HU LU LV MT NL NO UK"),  # 13/19
    },
    "formalised": {
        "yes": _codes("DE DK ES FI IT LT"),  # 6/19
        "no": _codes("BE BG CY CZ HR HU LU LV MT NL NO PT UK"),  # 13/19
    },
    "member_activity": {
        "1": _codes("CY HR LU MT"),  # 4/19
        "2": _codes("BE HU LV NO UK"),  # 5/19
        "3": _codes("BG CZ NL"),  # 3/19
        "4": _codes("DE DK FI IT LT PT"),  # 6/19
        "5": _codes("ES"),  # 1/19
    },
    "engagement": {
        "yes": _codes("BG CZ DE DK ES FI IT LT NL PT UK"),  # 11/19
        "no": _codes("BE CY HR HU LU LV MT NO"),  # 8/19
    },
}

# Free texts left blank by some countries that answered the question above them.
NO_PLAN_SCOPE = _codes("UK")
ENGAGEMENT_SUGGESTIONS = _codes("BE CY LV NO")  # of the 8 answering "no" to engagement


def _text_answers(code: str, name: str) -> dict[str, str]:
    """The invented free-text answers of one country; a missing key is a blank cell."""

    def said(question, value="yes"):
        return code in CHOICE_ANSWERS[question][value]

    texts = {"wg1_representative": f"Demo WG1 representative ({name})"}
    if said("health_genomics_plan"):
        texts["health_genomics_plan_url"] = (
            f"https://example.org/demo/{code.lower()}/health-genomics-plan"
        )
        texts["health_genomics_plan_contact"] = f"Demo plan contact, Ministry of Health ({name})"
        if code not in NO_PLAN_SCOPE:
            texts["health_genomics_plan_scope"] = (
                f"Demo text (invented): a national programme bringing genome sequencing "
                f"into routine care in {name}."
            )
    if said("national_roadmap"):
        texts["roadmap_implementation"] = (
            "Demo text (invented): the mirror group follows the roadmap's yearly milestones "
            "and reports to the ministry."
        )
    if code in COMPOSITIONS:
        texts["nmg_composition"] = COMPOSITIONS[code].summary()
    if code in ENGAGEMENT_SUGGESTIONS:
        texts["engagement_how"] = (
            "Demo text (invented): regular briefings from the working groups and an "
            "agenda shared in advance."
        )
    return texts


def survey_csv(survey: Survey) -> bytes:
    """The survey file: `country` then every question code of the round, one row per
    respondent, blank cells for questions not answered."""
    codes = list(survey.questions.order_by("order", "code").values_list("code", flat=True))
    unknown = set(CHOICE_ANSWERS) - set(codes)
    if unknown:
        raise DemoDataError(
            f"The round {survey.slug} lacks the questions {', '.join(sorted(unknown))}."
        )
    _check_survey_answers()
    names = dict(Country.objects.filter(code__in=RESPONDENTS).values_list("code", "name"))
    rows = []
    for code in RESPONDENTS:
        cells = _text_answers(code, names[code])
        for question, options in CHOICE_ANSWERS.items():
            for value, countries in options.items():
                if code in countries:
                    cells[question] = value
        rows.append([code, *(cells.get(question, "") for question in codes)])
    return write_csv(["country", *codes], rows)


def _check_survey_answers():
    """Catch a table edit that gives a country two answers or answers for a non-respondent."""
    for question, options in CHOICE_ANSWERS.items():
        answering = [code for countries in options.values() for code in countries]
        if len(answering) != len(set(answering)) or not set(answering) <= set(RESPONDENTS):
            raise DemoDataError(f"Demo answers to {question}: a country twice or not a respondent.")


# ---------------------------------------------------------------------------------------------
# The compositions (section 5.2)

# The ten stakeholder types, short so that each country's counts fit on a line.
MIN = "ministry-agency-policy-maker"
RES = "research-university"
CLIN = "clinical-communities"
DATA = "it-data-communities"
SCI = "scientific-communities"
ADV = "policy-advisory-groups"
IND = "industry-private-sector"
ELSI = "elsi"
FUND = "funding-agencies"
PAT = "patient-organisations"

# Who coordinates: nobody, expert 1 in their first seat, or the first expert of each WG.
NO_COORDINATOR, ONE_COORDINATOR, COORDINATOR_PER_WG = "none", "one", "per_wg"


@dataclass(frozen=True)
class Composition:
    """One country's invented NMG: its experts, the WGs they sit in and their types.

    Expert n sits in the n-th working group of `working_groups` (round robin), plus any
    `extra_seats[n]`; the first `types` experts get those stakeholder types, in order, and
    the rest have none. An empty `working_groups` leaves every row's working group blank.
    """

    size: int
    working_groups: tuple[int, ...]
    types: dict[str, int]
    coordinators: str = NO_COORDINATOR
    extra_seats: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def summary(self) -> str:
        if self.working_groups:
            return (
                f"Demo text (invented): {self.size} experts in "
                f"{len(self.working_groups)} working groups."
            )
        return f"Demo text (invented): {self.size} experts, not yet assigned to working groups."


# Sizes: CY 1, IT and ES between 65 and 75 (one group of 6-7 per WG), every other one 10-20.
# All 11 WGs only in FI, DE, IT, ES; HU gives no WG. No type at all in IT and DK.
# Research/University leads everywhere else except LV, LT and PT (see their lines).
# Patient organisations only in BG, funding agencies only in ES, industry in exactly
# BG CZ FI DE PT ES; hence no country has all ten types (none has both patients and funding).
COMPOSITIONS: dict[str, Composition] = {
    # The only country with a patients' organisation.
    "BG": Composition(
        14, (1, 2, 3, 4, 5, 8, 9), {RES: 5, CLIN: 3, MIN: 2, PAT: 1, IND: 1, DATA: 1, ELSI: 1}
    ),
    # A single nominated expert.
    "CY": Composition(1, (1,), {RES: 1}),
    "CZ": Composition(12, (1, 2, 3, 4, 5, 6, 8, 9, 10), {RES: 5, CLIN: 2, SCI: 2, DATA: 2, IND: 1}),
    # No types; WG1-6 in the core group, WG8-11 in the use-case groups, nobody in WG7 yet.
    "DK": Composition(
        17,
        (1, 2, 3, 4, 5, 6, 8, 9, 10, 11),
        {},
        coordinators=ONE_COORDINATOR,
        extra_seats={1: (8,)},
    ),
    # A representative in every WG, two of them in a second one.
    "FI": Composition(
        13,
        ALL_WORKING_GROUPS,
        {RES: 4, MIN: 3, CLIN: 2, IND: 1, DATA: 1, ELSI: 1, ADV: 1},
        coordinators=ONE_COORDINATOR,
        extra_seats={1: (8,), 3: (10,)},
    ),
    "DE": Composition(
        16,
        ALL_WORKING_GROUPS,
        {RES: 6, CLIN: 3, SCI: 2, DATA: 2, IND: 1, ELSI: 1, MIN: 1},
        coordinators=ONE_COORDINATOR,
        extra_seats={2: (9,), 5: (11,)},
    ),
    # No working groups given.
    "HU": Composition(11, (), {RES: 5, CLIN: 3, SCI: 2, MIN: 1}),
    # No types; a coordinated group of 6-7 experts per WG.
    "IT": Composition(
        71, ALL_WORKING_GROUPS, {}, coordinators=COORDINATOR_PER_WG, extra_seats={14: (10,)}
    ),
    # Clinical communities lead: 4 of the 10 typed experts = 40%.
    "LV": Composition(12, (1, 2, 3, 5, 8, 9), {CLIN: 4, RES: 2, DATA: 1, SCI: 1, MIN: 1, ELSI: 1}),
    # Clinical and research tie: 4 of the 12 typed experts each = 33.33%.
    "LT": Composition(
        13,
        (1, 2, 3, 4, 5, 8, 9, 10),
        {CLIN: 4, RES: 4, MIN: 2, ELSI: 1, ADV: 1},
        coordinators=ONE_COORDINATOR,
    ),
    # Ministries lead: 5 of 12 = 41.67%.
    "PT": Composition(
        12,
        (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        {MIN: 5, RES: 3, CLIN: 2, IND: 1, DATA: 1},
        coordinators=ONE_COORDINATOR,
    ),
    # The only country with funding agencies; a coordinated group of 6-7 experts per WG.
    "ES": Composition(
        68,
        ALL_WORKING_GROUPS,
        {RES: 24, CLIN: 15, DATA: 8, SCI: 6, MIN: 5, IND: 4, ELSI: 3, FUND: 2, ADV: 1},
        coordinators=COORDINATOR_PER_WG,
        extra_seats={12: (8,), 13: (9,)},
    ),
}


# Institution and charge by stakeholder type ("" = type not given).
INSTITUTIONS = {
    MIN: ("Demo Ministry of Health", "Policy officer"),
    RES: ("Demo University", "Professor of genomics"),
    CLIN: ("Demo University Hospital", "Clinical geneticist"),
    DATA: ("Demo Health Data Centre", "Data architect"),
    SCI: ("Demo Society of Human Genetics", "Board member"),
    ADV: ("Demo Genomics Advisory Council", "Adviser"),
    IND: ("Demo Biotech Ltd", "Head of research"),
    ELSI: ("Demo Bioethics Committee", "Ethicist"),
    FUND: ("Demo Research Funding Agency", "Programme manager"),
    PAT: ("Demo Patients' Forum", "Patient advocate"),
    "": ("Demo National Institute of Health", "Researcher"),
}
# A realistic mix, by expert number: mostly women and men, some undisclosed or not given.
GENDERS = ("female", "male", "female", "male", "male", "female")
GENDERS += ("female", "male", "female", "male", "undisclosed", "")
REGIONS = 4
INSTITUTION_BRANCHES = "ABC"  # several institutions of each kind per country
WITHOUT_EMAIL_EVERY = 20  # a few experts are known by name and institution only


def _composition_rows(code: str, spec: Composition) -> list[list[str]]:
    """One row per membership of the country's invented experts."""
    _check(code, spec)
    types = [slug for slug, count in spec.types.items() for _ in range(count)]
    types += [""] * (spec.size - len(types))
    rows = []
    for number, stakeholder_type in enumerate(types, start=1):
        person = _person(code, number, stakeholder_type)
        for seat, working_group in enumerate(_seats(spec, number)):
            coordinates = seat == 0 and (
                (spec.coordinators == ONE_COORDINATOR and number == 1)
                or (spec.coordinators == COORDINATOR_PER_WG and number <= len(spec.working_groups))
            )
            rows.append(
                [
                    code,
                    f"WG{working_group}" if working_group else "",
                    "coordinator" if coordinates else "expert",
                    *person,
                ]
            )
    return rows


def _seats(spec: Composition, number: int) -> list[int | None]:
    """The working groups of expert `number`; [None] when the country gives none."""
    if not spec.working_groups:
        return [None]
    primary = spec.working_groups[(number - 1) % len(spec.working_groups)]
    return [primary, *spec.extra_seats.get(number, ())]


def _person(code: str, number: int, stakeholder_type: str) -> list[str]:
    """The columns from stakeholder_type to email of an invented expert."""
    institution, position = INSTITUTIONS[stakeholder_type]
    branch = INSTITUTION_BRANCHES[number % len(INSTITUTION_BRANCHES)]
    email = f"demo.expert.{code.lower()}{number:03d}@example.org"
    return [
        stakeholder_type,
        f"{institution} {branch} ({code})",
        f"Demo Expert {code}-{number:03d}",
        position,
        GENDERS[(number - 1) % len(GENDERS)],
        f"Demo region {(number - 1) % REGIONS + 1} ({code})",
        "" if number % WITHOUT_EMAIL_EVERY == 0 else email,
    ]


def _check(code: str, spec: Composition):
    """Catch a table edit that would silently break a published figure."""
    problems = []
    if sum(spec.types.values()) > spec.size:
        problems.append("more typed experts than experts")
    if spec.working_groups and spec.size < len(spec.working_groups):
        problems.append("too few experts to sit in every listed working group")
    for number, extra in spec.extra_seats.items():
        primary = spec.working_groups[(number - 1) % len(spec.working_groups)]
        if not set(extra) <= set(spec.working_groups) - {primary} or number > spec.size:
            problems.append(f"extra seats of expert {number} outside its other working groups")
    if problems:
        raise DemoDataError(f"Demo composition of {code}: {'; '.join(problems)}.")


def composition_csv() -> bytes:
    """The composition file of the twelve countries that sent one."""
    rows = [row for code, spec in COMPOSITIONS.items() for row in _composition_rows(code, spec)]
    return write_csv(COMPOSITION_COLUMNS, rows)


# ---------------------------------------------------------------------------------------------
# Mirror groups: the three configuration models of section 6


@dataclass(frozen=True)
class Group:
    """A demo mirror group to create (its working group only for kind working_group)."""

    kind: str
    name: str
    working_group: int | None = None


def _one_group_per_working_group(*numbers: int) -> list[Group]:
    return [Group(MirrorGroup.Kind.WORKING_GROUP, f"Demo WG{n} mirror group", n) for n in numbers]


MIRROR_GROUPS: dict[str, list[Group]] = {
    # 'Countries starting to set up their NMGs': one group for all WGs.
    "BG": [Group(MirrorGroup.Kind.SINGLE, "Demo national mirror group")],
    "CZ": [Group(MirrorGroup.Kind.SINGLE, "Demo national mirror group")],
    "DE": [Group(MirrorGroup.Kind.SINGLE, "Demo national mirror group")],
    "LT": [Group(MirrorGroup.Kind.SINGLE, "Demo National Coordination Committee")],
    "LV": [Group(MirrorGroup.Kind.SINGLE, "Demo national mirror group")],
    "PT": [Group(MirrorGroup.Kind.SINGLE, "Demo national mirror group")],
    # Denmark: one group for WG1-7 and one group of specialists per use case.
    "DK": [
        Group(MirrorGroup.Kind.SINGLE, "Demo mirror group WG1-WG7"),
        *_one_group_per_working_group(8, 9, 10, 11),
    ],
    # 'Small countries with a National Genomics Strategy': core group, subgroup, forum.
    "FI": [
        Group(MirrorGroup.Kind.CORE, "Demo national coordination group"),
        Group(MirrorGroup.Kind.OPERATIONAL, "Demo operational subgroup"),
        Group(MirrorGroup.Kind.FORUM, "Demo stakeholder forum"),
    ],
    # 'Big countries with a National Health Service': one group per WG.
    "IT": _one_group_per_working_group(*ALL_WORKING_GROUPS),
    "ES": _one_group_per_working_group(*ALL_WORKING_GROUPS),
}


def ensure_mirror_groups() -> int:
    """Create the demo mirror groups that are missing; returns how many were created."""
    countries = Country.objects.in_bulk(list(MIRROR_GROUPS), field_name="code")
    working_groups = WorkingGroup.objects.in_bulk(field_name="number")
    created = 0
    for code, groups in MIRROR_GROUPS.items():
        for group in groups:
            _, was_created = MirrorGroup.objects.get_or_create(
                country=countries[code],
                name=group.name,
                defaults={
                    "kind": group.kind,
                    "working_group": working_groups.get(group.working_group),
                    "description": "Synthetic demo group.",
                },
            )
            created += was_created
    return created


# ---------------------------------------------------------------------------------------------
# Demo accounts


@dataclass(frozen=True)
class DemoAccount:
    """A demo login; the password is published, hence debug mode only."""

    username: str
    password: str
    role: str
    staff: bool = False
    represents: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("wp6", "demo-wp6-2020", "WP6 staff", staff=True),
    DemoAccount("viewer", "demo-viewer-2020", "viewer"),
    DemoAccount("rep-es", "demo-rep-es-2020", "WG1 representative of ES", represents="ES"),
    DemoAccount("rep-it", "demo-rep-it-2020", "WG1 representative of IT", represents="IT"),
)
STAFF_GROUP = "WP6 staff"


@dataclass(frozen=True)
class DemoLogin:
    """A demo account after the load, and whether its demo password still works."""

    account: DemoAccount
    created: bool
    password_unchanged: bool


def ensure_accounts() -> list[DemoLogin]:
    """Create the demo accounts that are missing; existing ones keep their password."""
    User = get_user_model()
    staff_group = UserGroup.objects.get(name=STAFF_GROUP)
    logins = []
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={"email": f"{account.username}@example.org", "is_staff": account.staff},
        )
        if created:
            user.set_password(account.password)
            user.save(update_fields=["password"])
        if account.staff:
            user.groups.add(staff_group)
        if account.represents:
            Representative.objects.get_or_create(
                user=user,
                country=Country.objects.get(code=account.represents),
                defaults={"role": Representative.Role.WG1_REPRESENTATIVE},
            )
        logins.append(DemoLogin(account, created, user.check_password(account.password)))
    return logins


def existing_demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist, without creating or changing any."""
    users = get_user_model().objects.in_bulk(
        [a.username for a in DEMO_ACCOUNTS], field_name="username"
    )
    return [
        DemoLogin(account, False, users[account.username].check_password(account.password))
        for account in DEMO_ACCOUNTS
        if account.username in users
    ]


def registry_has_data() -> bool:
    """Whether experts, responses or a demo load are there already (`--if-fresh`)."""
    return DemoDataset.objects.exists() or Expert.objects.exists() or Response.objects.exists()


# ---------------------------------------------------------------------------------------------
# The loader


@dataclass(frozen=True)
class DemoLoad:
    """What one `load_demo_data` run did."""

    composition: ImportSummary
    survey: ImportSummary
    mirror_groups_created: int
    mirror_groups_existing: int
    logins: list[DemoLogin]
    dataset_recorded: bool


def refuse_unless_debug():
    """Known passwords and invented people belong only in a local debug database."""
    if not settings.DEBUG:
        raise DemoDataError(
            "Refusing to load demo data: DJANGO_DEBUG is off. The demo accounts have "
            "published passwords and the invented experts would mix with real records; "
            "load the demo only into a local database with DJANGO_DEBUG=true."
        )


@transaction.atomic
def load_demo_data() -> DemoLoad:
    """Fill the registry with the demo data set and accounts; running it again changes
    nothing. The compositions replace those of the twelve demo countries."""
    refuse_unless_debug()
    survey = Survey.objects.filter(slug=SURVEY_SLUG).first()
    if survey is None:
        raise DemoDataError(f"The survey round {SURVEY_SLUG} is missing; run `migrate` first.")
    composition = import_composition(
        data=composition_csv(),
        filename="demo-composition.csv",
        replace=True,
        # The deliverable's compositions are those of its round: the first load dates them
        # when the round closed, so `?round=` shows them; a later load writes in the present
        # (history only moves forward).
        as_of=round_closed_at(survey=survey) if not Expert.objects.exists() else None,
    )
    survey_summary = import_survey(
        survey=survey, data=survey_csv(survey), filename=f"demo-{SURVEY_SLUG}.csv"
    )
    mirror_groups_created = ensure_mirror_groups()
    logins = ensure_accounts()
    dataset_recorded = not DemoDataset.objects.exists()
    if dataset_recorded:
        DemoDataset.objects.create(description=DESCRIPTION)
    return DemoLoad(
        composition=composition,
        survey=survey_summary,
        mirror_groups_created=mirror_groups_created,
        mirror_groups_existing=sum(map(len, MIRROR_GROUPS.values())) - mirror_groups_created,
        logins=logins,
        dataset_recorded=dataset_recorded,
    )
