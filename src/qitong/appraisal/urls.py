from django.urls import path

from qitong.appraisal import views

app_name = "appraisal"

urlpatterns = [
    path("", views.home, name="home"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_page, name="round"),
    path("rounds/<int:pk>/act/<slug:action>/", views.round_act_view, name="round_act"),
    path("rounds/<int:pk>/report.pdf", views.report_pdf_view, name="report_pdf"),
    path("rounds/<int:pk>/report.xlsx", views.report_xlsx_view, name="report_xlsx"),
    path("rounds/<int:pk>/units/<int:unit>/", views.scorecard, name="scorecard"),
    path("rounds/<int:pk>/units/<int:unit>/object/", views.objection_new, name="objection_new"),
    path("objections/<int:pk>/act/<slug:action>/", views.objection_act_view, name="objection_act"),
    path(
        "objections/<int:pk>/files/<int:file_id>/",
        views.objection_file_view,
        name="objection_file",
    ),
    path("boundary/", views.boundary, name="boundary"),
    path("boundary.geojson", views.boundary_json, name="boundary_json"),
    path("schemes/", views.schemes, name="schemes"),
    path("schemes/new/", views.scheme_edit, name="scheme_new"),
    path("schemes/<int:pk>/", views.scheme, name="scheme"),
    path("schemes/<int:pk>/revise/", views.scheme_edit, name="scheme_revise"),
]
