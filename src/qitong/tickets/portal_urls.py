"""The enterprise portal's ticket pages, under /my/tickets/ (the list is /my/ itself)."""

from django.urls import path

from qitong.tickets.views import portal

app_name = "portal"

urlpatterns = [
    path("new/", portal.new, name="new"),
    path("<int:pk>/", portal.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", portal.act, name="act"),
]
