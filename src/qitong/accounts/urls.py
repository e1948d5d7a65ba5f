from django.urls import path

from qitong.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("enterprise/login/", views.enterprise_login, name="enterprise_login"),
    path("enterprise/code/", views.enterprise_send_code, name="enterprise_send_code"),
    path("otp/", views.otp_verify_view, name="otp_verify"),
    path("otp/setup/", views.otp_setup_view, name="otp_setup"),
]
