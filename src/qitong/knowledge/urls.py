from django.urls import path

from qitong.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.search, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("<int:pk>/", views.article, name="article"),
]
