from django.urls import path

from qitong.reforms import office_views, views

app_name = "reforms"

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/<int:pk>/grid/", views.grid, name="grid"),
    path("plans/<int:pk>/stats/", views.stats, name="stats"),
    path("plans/<int:pk>/act/<slug:action>/", views.plan_act_view, name="plan_act"),
    path("plans/new/", office_views.plan_new, name="plan_new"),
    path("plans/<int:pk>/import/", office_views.plan_import, name="plan_import"),
    path("plans/<int:pk>/grid.xlsx", office_views.grid_export, name="grid_export"),
    path("plans/<int:pk>/stats.xlsx", office_views.stats_export, name="stats_export"),
    path("plans/<int:pk>/tasks.xlsx", office_views.tasks_export, name="tasks_export"),
    path(
        "plans/<int:pk>/units/<str:code>/ledger.xlsx",
        office_views.ledger_export,
        name="ledger_export",
    ),
    path("unit-tasks/", views.unit_tasks, name="unit_tasks"),
    path("unit-tasks/<int:pk>/", views.unit_task, name="unit_task"),
    path("unit-tasks/<int:pk>/act/<slug:action>/", views.unit_task_act_view, name="unit_task_act"),
    path("measures/<int:pk>/", views.measure, name="measure"),
    path("measures/<int:pk>/act/<slug:action>/", views.measure_act_view, name="measure_act"),
    path("reviews/", views.reviews, name="reviews"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/act/<slug:action>/", views.report_act_view, name="report_act"),
    path("reports/<int:pk>/files/<int:file_id>/", views.report_file, name="report_file"),
    path("local-plans/", views.local_plans, name="local_plans"),
    path("local-plans/<int:pk>/", views.local_plan, name="local_plan"),
    path("local-plans/new/", office_views.local_plan_new, name="local_plan_new"),
    path("local-plans/<int:pk>/import/", office_views.local_plan_import, name="local_plan_import"),
]
