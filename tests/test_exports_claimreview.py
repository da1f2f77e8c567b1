"""ClaimReview exports against Google's fact-check markup rules and schema.org's SHACL shapes (validate_export)."""
from __future__ import annotations

import copy
import json

import pytest
from django.core.management import CommandError, call_command

from claims import exports

from .test_claimsets import _body, _create, exporter, published  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

# A few shapes in the form of schema.org's release (schemaorg-shapes.shacl), written for these tests, so the
# command is tested everywhere; .ci/run validates a demo export with the real release (../shared/schemaorg).
SHAPES = """@prefix : <http://schema.org/validation#> .
@prefix schema1: <http://schema.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
:ValidSchemaReview a sh:NodeShape ; sh:nodeKind sh:BlankNodeOrIRI ;
    sh:property [ sh:node :ValidSchemaRating ; sh:path schema1:reviewRating ],
        [ sh:node :ValidSchemaText ; sh:path schema1:reviewBody ] ;
    sh:targetClass schema1:Review .
:ValidSchemaClaimReview a sh:NodeShape ; sh:nodeKind sh:BlankNodeOrIRI ;
    sh:property [ sh:node :ValidSchemaText ; sh:path schema1:claimReviewed ] ;
    sh:targetClass schema1:ClaimReview .
:ValidSchemaRating a sh:NodeShape ; sh:nodeKind sh:BlankNodeOrIRI ;
    sh:property [ sh:or ( [ sh:node :ValidSchemaText ] [ sh:node :ValidSchemaNumber ] ) ; sh:path schema1:bestRating ],
        [ sh:or ( [ sh:node :ValidSchemaText ] [ sh:node :ValidSchemaNumber ] ) ; sh:path schema1:ratingValue ] ;
    sh:targetClass schema1:Rating .
:ValidSchemaClaim a sh:NodeShape ; sh:nodeKind sh:BlankNodeOrIRI ;
    sh:property [ sh:node :ValidSchemaCreativeWork ; sh:path schema1:appearance ] ;
    sh:targetClass schema1:Claim .
:ValidSchemaCreativeWork a sh:NodeShape ; sh:nodeKind sh:BlankNodeOrIRI ;
    sh:property [ sh:or ( [ sh:node :ValidSchemaDate ] [ sh:node :ValidSchemaDateTime ] ) ; sh:path schema1:datePublished ],
        [ sh:node :ValidSchemaText ; sh:path schema1:headline ] ;
    sh:targetClass schema1:CreativeWork .
:ValidSchemaThing a sh:NodeShape ; sh:nodeKind sh:BlankNodeOrIRI ;
    sh:property [ sh:node :ValidSchemaURL ; sh:path schema1:url ], [ sh:node :ValidSchemaText ; sh:path schema1:name ] ;
    sh:targetClass schema1:Thing .
:ValidSchemaText a sh:NodeShape ; sh:nodeKind sh:BlankNodeOrIRI ; sh:targetClass schema1:Text .
:ValidSchemaNumber a sh:NodeShape ; sh:nodeKind sh:BlankNodeOrIRI ; sh:targetClass schema1:Number .
:ValidSchemaURL a sh:NodeShape ; sh:nodeKind sh:BlankNodeOrIRI ; sh:targetClass schema1:URL .
:ValidSchemaDate a sh:NodeShape ; sh:nodeKind sh:BlankNodeOrIRI ; sh:targetClass schema1:Date .
:ValidSchemaDateTime a sh:NodeShape ; sh:nodeKind sh:BlankNodeOrIRI ; sh:targetClass schema1:DateTime .
"""
SUBCLASSES = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema1: <http://schema.org/> .
schema1:ClaimReview rdfs:subClassOf schema1:Review .
schema1:Review rdfs:subClassOf schema1:CreativeWork .
schema1:Claim rdfs:subClassOf schema1:CreativeWork .
schema1:CreativeWork rdfs:subClassOf schema1:Thing .
schema1:Rating rdfs:subClassOf schema1:Intangible .
schema1:Intangible rdfs:subClassOf schema1:Thing .
schema1:Organization rdfs:subClassOf schema1:Thing .
schema1:Person rdfs:subClassOf schema1:Thing .
"""


@pytest.fixture
def shapes_dir(tmp_path):
    folder = tmp_path / "schemaorg"
    folder.mkdir()
    (folder / "schemaorg-shapes.shacl").write_text(SHAPES)
    (folder / "schemaorg-subclasses.shacl").write_text(SUBCLASSES)
    return folder


@pytest.fixture
def claimreview_file(exporter, published, tmp_path, settings):  # noqa: F811
    settings.FACTDESK_PUBLIC_BASE_URL = "https://factcheck.example.org"
    settings.FACTDESK_ORGANIZATION_NAME = "Example Newsroom"
    data = _create(exporter).json()
    path = tmp_path / "claims.jsonld"
    path.write_bytes(_body(exporter.get(data["downloads"]["jsonld"])))
    return path


def test_every_node_has_googles_required_and_recommended_fields_with_their_types(claimreview_file, published):  # noqa: F811
    document = json.loads(claimreview_file.read_text())
    assert document["@context"] == "https://schema.org"
    nodes = document["@graph"]
    assert len(nodes) == len(published)
    for node, claim in zip(nodes, published):
        assert exports.claimreview_problems(node) == []
        assert node["claimReviewed"] == claim.normalized_text
        assert node["url"] == f"https://factcheck.example.org/verdicts/{claim.verdict.pk}/"
        rating = node["reviewRating"]
        assert (rating["bestRating"], rating["worstRating"], rating["alternateName"]) == (5, 1, claim.verdict.rating.label)
        assert isinstance(rating["ratingValue"], int)
        assert node["author"] == {"@type": "Organization", "name": "Example Newsroom", "url": "https://factcheck.example.org"}
        item = node["itemReviewed"]
        assert item["@type"] == "Claim" and item["author"] == {"@type": "Person", "name": "Desk reporter"}
        assert item["appearance"]["url"] == item["firstAppearance"]["url"] == "https://news.example.org/lavrov"
        assert node["datePublished"].endswith("Z") and item["datePublished"].endswith("Z")


@pytest.mark.parametrize(
    "breakage, expected",
    [
        (lambda n: n.pop("claimReviewed"), "claimReviewed (required)"),
        (lambda n: n.update(url="/verdicts/1/"), "url (required)"),
        (lambda n: n["reviewRating"].pop("alternateName"), "reviewRating.alternateName (required)"),
        (lambda n: n["reviewRating"].update(ratingValue="1"), "reviewRating.ratingValue (recommended)"),
        (lambda n: n["reviewRating"].update(ratingValue=9), "should lie between"),
        (lambda n: n.update(author="Example Newsroom"), "author (recommended)"),
        (lambda n: n.update(datePublished="last week"), "datePublished (recommended)"),
        (lambda n: n["itemReviewed"].pop("appearance") and n["itemReviewed"].pop("firstAppearance"), "appearance or firstAppearance"),
    ],
)
def test_the_google_check_names_what_is_wrong(claimreview_file, breakage, expected):
    node = copy.deepcopy(json.loads(claimreview_file.read_text())["@graph"][0])
    breakage(node)
    assert any(expected in problem for problem in exports.claimreview_problems(node))


def test_validate_export_refuses_a_broken_file_and_says_why(claimreview_file, tmp_path):
    call_command("validate_export", str(claimreview_file))  # passes: Google's rules
    document = json.loads(claimreview_file.read_text())
    del document["@graph"][1]["reviewRating"]["alternateName"]
    broken = tmp_path / "broken.jsonld"
    broken.write_text(json.dumps(document))
    with pytest.raises(CommandError, match=r"node 1: reviewRating.alternateName \(required\)"):
        call_command("validate_export", str(broken))
    (tmp_path / "not.json").write_text("{nope")
    with pytest.raises(CommandError, match="not a readable JSON file"):
        call_command("validate_export", str(tmp_path / "not.json"))
    document["@context"] = "https://example.org/other-context"
    broken.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="@context must be"):
        call_command("validate_export", "--shapes", str(tmp_path), str(broken))


def test_the_export_conforms_to_the_shacl_shapes_offline(claimreview_file, shapes_dir, capsys, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("validate_export tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    call_command("validate_export", "--shapes", str(shapes_dir), str(claimreview_file))
    assert "3 ClaimReview node(s) valid (Google's ClaimReview fields and schema.org SHACL shapes)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "breakage, violated",
    [
        (lambda n: n.update(reviewRating="False"), "schema1:reviewRating"),  # text where a Rating belongs
        (lambda n: n["itemReviewed"].update(appearance="https://news.example.org/a"), "schema1:appearance"),
        (lambda n: n["reviewRating"].update(bestRating=True), "schema1:bestRating"),
    ],
)
def test_the_shapes_catch_values_of_the_wrong_type(claimreview_file, shapes_dir, breakage, violated):
    from claims.management.commands.validate_export import shacl_validate

    document = json.loads(claimreview_file.read_text())
    breakage(document["@graph"][0])
    conforms, report = shacl_validate(document, shapes_dir)
    assert not conforms and violated in report


def test_the_live_export_fast_path_gives_the_same_nodes_as_the_models(exporter, published):  # noqa: F811
    from claims import selectors

    response = exporter.get("/api/v1/exports/claims.jsonld")
    assert response.status_code == 200
    live = json.loads(_body(response))["@graph"]
    assert live == [exports.claim_review(claim) for claim in selectors.published_claims()]
    assert len(live) == len(published)


@pytest.mark.parametrize(
    "row",
    [
        ("Unemployment fell to 4.2%.", 7, "2026-11-29T04:00:00.123456+00:00", "Checked \"twice\".\nSee below.", 2, "False", 5, 1,
         "2023-10-19T08:30:00+00:00", "2023-10-19T09:00:00+00:00", "Jane Doe", "https://news.example.org/a?x=1&y=2", "Lavrov in Pyongyang"),
        ("Ünïcode 😀 \u2028 and a control \x1f char", 12345, "2026-01-01T00:00:00+00:00", "", -1, "Mostly false", 1, -2,
         None, "2023-10-19T09:00:00+00:00", "", "", ""),
        ("</script><b>claim</b>", 1, None, "\\ back\\slash \t tab", 0, "", 0, 0, None, None, "Byline only", "", "Headline"),
    ],
)
def test_the_live_exports_text_is_byte_for_byte_the_nodes_json(row, settings):
    from datetime import datetime

    settings.FACTDESK_ORGANIZATION_NAME = 'Factdesk "Newsroom" Ltd'
    row = tuple(datetime.fromisoformat(v) if isinstance(v, str) and v[:4].isdigit() and "T" in v else v for v in row)
    assert exports._review_json_writer()(*row) == exports.dumps(exports._review_node(*row))
