"""Writing templates: the project an editor sees (project.py), what the language server answers
about a place in a file (navigation.py: hover, definition, completion, quick fixes), and the
server itself over LSP (server.py, `mappingc lsp`). The formatter is mappingc.frontend.formatter."""
