"""Reference data every registry starts with (DESIGN section 4), frozen here as of 2022.

The values are written out in this migration, not imported, so that later edits to the code
cannot change what an old migration did.
"""

import datetime

from django.db import migrations

WORKING_GROUPS = [
    (1, "Scope, stakeholders, organisation and governance", False),
    (2, "Ethical, legal and social issues (ELSI)", False),
    (3, "Common standards and minimal dataset for clinical and phenotypic data", False),
    (4, "Good sequencing practice", False),
    (
        5,
        "Federated, secure, interoperable and privacy-respecting framework and access governance",
        False,
    ),
    (6, "Health economics and outcome research", False),
    (7, "Involvement of the private sector", False),
    (8, "Use case: rare diseases", True),
    (9, "Use case: cancer", True),
    (10, "Use case: common and complex diseases, incl. pharmacogenomics", True),
    (11, "Use case: infectious diseases", True),
]

STAKEHOLDER_TYPES = [
    ("ministry-agency-policy-maker", "Ministry/Agency/Executive/Policy Maker"),
    ("research-university", "Research/University"),
    ("clinical-communities", "Clinical communities"),
    ("it-data-communities", "IT/Data communities"),
    ("scientific-communities", "Scientific communities"),
    ("policy-advisory-groups", "Policy advisory groups"),
    ("industry-private-sector", "Industry/Private sector"),
    ("elsi", "ELSI"),
    ("funding-agencies", "Funding Agencies"),
    ("patient-organisations", "Patients organisations"),
]

# EU code, ISO code, name, health system, population in millions (1 January 2020).
COUNTRIES = [
    ("AT", "AT", "Austria", "insurance", "8.9"),
    ("BE", "BE", "Belgium", "insurance", "11.5"),
    ("BG", "BG", "Bulgaria", "insurance", "7.0"),
    ("HR", "HR", "Croatia", "insurance", "4.1"),
    ("CY", "CY", "Cyprus", "nhs", "0.9"),
    ("CZ", "CZ", "Czechia", "insurance", "10.7"),
    ("DK", "DK", "Denmark", "nhs", "5.8"),
    ("EE", "EE", "Estonia", "insurance", "1.3"),
    ("FI", "FI", "Finland", "nhs", "5.5"),
    ("FR", "FR", "France", "insurance", "67.3"),
    ("DE", "DE", "Germany", "insurance", "83.2"),
    ("EL", "GR", "Greece", "mixed", "10.7"),
    ("HU", "HU", "Hungary", "insurance", "9.8"),
    ("IE", "IE", "Ireland", "mixed", "5.0"),
    ("IT", "IT", "Italy", "nhs", "59.6"),
    ("LV", "LV", "Latvia", "nhs", "1.9"),
    ("LT", "LT", "Lithuania", "insurance", "2.8"),
    ("LU", "LU", "Luxembourg", "insurance", "0.6"),
    ("MT", "MT", "Malta", "nhs", "0.5"),
    ("NL", "NL", "Netherlands", "insurance", "17.4"),
    ("PL", "PL", "Poland", "insurance", "38.0"),
    ("PT", "PT", "Portugal", "nhs", "10.3"),
    ("RO", "RO", "Romania", "insurance", "19.3"),
    ("SK", "SK", "Slovakia", "insurance", "5.5"),
    ("SI", "SI", "Slovenia", "insurance", "2.1"),
    ("ES", "ES", "Spain", "nhs", "47.3"),
    ("SE", "SE", "Sweden", "nhs", "10.3"),
    ("IS", "IS", "Iceland", "nhs", "0.4"),
    ("NO", "NO", "Norway", "nhs", "5.4"),
    ("CH", "CH", "Switzerland", "insurance", "8.6"),
    ("UK", "GB", "United Kingdom", "nhs", "67.1"),
]

_FOUNDING = datetime.date(2018, 4, 10)
# Signatories of the 1+MG declaration: the exact day where known, else a note of the period.
SIGNED_ON = {
    **dict.fromkeys(
        ["CY", "CZ", "EE", "FI", "IT", "LT", "LU", "MT", "PT", "SI", "ES", "SE", "UK"], _FOUNDING
    ),
    "EL": datetime.date(2018, 9, 6),
    "AT": datetime.date(2018, 9, 11),
    "HR": datetime.date(2018, 9, 21),
    "NL": datetime.date(2018, 10, 16),
    "LV": datetime.date(2018, 11, 12),
    "NO": datetime.date(2019, 6, 14),
    "DE": datetime.date(2020, 1, 16),
    "BE": datetime.date(2020, 8, 26),
}
SIGNING_NOTES = {
    "BG": "2018",
    "HU": "by mid-2019",
    "DK": "late 2020",
    "IE": "November 2022",
    "FR": "November 2022",
    "RO": "2023",
}


def load_reference_data(apps, schema_editor):
    WorkingGroup = apps.get_model("nmg_registry", "WorkingGroup")
    StakeholderType = apps.get_model("nmg_registry", "StakeholderType")
    Country = apps.get_model("nmg_registry", "Country")

    WorkingGroup.objects.bulk_create(
        WorkingGroup(number=number, name=name, is_use_case=use_case, is_active=True)
        for number, name, use_case in WORKING_GROUPS
    )
    StakeholderType.objects.bulk_create(
        StakeholderType(slug=slug, label=label, order=order)
        for order, (slug, label) in enumerate(STAKEHOLDER_TYPES, start=1)
    )
    Country.objects.bulk_create(
        Country(
            code=code,
            iso_code=iso_code,
            name=name,
            health_system=health_system,
            population_millions=population,
            participation="signatory" if code in SIGNED_ON or code in SIGNING_NOTES else "none",
            signed_on=SIGNED_ON.get(code),
            signing_note=SIGNING_NOTES.get(code, ""),
        )
        for code, iso_code, name, health_system, population in COUNTRIES
    )


def create_staff_group(apps, schema_editor):
    """The 'WP6 staff' group, holding the permission that makes its members registry staff."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="nmg_registry", model="registrypermissions"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="manage_registry",
        defaults={"name": "Can manage the whole registry (WP6 staff)"},
    )
    group, _ = Group.objects.get_or_create(name="WP6 staff")
    group.permissions.add(permission)


def remove_reference_data(apps, schema_editor):
    for model in ("Country", "StakeholderType", "WorkingGroup"):
        apps.get_model("nmg_registry", model).objects.all().delete()
    apps.get_model("auth", "Group").objects.filter(name="WP6 staff").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("nmg_registry", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(load_reference_data, remove_reference_data),
        migrations.RunPython(create_staff_group, migrations.RunPython.noop),
    ]
