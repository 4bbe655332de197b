from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import pager as portal_pager

from .portal import FamilyPortal


class FamilyDocumentPortal(FamilyPortal):
    """What the town publishes for the families: the news (/my/news) and the documents
    (/my/documents, with the family's registration certificates), a page at a time."""

    def _prepare_news_values(self, household, page=1):
        News = request.env["family.news"]
        news_ids = News._get_current().ids
        pager = self._family_pager("/my/news", len(news_ids), page)
        # a fresh browse: the page's news alone are read, not every current one
        news = News.browse(
            news_ids[pager["offset"] : pager["offset"] + self.family_items_per_page]
        )
        return self._prepare_form_page_values(
            household, "family_news", news=news, pager=pager
        )

    def _prepare_documents_values(self, household, page=1):
        Document = request.env["family.public.document"]
        pager = self._family_pager("/my/documents", Document.search_count([]), page)
        return self._prepare_form_page_values(
            household,
            "family_documents",
            public_documents=Document.search(
                [], limit=self.family_items_per_page, offset=pager["offset"]
            ),
            categories=dict(
                Document._fields["category"]._description_selection(request.env)
            ),
            attestations=household.registration_ids.filtered(
                lambda r: r.state == "validated"
            ).sorted("date_start", reverse=True),
            pager=pager,
        )

    @http.route(
        ["/my/news", "/my/news/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_news(self, page=1, **kw):
        household = self._family_household()
        return request.render(
            "portail_famille.portal_my_news", self._prepare_news_values(household, page)
        )

    @http.route(
        ["/my/documents", "/my/documents/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_documents(self, page=1, **kw):
        household = self._family_household()
        return request.render(
            "portail_famille.portal_my_documents",
            self._prepare_documents_values(household, page),
        )

    @http.route(
        "/my/documents/<int:document_id>",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def family_document_download(self, document_id, **kw):
        self._family_household()
        document = self._family_search("family.public.document", document_id, [])
        return (
            request.env["ir.binary"]
            ._get_stream_from(document, "file", filename_field="file_name")
            .get_response(as_attachment=True)
        )


class FamilyPublicDocuments(http.Controller):
    """The documents the town publishes, for every visitor (no login): the families'
    menus, rules and forms are not secrets, and a family new to the town reads them
    before it has an account."""

    _documents_per_page = 20

    @http.route(
        ["/documents", "/documents/page/<int:page>"],
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=True,
    )
    def family_public_documents(self, page=1, **kw):
        Document = request.env["family.public.document"]
        total = Document._count_published()
        pager = portal_pager(
            url="/documents",
            total=total,
            page=page,
            step=self._documents_per_page,
        )
        return request.render(
            "portail_famille.website_public_documents",
            {
                "documents": Document._get_published(
                    limit=self._documents_per_page, offset=pager["offset"]
                ),
                "categories": dict(
                    Document._fields["category"]._description_selection(request.env)
                ),
                "pager": pager if total > self._documents_per_page else None,
            },
        )

    @http.route(
        "/documents/<int:document_id>",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def family_public_document_download(self, document_id, **kw):
        document = request.env["family.public.document"]._get_published(
            document_id=document_id
        )
        if not document:
            raise NotFound()
        return (
            request.env["ir.binary"]
            ._get_stream_from(document, "file", filename_field="file_name")
            .get_response(as_attachment=True)
        )
