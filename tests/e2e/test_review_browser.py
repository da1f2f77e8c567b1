"""The reviewer desk in headless Chromium against a live server (real database, real HTTP)."""
from __future__ import annotations

import json
import urllib.request

import pytest
from django.contrib.auth import get_user_model

from claims.models import Article, Candidate, Claim, SourceDocument
from claims.services.lifecycle import claim_transition
from reviewers.models import Rating, RatingScale, Verdict

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SOURCE = "Vladimir Putin hosted Kim Jong Un at the Vostochny Cosmodrome on 13 September 2023. The leaders toured the site."


def ready_claim(body="Putin met Kim at Vostochny. Then they talked.", n=0, article=None):
    article = article or Article.objects.create(headline="Kim in Russia", body=body, url="https://news.example.org/k")
    claim = Claim.objects.create(article=article, text=body[:26], normalized_text=f"Putin met Kim at Vostochny ({n})",
                                 span_start=0 + n, span_end=26 + n, score=0.9 - n / 100)
    for action in ("start_gathering", "finish_gathering"):
        claim_transition(claim=claim, action=action)
    doc = SourceDocument.objects.create(title="Agency report", body=SOURCE, url="https://ref.example.org/1")
    Candidate.objects.create(claim=claim, document=doc, provider="lexical", score=0.8, rank=1, passage=SOURCE[:82])
    return claim


@pytest.fixture
def scale(transactional_db):
    scale = RatingScale.objects.create(name="Browser scale", best_rating=5, worst_rating=1, is_default=True)
    for value, label in [(1, "False"), (5, "True")]:
        Rating.objects.create(scale=scale, value=value, label=label)
    return scale


def test_reviewer_cites_rates_submits_and_editor_publishes_into_the_export(
    login, live_server, reviewer, editor, scale, make_user, token_for
):
    claim = ready_claim()
    page = login(reviewer)
    page.click("#take-next")
    page.wait_for_url(f"**/review/claims/{claim.pk}/")
    page.click("button.cite")
    assert page.locator(".citations").inner_text().count("Vladimir Putin hosted Kim") == 1
    page.check("input[name=rating][value='%d']" % scale.ratings.get(label="True").pk)
    page.fill("#id_explanation", "The agency report confirms the meeting.")
    page.click("#verdict-form button[type=submit]")
    page.click("#submit-verdict")
    assert "Submitted for approval" in page.inner_text(".messages")

    editor_page = login(editor)
    editor_page.goto(f"{live_server.url}/review/approvals/")
    editor_page.click(f"a[href='/review/claims/{claim.pk}/']")
    editor_page.click("#approve")
    assert "approved and published" in editor_page.inner_text(".messages")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    token = token_for(make_user("cms-bot"), ("read", "export"))
    request = urllib.request.Request(f"{live_server.url}/api/v1/exports/claims.json", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        exported = json.loads(response.read())
    assert "The agency report confirms the meeting." in json.dumps(exported)


def test_a_selection_in_the_captured_source_is_cited(login, reviewer, scale):
    claim = ready_claim()
    page = login(reviewer)
    page.goto(page.url.split("/review/")[0] + f"/review/claims/{claim.pk}/")
    page.click("summary")
    start = SOURCE.index("The leaders")
    page.evaluate(
        """([start, end]) => { const node = document.querySelector('.source-text').firstChild;
        const r = document.createRange(); r.setStart(node, start); r.setEnd(node, end);
        const s = window.getSelection(); s.removeAllRanges(); s.addRange(r); }""",
        [start, len(SOURCE)],
    )
    page.wait_for_function("document.querySelector('.cite-selection input[name=start]').value !== ''")
    page.click(".cite-selection button")
    assert "The leaders toured the site." in page.inner_text(".citations")


def test_two_reviewers_take_next_at_once_and_get_different_claims(login, live_server, reviewer, reviewer2, scale):
    article = Article.objects.create(headline="Two", body="Putin met Kim at Vostochny. " * 4)
    claims = [ready_claim(n=28 * i, article=article) for i in range(2)]
    pages = [login(reviewer), login(reviewer2)]
    for p in pages:
        p.goto(f"{live_server.url}/review/")
    # Submit both forms without waiting for either response, then wait for both navigations.
    for p in pages:
        p.evaluate("document.querySelector('#take-next').form.requestSubmit()")
    for p in pages:
        p.wait_for_url("**/review/claims/*/")
    taken = {p.url.rstrip("/").rsplit("/", 1)[1] for p in pages}
    assert taken == {str(c.pk) for c in claims}


def test_a_concurrent_verdict_edit_shows_a_conflict(login, live_server, reviewer, reviewer2, scale):
    claim = ready_claim()
    first, second = login(reviewer), login(reviewer2)
    for p in (first, second):  # both open the claim while it is free
        p.goto(f"{live_server.url}/review/claims/{claim.pk}/")
    first.fill("#id_explanation", "first wins")
    first.click("#verdict-form button[type=submit]")  # saving leases the claim to the first reviewer
    second.fill("#id_explanation", "second loses")
    second.click("#verdict-form button[type=submit]")
    alert = second.inner_text(".conflict")
    assert "leased to reviewer" in alert and "first wins" in alert and "second loses" in alert
    assert Verdict.objects.get().explanation == "first wins"
    # The holder in a second tab, saving from an older version: a version conflict, nothing overwritten.
    tab = first.context.new_page()
    tab.goto(f"{live_server.url}/review/claims/{claim.pk}/")
    first.fill("#id_explanation", "newer text")
    first.click("#verdict-form button[type=submit]")
    tab.fill("#id_explanation", "older tab")
    tab.click("#verdict-form button[type=submit]")
    alert = tab.inner_text(".conflict")
    assert "since you opened it" in alert and "newer text" in alert and "older tab" in alert
    assert Verdict.objects.get().explanation == "newer text"


def test_self_approval_is_refused_in_the_browser(login, live_server, editor, scale):
    claim = ready_claim()
    page = login(editor)
    page.goto(f"{live_server.url}/review/claims/{claim.pk}/")
    page.click("button.cite")
    page.check("input[name=rating] >> nth=0")
    page.fill("#id_explanation", "mine")
    page.click("#verdict-form button[type=submit]")
    page.click("#submit-verdict")
    page.click("#approve")
    assert "You cannot approve your own verdict" in page.inner_text(".messages")
    assert Verdict.objects.get().status == Verdict.Status.SUBMITTED


def test_article_markup_is_inert_in_the_claim_page_and_the_admin(login, live_server, editor, scale):
    body = 'Putin met Kim at Vostochny. <script>window.pwned=1</script><img src=x onerror="window.pwned=2"> end.'
    claim = ready_claim(body=body)
    page = login(editor)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in (f"/review/claims/{claim.pk}/", f"/admin/claims/article/{claim.article_id}/change/"):
        page.goto(live_server.url + path)
        assert page.evaluate("window.pwned === undefined"), path
        assert page.locator("img[src=x]").count() == 0, path
    page.goto(f"{live_server.url}/review/claims/{claim.pk}/")
    assert "<script>window.pwned=1</script>" in page.inner_text(".article")
    assert not dialogs


def test_a_reviewer_cannot_open_editor_pages_and_an_outsider_sees_nothing(login, live_server, reviewer, make_user, scale):
    claim = ready_claim()
    page = login(reviewer)
    response = page.goto(f"{live_server.url}/review/approvals/")
    assert response.status == 403
    # A staff account in no desk group logs in but gets 403s; a non-staff account cannot even log in.
    staff_outsider = get_user_model().objects.create_user("nobody", password="pw", is_staff=True)
    out = login(staff_outsider)
    for path in ("/review/", f"/review/claims/{claim.pk}/", "/review/approvals/"):
        response = out.goto(live_server.url + path)
        assert response.status == 403 and "Putin" not in out.content(), path
    plain = login(make_user("plain"))
    response = plain.goto(f"{live_server.url}/review/claims/{claim.pk}/")
    assert "/admin/login/" in plain.url and "Putin" not in plain.content()


def test_keyboard_shortcuts_and_tablet_width(login, live_server, reviewer, scale):
    claim = ready_claim()
    page = login(reviewer)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{live_server.url}/review/")
    assert "take next" in page.inner_text(".shortcuts")
    page.keyboard.press("n")
    page.wait_for_url(f"**/review/claims/{claim.pk}/")
    # Readable at tablet width: one column, nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.keyboard.press("2")  # second rating on the scale
    assert page.is_checked("input[name=rating][value='%d']" % scale.ratings.get(label="True").pk)
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.id") == "id_explanation"
    # Tab order reaches the Save verdict button from the explanation without a mouse.
    page.keyboard.type("Typed with the keyboard only.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Save verdict"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Verdict.objects.get().explanation == "Typed with the keyboard only."


def test_a_long_article_opens_scrolled_to_the_claim(login, live_server, reviewer, scale):
    body = "An earlier sentence about something else. " * 200 + "Putin met Kim at Vostochny. Then they talked."
    claim = ready_claim(body=body)
    Claim.objects.filter(pk=claim.pk).update(span_start=len(body) - 45, span_end=len(body) - 19)
    page = login(reviewer)
    page.goto(f"{live_server.url}/review/claims/{claim.pk}/")
    assert page.inner_text(".article mark.active") == "Putin met Kim at Vostochny"
    assert page.evaluate("""() => { const box = document.querySelector('.article').getBoundingClientRect();
        const mark = document.querySelector('.article mark.active').getBoundingClientRect();
        return mark.top >= box.top && mark.bottom <= box.bottom; }""")
