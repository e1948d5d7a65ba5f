from django.urls import path

from qitong.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.search, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("gaps/", views.gaps, name="gaps"),
    path("<int:pk>/", views.article, name="article"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
]
