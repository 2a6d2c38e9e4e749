"""Load the default measure catalogue: the support measures named by the PuMPuRS programme
(DESIGN §1, pumpurs.lv). Unit costs and caps were not published and stay unset (NULL): the
national team sets them in the app. Valid from the start of the 2024/25 school year."""

import datetime as dt

from django.db import migrations

VALID_FROM = dt.date(2024, 9, 2)

CONSULTATIONS = [
    ("consult-teacher", "teacher", "Pedagoga konsultācijas", "Teacher consultations"),
    ("consult-psychologist", "psychologist", "Psihologa konsultācijas", "Psychologist consultations"),
    ("consult-social-pedagogue", "social_pedagogue", "Sociālā pedagoga konsultācijas", "Social pedagogue consultations"),
    ("consult-teachers-assistant", "teachers_assistant", "Pedagoga palīga atbalsts", "Teacher's assistant support"),
    (
        "consult-special-education",
        "special_education_teacher",
        "Speciālā pedagoga konsultācijas",
        "Special-education teacher consultations",
    ),
    ("consult-speech-therapist", "speech_therapist", "Logopēda konsultācijas", "Speech therapist consultations"),
    ("consult-sign-language", "sign_language_interpreter", "Surdotulka pakalpojumi", "Sign-language interpreter"),
    ("consult-assistant", "assistant", "Asistenta pakalpojumi", "Assistant services"),
    (
        "consult-occupational-therapist",
        "occupational_therapist",
        "Ergoterapeita konsultācijas",
        "Occupational therapist consultations",
    ),
]

OTHERS = [
    ("transport", "transport", "trip", False, "Sabiedriskā transporta izdevumu kompensācija", "Public transport compensation"),
    ("dormitory", "accommodation", "month", False, "Dienesta viesnīcas izdevumu segšana", "Dormitory costs"),
    ("night-accommodation", "accommodation", "night", False, "Naktsmītnes izdevumu segšana", "Night accommodation"),
    ("meals", "meals", "day", False, "Ēdināšanas izdevumu segšana", "Meals"),
    (
        "individual-items",
        "items",
        "eur",
        True,
        "Individuālās lietošanas priekšmeti (apģērbs, apavi, higiēnas preces)",
        "Individual-use items (clothing, shoes, hygiene)",
    ),
    ("learning-materials", "learning_materials", "eur", False, "Individuālie mācību līdzekļi", "Individual learning materials"),
    ("special-transport", "special_transport", "trip", False, "Specializētais transports", "Special transport"),
    ("youth-activity", "youth_activity", "activity", False, "Dalība jauniešu aktivitātēs", "Youth activity participation"),
]


def load(apps, schema_editor):
    Measure = apps.get_model("support", "Measure")
    if Measure.objects.exists():
        return
    rows = [
        Measure(code=code, category="consultation", specialist_kind=kind, unit="hour", name=lv, name_en=en,
                valid_from=VALID_FROM)
        for code, kind, lv, en in CONSULTATIONS
    ]
    rows += [
        Measure(code=code, category=category, unit=unit, requires_low_income=low_income, name=lv, name_en=en,
                valid_from=VALID_FROM)
        for code, category, unit, low_income, lv, en in OTHERS
    ]
    Measure.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
