"""README.md and .ci/run agree on how the tests are run."""

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _logical_lines(text):
    """Lines with backslash continuations joined; comments and blanks dropped."""
    lines, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.endswith("\\"):
            current += line[:-1].strip() + " "
            continue
        line = current + line
        current = ""
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def _normalise(command):
    return " ".join(shlex.split(command))


def _pytest_commands(line):
    """The parts of a shell line (split on && ; ||) that run pytest, normalised."""
    parts = re.split(r"&&|\|\||;", line)
    return [_normalise(p) for p in parts if re.search(r"\bpytest\b", p)]


def _readme_code_lines():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^ {0,3}(```|~~~)[^\n]*\n(.*?)^ {0,3}\1[ \t]*$", text, re.M | re.S)
    lines = []
    for _, body in blocks:
        for line in _logical_lines(body):
            lines.append(re.sub(r"^\$\s+", "", line))  # drop a shell prompt
    return lines


def _ci_last_line():
    return _logical_lines((ROOT / ".ci" / "run").read_text(encoding="utf-8"))[-1]


def test_ci_ends_by_running_pytest():
    commands = _pytest_commands(_ci_last_line())
    assert len(commands) == 1, _ci_last_line()


def test_readme_gives_the_ci_test_command():
    ci_line = _ci_last_line()
    (ci_command,) = _pytest_commands(ci_line)
    code = _readme_code_lines()
    readme_commands = [c for line in code for c in _pytest_commands(line)]
    assert readme_commands, "README.md has no fenced code block that runs pytest"
    assert ci_command in readme_commands, (
        f".ci/run runs {ci_command!r}; README.md's code blocks run {readme_commands!r}"
    )


def test_helpers_parse_what_they_should():
    assert _pytest_commands("python3 -m venv .venv && .venv/bin/python -m pytest  -q") == [
        ".venv/bin/python -m pytest -q"
    ]
    assert _pytest_commands("pip install -e '.[test]'") == []
    assert _logical_lines("# c\n\na \\\n  b\n") == ["a b"]


def _python_blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)


def test_the_readme_python_snippets_run(tmp_path, monkeypatch):
    # the snippets read sample_images/ and write into the working folder
    (tmp_path / "sample_images").symlink_to(ROOT / "sample_images")
    monkeypatch.chdir(tmp_path)
    blocks = _python_blocks()
    assert len(blocks) >= 5
    namespace = {}
    for block in blocks:  # in order: later snippets use the names of earlier ones
        exec(compile(block, "README.md", "exec"), namespace)
    assert (tmp_path / "coffee_polygons.geojson").is_file()
    assert namespace["inside"].labels[0, 0] == 0
