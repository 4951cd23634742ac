"""The body-region lexicon and `extract_regions` / `parse_side`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.intake.regions import (
    LEXICON_PATH,
    REGION_CODES,
    SIDES,
    LexiconError,
    RegionMention,
    extract_regions,
    load_lexicon,
    normalise_phrase,
    parse_side,
    region_label,
    region_of,
)

SHARED_CONVENTIONS = Path(__file__).resolve().parents[3] / "shared" / "conventions.md"


def codes(text: str) -> list[str]:
    return [mention.code for mention in extract_regions(text)]


def test_region_codes_are_the_shared_ones() -> None:
    if SHARED_CONVENTIONS.exists():
        conventions = SHARED_CONVENTIONS.read_text(encoding="utf-8")
        for code in REGION_CODES:
            assert f"`{code}`" in conventions
        for side in SIDES:
            assert f"`{side}`" in conventions
    assert len(REGION_CODES) == 19
    assert set(load_lexicon().labels) == set(REGION_CODES)


@pytest.mark.parametrize("code", REGION_CODES)
def test_every_region_has_a_label_and_at_least_five_phrases(code: str) -> None:
    lexicon = load_lexicon()
    assert lexicon.labels[code] and lexicon.labels[code] != code
    assert len(lexicon.region_phrases[code]) >= 5
    for phrase in lexicon.region_phrases[code]:
        assert region_of(phrase) == code, phrase


def test_phrases_are_lower_case_and_trimmed() -> None:
    lexicon = load_lexicon()
    every = [p for phrases in lexicon.region_phrases.values() for p in phrases]
    every += [p for phrases in lexicon.side_phrases.values() for p in phrases]
    every += list(lexicon.exclusions)
    for phrase in every:
        assert phrase == phrase.strip().lower(), phrase
        assert "  " not in phrase


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("heel pain", ["ankle_foot"]),
        ("my lower back is killing me", ["lower_back"]),
        ("tennis elbow", ["elbow"]),
        ("Golfer's elbow again", ["elbow"]),
        ("golfer’s elbow", ["elbow"]),
        ("low back pain", ["lower_back"]),
        ("lumbar spine", ["lower_back"]),
        ("tailbone area hurts when I sit", ["lower_back"]),
        ("coccyx", ["lower_back"]),
        ("sciatica down my leg", ["lower_back", "lower_leg"]),
        ("arch of my foot", ["ankle_foot"]),
        ("achilles tendon is sore", ["ankle_foot"]),
        ("achillies", ["ankle_foot"]),
        ("plantar faciitis", ["ankle_foot"]),
        ("planter fasciitis", ["ankle_foot"]),
        ("my toes", ["ankle_foot"]),
        ("shin splints", ["lower_leg"]),
        ("tight calf", ["lower_leg"]),
        ("pulled my hamstring", ["thigh"]),
        ("quads are sore", ["thigh"]),
        ("groin strain", ["hip"]),
        ("carpal tunnel", ["wrist_hand"]),
        ("thumb and wrist", ["wrist_hand"]),
        ("trigger finger", ["wrist_hand"]),
        ("rotator cuff tear", ["shoulder"]),
        ("frozen shoulder", ["shoulder"]),
        ("shoulda is stiff", ["shoulder"]),
        ("pain under my shoulder blade", ["upper_back"]),
        ("between my shoulder blades", ["upper_back"]),
        ("TMJ", ["jaw"]),
        ("jaw clicking when I chew", ["jaw"]),
        ("headache at my temples", ["head"]),
        ("whiplash from a car crash", ["neck"]),
        ("stiff neck", ["neck"]),
        ("pecs", ["chest_wall"]),
        ("sore ribs after coughing", ["chest_wall"]),
        ("my glutes", ["buttock"]),
        ("pain in my bum", ["buttock"]),
        ("butt", ["buttock"]),
        ("piriformis", ["buttock"]),
        ("aching all over", ["whole_body"]),
        ("fibromyalgia flare", ["whole_body"]),
        ("knee cap", ["knee"]),
        ("kneecap", ["knee"]),
        ("tore my ACL", ["knee"]),
        ("forearm", ["forearm"]),
        ("bicep", ["upper_arm"]),
        ("tummy", ["abdomen"]),
        ("head to toe", ["whole_body"]),
        ("mid-back", ["upper_back"]),
        ("in the middle of my back", ["upper_back"]),
        ("back of my knee", ["knee"]),
        ("bottom of my foot", ["ankle_foot"]),
        ("bottom of my back", ["lower_back"]),
        ("my back", ["lower_back"]),
        ("neck and shoulders, and my lower back", ["neck", "shoulder", "lower_back"]),
        ("knee knee KNEE", ["knee"]),
    ],
)
def test_extract_regions_finds_the_region(text: str, expected: list[str]) -> None:
    assert codes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I want to get back to running",
        "please call me back",
        "the pain keeps coming back",
        "back and forth",
        "on the other hand it's better",
        "right now it's fine",
        "I walk on foot to work",
        "no pain anywhere",
        "",
        "   ",
        "<script>alert(1)</script>",
        "🦵🦶💥",
        "\x00\x01\x02",
        "a" * 100_000,
    ],
)
def test_extract_regions_ignores_non_anatomical_words_and_junk(text: str) -> None:
    assert extract_regions(text) == []


def test_extract_regions_is_not_fooled_by_non_strings() -> None:
    assert extract_regions(None) == []  # type: ignore[arg-type]
    assert extract_regions(42) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("left knee", [("knee", "left")]),
        ("my right shoulder", [("shoulder", "right")]),
        ("both heels", [("ankle_foot", "both")]),
        ("both my knees", [("knee", "both")]),
        ("left and right knees", [("knee", "both")]),
        ("left knee and right ankle", [("knee", "left"), ("ankle_foot", "right")]),
        ("knee, right ankle", [("knee", None), ("ankle_foot", "right")]),
        ("pain in my hip on the right side", [("hip", "right")]),
        ("my shoulder (left)", [("shoulder", "left")]),
        ("neck, mostly on the left", [("neck", "left")]),
        ("left side of my neck", [("neck", "left")]),
        ("R knee", [("knee", "right")]),
        ("On the right, my shoulder and arm", [("shoulder", "right"), ("upper_arm", "right")]),
        ("right after a run my knee swelled", [("knee", None)]),
        ("my knee right now", [("knee", None)]),
        ("left knee, and the knee clicks", [("knee", "left")]),
        ("left knee... actually the right knee too", [("knee", "both")]),
        ("on the left hand side of my lower back", [("lower_back", "left")]),
        ("bilateral heel pain", [("ankle_foot", "both")]),
    ],
)
def test_extract_regions_attaches_sides(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert [(m.code, m.side) for m in extract_regions(text)] == expected


def test_mention_keeps_the_patients_words() -> None:
    assert extract_regions("My Plantar Faciitis is back") == [
        RegionMention("ankle_foot", None, "Plantar Faciitis"),
        RegionMention("lower_back", None, "back"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no back pain, just my neck", ["neck"]),
        ("it's not my knee, it's my hip", ["hip"]),
        ("I don't have any chest pain", []),
        ("never had neck problems but now my shoulder", ["shoulder"]),
        ("not sure, maybe my knee", ["knee"]),
        ("can't bend my knee", ["knee"]),
        ("no knee pain... well my knee hurts a bit", ["knee"]),
    ],
)
def test_negated_regions_are_left_out(text: str, expected: list[str]) -> None:
    assert codes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("left", "left"),
        ("Left.", "left"),
        ("the left one", "left"),
        ("right", "right"),
        ("RIGHT side", "right"),
        ("rhs", "right"),
        ("L", "left"),
        ("r", "right"),
        ("both", "both"),
        ("both sides", "both"),
        ("left and right", "both"),
        ("mostly left, sometimes right", "both"),
        ("middle", "central"),
        ("in the middle", "central"),
        ("centre", "central"),
        ("right now it's the left", "left"),
        ("that's right", None),
        ("neither", None),
        ("not sure", None),
        ("", None),
        ("🦵", None),
        ("<b>left</b>", "left"),
    ],
)
def test_parse_side(text: str, expected: str | None) -> None:
    assert parse_side(text) == expected


def test_parse_side_rejects_non_strings() -> None:
    assert parse_side(None) is None  # type: ignore[arg-type]


def test_region_label() -> None:
    assert region_label("lower_back") == "Lower back"
    assert region_label("made_up") == "made_up"


def test_normalise_phrase() -> None:
    assert normalise_phrase("Golfer’s  ELBOW") == ("golfers", "elbow")
    assert normalise_phrase("mid-back") == ("mid", "back")


def _write_lexicon(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "lexicon.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_lexicon_refuses_a_phrase_with_two_meanings(tmp_path: Path) -> None:
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    data["regions"]["knee"]["phrases"].append("heel")
    with pytest.raises(LexiconError, match="heel"):
        load_lexicon(_write_lexicon(tmp_path, data))


def test_lexicon_refuses_missing_regions(tmp_path: Path) -> None:
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    del data["regions"]["jaw"]
    with pytest.raises(LexiconError, match="regions"):
        load_lexicon(_write_lexicon(tmp_path, data))
