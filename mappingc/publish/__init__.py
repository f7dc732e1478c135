"""Publishing the reference: translations (i18n.py, gettext catalogs with Babel), the static site
(site.py, MkDocs) and the pages of mappingc's own manual generated from its code (manual.py)."""
