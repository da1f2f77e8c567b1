"""``manage.py validate_export [--shapes DIR] FILE``: check a ClaimReview JSON-LD export.

Two checks, both offline:

1. Google's fact-check markup rules (required and recommended fields and their
   types), from ``claims.exports.claimreview_problems``, on every ClaimReview node.
2. With ``--shapes DIR`` (schema.org's release folder: ``schemaorg-shapes.shacl`` and
   ``schemaorg-subclasses.shacl``, e.g. ../shared/schemaorg), SHACL validation with
   pyshacl: every property used on a node exists for its type and its values have
   the expected types.

No network: the ``"@context": "https://schema.org"`` of the file is replaced by a
local context (``LOCAL_CONTEXT``: schema.org's vocabulary namespace, and the
properties schema.org's own context declares as IRIs) before parsing.

The release's datatype shapes (``:ValidSchemaText``, ``:ValidSchemaNumber`` ...) say
``sh:nodeKind sh:BlankNodeOrIRI``, so every literal string or number would be a
violation. Those shapes are replaced in memory by literal checks (``DATATYPE_SHAPES``);
everything else in the shapes files is used as released.
"""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.exports import SCHEMA_ORG, claimreview_problems

SCHEMA = "http://schema.org/"
LOCAL_CONTEXT = {
    "@vocab": SCHEMA,
    "schema": SCHEMA,
    "url": {"@id": "schema:url", "@type": "@id"},
    "sameAs": {"@id": "schema:sameAs", "@type": "@id"},
    "image": {"@id": "schema:image", "@type": "@id"},
}
ISO_DATE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$".replace("\\", "\\\\")  # turtle-escaped
# shape name -> turtle body replacing it (prefixes: sh, xsd, schema1, rdf).
DATATYPE_SHAPES = {
    # URL is a Text in schema.org, so an IRI is one too; a number or boolean is not.
    "Text": "sh:or ( [ sh:datatype xsd:string ] [ sh:datatype rdf:langString ] [ sh:nodeKind sh:IRI ] )",
    "URL": "sh:or ( [ sh:nodeKind sh:IRI ] [ sh:nodeKind sh:Literal ; sh:pattern \"^https?://\" ] )",
    "Number": "sh:or ( [ sh:datatype xsd:integer ] [ sh:datatype xsd:decimal ] [ sh:datatype xsd:double ] [ sh:datatype xsd:float ] )",
    "Integer": "sh:datatype xsd:integer",
    "Float": "sh:or ( [ sh:datatype xsd:double ] [ sh:datatype xsd:float ] [ sh:datatype xsd:decimal ] )",
    "Boolean": "sh:datatype xsd:boolean",
    "Date": f'sh:nodeKind sh:Literal ; sh:pattern "{ISO_DATE}"',
    "DateTime": f'sh:nodeKind sh:Literal ; sh:pattern "{ISO_DATE}"',
    "Time": 'sh:nodeKind sh:Literal ; sh:pattern "^\\\\d{2}:\\\\d{2}"',
}


def load_document(path: Path) -> dict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("@graph"), list):
        raise CommandError(f"{path}: expected a JSON-LD document with an @graph list")
    return document


def localize_context(document: dict) -> dict:
    context = document.get("@context")
    if context not in (SCHEMA_ORG, SCHEMA_ORG + "/", SCHEMA, "http://schema.org"):
        raise CommandError(f"@context must be {SCHEMA_ORG!r} (got {context!r}); other contexts would need fetching")
    return {**document, "@context": LOCAL_CONTEXT}


def shapes_graph(shapes_dir: Path):
    from rdflib import Graph, Namespace, URIRef
    from rdflib.namespace import SH

    shapes_file, subclasses_file = shapes_dir / "schemaorg-shapes.shacl", shapes_dir / "schemaorg-subclasses.shacl"
    for required in (shapes_file, subclasses_file):
        if not required.is_file():
            raise CommandError(f"--shapes: {required} is missing")
    shapes = Graph().parse(shapes_file, format="turtle")
    validation = Namespace("http://schema.org/validation#")
    for name in DATATYPE_SHAPES:
        shape = URIRef(validation[f"ValidSchema{name}"])
        for predicate in (SH.nodeKind, SH.targetClass):
            shapes.remove((shape, predicate, None))
    prefixes = (
        "@prefix : <http://schema.org/validation#> . @prefix sh: <http://www.w3.org/ns/shacl#> . "
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
    )
    shapes.parse(data=prefixes + "\n".join(f":ValidSchema{name} a sh:NodeShape ; {body} ." for name, body in DATATYPE_SHAPES.items()), format="turtle")
    return shapes, Graph().parse(subclasses_file, format="turtle")


def shacl_validate(document: dict, shapes_dir: Path) -> tuple[bool, str]:
    from pyshacl import validate
    from rdflib import Graph

    data = Graph().parse(data=json.dumps(localize_context(document)), format="json-ld")
    shapes, subclasses = shapes_graph(shapes_dir)
    conforms, _, text = validate(data, shacl_graph=shapes, ont_graph=subclasses, inference="rdfs")
    return conforms, text


class Command(BaseCommand):
    help = "Validate a ClaimReview JSON-LD export: Google's fact-check fields, and schema.org SHACL shapes with --shapes."

    def add_arguments(self, parser):
        parser.add_argument("--shapes", help="folder holding schemaorg-shapes.shacl and schemaorg-subclasses.shacl")
        parser.add_argument("file", help="a ClaimReview export (export_claims --format claimreview, or a claim set's .jsonld)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        document = load_document(path)
        reviews = [node for node in document["@graph"] if isinstance(node, dict) and node.get("@type") == "ClaimReview"]
        if not reviews:
            raise CommandError(f"{path}: no ClaimReview nodes in @graph")
        problems = [f"node {index}: {problem}" for index, node in enumerate(document["@graph"]) for problem in claimreview_problems(node)]
        if options["shapes"]:
            conforms, report = shacl_validate(document, Path(options["shapes"]))
            if not conforms:
                problems.append("SHACL (schema.org shapes):\n" + report)
        if problems:
            raise CommandError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(problems))
        checked = "Google's ClaimReview fields" + (" and schema.org SHACL shapes" if options["shapes"] else "")
        self.stdout.write(f"{path}: {len(reviews)} ClaimReview node(s) valid ({checked}).")
