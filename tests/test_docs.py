"""Every fenced code block in README.md and docs/*.md works.

- ```python blocks run, each in a fresh interpreter from the repository root. A block tagged
  ```python needs-data reads the real data sets and is skipped when their folder is absent;
  one tagged ```python notest needs what only a user has and is skipped (keep those few).
- ```bash blocks are checked, not run (no training or evaluation here): each `ganzoo ...` line
  names a subcommand and options that `ganzoo <subcommand> --help` lists, and each
  `python recipes/|scripts/|benchmarks/...` or `bash scripts/...` line names a file that exists
  and flags that the script defines.
- ```text and ```json blocks are shown as they are; a block without a language fails, so
  nothing new slips past unchecked.
Relative links and pictures must point at files that exist.
"""

import functools
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import HAVE_DATA, NO_DATA_REASON, REPO_ROOT
from ganzoo.own_data import FOLDER_FAMILIES

DOCUMENTS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.S | re.M)
LANGUAGES = {"python", "bash", "text", "json"}
PYTHON_TAGS = {"notest", "needs-data"}
MAX_NOTEST = 3
ABSL_BUILTIN_FLAGS = {"help", "helpfull", "helpshort", "helpxml", "flagfile"}
SHELL_SEPARATORS = {"&&", "||", ";", "|"}


def _blocks():
    """(id, language, tags, code) of every fenced block, in document order."""
    found = []
    for path in DOCUMENTS:
        text = path.read_text()
        for match in FENCE.finditer(text):
            info = match.group(1).split()
            line = text.count("\n", 0, match.start()) + 1
            block_id = f"{path.relative_to(REPO_ROOT)}:{line}"
            found.append((block_id, info[0] if info else "", set(info[1:]), match.group(2)))
    return found


BLOCKS = _blocks()
PYTHON = [b for b in BLOCKS if b[1] == "python"]
BASH = [b for b in BLOCKS if b[1] == "bash"]


def test_the_documents_have_code_to_check():
    assert len(DOCUMENTS) > 5, "README.md and docs/*.md"
    assert len(PYTHON) >= 5 and len(BASH) >= 5


@pytest.mark.parametrize("block_id, language, tags", [b[:3] for b in BLOCKS], ids=[b[0] for b in BLOCKS])
def test_every_block_names_a_known_language(block_id, language, tags):
    assert language in LANGUAGES, f"{block_id}: give the block one of {sorted(LANGUAGES)}"
    if language == "python":
        assert tags <= PYTHON_TAGS, f"{block_id}: unknown tags {sorted(tags - PYTHON_TAGS)}"


def test_few_python_blocks_are_left_untested():
    untested = [b[0] for b in PYTHON if "notest" in b[2]]
    assert len(untested) <= MAX_NOTEST, f"define small inputs in the block instead: {untested}"


def _skip_reason(block_id, tags):
    if "notest" in tags:
        return f"{block_id} is marked notest: it needs inputs only a user has"
    if "needs-data" in tags and not HAVE_DATA:
        return NO_DATA_REASON  # the block reads the real data sets
    return None


def _run_python(code):
    """In a fresh folder, as a user's script would run: what a block writes lands there."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True,
                              timeout=240, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))


@pytest.fixture(scope="module")
def python_runs(request):
    """The selected python blocks, started two at a time as soon as the first of them is tested:
    most of a block's time is the single-threaded import of TensorFlow, so two overlap well."""
    selected = {item.callspec.params["block_id"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_python_block_runs"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {block_id: pool.submit(_run_python, code) for block_id, _, tags, code in PYTHON
               if block_id in selected and _skip_reason(block_id, tags) is None}


@pytest.mark.parametrize("block_id, tags", [(b[0], b[2]) for b in PYTHON], ids=[b[0] for b in PYTHON])
def test_python_block_runs(block_id, tags, python_runs):
    reason = _skip_reason(block_id, tags)
    if reason:
        pytest.skip(reason)
    done = python_runs[block_id].result()
    assert done.returncode == 0, f"{block_id} failed:\n{done.stderr[-3000:]}"


# --- bash blocks: parsed and checked against the command's help and the scripts' flags ---

@functools.lru_cache(maxsize=None)
def _ganzoo_help(*subcommand):
    done = subprocess.run([sys.executable, "-m", "ganzoo.cli", *subcommand, "--help"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert done.returncode == 0, f"ganzoo {' '.join(subcommand)} --help failed:\n{done.stderr[-2000:]}"
    return done.stdout


def _subcommands():
    listed = _ganzoo_help().split("positional arguments:")[1].split("options:")[0]
    return set(re.findall(r"^\s{4}([a-z][a-z-]*)\s", listed, re.M))


def _options(tokens):
    """The option names among a command's tokens ('--steps=2000' -> '--steps', '[--seed' -> '--seed')."""
    names = []
    for token in tokens:
        token = token.strip("[]()")
        if re.match(r"^--?[A-Za-z]", token):
            names.append(token.split("=")[0])
    return names


def _listed_in_help(option, help_text):
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text) is not None


@functools.lru_cache(maxsize=None)
def _source(path):
    return path.read_text()


def _defined_in(option, sources):
    """An absl or argparse flag of a script: DEFINE_x("name", ...) or add_argument("--name")."""
    name = option.lstrip("-")
    if name in ABSL_BUILTIN_FLAGS:
        return True
    candidates = [name] + ([name[2:]] if name.startswith("no") else [])  # absl's --noflag of a boolean
    for candidate in candidates:
        pattern = rf"""["']-{{0,2}}{re.escape(candidate)}["']"""
        if any(re.search(pattern, _source(s)) for s in sources):
            return True
    return False


def _recipe_sources(script=None):
    recipes = REPO_ROOT / "recipes"
    return ([script] if script else []) + sorted(recipes.glob("*.py"))


def _commands(code):
    """Each simple command of a bash block as tokens, comments and leading VAR=value dropped; a line ending
    in a backslash goes on on the next."""
    for line in code.replace("\\\n", " ").splitlines():
        tokens = shlex.split(line, comments=True)
        command = []
        for token in tokens + [";"]:
            if token in SHELL_SEPARATORS:
                while command and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", command[0]):
                    command.pop(0)
                if command:
                    yield line, command
                command = []
            else:
                command.append(token)


def _check_ganzoo(line, command):
    arguments = command[1:]
    if arguments and arguments[0].startswith("-"):  # ganzoo --version, ganzoo --help
        for option in _options(arguments):
            assert _listed_in_help(option, _ganzoo_help()), f"`{line}`: ganzoo has no {option}"
        return
    assert arguments, f"`{line}`: no subcommand"
    subcommand = arguments[0]
    assert subcommand in _subcommands(), f"`{line}`: ganzoo has no subcommand {subcommand!r}"
    help_text = _ganzoo_help(subcommand)
    if subcommand == "train":  # flags after NAME go to the recipe, or are the own-images options of a family
        name = arguments[1] if len(arguments) > 1 else "NAME"
        recipe = REPO_ROOT / "recipes" / f"{name}.py"
        if name != "NAME" and name not in FOLDER_FAMILIES:
            assert recipe.exists(), f"`{line}`: no recipe {recipe.relative_to(REPO_ROOT)}"
        sources = _recipe_sources(recipe if recipe.exists() else None)
        for option in _options(arguments[2:]):
            assert _listed_in_help(option, help_text) or _defined_in(option, sources), \
                f"`{line}`: neither `ganzoo train` nor the recipe defines {option}"
        return
    for option in _options(arguments[1:]):
        assert _listed_in_help(option, help_text), f"`{line}`: `ganzoo {subcommand} --help` lists no {option}"


def _check_script(line, command):
    script = REPO_ROOT / command[1]
    assert script.is_file(), f"`{line}`: {command[1]} does not exist"
    sources = _recipe_sources(script) if command[1].startswith("recipes/") else [script]
    if script.suffix == ".py":
        for option in _options(command[2:]):
            assert _defined_in(option, sources), f"`{line}`: {command[1]} defines no {option}"


def _checked(command):
    program = command[0]
    if program in ("ganzoo", ".venv/bin/ganzoo"):
        return "ganzoo"
    if len(command) > 1 and re.match(r"^(recipes|scripts|benchmarks)/", command[1]):
        if program in ("python", "python3", ".venv/bin/python", "bash"):
            return "script"
    return None


def test_bash_blocks_check_the_commands_they_show():
    kinds = [_checked(command) for block in BASH for _, command in _commands(block[3])]
    assert kinds.count("ganzoo") >= 10 and kinds.count("script") >= 10


@pytest.mark.parametrize("block_id, code", [(b[0], b[3]) for b in BASH], ids=[b[0] for b in BASH])
def test_bash_block_commands_parse(block_id, code):
    for line, command in _commands(code):
        kind = _checked(command)
        if kind == "ganzoo":
            _check_ganzoo(f"{block_id}: {line.strip()}", command)
        elif kind == "script":
            _check_script(f"{block_id}: {line.strip()}", command)


def test_the_readme_starts_with_the_two_commands():
    lines = (REPO_ROOT / "README.md").read_text().splitlines()
    assert lines[:3] == ["# ganzoo", "", "```bash"]
    assert lines[3].startswith("bash scripts/setup.sh && .venv/bin/ganzoo sample cgan_mnist")
    assert lines[4].startswith("bash scripts/test.sh") and lines[5] == "```"
    assert len(lines) <= 160, "the README is a front page: the rest goes to docs/"


def test_the_readme_names_every_family():
    from ganzoo.families import FAMILIES, _import_all

    _import_all()
    zoo_section = (REPO_ROOT / "README.md").read_text().split("## The zoo")[1]
    missing = [family for family in sorted(FAMILIES) if f"`{family}`" not in zoo_section]
    assert not missing, f"README's zoo section does not name the families {missing}"


@pytest.mark.parametrize("path", DOCUMENTS, ids=[str(p.relative_to(REPO_ROOT)) for p in DOCUMENTS])
def test_relative_links_and_pictures_exist(path):
    text = FENCE.sub("", path.read_text())
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r"""src=['"]([^'"]+)['"]""", text)
    for target in targets:
        if re.match(r"^[a-z]+://", target) or target.startswith("#"):
            continue
        assert (path.parent / target.split("#")[0]).exists(), f"{path.name}: {target} does not exist"
