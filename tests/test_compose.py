"""deploy/docker-compose.yml, the documented alternative (official odoo:18 and
postgres:16 images), read as compose reads it: the machines of this project run no
Docker engine, so the file is checked, not run. It must hold what the README promises:
the official images, the addons and their requirements from this checkout, durable
volumes, Odoo not as root, ports on 127.0.0.1 only (nginx in front), and no default
password.
"""

import re
from pathlib import PurePosixPath

import yaml
from servers import ROOT

COMPOSE = ROOT / "deploy" / "docker-compose.yml"


def services():
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_official_images_and_durable_volumes():
    compose = yaml.safe_load(COMPOSE.read_text())
    db, odoo = compose["services"]["db"], compose["services"]["odoo"]
    assert db["image"] == "postgres:16"
    assert odoo["image"] == "odoo:18"
    assert odoo["depends_on"] == ["db"]
    # the database and Odoo's data_dir (filestore, sessions) in named volumes
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]
    assert "odoo-data:/var/lib/odoo" in odoo["volumes"]
    assert set(compose["volumes"]) == {"pgdata", "odoo-data"}
    assert {db["restart"], odoo["restart"]} == {"unless-stopped"}


def test_no_default_password_no_root_no_open_port():
    db, odoo = services()["db"], services()["odoo"]
    # compose refuses to start without the password: ${VAR:?message}
    assert re.fullmatch(
        r"\$\{POSTGRES_PASSWORD:\?.+\}", db["environment"]["POSTGRES_PASSWORD"]
    )
    assert "ports" not in db
    assert odoo["user"] == "odoo"
    assert odoo["ports"] == ["127.0.0.1:8069:8069", "127.0.0.1:8072:8072"]


def test_addons_and_requirements_come_from_this_checkout():
    odoo = services()["odoo"]
    mounts = dict(
        volume.rsplit(":", 2)[:2]
        for volume in odoo["volumes"]
        if "/" in volume.split(":")[0]
    )
    for source, target in mounts.items():
        path = (COMPOSE.parent / source).resolve()
        if source == "./odoo.conf":  # deploy/make-conf.sh's file, the town's own
            assert target == "/etc/odoo/odoo.conf"
            continue
        assert path.exists(), source
        assert path.is_relative_to(ROOT), source
    targets = {PurePosixPath(t).name for t in mounts.values()}
    assert {"portail_famille", "payment_payfip"} <= targets
    for addon in ("portail_famille", "payment_payfip"):
        assert mounts["../%s" % addon] == "/mnt/extra-addons/%s" % addon
    command = " ".join(odoo["command"].split())
    # Odoo's own requirements are the image's; the rest is installed at each start
    assert "-r /mnt/portail_famille/requirements.txt" in command
    assert "--no-deps -r /mnt/portail_famille/requirements-oca.txt" in command
    assert command.endswith('exec odoo -c /etc/odoo/odoo.conf"')
