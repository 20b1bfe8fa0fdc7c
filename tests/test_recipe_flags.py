"""Every recipe defines its flags without clashing with the shared ones (recipes/recipe_flags.py) or
with the recipes it imports: absl raises DuplicateFlagError at import, before any training, and
srgan_x4's own --init_from once made the whole recipe unusable that way."""

import subprocess
import sys

import pytest

from conftest import REPO_ROOT

RECIPES = sorted(p.name for p in (REPO_ROOT / "recipes").glob("*.py") if p.name != "recipe_flags.py")


def test_every_recipe_is_listed():
    assert len(RECIPES) >= 20 and "srgan_x4.py" in RECIPES


@pytest.mark.parametrize("recipe", RECIPES)
def test_recipe_flags_parse_and_list_the_shared_ones(recipe):
    # --helpfull parses every flag definition and prints them (absl then exits with status 1)
    result = subprocess.run([sys.executable, f"recipes/{recipe}", "--helpfull"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-2000:]
    assert "--steps" in output and "--init_from" in output and "--export" in output
