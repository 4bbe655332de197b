from . import controllers, models, report, wizard


def _post_init_hook(env):
    # the demo town's billing history needs the French translations, loaded after the
    # demo data; it is written in the administrator's language (the town's)
    if env.ref("base.module_portail_famille").demo:
        lang = env.ref("base.user_admin").lang
        env["family.billing.run"].with_context(lang=lang)._demo_build_past()
        env["family.reservation"].with_context(lang=lang)._demo_book_coming_days()
        env["family.message"].with_context(lang=lang)._demo_create_conversations()
