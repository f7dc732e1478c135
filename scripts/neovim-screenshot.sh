#!/usr/bin/env bash
# The README's editor picture: Neovim with `mappingc lsp` on a copy of mappings/ with one typo,
# the diagnostic shown and the hover of the next row open, under Xvfb.
#   sudo apt-get install neovim xvfb xterm x11-apps imagemagick fonts-dejavu-core
#   scripts/neovim-screenshot.sh [docs/images/neovim.png]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$repo/docs/images/neovim.png}")
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cp -r "$repo/mappings" "$work/mappings"
printf '[tool.mappingc]\nmappings = "mappings"\n' > "$work/pyproject.toml"
sed -i 's/msdyn_enrollmentdate        : date/msdyn_enrollmentdate        : dte/' "$work/mappings/loyalty/loyalty_card.dwmap"
cat > "$work/init.lua" <<LUA
vim.o.termguicolors = true
vim.o.number = true
vim.o.swapfile = false
vim.g.mappingc_command = { "$repo/.venv/bin/mappingc", "lsp" }
vim.opt.runtimepath:append("$repo/editors/neovim")
vim.cmd("syntax on")
vim.cmd("highlight NormalFloat guibg=#2d2d30 guifg=#d4d4d4")
-- What a person would do once the diagnostics are in: put the cursor on the row, press K.
vim.defer_fn(function()
  vim.api.nvim_win_set_cursor(0, { 21, 4 })
  vim.lsp.buf.hover()
end, 5000)
LUA

display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1400x860x24 >/dev/null 2>&1 &
sleep 1
cd "$work"
DISPLAY=$display xterm -geometry 150x42+0+0 -fa "DejaVu Sans Mono" -fs 11 \
  -bg "#1e1e1e" -fg "#d4d4d4" -e nvim -u "$work/init.lua" mappings/loyalty/loyalty_card.dwmap &
sleep 8
DISPLAY=$display xwd -root -silent | /usr/bin/convert xwd:- -crop 1360x800+0+0 +repage "$out"
echo "wrote $out"
