"""``manage.py evaluate <suite> ...``: quality figures on public data."""
import json

from django.core.management.base import BaseCommand

from claims import evaluation


class Command(BaseCommand):
    help = "Evaluate an NLP stage on public data and print its figures (see docs/evaluation.md)."

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="suite", required=True)
        for name, module in evaluation.available().items():
            sub = subparsers.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
            sub.add_argument("--json", action="store_true", help="print exactly one JSON object")
            module.add_arguments(sub)

    def handle(self, *args, **options):
        module = evaluation.load(options["suite"])
        result = module.run(options)
        if options["json"]:
            self.stdout.write(json.dumps(result, sort_keys=True))
        else:
            self.stdout.write(module.render(result))
