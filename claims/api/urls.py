from django.urls import re_path
from rest_framework.routers import SimpleRouter

from claims.api import views

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("articles", views.ArticleViewSet, basename="article")
router.register("claims", views.ClaimViewSet, basename="claim")

urlpatterns = [
    *router.urls,
    re_path(r"^exports/claims\.(?P<extension>json|csv|jsonld)$", views.ExportView.as_view(), name="export-claims"),
]
