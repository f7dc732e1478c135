" mappingc templates. Vim script rather than vim.filetype.add: Neovim 0.7 reads the Lua table
" only when g:do_filetype_lua is set.
autocmd BufRead,BufNewFile *.dwmap setfiletype dwmap
