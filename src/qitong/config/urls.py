from django.contrib import admin
from django.urls import include, path
from django_otp.plugins.otp_totp.models import TOTPDevice

from qitong.area_assessments.urls import public_urlpatterns as area_public
from qitong.config.api import api
from qitong.supervision.urls import public_urlpatterns

admin.site.site_header = "企通 · 系统管理"
admin.site.site_title = "企通管理"
admin.site.index_title = "配置与基础数据"
# Authenticator devices are set up by their owner and reset by `qitong otp reset` (both
# ledgered); django-otp's own admin would add and delete them unrecorded.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)

urlpatterns = [
    path("", include("qitong.core.urls")),
    path("accounts/", include("qitong.accounts.urls")),
    path("", include("qitong.dashboards.urls")),
    path("tickets/", include("qitong.tickets.urls")),
    path("my/tickets/", include("qitong.tickets.portal_urls")),
    path("knowledge/", include("qitong.knowledge.urls")),
    path("reforms/", include("qitong.reforms.urls")),
    path("supervision/", include("qitong.supervision.urls")),
    path("arrears/", include("qitong.arrears.urls")),
    path("appraisal/", include("qitong.appraisal.urls")),
    path("area-assessments/", include("qitong.area_assessments.urls")),
    path("public/", include(([*public_urlpatterns, *area_public], "public"))),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
