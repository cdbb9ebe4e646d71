"""The survey tables point at the same enrolment rows, now known as calendars.Enrolment."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0002_collection_reminder'),
        ('calendars', '0004_enrolment_moved_from_agencies'),
    ]
    run_before = [('agencies', '0003_enrolment_moves_to_calendars')]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='accesscode', name='enrolment',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='access_codes', to='calendars.enrolment'),
                ),
                migrations.AlterField(
                    model_name='surveylink', name='enrolment',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='survey_link', to='calendars.enrolment'),
                ),
                migrations.AlterField(
                    model_name='phoneclaim', name='enrolment',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='calendars.enrolment'),
                ),
                migrations.AlterField(
                    model_name='response', name='enrolment',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='responses', to='calendars.enrolment'),
                ),
                migrations.AlterField(
                    model_name='collectionreminder', name='enrolment',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='collection_reminders', to='calendars.enrolment'),
                ),
            ],
        ),
    ]
