from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from claims.api import articles, claim_views, claimsets, errors, verdicts, views

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("articles", articles.ArticleViewSet, basename="article")
router.register("claims", claim_views.ClaimViewSet, basename="claim")

urlpatterns = [
    *router.urls,
    path("claims/<str:pk>/verdict/", verdicts.VerdictView.as_view(), name="claim-verdict"),
    path("claims/<str:pk>/verdict/citations/", verdicts.CitationView.as_view(), name="claim-verdict-citations"),
    path("claims/<str:pk>/verdict/submit/", verdicts.SubmitView.as_view(), name="claim-verdict-submit"),
    re_path(r"^exports/claims\.(?P<extension>json|ndjson|csv|jsonld)$", views.ExportView.as_view(), name="export-claims"),
    path("claim-sets/", claimsets.ClaimSetListView.as_view(), name="claim-set-list"),
    path("claim-sets/<str:pk>/", claimsets.ClaimSetDetailView.as_view(), name="claim-set-detail"),
    re_path(
        r"^claim-sets/(?P<pk>[0-9]+)/download\.(?P<extension>json|ndjson|csv|jsonld)$",
        claimsets.ClaimSetDownloadView.as_view(), name="claim-set-download",
    ),
]
# Keep this last: any other path under /api/v1/ is a 404 in the API's error format, not an HTML page.
urlpatterns.append(re_path(r"^[\s\S]*\Z", errors.not_found_view, name="not-found"))
