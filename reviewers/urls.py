from django.urls import path

from reviewers import views

app_name = "reviewers"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("take-next/", views.take_next, name="take-next"),
    path("approvals/", views.approvals, name="approvals"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("claims/<int:claim_id>/", views.claim_page, name="claim"),
    path("claims/<int:claim_id>/providers/", views.provider_status, name="providers"),
    path("claims/<int:claim_id>/verdict/", views.verdict_save, name="verdict-save"),
    path("claims/<int:claim_id>/submit/", views.verdict_submit, name="verdict-submit"),
    path("claims/<int:claim_id>/approve/", views.verdict_approve, name="verdict-approve"),
    path("claims/<int:claim_id>/return/", views.verdict_return, name="verdict-return"),
    path("claims/<int:claim_id>/revise/", views.verdict_revise, name="verdict-revise"),
    path("claims/<int:claim_id>/merge/", views.claim_merge, name="claim-merge"),
    path("claims/<int:claim_id>/split/", views.claim_split, name="claim-split"),
    path("claims/<int:claim_id>/reject/", views.claim_reject, name="claim-reject"),
    path("claims/<int:claim_id>/reassign/", views.claim_reassign, name="claim-reassign"),
    path("claims/<int:claim_id>/sources/", views.source_add, name="source-add"),
    path("claims/<int:claim_id>/notes/", views.note_add, name="note-add"),
    path("claims/<int:claim_id>/candidates/<int:candidate_id>/cite/", views.candidate_cite, name="candidate-cite"),
    path("claims/<int:claim_id>/candidates/<int:candidate_id>/dismiss/", views.candidate_dismiss, name="candidate-dismiss"),
]
