-- mappingc for Neovim (0.7 or later): `mappingc lsp` for every buffer of filetype `dwmap`
-- (ftdetect/dwmap.vim sets it, syntax/dwmap.vim highlights it). Add this folder to the runtime
-- path: vim.opt.runtimepath:append("/path/to/mappingc/editors/neovim").
-- Set vim.g.mappingc_command to start another server, e.g. { ".venv/bin/mappingc", "lsp" }.

local function root_of(file)
  local found = vim.fn.findfile("pyproject.toml", vim.fn.fnamemodify(file, ":p:h") .. ";")
  if found == "" then
    return vim.fn.fnamemodify(file, ":p:h")
  end
  return vim.fn.fnamemodify(found, ":p:h")
end

local clients = {} -- project root → client id: one server per project

vim.api.nvim_create_autocmd("FileType", {
  pattern = "dwmap",
  callback = function(event)
    vim.bo[event.buf].commentstring = "# %s"
    local root = root_of(vim.api.nvim_buf_get_name(event.buf))
    if clients[root] == nil then
      clients[root] = vim.lsp.start_client({
        name = "mappingc",
        cmd = vim.g.mappingc_command or { "mappingc", "lsp" },
        root_dir = root,
      })
    end
    vim.lsp.buf_attach_client(event.buf, clients[root])
    local options = { buffer = event.buf }
    vim.keymap.set("n", "K", vim.lsp.buf.hover, options)
    vim.keymap.set("n", "gd", vim.lsp.buf.definition, options)
    vim.keymap.set("n", "<leader>f", vim.lsp.buf.format or vim.lsp.buf.formatting, options)
    vim.keymap.set("n", "<leader>a", vim.lsp.buf.code_action, options)
    vim.bo[event.buf].omnifunc = "v:lua.vim.lsp.omnifunc"
  end,
})
