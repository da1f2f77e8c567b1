"""Read queries for the reviewer pages; each returns a bounded number of queries."""
from __future__ import annotations

from claims.models import Claim

# Queue priority, highest first: the editor-set priority, then the
# check-worthiness score, then the most recent article, then oldest claim.
QUEUE_ORDER = ("-priority", "-score", "-article__published_at", "id")


def queue_list(*, article_id: int | None = None, limit: int = 100):
    claims = Claim.objects.filter(status=Claim.Status.READY_FOR_REVIEW).select_related("article").order_by(*QUEUE_ORDER)
    if article_id:
        claims = claims.filter(article_id=article_id)
    return list(claims[:limit])


def claim_for_page(*, claim_id: int) -> Claim:
    return Claim.objects.select_related("article").get(pk=claim_id)
