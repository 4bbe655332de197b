"""deploy/create-town-db.sh: a town's database, clean, on the test cluster.

The script creates the database without demo data, in French, with the company of a
French town (its name, France, EUR), portail_famille installed, and an administrator
whose generated password it prints once; a second run on the same name is refused and
leaves the database as it was. About as long as an install (4 to 8 minutes).
"""

import os
import re
import subprocess
import sys

import pytest
from passlib.context import CryptContext
from servers import ODOO_HOME, ROOT, drop_database, query

import odoo

TOWN = "Ville de Saint-Témoin"


def create_town_db(db_name, *args):
    return subprocess.run(
        [
            str(ROOT / "deploy" / "create-town-db.sh"),
            odoo.tools.config.rcfile,
            db_name,
            TOWN,
            *args,
        ],
        env={**os.environ, "PY": sys.executable, "ODOO_HOME": str(ODOO_HOME)},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


@pytest.fixture(scope="module")
def town():
    db_name = "%s_town_%d" % (odoo.tools.config["db_name"], os.getpid())
    result = create_town_db(db_name, "mairie")
    try:
        yield db_name, result
    finally:
        drop_database(db_name)


def test_town_database_is_clean_and_the_towns(town):
    db_name, result = town
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (
        'Database %s created for "%s", without demo data.'
        % (
            db_name,
            TOWN,
        )
        in result.stdout
    )
    # no demo data: no module loaded it, none of the demo town's records
    assert query(db_name, "SELECT count(*) FROM ir_module_module WHERE demo") == [(0,)]
    assert query(
        db_name, "SELECT state FROM ir_module_module WHERE name = 'portail_famille'"
    ) == [("installed",)]
    assert query(
        db_name,
        "SELECT count(*) FROM res_users WHERE login LIKE %s",
        ("%@demo.portail-famille.fr",),
    ) == [(0,)]
    assert query(db_name, "SELECT count(*) FROM family_household") == [(0,)]
    # the town's company: its name, in France, in euros; French for everyone
    assert query(
        db_name,
        "SELECT c.name, country.code, currency.name FROM res_company c "
        "JOIN res_partner p ON p.id = c.partner_id "
        "JOIN res_country country ON country.id = p.country_id "
        "JOIN res_currency currency ON currency.id = c.currency_id",
    ) == [(TOWN, "FR", "EUR")]
    assert ("fr_FR",) in query(db_name, "SELECT code FROM res_lang WHERE active")
    assert query(
        db_name,
        "SELECT d.json_value FROM ir_default d "
        "JOIN ir_model_fields f ON f.id = d.field_id "
        "WHERE f.model = 'res.partner' AND f.name = 'lang'",
    ) == [('"fr_FR"',)]
    # the administrator: the login asked for, the password printed once
    password = re.search(r"Administrator: mairie / (\S+)", result.stdout).group(1)
    (stored,) = query(db_name, "SELECT password FROM res_users WHERE login = 'mairie'")[
        0
    ]
    assert CryptContext(["pbkdf2_sha512"]).verify(password, stored)
    assert not CryptContext(["pbkdf2_sha512"]).verify("admin", stored)


def test_town_database_refuses_an_existing_name(town):
    db_name, _result = town
    before = query(db_name, "SELECT max(id), max(write_date) FROM res_users")
    result = create_town_db(db_name)
    assert result.returncode != 0
    assert "database %s exists already" % db_name in result.stderr
    assert query(db_name, "SELECT name FROM res_company") == [(TOWN,)]
    assert query(db_name, "SELECT max(id), max(write_date) FROM res_users") == before
