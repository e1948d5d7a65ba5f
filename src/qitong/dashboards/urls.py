from django.urls import path

from qitong.dashboards import hotline_views, views

app_name = "dashboards"

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("department/", views.department, name="department"),
    path("department/stats/", hotline_views.department_stats, name="department_stats"),
    path("desk/stats/", hotline_views.desk_stats, name="desk_stats"),
    path("specialist/", views.specialist, name="specialist"),
    path("specialist/duty/", views.specialist_duty, name="specialist_duty"),
    path("my/", views.enterprise, name="enterprise"),
    path("overview/", views.supervisor, name="supervisor"),
    path("config/", views.admin_home, name="admin"),
    path("audit/", views.auditor, name="auditor"),
    # Reports over the work (paths kept from when knowledge and routing held them).
    path("knowledge/gaps/", views.gaps, name="gaps"),
    path("routing/stats/", views.specialist_stats, name="specialist_stats"),
]
