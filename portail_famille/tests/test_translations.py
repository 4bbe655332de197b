from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

I18N = Path(__file__).resolve().parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    """The portal runs in French: every term of the module (code messages, field
    labels, selection values, views and QWeb templates) has its French translation,
    and the .pot lists exactly the module's terms. A template whose markup changes
    (a formatter putting a line break between an icon and its label) changes its
    term, and a missing msgid would show the English text to parents."""

    def _module_terms(self):
        reader = TranslationModuleReader(self.env.cr, modules=["portail_famille"])
        return {
            source
            for module, _type, _name, _res_id, source, _value, _comments in reader
            if module == "portail_famille" and source
        }

    def test_every_term_has_its_french_translation(self):
        terms = self._module_terms()
        self.assertGreater(len(terms), 500)
        french = {
            entry.msgid: entry.msgstr
            for entry in polib.pofile(str(I18N / "fr.po"))
            if not entry.obsolete
        }
        missing = sorted(term for term in terms if not french.get(term))
        self.assertFalse(
            missing,
            "Terms without a French translation in i18n/fr.po: %s" % missing[:10],
        )
        unused = sorted(set(french) - terms)
        self.assertFalse(
            unused, "fr.po entries no term of the module uses: %s" % unused[:10]
        )

    def test_pot_lists_the_module_terms(self):
        terms = self._module_terms()
        pot = {
            entry.msgid
            for entry in polib.pofile(str(I18N / "portail_famille.pot"))
            if not entry.obsolete
        }
        self.assertEqual(
            sorted(terms - pot), [], "terms missing from portail_famille.pot"
        )
        self.assertEqual(
            sorted(pot - terms), [], "portail_famille.pot entries no longer used"
        )
