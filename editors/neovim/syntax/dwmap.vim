" mappingc templates (.dwmap): the words of editors/vscode/syntaxes/dwmap.tmLanguage.json.
if exists("b:current_syntax")
  finish
endif

syntax keyword dwmapBlock template valuemap page
syntax keyword dwmapKeyword label finance_operations dataverse ref description origin key
syntax keyword dwmapKeyword company_specific unmapped lookup source_filter reversed_filter
syntax keyword dwmapKeyword title intro templates via default
syntax keyword dwmapConstant none blank unpublished True False true false null
syntax keyword dwmapType string int decimal bool date datetime
syntax match dwmapMapType "\s\zs\(>>\|<<\|><\|=\|>\|<\|->\)\ze\s"
syntax match dwmapNumber "-\?\<\d\+\(\.\d\+\)\?\>"
syntax region dwmapString start=+"+ skip=+\\.+ end=+"+ oneline
syntax region dwmapString start=+"""+ end=+"""+
syntax match dwmapSuppression "mappingc: ignore\[[A-Z0-9, ]*\]" contained
syntax match dwmapComment "#.*$" contains=dwmapSuppression

highlight default link dwmapBlock Structure
highlight default link dwmapKeyword Keyword
highlight default link dwmapConstant Constant
highlight default link dwmapType Type
highlight default link dwmapMapType Operator
highlight default link dwmapNumber Number
highlight default link dwmapString String
highlight default link dwmapComment Comment
highlight default link dwmapSuppression SpecialComment

let b:current_syntax = "dwmap"
