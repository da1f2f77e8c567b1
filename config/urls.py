from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from claims.health import healthz
from reviewers.views import verdict_public

admin.site.site_header = "Factdesk"
admin.site.site_title = "Factdesk"
admin.site.index_title = "Newsroom desk"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("claims.api.urls")),
    path("review/", include("reviewers.urls")),
    path("verdicts/<int:verdict_id>/", verdict_public, name="verdict-public"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
]
