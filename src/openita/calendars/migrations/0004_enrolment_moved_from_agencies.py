"""The enrolment model moves from the registry (agencies) to the year (calendars).

Only Django's picture of the models changes here: the table stays where it is
(``agencies_enrolment``) until 0005 renames it, so an existing database keeps every row
and every reference from the survey tables.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('calendars', '0003_assessmentyear_iit_requires_access_code_and_more'),
        ('agencies', '0002_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    # The registry forgets the model only once the year has taken it over.
    run_before = [('agencies', '0003_enrolment_moves_to_calendars')]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Enrolment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('state', models.CharField(choices=[('not_registered', 'Not registered'), ('registered', 'Registered'), ('headcount_submitted', 'Headcount awaiting approval'), ('headcount_approved', 'Headcount approved')], db_index=True, default='not_registered', max_length=32, verbose_name='state')),
                        ('registered_at', models.DateTimeField(blank=True, null=True)),
                        ('headcount', models.PositiveIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(1000000)], verbose_name='staff with at least one year of service')),
                        ('headcount_submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('headcount_approved_at', models.DateTimeField(blank=True, null=True)),
                        ('headcount_returned_reason', models.TextField(blank=True)),
                        ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enrolments', to='agencies.agency')),
                        ('year', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enrolments', to='calendars.assessmentyear')),
                        ('headcount_approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('headcount_submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('registered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'enrolment',
                        'db_table': 'agencies_enrolment',
                        'constraints': [models.UniqueConstraint(fields=('agency', 'year'), name='one_enrolment_per_year')],
                    },
                ),
            ],
        ),
    ]
