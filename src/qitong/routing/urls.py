from django.urls import path

from qitong.routing import views

app_name = "routing"

urlpatterns = [path("stats/", views.stats, name="stats")]
