"""The addons packaged as OCA packages theirs: each addon folder is a Python project
(pyproject.toml, build backend whool) whose wheel installs the addon into odoo/addons
and declares its Python libraries (the manifest's external_dependencies), which the root
requirements.txt pins without any of Odoo's own dependencies.

The wheels are built here as a town would (`pip wheel --no-deps`), from the checkout.
"""

import ast
import email.parser
import os
import re
import subprocess
import sys
import zipfile

import docutils.core
import pytest
import tomllib
from servers import ODOO_HOME, ROOT, git_files

ADDONS = ("portail_famille", "payment_payfip")
# what each wheel must require, beyond Odoo 18.0 itself
REQUIRES = {
    "portail_famille": {
        "holidays",
        "vacances-scolaires-france",
        "odoo-addon-payment_payfip==18.0.*",
        "odoo-addon-queue_job==18.0.*",
        "odoo-addon-account_banking_sepa_direct_debit==18.0.*",
    },
    "payment_payfip": {"eopayment"},
}


def manifest(addon):
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())


def requirement_names(path):
    """The distribution names a requirements file installs (its -r files aside)."""
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(normalize(re.split(r"[=<>!~; \[]", line)[0]))
    return names


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """{addon: (METADATA, names in the wheel)} of the wheels pip builds."""
    out = tmp_path_factory.mktemp("wheels")
    built = {}
    for addon in ADDONS:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--quiet",
                "--wheel-dir",
                str(out),
                str(ROOT / addon),
            ],
            check=True,
            timeout=300,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
        (wheel,) = out.glob("odoo_addon_%s-*.whl" % addon)
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
            (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
            built[addon] = (
                email.parser.Parser().parsestr(archive.read(metadata).decode()),
                names,
            )
    return built


@pytest.mark.parametrize("addon", ADDONS)
def test_addon_is_a_whool_project(addon):
    pyproject = tomllib.loads((ROOT / addon / "pyproject.toml").read_text())
    assert pyproject["build-system"] == {
        "requires": ["whool"],
        "build-backend": "whool.buildapi",
    }


@pytest.mark.parametrize("addon", ADDONS)
def test_wheel_metadata(wheels, addon):
    metadata, _names = wheels[addon]
    assert metadata["Name"] == "odoo-addon-%s" % addon
    # the manifest's version, then whool's count of commits since it changed
    version = manifest(addon)["version"]
    assert re.fullmatch(re.escape(version) + r"(\.\d+)?", metadata["Version"])
    requires = set(metadata.get_all("Requires-Dist"))
    assert requires == {"odoo==18.0.*"} | REQUIRES[addon]
    assert metadata["License"] == "LGPL-3"
    assert metadata["Summary"] == manifest(addon)["summary"]
    # the long description is the README made from the readme/ fragments
    assert metadata["Description-Content-Type"] == "text/x-rst"
    assert metadata.get_payload() == (ROOT / addon / "README.rst").read_text()
    description = (ROOT / addon / "readme" / "DESCRIPTION.md").read_text()
    words = re.findall(r"[^\W_]+", description)[:20]
    assert words == re.findall(r"[^\W_]+", metadata.get_payload().split("\n\n")[2])[:20]


@pytest.mark.parametrize("addon", ADDONS)
def test_wheel_holds_the_addon(wheels, addon):
    _metadata, names = wheels[addon]
    prefix = "odoo/addons/%s/" % addon
    files = {name.removeprefix(prefix) for name in names if name.startswith(prefix)}
    assert "__manifest__.py" in files
    # every file git knows of the addon, so every view, data file, translation and
    # static file the manifest or a template names; nothing else (no bytecode)
    expected = {path.removeprefix(addon + "/") for path in git_files(addon)}
    expected -= {"pyproject.toml"}
    assert files == expected
    assert any(f.startswith("i18n/") and f.endswith("fr.po") for f in files)
    assert any(f.startswith("static/") for f in files)
    assert any(f.startswith("views/") and f.endswith(".xml") for f in files)
    declared = manifest(addon).get("data", []) + manifest(addon).get("demo", [])
    assert set(declared) <= files


def test_root_requirements_hold_only_what_odoo_lacks():
    ours = requirement_names(ROOT / "requirements.txt")
    odoo = requirement_names(ODOO_HOME / "requirements.txt")
    assert not ours & odoo, "in Odoo's own requirements: %s" % (ours & odoo)
    # every library an addon declares is pinned there, under its PyPI name
    for addon in ADDONS:
        for dep in manifest(addon)["external_dependencies"]["python"]:
            assert normalize(dep) in ours, "%s not pinned in requirements.txt" % dep
    # and the development venv still gets Odoo's dependencies and ours
    dev = (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert "-r requirements-odoo.txt" in dev
    assert "-r requirements.txt" in dev
    assert odoo - {"pypiwin32", "rl-renderpm", "lxml-html-clean"} <= requirement_names(
        ROOT / "requirements-odoo.txt"
    )


def test_addon_readmes_are_generated_from_their_fragments():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_addon_readme.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("addon", ADDONS)
def test_addon_readme_renders_without_errors(addon):
    """README.rst as Odoo's Apps and PyPI render it: no docutils warning or error
    (an unknown reference, a broken list...), every section there."""
    html = docutils.core.publish_string(
        (ROOT / addon / "README.rst").read_text(),
        writer_name="html",
        settings_overrides={
            "halt_level": 2,  # a warning raises
            "warning_stream": False,
            "output_encoding": "unicode",
        },
    )
    for section in ("Installation", "Configuration", "Usage", "Contributors"):
        assert ">%s</" % section in html
