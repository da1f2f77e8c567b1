from django.urls import path

from reviewers import views

app_name = "reviewers"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("take-next/", views.take_next, name="take-next"),
    path("claims/<int:claim_id>/", views.claim_page, name="claim"),
]
