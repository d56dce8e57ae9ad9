import django_fsm
from django.db import migrations, models

# The requesting doctor withdraws a request: the stored status, the event kind and the
# notification kind said "cancelled" for the same action. Every stored copy is renamed: the
# case, its history rows, its events, the inbox rows and the email preferences.
OLD, NEW = "cancelled", "withdrawn"
OLD_KIND, NEW_KIND = "consultations.cancelled", "consultations.withdrawn"


def _rename(apps, old, new, old_kind, new_kind):
    Consultation = apps.get_model("consultations", "Consultation")
    ConsultationHistory = apps.get_model("consultations", "ConsultationHistory")
    ConsultationEvent = apps.get_model("consultations", "ConsultationEvent")
    Notification = apps.get_model("notifications", "Notification")
    NotificationPreference = apps.get_model("notifications", "NotificationPreference")
    Consultation.objects.filter(status=old).update(status=new)
    ConsultationHistory.objects.filter(status=old).update(status=new)
    ConsultationEvent.objects.filter(kind=old).update(kind=new)
    ConsultationEvent.objects.filter(from_status=old).update(from_status=new)
    ConsultationEvent.objects.filter(to_status=old).update(to_status=new)
    Notification.objects.filter(kind=old_kind).update(kind=new_kind)
    NotificationPreference.objects.filter(kind=old_kind).update(kind=new_kind)


def forwards(apps, schema_editor):
    _rename(apps, OLD, NEW, OLD_KIND, NEW_KIND)


def backwards(apps, schema_editor):
    _rename(apps, NEW, OLD, NEW_KIND, OLD_KIND)


class Migration(migrations.Migration):

    dependencies = [
        ('consultations', '0002_consultation_history_model'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='consultation',
            name='status',
            field=django_fsm.FSMField(choices=[('draft', 'Draft'), ('submitted', 'Waiting for a specialist'), ('claimed', 'With a specialist'), ('info_requested', 'More information requested'), ('answered', 'Answered'), ('closed', 'Closed'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn')], default='draft', max_length=50, protected=True, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='consultationevent',
            name='from_status',
            field=models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Waiting for a specialist'), ('claimed', 'With a specialist'), ('info_requested', 'More information requested'), ('answered', 'Answered'), ('closed', 'Closed'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn')], max_length=20),
        ),
        migrations.AlterField(
            model_name='consultationevent',
            name='to_status',
            field=models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Waiting for a specialist'), ('claimed', 'With a specialist'), ('info_requested', 'More information requested'), ('answered', 'Answered'), ('closed', 'Closed'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn')], max_length=20),
        ),
        migrations.AlterField(
            model_name='consultationhistory',
            name='status',
            field=django_fsm.FSMField(choices=[('draft', 'Draft'), ('submitted', 'Waiting for a specialist'), ('claimed', 'With a specialist'), ('info_requested', 'More information requested'), ('answered', 'Answered'), ('closed', 'Closed'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn')], default='draft', max_length=50, protected=True, verbose_name='status'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
