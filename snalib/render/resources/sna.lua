-- sna.lua: how a report page shows the notebook cells it embeds (Quarto Lua filter).
--
-- The built-in renderer (snalib/render/builtin.py) writes the same structure, so that both
-- renderers give one report.
-- 1. Quarto puts data-notebook="<absolute path of the notebook>" on every embed and, in a
--    book, never uses it (format-html-notebook.ts skips notebook previews for books): drop
--    it, so that no page holds a path of the build machine. Remember the notebook's name.
-- 2. Drop the cell metadata Quarto forwards as data-quarto-private-N attributes.
-- 3. Show the (folded) code after the output: findings first, the code for evaluators.
-- 4. End the page with a link to the executed notebook(s) its outputs come from
--    (<run>/notebooks/<name>.html, written by sna for both renderers).

local notebooks = {}
local seen = {}

local function basename(path)
  return path:match("([^/\\]+)$") or path
end

function Div(el)
  if el.classes:includes("quarto-embed-nb-cell") then
    local path = el.attributes["notebook"]
    if path then
      local name = basename(path)
      if not seen[name] then
        seen[name] = true
        table.insert(notebooks, name)
      end
    end
    for _, key in ipairs({ "notebook", "notebook-title", "notebook-cellId", "notebook-cellid" }) do
      el.attributes[key] = nil
    end
    return el
  end
  if el.classes:includes("cell") then
    for key, _ in pairs(el.attributes) do
      if key:match("^quarto%-private%-%d+$") then
        el.attributes[key] = nil
      end
    end
    local code, rest = pandoc.Blocks({}), pandoc.Blocks({})
    for _, block in ipairs(el.content) do
      if block.t == "CodeBlock" and block.classes:includes("cell-code") then
        code:insert(block)
      else
        rest:insert(block)
      end
    end
    rest:extend(code)
    el.content = rest
    return el
  end
end

function Pandoc(doc)
  if #notebooks == 0 then
    return doc
  end
  local inlines = pandoc.Inlines({ pandoc.Str("Outputs on this page come from the executed notebook" .. (#notebooks > 1 and "s" or "")), pandoc.Space() })
  for i, name in ipairs(notebooks) do
    local page = "../notebooks/" .. name:gsub("%.ipynb$", ".html")
    if i > 1 then
      inlines:insert(pandoc.Str(","))
      inlines:insert(pandoc.Space())
    end
    inlines:insert(pandoc.Link({ pandoc.Str(name) }, page))
  end
  inlines:insert(pandoc.Str("."))
  doc.blocks:insert(pandoc.Div({ pandoc.Para(inlines) }, pandoc.Attr("", { "source-notebooks" })))
  return doc
end
