from . import urls_topics, urls_triage

app_name = "handbook"

# Content, reading, search and authoring (urls_topics), triage pathways and dosing (urls_triage).
urlpatterns = [*urls_topics.urlpatterns, *urls_triage.urlpatterns]
