from django.urls import path

from qitong.area_assessments import views

app_name = "area_assessments"

urlpatterns = [
    path("", views.results, name="results"),
    path("results/new/", views.result_new, name="result_new"),
    path("results/<int:pk>/", views.result, name="result"),
    path("results/<int:pk>/act/<slug:action>/", views.result_act_view, name="result_act"),
    path("results/<int:pk>/files/<int:file_id>/", views.result_file, name="result_file"),
    path("uses/", views.uses, name="uses"),
    path("uses/new/", views.use_new, name="use_new"),
    path("projects/new/", views.project_new, name="project_new"),
    path("stats/", views.stats, name="stats"),
    path("stats.xlsx", views.stats_export, name="stats_export"),
]

# The public lookup (no login), mounted under /public/ by the project's urls.
public_urlpatterns = [
    path("area-assessments/", views.lookup, name="area_lookup"),
    path(
        "area-assessments/results/<int:pk>/files/<int:file_id>/",
        views.public_file,
        name="area_file",
    ),
]
