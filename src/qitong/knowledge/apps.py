from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "qitong.knowledge"
    label = "knowledge"
    verbose_name = "知识库"

    def ready(self) -> None:
        from qitong.core import navigation
        from qitong.knowledge.models import ArticleVersion
        from qitong.knowledge.navigation import KNOWLEDGE_NAVIGATION
        from qitong.knowledge.search import LIVE_COUNT

        LIVE_COUNT.invalidated_by(ArticleVersion)
        navigation.register_app(KNOWLEDGE_NAVIGATION)
