from .urls_courses import urlpatterns as courses
from .urls_exams import urlpatterns as exams

app_name = "training"

# Courses, lessons, enrolment and progress (urls_courses); exams and certificates (urls_exams).
urlpatterns = [*courses, *exams]
