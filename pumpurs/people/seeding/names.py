"""Common Latvian given names and surnames for synthetic people.

Latvian surnames agree with the bearer's gender (Kalniņš / Kalniņa, Balodis / Balode, Jansons /
Jansone); some have one form for both (Liepa, Priede, Zvaigzne). Each surname is therefore a
pair ``(masculine, feminine)``. The lists are common names chosen for variety, not frequencies.
"""

from __future__ import annotations

FEMALE_FIRST = (
    "Anna", "Marta", "Sofija", "Emīlija", "Alise", "Elizabete", "Paula", "Katrīna", "Laura", "Līva",
    "Madara", "Keita", "Amēlija", "Estere", "Viktorija", "Evelīna", "Annija", "Linda", "Rūta", "Dace",
    "Ilze", "Inese", "Ieva", "Kristīne", "Sanita", "Zane", "Agnese", "Līga", "Baiba", "Dārta",
    "Elza", "Ance", "Megija", "Samanta", "Luīze", "Ērika", "Gunta", "Signe", "Santa", "Māra",
    "Vita", "Aija", "Iveta", "Solvita", "Jana", "Everita", "Ramona", "Kitija", "Undīne", "Žanete",
)  # fmt: skip

MALE_FIRST = (
    "Jānis", "Roberts", "Markuss", "Gustavs", "Ralfs", "Emīls", "Kārlis", "Mārtiņš", "Artūrs", "Daniels",
    "Rihards", "Oskars", "Niks", "Matīss", "Kristaps", "Aleksandrs", "Dāvis", "Edgars", "Andris", "Juris",
    "Pēteris", "Māris", "Aivars", "Uldis", "Guntis", "Raitis", "Ainārs", "Valdis", "Gatis", "Toms",
    "Ričards", "Tomass", "Miķelis", "Krišjānis", "Ēriks", "Renārs", "Arvis", "Ivars", "Normunds", "Edvīns",
    "Reinis", "Kaspars", "Jēkabs", "Dainis", "Ģirts", "Valters", "Elvis", "Armands", "Ingus", "Žanis",
)  # fmt: skip

SURNAMES = (
    ("Bērziņš", "Bērziņa"), ("Kalniņš", "Kalniņa"), ("Ozoliņš", "Ozoliņa"), ("Jansons", "Jansone"),
    ("Ozols", "Ozola"), ("Liepiņš", "Liepiņa"), ("Krūmiņš", "Krūmiņa"), ("Balodis", "Balode"),
    ("Eglītis", "Eglīte"), ("Zariņš", "Zariņa"), ("Pētersons", "Pētersone"), ("Vītols", "Vītola"),
    ("Kļaviņš", "Kļaviņa"), ("Kārkliņš", "Kārkliņa"), ("Vanags", "Vanaga"), ("Lācis", "Lāce"),
    ("Siliņš", "Siliņa"), ("Sproģis", "Sproģe"), ("Kalējs", "Kalēja"), ("Kociņš", "Kociņa"),
    ("Jurevičs", "Jureviča"), ("Rozītis", "Rozīte"), ("Krastiņš", "Krastiņa"), ("Āboliņš", "Āboliņa"),
    ("Dzenis", "Dzene"), ("Strazdiņš", "Strazdiņa"), ("Lapiņš", "Lapiņa"), ("Avotiņš", "Avotiņa"),
    ("Gailītis", "Gailīte"), ("Ziediņš", "Ziediņa"), ("Mednis", "Medne"), ("Kalnbērzs", "Kalnbērza"),
    ("Bite", "Bite"), ("Liepa", "Liepa"), ("Priede", "Priede"), ("Zvaigzne", "Zvaigzne"),
    ("Egle", "Egle"), ("Mucenieks", "Muceniece"), ("Grīnbergs", "Grīnberga"), ("Šmits", "Šmite"),
    ("Kazaks", "Kazaka"), ("Ivanovs", "Ivanova"), ("Petrovs", "Petrova"), ("Vasiļjevs", "Vasiļjeva"),
    ("Kuzņecovs", "Kuzņecova"), ("Puriņš", "Puriņa"), ("Melnis", "Melne"), ("Ķēniņš", "Ķēniņa"),
    ("Circenis", "Circene"), ("Upītis", "Upīte"), ("Bokums", "Bokuma"), ("Ābele", "Ābele"),
)  # fmt: skip

_ASCII = str.maketrans("āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ", "acegiklnsuzACEGIKLNSUZ")


def ascii_slug(text: str) -> str:
    """``Kalniņa`` → ``kalnina``: for invented user names and e-mail addresses."""
    return text.translate(_ASCII).lower().replace(" ", "")
