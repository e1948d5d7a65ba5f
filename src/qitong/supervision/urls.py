from django.urls import path

from qitong.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.problems, name="problems"),
    path("problems.xlsx", views.problems_export, name="problems_export"),
    path("problems/new/", views.problem_new, name="problem_new"),
    path("problems/<int:pk>/", views.problem, name="problem"),
    path("problems/<int:pk>/act/<slug:action>/", views.problem_act_view, name="problem_act"),
    path("problems/<int:pk>/files/<int:file_id>/", views.problem_file, name="problem_file"),
    path("activities/", views.activities, name="activities"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("activities/<int:pk>/", views.activity, name="activity"),
    path("activities/<int:pk>/files/<int:file_id>/", views.activity_file, name="activity_file"),
    path("board/", views.board, name="board"),
    path("stats/", views.stats, name="stats"),
    path("accountability/", views.accountability_list, name="accountability"),
    path("accountability/new/", views.entry_new, name="entry_new"),
    path("accountability/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("accountability/publish/", views.quarter_publish_view, name="quarter_publish"),
]

# The public page (no login), mounted at /public/accountability/ by the project's urls.
public_urlpatterns = [
    path("accountability/", views.public_accountability, name="public_accountability"),
]
