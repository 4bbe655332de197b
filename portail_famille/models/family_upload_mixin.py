import base64
import os
import re
import unicodedata

from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.tools.mimetypes import guess_mimetype
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

MAX_UPLOAD_SIZE = 6 * 1024 * 1024  # 6 MB, as the town's rules say
MAX_FILE_NAME_LENGTH = 100
# the types a family may send, read from the bytes, with the extensions each may carry
DOCUMENT_TYPES = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}
IMAGE_TYPES = {
    mimetype: DOCUMENT_TYPES[mimetype] for mimetype in ("image/jpeg", "image/png")
}
KNOWN_EXTENSIONS = {
    extension for extensions in DOCUMENT_TYPES.values() for extension in extensions
}
UNSAFE_CHARACTERS = re.compile(r'[<>:"|?*]')


def safe_file_name(filename, mimetype=None):
    """``filename`` as it can be stored and sent back in a download: no folder, no
    control or invisible character (tabs and line breaks become spaces), at most 100
    characters. With ``mimetype`` (the type read from the bytes), the extension is that
    type's: ``facture.pdf`` holding a PNG image becomes ``facture.png``."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = "".join(
        " " if char.isspace() else char
        for char in unicodedata.normalize("NFC", name)
        if char.isspace() or unicodedata.category(char)[0] != "C"
    )
    name = " ".join(UNSAFE_CHARACTERS.sub("_", name).split()).strip(". ")
    stem, extension = os.path.splitext(name)
    if len(extension) > 10:
        stem, extension = name, ""
    if mimetype:
        if extension.lower() not in DOCUMENT_TYPES.get(mimetype, ()):
            if extension.lower() not in KNOWN_EXTENSIONS:
                stem = name
            extension = DOCUMENT_TYPES.get(mimetype, ("",))[0]
    stem = stem[: MAX_FILE_NAME_LENGTH - len(extension)].rstrip(". ")
    if not stem:
        return "document" + extension if mimetype else ""
    return stem + extension


def check_upload(content, filename, types=None, env=None):
    """Raise a ValidationError unless ``content`` (raw bytes) is a file of one of
    ``types`` (read from the bytes, not from the file name; DOCUMENT_TYPES by default)
    of at most 6 MB; return its type. The message is in the language of ``env``, or of
    the request without it."""
    types = types or DOCUMENT_TYPES
    name = safe_file_name(filename)
    mimetype = guess_mimetype(content) if content else None
    if not content:
        error = (
            _lt("The file %(name)s is empty.", name=name)
            if name
            else _lt("The file is empty.")
        )
    elif len(content) > MAX_UPLOAD_SIZE:
        size = len(content) / 1024 / 1024
        error = (
            _lt(
                "The file %(name)s is %(size).1f MB: the maximum is 6 MB.",
                name=name,
                size=size,
            )
            if name
            else _lt("The file is %(size).1f MB: the maximum is 6 MB.", size=size)
        )
    elif mimetype not in types:
        if types == IMAGE_TYPES:
            error = _lt("The photo must be a JPEG or PNG image.")
        elif name:
            error = _lt(
                "The file %(name)s is not a PDF, JPEG or PNG document.", name=name
            )
        else:
            error = _lt("The file is not a PDF, JPEG or PNG document.")
    else:
        return mimetype
    raise ValidationError(env._(error) if env is not None else str(error))


class FamilyUploadMixin(models.AbstractModel):
    """The files a family supplies (documents, proofs, certificates, photos) are checked
    on their bytes (type, size, not empty) whatever the route that writes them: portal
    form, RPC, backend, sudo code. The file name given with a file is made safe and
    takes the extension of the type read from the bytes. A model lists its files in
    ``_family_upload_fields`` ({binary field: field holding its file name, or None}) and
    the types it accepts in ``_family_upload_types``."""

    _name = "family.upload.mixin"
    _description = "Files Supplied by Families"

    _family_upload_fields = {}
    _family_upload_types = DOCUMENT_TYPES

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_family_uploads(vals, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        vals = dict(vals)
        self._check_family_uploads(vals)
        return super().write(vals)

    @api.model
    def _check_family_uploads(self, vals, creating=False):
        """Check the files of ``vals`` (base64, as create/write get them) and make their
        file names safe, in place. A file written without its name keeps the name stored
        with the record, except at creation."""
        named = set()
        for fname, name_field in self._family_upload_fields.items():
            if not vals.get(fname):
                continue
            content = base64.b64decode(vals[fname])
            mimetype = check_upload(
                content,
                vals.get(name_field) if name_field else None,
                self._family_upload_types,
                env=self.env,
            )
            if name_field and (creating or name_field in vals):
                vals[name_field] = safe_file_name(vals.get(name_field), mimetype)
                named.add(name_field)
        for name_field in set(self._family_upload_fields.values()) - named - {None}:
            files = [
                fname
                for fname, field_name in self._family_upload_fields.items()
                if field_name == name_field
            ]
            if vals.get(name_field) and any(fname in vals for fname in files):
                # a name with an empty file: an empty upload
                check_upload(b"", vals[name_field], env=self.env)
            if vals.get(name_field):
                vals[name_field] = safe_file_name(vals[name_field]) or False
        return vals
