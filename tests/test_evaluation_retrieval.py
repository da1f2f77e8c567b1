"""``evaluate claim-matching`` and ``evaluate passages`` on tiny handmade files: keys, JSON, sane figures."""
from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command


def _json(*args) -> dict:
    out = StringIO()
    call_command("evaluate", *args, "--json", stdout=out)
    text = out.getvalue().strip()
    assert text.count("\n") == 0, "exactly one JSON object on one line"
    return json.loads(text)


def test_claim_matching_scores_a_handmade_set(tmp_path):
    (tmp_path / "claims.tsv").write_text(
        "vclaim_id\tvclaim\ttitle\n"
        "0\tThe unemployment rate fell to 3.9 percent in April.\tDid unemployment fall to 3.9%?\n"
        "1\tA shark swam on a flooded highway after a hurricane.\tShark on a highway?\n"
        "2\tThe city council banned plastic bags in all shops.\tPlastic bag ban\n"
    )
    (tmp_path / "q.tsv").write_text(
        "tweet_id\ttweet_content\n"
        "10\tWow unemployment down to 3.9% in April!! https://t.co/x @econ\n"
        "11\tA SHARK on the highway after the #hurricane pic.twitter.com/abc\n"
    )
    (tmp_path / "qrels.tsv").write_text("10\t0\t0\t1\n11\t0\t1\t1\n")
    result = _json("claim-matching", "--claims", str(tmp_path / "claims.tsv"), "--queries", str(tmp_path / "q.tsv"),
                   "--qrels", str(tmp_path / "qrels.tsv"))
    assert {"map_at_5", "mrr", "recall_at_10", "queries"} <= set(result)
    assert result["queries"] == 2 and result["map_at_5"] == 1.0 and result["mrr"] == 1.0


FILLER = [f"Filler sentence number {i} talks about gardening and weather." for i in range(12)]


def test_passages_scores_a_handmade_set(tmp_path):
    rows = [
        {"claim": "Unemployment fell to 3.9 percent in April.", "supporting_sentences": [[1]],
         "evidence": ["Skip to content", "The jobless rate dropped to 3.9% in April, officials said.", "Sports results follow.", *FILLER]},
        {"claim": "The bridge opened in 1932 and cost 10 million pounds.", "supporting_sentences": [[0, 14]],
         "evidence": ["The bridge opened in 1932.", *FILLER, "It is painted grey.", "Building it cost 10 million pounds."]},
        {"claim": "The museum has 4,000 paintings.", "supporting_sentences": [],  # not supported: nothing to find
         "evidence": [*FILLER, "Opening hours vary.", "Tickets are free.", "The café is on the roof.", "Its collection is large."]},
    ]
    path = tmp_path / "wice.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    result = _json("passages", "--data", str(path))
    assert {"any_at_5", "full_at_10", "claims"} <= set(result)
    # Shares over the two claims with a gold set; over all three, the third counts as a miss.
    assert (result["claims"], result["any_at_5"], result["full_at_10"]) == (2, 1.0, 1.0)
    assert (result["claims_all"], result["any_at_5_all"], result["full_at_10_all"]) == (3, round(2 / 3, 4), round(2 / 3, 4))
    lexical = _json("passages", "--data", str(path), "--lexical-only")
    assert lexical["semantic_weight"] == 0.0 and lexical["claims"] == 2
