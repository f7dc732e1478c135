"""Reviewing a change to the templates: which changes can break a running integration
(`mappingc breaking`) and what changed, per template and field (`mappingc diff`).

`rules` names and classifies each kind of change, `compare` finds them between two checked
catalogs, `against` reads the templates to compare with (a folder, or a git ref).
"""
