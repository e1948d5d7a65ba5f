from django.urls import path

from qitong.arrears import views

app_name = "arrears"

urlpatterns = [
    path("", views.claims, name="claims"),
    path("claims.xlsx", views.claims_export, name="claims_export"),
    path("claims/new/", views.claim_new, name="claim_new"),
    path("claims/import/", views.claims_import, name="claims_import"),
    path("claims/template.xlsx", views.claims_template, name="claims_template"),
    path("claims/<int:pk>/", views.claim, name="claim"),
    path("claims/<int:pk>/act/<slug:action>/", views.claim_act_view, name="claim_act"),
    path("claims/<int:pk>/files/<int:file_id>/", views.claim_file, name="claim_file"),
    path("debtors/<int:pk>/", views.debtor, name="debtor"),
    path("stats/", views.stats, name="stats"),
    path("disclosure/", views.disclosure_page, name="disclosure"),
]
