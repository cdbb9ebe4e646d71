"""The enrolment table takes the name of its new app (a rename; rows and references stay),
and its content type follows, so permissions and generic references stay attached."""

from django.db import migrations


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label='calendars', model='enrolment').exists():
        ContentType.objects.using(db).filter(app_label='agencies', model='enrolment').update(
            app_label='calendars')


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label='agencies', model='enrolment').exists():
        ContentType.objects.using(db).filter(app_label='calendars', model='enrolment').update(
            app_label='agencies')


class Migration(migrations.Migration):

    dependencies = [
        ('calendars', '0004_enrolment_moved_from_agencies'),
        ('agencies', '0003_enrolment_moves_to_calendars'),
        ('surveys', '0003_enrolment_in_calendars'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelTable(name='enrolment', table=None),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
