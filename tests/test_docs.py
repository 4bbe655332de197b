"""The documentation stands alone: the README, docs/ and the addons' README.rst and
readme/ fragments point to nothing outside the repository (no sibling folder, no path
of the machine they were written on), their relative links lead to files of the
repository, and the repository's paths they name exist."""

import re
from pathlib import Path

import pytest
from servers import git_files

ROOT = Path(__file__).resolve().parents[1]
ADDONS = ("portail_famille", "payment_payfip")
DOCS = sorted(
    [
        ROOT / "README.md",
        *ROOT.glob("docs/*.md"),
        *(ROOT / addon / "README.rst" for addon in ADDONS),
        *(path for addon in ADDONS for path in (ROOT / addon).glob("readme/*.md")),
    ]
)
# what a reader outside this machine does not have
OUTSIDE = re.compile(r"\.\./|/work/|shared/|seeds/|/root/|/home/")
LINK = re.compile(r"\]\(([^)\s]+)\)")
# a path of the repository in backquotes: `portail_famille/models/x.py`,
# `tests/test_nginx.py::test_x`
REPO_PATH = re.compile(
    r"`((?:portail_famille|payment_payfip|deploy|scripts|tests|docs|\.ci)/[^`\s]*)`"
)


def doc_id(path):
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_points_to_nothing_outside_the_repository(doc):
    text = doc.read_text()
    found = [m.group(0) for m in OUTSIDE.finditer(text)]
    # ../README.md from docs/ stays inside: checked with the links below
    found = [f for f in found if f != "../" or doc.parent == ROOT]
    assert not found, "%s points outside the repository: %s" % (doc_id(doc), found)


def anchors(markdown):
    """The anchors of the headings of a Markdown page, as GitHub makes them."""
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", markdown, flags=re.M)
    }


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_relative_links_lead_to_files_of_the_repository(doc):
    text = doc.read_text()
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address, mailto:
        if target.startswith("#"):
            assert target[1:] in anchors(text), "%s: no heading for %s" % (
                doc_id(doc),
                target,
            )
            continue
        path = (doc.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), "%s: %s leaves the repository" % (
            doc_id(doc),
            target,
        )
        assert path.exists(), "%s: %s does not exist" % (doc_id(doc), target)


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_named_paths_exist(doc):
    """A path in backquotes exists from the root or, for an addon's own folders
    (`tests/test_x.py` in an addon's section), in one of the addons."""
    missing = []
    for name in REPO_PATH.findall(doc.read_text()):
        if re.search(r"[*<>{}$]|\.\.\.", name):
            continue  # a pattern or a placeholder, not a path
        path = name.split("::")[0].rstrip(".,:;")
        if not any(
            (base / path).exists() for base in (ROOT, *map(ROOT.joinpath, ADDONS))
        ):
            missing.append(name)
    assert not missing, "%s names paths that do not exist: %s" % (doc_id(doc), missing)


def test_the_domain_reference_is_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "(docs/DOMAIN.md)" in readme
    domain = (ROOT / "docs" / "DOMAIN.md").read_text()
    # the user guides the code cites as "seed 000" ... "seed 004" are described there
    cited = set()
    for name in git_files("*.py", "*.xml", "*.md"):
        cited |= set(re.findall(r"seed (\d{3})", (ROOT / name).read_text()))
    assert cited
    for number in sorted(cited):
        assert "- **seed %s**: " % number in domain, "seed %s is not described" % number
