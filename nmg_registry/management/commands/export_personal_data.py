"""`python manage.py export_personal_data --email E [--name N] [--country C] [--output FILE]`:
what the registry holds about a person, on their request, as one JSON document."""

import json

from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder

from nmg_registry import personal_data
from nmg_registry.management.personal import PersonalDataCommand, the_one


class Command(PersonalDataCommand):
    help = (
        "Write one JSON document of everything the registry holds about a person: every "
        "current record and historical version with their e-mail or name (dates, who changed "
        "them), free text naming them, and the user account with that e-mail (never its "
        "password)."
    )

    def add_arguments(self, parser):
        self.add_person_arguments(parser)
        parser.add_argument(
            "--output", metavar="FILE", help="write the document to FILE instead of stdout"
        )

    def handle(self, *args, **options):
        query = self.person_query(options)
        candidates = personal_data.find(query)
        if len(candidates) > 1:
            the_one(candidates, query)  # refused: one document is about one person
        document = personal_data.export_document([(query, candidates)])
        if not personal_data.holds_anything(document):
            raise CommandError(f"The registry holds nothing about {query.described()}.")
        text = json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        if not options["output"]:
            self.stdout.write(text)
            return
        try:
            with open(options["output"], "w", encoding="utf-8") as file:
                file.write(text + "\n")
        except OSError as exc:
            raise CommandError(f"cannot write {options['output']}: {exc.strerror}") from exc
        self.stdout.write(f"Written to {options['output']}.")
