"""The shared behaviour of the personal-data commands (erase_personal_data,
export_personal_data, purge_history): who a request names, the one person it must match,
and a wrong option refused with its message and exit status 1, never a traceback."""

import sys

from django.core.management.base import BaseCommand, CommandError

from nmg_registry import personal_data
from nmg_registry.models import Country
from nmg_registry.personal_data import Candidate, PersonQuery

NAME_THE_PERSON = (
    "Name the person: --email, or --name (with --institution for an expert without an "
    "e-mail), and --country where several countries may have them."
)


class PersonalDataCommand(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        refuse = parser.error

        def error(message):
            if not parser.called_from_command_line:
                refuse(message)  # call_command: a CommandError
            parser.print_usage(sys.stderr)
            sys.stderr.write(f"{parser.prog}: error: {message}\n")
            sys.exit(1)

        parser.error = error
        return parser

    def add_person_arguments(self, parser) -> None:
        parser.add_argument("--email", default="", help="the person's e-mail address")
        parser.add_argument("--name", default="", help="the person's name, as recorded")
        parser.add_argument(
            "--institution",
            default="",
            help="the person's institution, to tell apart experts of the same name",
        )
        parser.add_argument(
            "--country", default="", help="the country's code (EU or ISO, e.g. ES, EL, GR)"
        )

    def person_query(self, options) -> PersonQuery:
        """The request's person; CommandError when it names no one or an unknown country."""
        email, name = options["email"].strip(), options["name"].strip()
        if not (email or name):
            raise CommandError(NAME_THE_PERSON)
        for option in ("email", "name", "institution"):
            if personal_data.is_marker(options[option]):
                raise CommandError(
                    f"--{option} {options[option].strip()} is what an erased value reads: it "
                    "names no one (every erased person reads so). Name the person as recorded."
                )
        country = None
        if options["country"].strip():
            try:
                country = Country.objects.resolve(options["country"])
            except Country.DoesNotExist as unknown:
                raise CommandError(f"{unknown}; give an EU or ISO code such as ES.") from None
        return PersonQuery(
            email=email, name=name, institution=options["institution"].strip(), country=country
        )


def the_one(candidates: list[Candidate], query: PersonQuery) -> Candidate:
    """The one person a request matches; CommandError when it matches no one, or several
    (listed by country and a hint that names no one)."""
    if not candidates:
        raise CommandError(f"No one in the registry matches {query.described()}.")
    if len(candidates) > 1:
        listed = "\n".join(
            f"  {candidate.country.code if candidate.country else '—'}: {candidate.hint}"
            for candidate in candidates
        )
        raise CommandError(
            f"{len(candidates)} people match {query.described()}:\n{listed}\n"
            "Give --country, --institution or --email to choose one."
        )
    return candidates[0]
