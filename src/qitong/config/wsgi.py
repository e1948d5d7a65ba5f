import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qitong.config.settings.dev")
application = get_wsgi_application()


def _warm() -> None:
    """Load jieba's dictionary (about a second) before the first search needs it, so the
    first suggestion a desk sees after a restart is as quick as the others."""
    from qitong.knowledge.text import tokens

    tokens("预热")


threading.Thread(target=_warm, name="warm-jieba", daemon=True).start()
