"""Reads with their query plans decided: no N+1 in lists, pages or exports."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Prefetch, QuerySet

from claims.models import ApiClient, ApiToken, Article, Candidate, Claim, SourceDocument
from reviewers.models import Citation

TOP_CANDIDATES = 5


def claims_with_evidence(queryset: QuerySet[Claim] | None = None, *, top: int = TOP_CANDIDATES) -> QuerySet[Claim]:
    """Claims with their top candidates (and documents), verdict, rating and citations prefetched."""
    queryset = queryset if queryset is not None else Claim.objects.all()
    top_candidates = (
        Candidate.objects.exclude(state=Candidate.State.DISMISSED)
        .select_related("document")
        .defer("document__body")  # whole source texts: never shown in lists, often many KB each
        .order_by("rank", "id")
    )
    return queryset.select_related("article", "verdict__rating__scale", "verdict__reviewer", "verdict__approved_by").prefetch_related(
        Prefetch("candidates", queryset=top_candidates, to_attr="top_candidates"),
        Prefetch("verdict__citations", queryset=Citation.objects.order_by("id")),
    )


def article_with_claims(*, article_id: int) -> Article:
    claims = claims_with_evidence(
        Claim.objects.exclude(status__in=[Claim.Status.REJECTED, Claim.Status.STALE]).order_by("span_start", "id")
    )
    return Article.objects.prefetch_related(Prefetch("claims", queryset=claims, to_attr="visible_claims")).get(
        pk=article_id
    )


def published_claims(*, since=None) -> QuerySet[Claim]:
    """Published claims with verdict and citations, oldest approval first (stable for streaming)."""
    queryset = Claim.objects.filter(status=Claim.Status.PUBLISHED, verdict__status="approved")
    if since is not None:
        queryset = queryset.filter(verdict__approved_at__gte=since)
    return (
        queryset.select_related("article", "verdict__rating__scale", "verdict__reviewer", "verdict__approved_by")
        .prefetch_related(Prefetch("verdict__citations", queryset=Citation.objects.order_by("id")))
        .order_by("verdict__approved_at", "id")
    )


# The claims list (GET /api/v1/claims/) reads plain rows, not model instances: a page of 50
# claims with 5 candidates each was ~650 instances and ~1,000 datetime conversions, most of
# the request's CPU. Three queries whatever the page size (claims, top candidates, citations).
_USERNAME = get_user_model().USERNAME_FIELD
CLAIM_LIST_FIELDS = (
    "id", "article_id", "text", "normalized_text", "span_start", "span_end", "score", "score_reason", "tags",
    "entities", "resolved_dates", "status", "priority", "origin", "created_at", "updated_at",
    "verdict__id", "verdict__status", "verdict__explanation", "verdict__approved_at", "verdict__revision",
    "verdict__rating__label", "verdict__rating__value", "verdict__rating__scale__best_rating",
    "verdict__rating__scale__worst_rating", f"verdict__reviewer__{_USERNAME}", f"verdict__approved_by__{_USERNAME}",
)
CANDIDATE_LIST_FIELDS = (
    "claim_id", "id", "provider", "match_level", "score", "rank", "state", "passage", "passage_start", "passage_end",
    "document__id", "document__kind", "document__title", "document__url", "document__publisher",
    "document__rating_label",
)
CITATION_LIST_FIELDS = (
    "verdict_id", "id", "url", "title", "publisher", "quoted_passage", "accessed_at", "captured_sha256", "final_url",
)


_TOP_CANDIDATES_SQL = (
    "SELECT claim_id, id, provider, match_level, score, rank, state, passage, passage_start, passage_end, "
    "document_id, kind, title, url, publisher, rating_label FROM ("
    "  SELECT c.claim_id, c.id, c.provider, c.match_level, c.score, c.rank, c.state, c.passage, c.passage_start, c.passage_end,"
    "         c.document_id, d.kind, d.title, d.url, d.publisher, d.rating_label,"
    "         ROW_NUMBER() OVER (PARTITION BY c.claim_id ORDER BY c.rank, c.id) AS position"
    f"  FROM {Candidate._meta.db_table} c JOIN {SourceDocument._meta.db_table} d ON d.id = c.document_id"
    "  WHERE c.claim_id IN ({ids}) AND c.state <> %s"
    ") ranked WHERE position <= %s ORDER BY claim_id, rank, id"
)


def claim_list_rows(queryset: QuerySet[Claim] | None = None) -> QuerySet:
    """Claims with their verdict's columns, as dicts (filter and paginate it, then see claim_list_evidence)."""
    queryset = queryset if queryset is not None else Claim.objects.all()
    return queryset.values(*CLAIM_LIST_FIELDS)


def claim_list_evidence(*, claim_ids: list[int], verdict_ids: list[int], top: int = TOP_CANDIDATES) -> tuple[dict, dict]:
    """The top ``top`` candidates of each claim (as claims_with_evidence orders them) and each verdict's citations.

    Returns ({claim_id: [candidate row, ...]}, {verdict_id: [citation row, ...]}); two queries at most.
    Only the top rows leave the database (ROW_NUMBER per claim), however many candidates a claim has.
    """
    candidates: dict[int, list[dict]] = {}
    if claim_ids:
        # Written out: the ORM's window-function filter costs more to compile (~4 ms) than the query takes to run.
        sql = _TOP_CANDIDATES_SQL.format(ids=", ".join(["%s"] * len(claim_ids)))
        with connection.cursor() as cursor:
            cursor.execute(sql, [*claim_ids, Candidate.State.DISMISSED.value, top])
            for values in cursor.fetchall():
                row = dict(zip(CANDIDATE_LIST_FIELDS, values))
                candidates.setdefault(row["claim_id"], []).append(row)
    citations: dict[int, list[dict]] = {}
    if verdict_ids:
        for row in Citation.objects.filter(verdict_id__in=verdict_ids).order_by("id").values(*CITATION_LIST_FIELDS):
            citations.setdefault(row["verdict_id"], []).append(row)
    return candidates, citations


def api_token_for_key_hash(key_hash: str) -> ApiToken | None:
    """The token with this SHA-256, with ``.client`` and ``.client.user`` loaded; None if there is none.

    Runs on every API request, so it is written as two raw queries (column
    converters still apply): the ORM's select_related query took ~1.4 ms to
    compile and run against ~0.8 ms for these. The client's ``created_at`` is
    left deferred (loaded if read).
    """
    quote = connection.ops.quote_name
    token = next(iter(ApiToken.objects.raw(
        f"SELECT * FROM {quote(ApiToken._meta.db_table)} WHERE {quote('key_hash')} = %s", [key_hash]
    )), None)
    if token is None:
        return None
    User = get_user_model()
    client_table = quote(ApiClient._meta.db_table)
    user = next(iter(User.objects.raw(
        f"SELECT u.*, c.{quote('name')} AS client_name, c.{quote('is_active')} AS client_is_active"
        f" FROM {quote(User._meta.db_table)} u JOIN {client_table} c ON c.{quote('user_id')} = u.{quote(User._meta.pk.column)}"
        f" WHERE c.{quote('id')} = %s",
        [token.client_id],
    )), None)
    if user is None:
        return None
    client = ApiClient.from_db(
        connection.alias, ["id", "name", "user_id", "is_active"],
        [token.client_id, user.client_name, user.pk, bool(user.client_is_active)],
    )
    client.user = user
    token.client = client
    return token
