"""Emitters: IR → the files of the output folder, each kind through its own Jinja2 template."""
