"""English captions of CelebA faces, built from their true attributes (issue 22's text side).

No captioned image set can be fetched here, but every CelebA face carries 40 attribute labels,
and a sentence made of some of a face's true attributes is honest text about that image. Each
caption names who (woman or man, young or older, from Male and Young) and two to four other
true attributes, through varied templates, synonyms and word order:

    "a smiling young woman with wavy blond hair"
    "this man wears eyeglasses and has a goatee"

Everything is a function of a numpy Generator, so a seed gives the same captions everywhere.
The vocabulary is every word the templates can write (VOCABULARY); `tokenize` refuses any other
word with the nearest known ones, so that a user's caption fails clearly rather than silently
mapping to nothing.

What each attribute can say (FEATURES: CelebA name -> phrases), and the templates (TEMPLATES),
are listed below; docs/text_to_image.md shows them as tables.
"""

import difflib
import re

import numpy as np

# The CelebA attributes a caption may name beyond who (Male, Young), each as the noun phrases it
# can take after "with" / "has" (variants are synonyms), or as a verb phrase after "who" / "and".
# Hair colour and style join into one phrase ("wavy blond hair").
HAIR_COLOURS = {"Black_Hair": ("black",), "Blond_Hair": ("blond", "blonde"), "Brown_Hair": ("brown",),
                "Gray_Hair": ("grey", "gray")}
HAIR_STYLES = {"Wavy_Hair": ("wavy",), "Straight_Hair": ("straight",)}
FEATURES = {
    "Eyeglasses": ("eyeglasses", "glasses"),
    "Goatee": ("a goatee",),
    "Mustache": ("a mustache", "a moustache"),
    "Bangs": ("bangs", "a fringe"),
    "Heavy_Makeup": ("heavy makeup",),
    "Wearing_Lipstick": ("lipstick",),
    "Wearing_Hat": ("a hat",),
    "Wearing_Earrings": ("earrings",),
    "Wearing_Necklace": ("a necklace",),
    "Wearing_Necktie": ("a tie", "a necktie"),
    "Mouth_Slightly_Open": ("an open mouth", "a slightly open mouth"),
    "Pale_Skin": ("pale skin",),
    "Rosy_Cheeks": ("rosy cheeks",),
    "High_Cheekbones": ("high cheekbones",),
    "Arched_Eyebrows": ("arched eyebrows",),
    "Bushy_Eyebrows": ("bushy eyebrows",),
    "Big_Nose": ("a big nose",),
    "Pointy_Nose": ("a pointy nose",),
    "Receding_Hairline": ("a receding hairline",),
    "5_o_Clock_Shadow": ("stubble",),
    "Sideburns": ("sideburns",),
    "Double_Chin": ("a double chin",),
    "Bags_Under_Eyes": ("bags under the eyes",),
}
# what is worn reads as "wears X" as well as "with X"
WORN = ("Eyeglasses", "Heavy_Makeup", "Wearing_Lipstick", "Wearing_Hat", "Wearing_Earrings", "Wearing_Necklace",
        "Wearing_Necktie")
# attributes said with an adjective before who, or a verb phrase after
ADJECTIVES = {"Smiling": ("smiling",), "Bald": ("bald",), "Chubby": ("chubby",)}
VERB_PHRASES = {"Smiling": ("is smiling", "smiles"), "Bald": ("is bald",), "Chubby": ("is chubby",)}
# No_Beard = 0 on a man: he has a beard
BEARD = ("a beard",)
MENTIONED = ("Male", "Young", "No_Beard", *HAIR_COLOURS, *HAIR_STYLES, *FEATURES, *ADJECTIVES)

SUBJECTS = {(1, 1): ("young man", "young guy"), (1, 0): ("older man", "man"),
            (0, 1): ("young woman", "young lady"), (0, 0): ("older woman", "woman")}
TEMPLATES = (
    "{a} {adjective}{subject} with {features}",
    "{this} {subject} has {features}",
    "{a} {adjective}{subject} who {verbs}",
    "{this} {adjective}{subject} {verbs}",
    "{a} photo of {a_subject} with {features}",
    "{features_cap} on {a} {adjective}{subject}",
)


def _words(text):
    return re.findall(r"[a-z]+", text.lower())


def _all_phrases():
    phrases = [*BEARD, "a", "an", "the", "this", "photo", "of", "with", "has", "who", "and", "wears", "is", "on",
               "hair", "face", "person", "portrait"]
    for group in (HAIR_COLOURS, HAIR_STYLES, FEATURES, ADJECTIVES, VERB_PHRASES, SUBJECTS):
        for variants in group.values():
            phrases.extend(variants)
    return phrases


VOCABULARY = tuple(sorted({word for phrase in _all_phrases() for word in _words(phrase)}))


def tokenize(caption):
    """The caption's words (lower case, letters only), each checked against VOCABULARY."""
    if not isinstance(caption, str) or not caption.strip():
        raise ValueError(f"A caption must be a non-empty string, got {caption!r}.")
    words = _words(caption)
    if not words:
        raise ValueError(f"The caption {caption!r} has no words.")
    unknown = [word for word in words if word not in VOCABULARY]
    if unknown:
        word = unknown[0]
        close = difflib.get_close_matches(word, VOCABULARY, n=4, cutoff=0.6)
        hint = f" Nearest known words: {', '.join(close)}." if close else ""
        raise ValueError(f"The caption {caption!r} uses {word!r}, a word outside the {len(VOCABULARY)}-word "
                         f"vocabulary of these captions.{hint} `ganzoo.captions.VOCABULARY` lists them all.")
    return words


def _article(phrase):
    return "an" if phrase[0] in "aeiou" else "a"


def _join(parts):
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def caption(attributes, rng, names):
    """One caption of a face whose attributes (0/1 per name in `names`) are given."""
    value = dict(zip(names, (int(v > 0) for v in attributes)))
    subject = str(rng.choice(SUBJECTS[(value.get("Male", 0), value.get("Young", 0))]))
    nouns, verbs, adjectives = [], [], []
    colours = [c for c in HAIR_COLOURS if value.get(c)]
    styles = [s for s in HAIR_STYLES if value.get(s)]
    if colours or styles:
        words = [str(rng.choice(HAIR_STYLES[s])) for s in styles[:1]] + [str(rng.choice(HAIR_COLOURS[c]))
                                                                        for c in colours[:1]]
        nouns.append((" ".join(words) + " hair", None))
    for name, variants in FEATURES.items():
        if value.get(name):
            nouns.append((str(rng.choice(variants)), name))
    if value.get("Male") and value.get("No_Beard") == 0:
        nouns.append((BEARD[0], "No_Beard"))
    for name in ADJECTIVES:
        if value.get(name):
            adjectives.append(name)
    order = rng.permutation(len(nouns))
    chosen = [nouns[i] for i in order[: rng.integers(2, 5)]]
    adjective = str(rng.choice(ADJECTIVES[adjectives[rng.integers(len(adjectives))]])) + " " if adjectives and \
        rng.random() < 0.6 else ""
    for name in adjectives:
        if adjective.strip() not in ADJECTIVES[name]:
            verbs.append(str(rng.choice(VERB_PHRASES[name])))
    template = str(rng.choice(TEMPLATES))
    if not chosen and "{features" in template:
        template = TEMPLATES[2] if verbs else "{a} {adjective}{subject}"
    if "{verbs}" in template:
        said = verbs[:1] + [("wears " if name in WORN else "has ") + phrase for phrase, name in chosen]
        if not said:
            template, said = "{a} {adjective}{subject}", []
        verbs_text = _join(said) if said else ""
    else:
        verbs_text = ""
    features = _join([phrase for phrase, _ in chosen]) if chosen else ""
    text = template.format(a="a", this=str(rng.choice(("this", "the"))), adjective=adjective, subject=subject,
                           a_subject=f"{_article(adjective or subject)} {adjective}{subject}", features=features,
                           features_cap=features, verbs=verbs_text)
    text = re.sub(r"\ba ([aeiou])", r"an \1", text)
    return " ".join(text.split())


def captions(attributes, names, per_face=10, seed=0):
    """`per_face` captions for each row of attributes (N, len(names)): a list of N lists of strings.
    Deterministic under `seed`; repeats within a face are redrawn a few times, so that most
    of its captions differ."""
    rng = np.random.default_rng(seed)
    out = []
    for row in np.asarray(attributes):
        face, tries = [], 0
        while len(face) < per_face:
            text = caption(row, rng, names)
            tries += 1
            if text not in face or tries > 4 * per_face:
                face.append(text)
        out.append(face)
    return out


def mentioned_attributes(text):
    """{CelebA attribute: 1} for what a caption states (who, hair, features), as the evaluation reads it."""
    words = " " + " ".join(tokenize(text)) + " "
    stated = {}
    if " man " in words or " guy " in words:
        stated["Male"] = 1
    if " woman " in words or " lady " in words:
        stated["Male"] = 0
    if " young " in words:
        stated["Young"] = 1
    if " older " in words:
        stated["Young"] = 0
    for group in (HAIR_COLOURS, HAIR_STYLES):
        for name, variants in group.items():
            if any(f" {v} " in words for v in variants):
                stated[name] = 1
    for name, variants in {**FEATURES, **ADJECTIVES}.items():
        if any(f" {v} " in words for v in variants):
            stated[name] = 1
    if " a beard " in words:
        stated["No_Beard"] = 0
    return stated
