from django.urls import path

from qitong.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.search, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("mine/", views.mine, name="mine"),
    path("mine/import/", views.import_file, name="import"),
    path("new/", views.edit, name="new"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
    path("<int:pk>/files/", views.attach, name="attach"),
    path("<int:pk>/files/<int:file_id>/", views.download, name="download"),
    path("<int:pk>/files/<int:file_id>/remove/", views.detach, name="detach"),
    path("<int:pk>/<slug:action>/", views.transition, name="transition"),
    path("<int:pk>/", views.article, name="article"),
]
